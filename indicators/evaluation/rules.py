"""The bound and how it is met: which side is good, the qualifier's slack, progress, and the words for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from indicators.evaluation.results import HIGHER, LOWER, EvaluationStatus, Status, dec
from indicators.evaluation.wording import has_word, normal, number_text
from indicators.models import ChangeDirection, MeasureUnit

APPROXIMATE_SHARE = Decimal("0.05")  # "khoảng", and "cơ bản" with a non-zero threshold
BASICALLY_SHARE = Decimal("0.005")  # "cơ bản" with a threshold of 0: share of the baseline
BASICALLY_FLOOR_COUNT = Decimal(1)
BASICALLY_FLOOR_RATE = Decimal("0.5")
AT_RISK_SHARE = Decimal("0.8")  # 80% of the threshold (or of its pro-rata share)

COUNT_UNITS = {
    MeasureUnit.HOUSEHOLDS, MeasureUnit.PERSONS, MeasureUnit.WORKERS,
    MeasureUnit.COMMUNES, MeasureUnit.VILLAGES, MeasureUnit.DISTRICTS,
    MeasureUnit.PERSON_TIMES, MeasureUnit.WORKS,
}
# Rates and changes measured in percentage points: "cơ bản không còn" leaves at least 0,5 of them.
POINT_CHANGE_UNITS = {MeasureUnit.PERCENT, MeasureUnit.POINTS}


@dataclass(frozen=True)
class Rule:
    low: Decimal | None
    high: Decimal | None
    better: str  # HIGHER or LOWER
    strict: bool
    tolerance: Decimal
    tolerance_note: str = ""

    @property
    def threshold(self) -> Decimal:
        if self.better == HIGHER:
            return self.low if self.low is not None else self.high
        return self.high if self.high is not None else self.low

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None and self.low != self.high

    def met_exactly(self, q: Decimal) -> bool:
        t = self.threshold
        if self.better == HIGHER:
            return q > t if self.strict else q >= t
        return q < t if self.strict else q <= t

    def met(self, q: Decimal) -> bool:
        if self.met_exactly(q):
            return True
        if not self.tolerance:
            return False
        t = self.threshold
        return q >= t - self.tolerance if self.better == HIGHER else q <= t + self.tolerance

    def beyond(self, q: Decimal) -> bool:
        """Past the far end of a range, on the good side."""
        if not self.is_range:
            return False
        return q > self.high if self.better == HIGHER else q < self.low

    def scaled(self, factor: Decimal) -> Rule:
        """The pro-rata share of the rule (cumulative and relative targets before their end)."""
        scale = lambda v: None if v is None else v * factor  # noqa: E731
        return Rule(scale(self.low), scale(self.high), self.better, self.strict, self.tolerance * factor)

    def progress(self, q: Decimal) -> EvaluationStatus:
        """Before the end: meets -> ON_TRACK; within 80% of the threshold -> AT_RISK; else OFF_TRACK."""
        if self.met(q):
            return Status.ON_TRACK
        t = self.threshold
        if self.better == HIGHER:
            near = t > 0 and q >= t * AT_RISK_SHARE
        else:  # the mirror: up to 120% of a "no more than" threshold
            near = t > 0 and q <= t * (2 - AT_RISK_SHARE)
        return Status.AT_RISK if near else Status.OFF_TRACK


def reference_value(target, values: Mapping[int, Decimal]) -> Decimal | None:
    """The baseline "cơ bản" is measured against."""
    if target.baseline_value is not None:
        return dec(target.baseline_value)
    for year in (target.baseline_year, (target.start_year - 1) if target.start_year else None):
        if year is not None and year in values:
            return values[year]
    return next(iter(values.values()), None)


def rule_for(target, better: str, reference: Decimal | None = None) -> Rule:
    low, high = dec(target.min_value), dec(target.max_value)
    q = normal(target.qualifier)
    strict = has_word(q, "trên") or has_word(q, "dưới")
    rule = Rule(low, high, better, strict, Decimal(0))
    t = rule.threshold
    tolerance, note = Decimal(0), ""
    if "khoảng" in q:
        tolerance, note = abs(t) * APPROXIMATE_SHARE, _("trong dung sai ±5%")
    elif "cơ bản" in q:
        if t == 0:
            tolerance = basically_none(target.unit, reference)
        else:
            tolerance = abs(t) * APPROXIMATE_SHARE
        limit = t - tolerance if better == HIGHER else t + tolerance
        note = _("mức “cơ bản” chấp nhận đến %(limit)s") % {"limit": number_text(limit, target.unit)}
    return Rule(low, high, better, strict, tolerance, note)


def basically_none(unit: str, reference: Decimal | None) -> Decimal:
    """How much is left when "cơ bản không còn" is still met."""
    share = (reference or Decimal(0)) * BASICALLY_SHARE
    if unit in COUNT_UNITS:
        return max(share.to_integral_value(rounding=ROUND_FLOOR), BASICALLY_FLOOR_COUNT)
    if unit in POINT_CHANGE_UNITS:
        return max(share, BASICALLY_FLOOR_RATE)
    return Decimal(0)


def judge_text(rule: Rule, q: Decimal, phrase: str, beyond_note: str) -> str:
    """ "cao hơn mức còn 1,84%", "nằm trong mức 1,5–1,7", "chỉ bằng, chưa đạt mức trên 50%"."""
    if rule.strict and q == rule.threshold and not rule.met(q):
        return _("chỉ bằng, chưa đạt mức %(bound)s") % {"bound": phrase}
    if rule.is_range:
        if q < rule.low:
            text = _("thấp hơn mức %(bound)s")
        elif q > rule.high:
            text = _("cao hơn mức %(bound)s")
        else:
            text = _("nằm trong mức %(bound)s")
    else:
        bound = rule.low if rule.low is not None else rule.high
        text = _("thấp hơn mức %(bound)s") if q < bound else _("cao hơn mức %(bound)s") if q > bound else _(
            "bằng mức %(bound)s")
    text = text % {"bound": phrase}
    if rule.met(q) and not rule.met_exactly(q):
        text += f" ({rule.tolerance_note})"
    elif rule.met(q) and rule.beyond(q):
        text += f" ({beyond_note})"
    return text


def change_rule(target, better: str, reference: Decimal | None) -> tuple[Rule, str, str, str]:
    """The rule on the magnitude of the change, the target's verb, the other verb, the beyond note."""
    decrease = target.change_direction == ChangeDirection.DECREASE
    down, up = pgettext("change", "giảm"), pgettext("change", "tăng")
    verb, other = (down, up) if decrease else (up, down)
    agrees = (better == LOWER) == decrease
    rule = rule_for(target, HIGHER if agrees else LOWER, reference)
    if agrees:
        beyond = _("giảm nhiều hơn kế hoạch") if decrease else _("tăng nhiều hơn kế hoạch")
    else:
        beyond = _("giảm ít hơn kế hoạch") if decrease else _("tăng ít hơn kế hoạch")
    return rule, verb, other, beyond


def due_year_of(target) -> int:
    """The year whose figure a level or milestone target is judged on (see the package docstring)."""
    due = getattr(target, "due_on", None)
    if due is None:
        return target.end_year
    return due.year if (due.month, due.day) == (12, 31) else due.year - 1

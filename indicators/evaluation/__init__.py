"""Is a target met? One pure function for every dashboard: `evaluate(target, values, as_of_year=...)`.

Pure: no database access. The caller passes the approved yearly values of the target's territory for
the target's indicator (`values` = {year: value}, see `yearly_values`), and for a comparison target
the other units' values (`compare_values` = {unit key: {year: value}}, `unit_names` to name them).
The target's fields are read as attributes, so an unsaved `Target(...)` or a stand-in will do. The
indicator's direction is read from `target.indicator.direction` (select_related("indicator") to
keep it query-free) unless `direction=` is given.

The result is an `Evaluation`: a status, the value judged and a one-line Vietnamese explanation
with Vietnamese numbers ("Bình quân giảm 1,2 điểm %/năm, thấp hơn mức 1,5–1,7").

General rules
- Yearly values are year-end figures. Values after `as_of_year`, and after the last year of the
  target, are ignored. Missing years are skipped, never filled in.
- The due year of a level or milestone target is the year of `due_on` when it is 31/12, the year
  before when the date falls inside a year (30/06/2025 -> the 2024 figure is the last one before it),
  else `end_year`.
- A verdict (ACHIEVED / MISSED) needs the figure of the final year (end year or due year). Until
  it is approved the status is a progress status (ON_TRACK / AT_RISK / OFF_TRACK), also after the
  final year has passed; the explanation then adds "chưa có số liệu năm …".
- No usable figure -> NO_DATA.

Which side of the bound is good
- LEVEL, MILESTONE, CUMULATIVE, COMPARISON: the indicator's direction. Lower is better -> the value
  must be ≤ max (or the only bound); higher is better -> ≥ min (or the only bound).
- AVERAGE_CHANGE, RELATIVE_CHANGE: the bounds are magnitudes of the change in `change_direction`.
  When that direction is the good one (a decrease of a lower-is-better indicator) a bigger change is
  better: the change must reach min, and a change beyond max still counts ("giảm nhiều hơn kế
  hoạch"). When it is not, a smaller change is better: the change must stay ≤ max.
- A range (min and max) is met inside it or beyond it on the good side; the explanation tells
  which ("nằm trong mức 1,5–1,7", "cao hơn mức 1,5–1,7 (giảm nhiều hơn kế hoạch)").

Qualifiers (`target.qualifier`, as written)
- "trên", "dưới": strict at the threshold (50 is not "trên 50%").
- "trở lên", "ít nhất", "từ", "đạt", "còn", "không còn", "bằng hoặc thấp hơn" and anything else:
  inclusive.
- "khoảng": ±5% of the threshold: met down to 95% of a "higher is better" threshold, up to 105%
  of a "lower is better" one (the favourable side is open anyway). 2.375 meets "khoảng 2.500".
- "cơ bản": with a non-zero threshold, like "khoảng" (5% slack on the unfavourable side). With a
  threshold of 0 ("cơ bản không còn hộ nghèo") the value may reach a limit that depends on the
  unit: counts -> 0,5% of the baseline rounded down, at least 1 (at most 1 district of 74; 3 of 700
  households); % and điểm % -> 0,5% of the baseline, at least 0,5 (a rate of 0,5% is "basically
  none"); có/không -> no slack. The baseline is `baseline_value`, else the value of
  `baseline_year`, else of `start_year - 1`, else the earliest value given.

Kinds
- LEVEL: the latest value up to the due year against the bound. In the due year: ACHIEVED/MISSED.
  Before: ON_TRACK when the latest value already meets the bound or `project` (a linear trend of
  all points, floored at 0) meets it in the due year; otherwise AT_RISK.
- AVERAGE_CHANGE: mean yearly change from the baseline (the value at the end of `start_year - 1`;
  `baseline_value` if the target gives one) to the last year with data, over the span of available
  years. The target's unit says which change: "điểm %" or the indicator's own unit -> (last − first)
  / (year_last − year_first) in that unit; "%" -> the relative yearly rate, compounded:
  ((last / first) ^ (1 / years) − 1) · 100 ("giảm bình quân 10%/năm" of 10% is 9% then 8,1%); a
  first value ≤ 0 -> NO_DATA. Fewer than two points -> NO_DATA. With the end
  year: ACHIEVED/MISSED. Before: ON_TRACK when the mean so far meets the bound, AT_RISK when it
  reaches 80% of the threshold (≤ 120% when smaller is better), OFF_TRACK otherwise.
- CUMULATIVE: the sum of the yearly values in [start_year, end_year]. With the end year:
  ACHIEVED/MISSED. Before: compared with the pro-rata share of the target for the years elapsed
  (start_year .. last year with data): ON_TRACK ≥ 100% (≥ 95% with "khoảng"), AT_RISK ≥ 80%,
  OFF_TRACK below. Missing years inside count as nothing and are named in the explanation.
- RELATIVE_CHANGE: baseline = `baseline_value`, or the value of `baseline_year` when the target has
  none; no baseline -> NO_DATA ("Chưa có giá trị gốc năm 2020"). Change of the latest value after
  the baseline year: unit "%" -> (baseline − value) / |baseline| · 100 for a decrease (a baseline of 0
  -> NO_DATA); any other unit ("điểm %", counts) -> baseline − value in that unit; the reverse for
  an increase. With the end year: ACHIEVED/MISSED. Before: the pro-rata share of the threshold for
  the years since the baseline year, as for CUMULATIVE.
- MULTIPLE ("gấp 2 lần so với năm 2020"): the latest value divided by the baseline (`baseline_value`,
  else the value of `baseline_year`, else of `start_year - 1`); a baseline ≤ 0 -> NO_DATA. The bounds
  are multipliers judged in the indicator's direction. With the end year: ACHIEVED/MISSED. Before:
  the growth (multiplier − 1) against the pro-rata share of the planned growth, as for CUMULATIVE.
- QUALITATIVE: no figures; `judge_assessment` reads the latest approved reviewer's assessment.
- COMPARISON: the latest year in which the territory and every compared unit have a value; none
  -> NO_DATA naming the units without a value in the territory's latest year. Met when the value is
  ≤ every compared value (lower is better; ≥ when higher is better; strict when the qualifier says
  "thấp hơn"/"cao hơn" without "bằng"). In the end year: ACHIEVED/MISSED; before: ON_TRACK when
  met, else AT_RISK.
- MILESTONE: reached when the latest value up to the due year meets the bound (0 poor districts,
  GN07 = 0 for A Lưới) -> ACHIEVED, even before the due year. Not reached and the due year's
  figure is in -> MISSED. Not reached yet -> ON_TRACK when the latest value is better than the
  previous one, AT_RISK otherwise. `reached_on` (the date the event was recognised, e.g. the
  decision taking a district off the poor list) overrides the figures once `as_of_year` has come:
  ACHIEVED when on or before the due date (due_on, else 31/12 of the due year), MISSED when later.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from indicators.models import AssessmentVerdict, ChangeDirection, Direction, MeasureUnit, TargetKind
from plans.models import ReportingPeriod, ReviewStatus
from plans.text import format_number

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER

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
RATE_UNITS = {MeasureUnit.PERCENT, MeasureUnit.POINTS}

# Fixed Vietnamese: the explanations are Vietnamese whatever the interface language.
UNIT_TEXT = {
    MeasureUnit.PERCENT: "%",
    MeasureUnit.POINTS: "điểm %",
    MeasureUnit.HOUSEHOLDS: "hộ",
    MeasureUnit.PERSONS: "người",
    MeasureUnit.WORKERS: "lao động",
    MeasureUnit.COMMUNES: "xã",
    MeasureUnit.VILLAGES: "thôn, bản",
    MeasureUnit.DISTRICTS: "huyện",
    MeasureUnit.YES_NO: "",
    MeasureUnit.TIMES: "lần",
    MeasureUnit.PERSON_TIMES: "lượt người",
    MeasureUnit.WORKS: "công trình",
    MeasureUnit.VND: "đồng",
    MeasureUnit.THOUSAND_VND: "nghìn đồng",
    MeasureUnit.MILLION_VND: "triệu đồng",
    MeasureUnit.BILLION_VND: "tỷ đồng",
    MeasureUnit.VND_PER_PERSON_MONTH: "đồng/người/tháng",
    MeasureUnit.MILLION_VND_PER_PERSON_YEAR: "triệu đồng/người/năm",
}
RATIO_PLACES = Decimal("0.0001")


class EvaluationStatus(models.TextChoices):
    ACHIEVED = "achieved", _("Đạt")
    ON_TRACK = "on_track", _("Đúng tiến độ")
    AT_RISK = "at_risk", _("Có nguy cơ")
    OFF_TRACK = "off_track", _("Chậm tiến độ")
    MISSED = "missed", _("Không đạt")
    NO_DATA = "no_data", _("Chưa có số liệu")


Status = EvaluationStatus


@dataclass(frozen=True)
class Evaluation:
    status: EvaluationStatus
    value: Decimal | None  # the quantity judged: level, mean change, sum, change vs baseline, latest value
    explanation: str
    year: int | None = None  # the last year of data the verdict rests on

    @property
    def label(self) -> str:
        return str(self.status.label)


# ----------------------------------------------------------------------------------------------
# Inputs


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _series(values: Mapping[int, Any] | None, first: int | None = None, last: int | None = None) -> dict[int, Decimal]:
    """The non-empty values within [first, last], as Decimals, in year order."""
    out = {}
    for year, value in sorted((values or {}).items()):
        if value is None or (first is not None and year < first) or (last is not None and year > last):
            continue
        out[int(year)] = _dec(value)
    return out


def yearly_values(actuals: Iterable[Any], *, include_pending: bool = False) -> dict[int, Decimal]:
    """{year: value} from Actual rows already fetched: yearly figures, approved ones only (plus
    submitted ones when a leader asks to see pending figures)."""
    wanted = {ReviewStatus.APPROVED} | ({ReviewStatus.SUBMITTED} if include_pending else set())
    out = {}
    for actual in actuals:
        if actual.period_kind != ReportingPeriod.YEAR or actual.status not in wanted:
            continue
        value = actual.effective_value
        if value is not None:
            out[actual.year] = value
    return out


def project(values: Mapping[int, Any], to_year: int) -> Decimal | None:
    """The least-squares linear trend of the available points, read at `to_year`.

    None with fewer than two points. Not clamped: the caller knows the unit's range.
    """
    points = _series(values)
    if len(points) < 2:
        return None
    n = Decimal(len(points))
    mean_x = sum(Decimal(y) for y in points) / n
    mean_y = sum(points.values()) / n
    sxx = sum((Decimal(y) - mean_x) ** 2 for y in points)
    sxy = sum((Decimal(y) - mean_x) * (v - mean_y) for y, v in points.items())
    slope = sxy / sxx
    return mean_y + slope * (Decimal(to_year) - mean_x)


# ----------------------------------------------------------------------------------------------
# Text


def _number(value: Decimal, unit: str | None, decimals: int = 2) -> str:
    """1,9% ; 1,2 điểm % ; 75.000 lao động ; có / không."""
    if unit == MeasureUnit.YES_NO:
        return "có" if value else "không"
    text = format_number(value, decimals)
    if unit == MeasureUnit.PERCENT:
        return f"{text}%"
    if unit in UNIT_TEXT:
        return f"{text} {UNIT_TEXT[unit]}"
    return text


def _per_year(unit: str) -> str:
    """ "%/năm", " điểm %/năm", " hộ/năm"."""
    if unit == MeasureUnit.PERCENT:
        return "%/năm"
    text = UNIT_TEXT.get(unit, "")
    return f" {text}/năm" if text else "/năm"


def _date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _normal(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").lower().split())


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


POSTPOSITIVE = ("trở lên", "trở xuống")


def _bound_phrase(target, *, with_unit: bool = True) -> str:
    """The bound as written: "còn 1,84%", "1,5–1,7", "3,5 trở lên", "khoảng 2.500 lao động",
    "không còn xã"."""
    low, high = _dec(target.min_value), _dec(target.max_value)
    unit = target.unit
    qualifier = " ".join((target.qualifier or "").split())
    if unit == MeasureUnit.YES_NO:
        bound = low if low is not None else high
        return qualifier or ("có" if bound else "không")
    if low is not None and high is not None and low != high:
        numbers = f"{format_number(low)}–{format_number(high)}"
    else:
        numbers = format_number(low if low is not None else high)
    if with_unit:
        numbers = f"{numbers}%" if unit == MeasureUnit.PERCENT else f"{numbers} {UNIT_TEXT.get(unit, '')}".rstrip()
    q = _normal(qualifier)
    if not q or "..." in q or "…" in q:
        return numbers
    if q in POSTPOSITIVE:
        return f"{numbers} {qualifier}"
    bound = high if high is not None else low
    if "không còn" in q and bound == 0:
        return f"{qualifier} {UNIT_TEXT.get(unit, '')}".rstrip()
    return f"{qualifier} {numbers}"


# ----------------------------------------------------------------------------------------------
# The bound and how it is met


@dataclass(frozen=True)
class _Rule:
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

    def scaled(self, factor: Decimal) -> _Rule:
        """The pro-rata share of the rule (cumulative and relative targets before their end)."""
        scale = lambda v: None if v is None else v * factor  # noqa: E731
        return _Rule(scale(self.low), scale(self.high), self.better, self.strict, self.tolerance * factor)

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


def _reference(target, values: Mapping[int, Decimal]) -> Decimal | None:
    """The baseline "cơ bản" is measured against."""
    if target.baseline_value is not None:
        return _dec(target.baseline_value)
    for year in (target.baseline_year, (target.start_year - 1) if target.start_year else None):
        if year is not None and year in values:
            return values[year]
    return next(iter(values.values()), None)


def _rule(target, better: str, reference: Decimal | None = None) -> _Rule:
    low, high = _dec(target.min_value), _dec(target.max_value)
    q = _normal(target.qualifier)
    strict = _has_word(q, "trên") or _has_word(q, "dưới")
    rule = _Rule(low, high, better, strict, Decimal(0))
    t = rule.threshold
    tolerance, note = Decimal(0), ""
    if "khoảng" in q:
        tolerance, note = abs(t) * APPROXIMATE_SHARE, "trong dung sai ±5%"
    elif "cơ bản" in q:
        if t == 0:
            tolerance = _basically_none(target.unit, reference)
        else:
            tolerance = abs(t) * APPROXIMATE_SHARE
        limit = t - tolerance if better == HIGHER else t + tolerance
        note = f"mức “cơ bản” chấp nhận đến {_number(limit, target.unit)}"
    return _Rule(low, high, better, strict, tolerance, note)


def _basically_none(unit: str, reference: Decimal | None) -> Decimal:
    """How much is left when "cơ bản không còn" is still met."""
    share = (reference or Decimal(0)) * BASICALLY_SHARE
    if unit in COUNT_UNITS:
        return max(share.to_integral_value(rounding=ROUND_FLOOR), BASICALLY_FLOOR_COUNT)
    if unit in RATE_UNITS:
        return max(share, BASICALLY_FLOOR_RATE)
    return Decimal(0)


def _judge_text(rule: _Rule, q: Decimal, phrase: str, beyond_note: str) -> str:
    """ "cao hơn mức còn 1,84%", "nằm trong mức 1,5–1,7", "chỉ bằng, chưa đạt mức trên 50%"."""
    if rule.strict and q == rule.threshold and not rule.met(q):
        return f"chỉ bằng, chưa đạt mức {phrase}"
    if rule.is_range:
        if q < rule.low:
            text = f"thấp hơn mức {phrase}"
        elif q > rule.high:
            text = f"cao hơn mức {phrase}"
        else:
            text = f"nằm trong mức {phrase}"
    else:
        bound = rule.low if rule.low is not None else rule.high
        relation = "thấp hơn" if q < bound else "cao hơn" if q > bound else "bằng"
        text = f"{relation} mức {phrase}"
    if rule.met(q) and not rule.met_exactly(q):
        text += f" ({rule.tolerance_note})"
    elif rule.met(q) and rule.beyond(q):
        text += f" ({beyond_note})"
    return text


# ----------------------------------------------------------------------------------------------
# Evaluation


def _direction(target, direction: str | None) -> str:
    if direction:
        return direction
    return target.indicator.direction


def _due_year(target) -> int:
    due = getattr(target, "due_on", None)
    if due is None:
        return target.end_year
    return due.year if (due.month, due.day) == (12, 31) else due.year - 1


def _missing_final(as_of_year: int, final_year: int) -> str:
    return f"; chưa có số liệu năm {final_year}" if as_of_year > final_year else ""


def evaluate(
    target,
    values: Mapping[int, Any] | None,
    *,
    as_of_year: int,
    compare_values: Mapping[Any, Mapping[int, Any]] | None = None,
    unit_names: Mapping[Any, str] | None = None,
    reached_on: date | None = None,
    direction: str | None = None,
) -> Evaluation:
    """Judge one target on the values given (see the module docstring for the rules)."""
    kind = target.kind
    better = _direction(target, direction)
    if kind == TargetKind.LEVEL:
        return _level(target, values, as_of_year, better)
    if kind == TargetKind.AVERAGE_CHANGE:
        return _average_change(target, values, as_of_year, better)
    if kind == TargetKind.CUMULATIVE:
        return _cumulative(target, values, as_of_year, better)
    if kind == TargetKind.RELATIVE_CHANGE:
        return _relative_change(target, values, as_of_year, better)
    if kind == TargetKind.COMPARISON:
        return _comparison(target, values, as_of_year, better, compare_values, unit_names)
    if kind == TargetKind.MILESTONE:
        return _milestone(target, values, as_of_year, better, reached_on)
    if kind == TargetKind.MULTIPLE:
        return _multiple(target, values, as_of_year, better)
    if kind == TargetKind.QUALITATIVE:
        return _no_data("Chỉ tiêu định tính: chưa có đánh giá được duyệt")
    raise ValueError(f"Unknown target kind: {kind!r}")


def _no_data(text: str = "Chưa có số liệu") -> Evaluation:
    return Evaluation(Status.NO_DATA, None, text)


def _level(target, values, as_of_year: int, better: str) -> Evaluation:
    due_year = _due_year(target)
    series = _series(values, last=min(as_of_year, due_year))
    if not series:
        return _no_data(f"Chưa có số liệu đến năm {min(as_of_year, due_year)}")
    year, value = list(series.items())[-1]
    rule = _rule(target, better, _reference(target, series))
    text = f"Năm {year}: {_number(value, target.unit)}, {_judge_text(rule, value, _bound_phrase(target), 'tốt hơn kế hoạch')}"
    if year == due_year:
        return Evaluation(Status.ACHIEVED if rule.met(value) else Status.MISSED, value, text, year)
    if rule.met(value):
        status = Status.ON_TRACK
    else:
        projected = project(series, due_year)
        if projected is None:
            status = Status.AT_RISK
            text += "; chưa đủ số liệu để ước xu hướng"
        else:
            projected = max(projected, Decimal(0))
            if target.unit == MeasureUnit.PERCENT:
                projected = min(projected, Decimal(100))
            status = Status.ON_TRACK if rule.met(projected) else Status.AT_RISK
            text += f"; theo xu hướng, năm {due_year} ước {_number(projected, target.unit)}"
    return Evaluation(status, value, text + _missing_final(as_of_year, due_year), year)


def _change_rule(target, better: str, reference: Decimal | None) -> tuple[_Rule, str, str, str]:
    """The rule on the magnitude of the change, the target's verb, the other verb, the beyond note."""
    decrease = target.change_direction == ChangeDirection.DECREASE
    verb, other = ("giảm", "tăng") if decrease else ("tăng", "giảm")
    agrees = (better == LOWER) == decrease
    rule = _rule(target, HIGHER if agrees else LOWER, reference)
    beyond = f"{verb} nhiều hơn kế hoạch" if agrees else f"{verb} ít hơn kế hoạch"
    return rule, verb, other, beyond


def _average_change(target, values, as_of_year: int, better: str) -> Evaluation:
    start = target.start_year or target.end_year
    first_year, last_year = start - 1, min(as_of_year, target.end_year)
    series = _series(values, first_year, last_year)
    if target.baseline_value is not None:
        base_year = target.baseline_year or first_year
        if first_year <= base_year <= last_year:
            series[base_year] = _dec(target.baseline_value)
            series = dict(sorted(series.items()))
    if len(series) < 2:
        return _no_data(f"Cần ít nhất hai năm số liệu từ năm {first_year} (hiện có {len(series)})")
    (y0, v0), (y1, v1) = list(series.items())[0], list(series.items())[-1]
    relative = target.unit == MeasureUnit.PERCENT  # a rate of the value, never points
    if relative:
        if v0 <= 0:
            return _no_data(f"Giá trị năm {y0} không lớn hơn 0, không tính được tỷ lệ thay đổi bình quân")
        growth = (v1 / v0) ** (Decimal(1) / Decimal(y1 - y0)) if v1 > 0 else Decimal(0)
        slope = ((growth - 1) * 100).quantize(RATIO_PLACES)
    else:
        slope = (v1 - v0) / (y1 - y0)
    decrease = target.change_direction == ChangeDirection.DECREASE
    q = -slope if decrease else slope  # the change in the target's direction
    rule, verb, other, beyond = _change_rule(target, better, v0)
    phrase = _bound_phrase(target, with_unit=False)
    measure = f"Bình quân {verb if q >= 0 else other} {format_number(abs(q))}{_per_year(target.unit)}"
    if relative:
        measure += " so với năm trước"
    if q < 0 and rule.better == HIGHER:
        text = f"{measure}, ngược với mục tiêu {verb} {phrase}"
    else:
        text = f"{measure}, {_judge_text(rule, q, phrase, beyond)}"
    if y1 == target.end_year:
        return Evaluation(Status.ACHIEVED if rule.met(q) else Status.MISSED, q, text, y1)
    return Evaluation(rule.progress(q), q, text + _missing_final(as_of_year, target.end_year), y1)


def _progress_text(done: Decimal, share: Decimal, unit: str, elapsed: int, span: int) -> str:
    percent = done * 100 / share if share else Decimal(0)
    return (
        f"bằng {format_number(percent, 1)}% tiến độ cần đạt "
        f"({_number(share, unit)} sau {elapsed}/{span} năm)"
    )


def _cumulative(target, values, as_of_year: int, better: str) -> Evaluation:
    start = target.start_year or target.end_year
    series = _series(values, start, min(as_of_year, target.end_year))
    if not series:
        return _no_data(f"Chưa có số liệu từ năm {start}")
    total = sum(series.values(), Decimal(0))
    last = max(series)
    missing = [str(y) for y in range(start, last + 1) if y not in series]
    rule = _rule(target, better)
    measure = f"Lũy kế {start}–{last}: {_number(total, target.unit)}" if last > start else (
        f"Lũy kế {start}: {_number(total, target.unit)}"
    )
    gaps = f"; thiếu số liệu năm {', '.join(missing)}" if missing else ""
    if last == target.end_year:
        text = f"{measure}, {_judge_text(rule, total, _bound_phrase(target), 'vượt kế hoạch')}{gaps}"
        return Evaluation(Status.ACHIEVED if rule.met(total) else Status.MISSED, total, text, last)
    span, elapsed = target.end_year - start + 1, last - start + 1
    share_rule = rule.scaled(Decimal(elapsed) / Decimal(span))
    text = f"{measure}, {_progress_text(total, share_rule.threshold, target.unit, elapsed, span)}{gaps}"
    return Evaluation(share_rule.progress(total), total, text + _missing_final(as_of_year, target.end_year), last)


def _value_unit(target) -> str | None:
    """The unit of the indicator's values (the target's unit is the unit of the change)."""
    try:
        unit = target.indicator.measure_unit
    except (AttributeError, ObjectDoesNotExist):  # a stand-in without an indicator
        unit = None
    if unit:
        return unit
    return MeasureUnit.PERCENT if target.unit == MeasureUnit.POINTS else (
        None if target.unit == MeasureUnit.PERCENT else target.unit
    )


def _against_baseline(target, values, as_of_year: int) -> tuple[int, Decimal, int, Decimal] | Evaluation:
    """(baseline year, baseline, latest year, latest value) of a target measured against a baseline,
    or the "no data" evaluation saying what is missing."""
    base_year = target.baseline_year or ((target.start_year or target.end_year) - 1)
    baseline = _dec(target.baseline_value)
    if baseline is None:
        baseline = _series(values).get(base_year)
    if baseline is None:
        return _no_data(f"Chưa có giá trị gốc năm {base_year}")
    series = _series(values, base_year + 1, min(as_of_year, target.end_year))
    if not series:
        return _no_data(f"Chưa có số liệu sau năm gốc {base_year}")
    year, value = list(series.items())[-1]
    return base_year, baseline, year, value


def _relative_change(target, values, as_of_year: int, better: str) -> Evaluation:
    found = _against_baseline(target, values, as_of_year)
    if isinstance(found, Evaluation):
        return found
    base_year, baseline, year, value = found
    decrease = target.change_direction == ChangeDirection.DECREASE
    if target.unit == MeasureUnit.PERCENT:
        if baseline == 0:
            return _no_data(f"Giá trị gốc năm {base_year} bằng 0, không tính được tỷ lệ thay đổi")
        change = (baseline - value) * 100 / abs(baseline)  # a negative baseline keeps the sign of the move
    else:
        change = baseline - value
    q = change if decrease else -change
    rule, verb, other, beyond = _change_rule(target, better, baseline)
    value_unit = _value_unit(target)
    measure = (
        f"Năm {year}: {verb if q >= 0 else other} {_number(abs(q), target.unit)} so với năm {base_year} "
        f"({_number(baseline, value_unit)} → {_number(value, value_unit)})"
    )
    phrase = _bound_phrase(target)
    wrong_way = q < 0 and rule.better == HIGHER
    if year == target.end_year:
        if wrong_way:
            text = f"{measure}, ngược với mục tiêu {verb} {phrase}"
        else:
            text = f"{measure}, {_judge_text(rule, q, phrase, beyond)}"
        return Evaluation(Status.ACHIEVED if rule.met(q) else Status.MISSED, q, text, year)
    span, elapsed = target.end_year - base_year, year - base_year
    share_rule = rule.scaled(Decimal(elapsed) / Decimal(span))
    if wrong_way:
        text = f"{measure}, ngược với mục tiêu {verb} {phrase}"
    else:
        text = f"{measure}, {_progress_text(q, share_rule.threshold, target.unit, elapsed, span)}"
    return Evaluation(share_rule.progress(q), q, text + _missing_final(as_of_year, target.end_year), year)


def _multiple(target, values, as_of_year: int, better: str) -> Evaluation:
    """ "gấp 2 lần so với năm 2020": the latest value over the baseline."""
    found = _against_baseline(target, values, as_of_year)
    if isinstance(found, Evaluation):
        return found
    base_year, baseline, year, value = found
    if baseline <= 0:
        return _no_data(f"Giá trị gốc năm {base_year} không lớn hơn 0, không tính được số lần")
    ratio = (value / baseline).quantize(RATIO_PLACES)
    value_unit = _value_unit(target)
    measure = (
        f"Năm {year}: gấp {format_number(ratio)} lần năm {base_year} "
        f"({_number(baseline, value_unit)} → {_number(value, value_unit)})"
    )
    rule = _rule(target, better)
    phrase = _bound_phrase(target)
    if year == target.end_year:
        text = f"{measure}, {_judge_text(rule, ratio, f'gấp {phrase}', 'vượt kế hoạch')}"
        return Evaluation(Status.ACHIEVED if rule.met(ratio) else Status.MISSED, ratio, text, year)
    # Before the end: the growth so far against the pro-rata share of the growth planned.
    shift = lambda v: None if v is None else v - 1  # noqa: E731
    growth_rule = _Rule(shift(rule.low), shift(rule.high), rule.better, rule.strict, rule.tolerance)
    span, elapsed = target.end_year - base_year, year - base_year
    share_rule = growth_rule.scaled(Decimal(elapsed) / Decimal(span))
    needed = share_rule.threshold + 1
    text = f"{measure}; lộ trình cần gấp {format_number(needed)} lần sau {elapsed}/{span} năm"
    return Evaluation(share_rule.progress(ratio - 1), ratio, text + _missing_final(as_of_year, target.end_year), year)


def judge_assessment(target, verdict: str | None, year: int | None, *, as_of_year: int, narrative: str = "") -> Evaluation:
    """A qualitative target judged on its latest approved assessment up to `as_of_year` (`verdict`
    None: none yet). In or after the end year: đạt -> ACHIEVED, otherwise MISSED; before it: đạt ->
    ON_TRACK, đạt một phần -> AT_RISK, không đạt -> OFF_TRACK."""
    if verdict is None or year is None:
        return _no_data("Chỉ tiêu định tính: chưa có đánh giá được duyệt")
    label = {AssessmentVerdict.ACHIEVED: "đạt", AssessmentVerdict.PARTLY: "đạt một phần",
             AssessmentVerdict.NOT_ACHIEVED: "không đạt"}[verdict]
    summary = " ".join(narrative.split())
    summary = summary if len(summary) <= 160 else summary[:157] + "..."
    text = f"Đánh giá năm {year} (đã duyệt): {label}" + (f" – {summary}" if summary else "")
    if year >= target.end_year:
        status = Status.ACHIEVED if verdict == AssessmentVerdict.ACHIEVED else Status.MISSED
        return Evaluation(status, None, text, year)
    status = {AssessmentVerdict.ACHIEVED: Status.ON_TRACK, AssessmentVerdict.PARTLY: Status.AT_RISK}.get(
        verdict, Status.OFF_TRACK)
    missing = f"; chưa có đánh giá năm {target.end_year}" if as_of_year > target.end_year else ""
    return Evaluation(status, None, text + missing, year)


def _unit_label(key: Any, names: Mapping[Any, str] | None) -> str:
    if names and key in names:
        return names[key]
    return getattr(key, "name", None) or f"địa bàn {key}"


def _comparison(target, values, as_of_year: int, better: str, compare_values, unit_names) -> Evaluation:
    last_year = min(as_of_year, target.end_year)
    own = _series(values, last=last_year)
    if not own:
        return _no_data(f"Chưa có số liệu đến năm {last_year}")
    if not compare_values:
        return _no_data("Chưa có số liệu của địa bàn so sánh")
    others = {key: _series(series, last=last_year) for key, series in compare_values.items()}
    common = [y for y in own if all(y in series for series in others.values())]
    if not common:
        latest = max(own)
        lacking = [_unit_label(key, unit_names) for key, series in others.items() if latest not in series]
        return _no_data(f"Năm {latest}: chưa có số liệu của {', '.join(lacking)}")
    year = max(common)
    value = own[year]
    q = _normal(target.qualifier)
    strict = "bằng" not in q and any(w in q for w in ("thấp hơn", "cao hơn", "dưới", "trên"))
    parts, met = [], True
    for key, series in others.items():
        other = series[year]
        relation = "thấp hơn" if value < other else "cao hơn" if value > other else "bằng"
        parts.append(f"{relation} {_unit_label(key, unit_names)} ({_number(other, target.unit)})")
        if better == LOWER:
            met &= value < other if strict else value <= other
        else:
            met &= value > other if strict else value >= other
    text = f"Năm {year}: {_number(value, target.unit)}, {', '.join(parts)}"
    if year == target.end_year:
        return Evaluation(Status.ACHIEVED if met else Status.MISSED, value, text, year)
    status = Status.ON_TRACK if met else Status.AT_RISK
    return Evaluation(status, value, text + _missing_final(as_of_year, target.end_year), year)


def _milestone(target, values, as_of_year: int, better: str, reached_on: date | None) -> Evaluation:
    due_year = _due_year(target)
    due = target.due_on or date(due_year, 12, 31)
    due_text = f"hạn {_date(due)}"
    phrase = _bound_phrase(target)
    if reached_on is not None and reached_on.year <= as_of_year:
        if reached_on <= due:
            return Evaluation(
                Status.ACHIEVED, None, f"Đạt mốc {phrase} ngày {_date(reached_on)} ({due_text})", reached_on.year
            )
        return Evaluation(
            Status.MISSED, None, f"Đạt mốc {phrase} ngày {_date(reached_on)}, sau {due_text}", reached_on.year
        )
    series = _series(values, last=min(as_of_year, due_year))
    if not series:
        return _no_data(f"Chưa có số liệu đến năm {min(as_of_year, due_year)}")
    items = list(series.items())
    year, value = items[-1]
    rule = _rule(target, better, _reference(target, series))
    shown = _number(value, target.unit)
    if rule.met(value):
        note = f"; {rule.tolerance_note}" if not rule.met_exactly(value) else ""
        return Evaluation(Status.ACHIEVED, value, f"Năm {year}: {shown}, đạt mốc {phrase} ({due_text}{note})", year)
    if year == due_year:
        return Evaluation(Status.MISSED, value, f"Năm {year}: {shown}, không đạt mốc {phrase} ({due_text})", year)
    text = f"Năm {year}: {shown}, chưa đạt mốc {phrase} ({due_text})"
    status = Status.AT_RISK
    if len(items) > 1:
        prev_year, prev = items[-2]
        improving = value < prev if better == LOWER else value > prev
        if improving:
            status = Status.ON_TRACK
            text += f"; đã {'giảm' if value < prev else 'tăng'} từ {_number(prev, target.unit)} năm {prev_year}"
        else:
            text += f"; chưa cải thiện so với năm {prev_year} ({_number(prev, target.unit)})"
    return Evaluation(status, value, text + _missing_final(as_of_year, due_year), year)

"""Targets judged on a path: AVERAGE_CHANGE, CUMULATIVE, RELATIVE_CHANGE and MULTIPLE.

Before their end they are judged on the pro-rata share of the planned change (or sum) for the
years elapsed.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from indicators.evaluation.results import HIGHER, Evaluation, Status, dec, no_data, year_series
from indicators.evaluation.rules import Rule, change_rule, judge_text, rule_for
from indicators.evaluation.wording import bound_phrase, missing_final, number_text, per_year_text, progress_text
from indicators.models import ChangeDirection, MeasureUnit
from plans.text import format_number

RATIO_PLACES = Decimal("0.0001")


def against_target(measure: str, verb: str, phrase: str) -> str:
    """A change the wrong way: "Bình quân tăng 0,5 điểm %/năm, ngược với mục tiêu giảm 1,5"."""
    return _("%(measure)s, ngược với mục tiêu %(verb)s %(bound)s") % {"measure": measure, "verb": verb, "bound": phrase}


def average_change(target, values, as_of_year: int, better: str) -> Evaluation:
    start = target.start_year or target.end_year
    first_year, last_year = start - 1, min(as_of_year, target.end_year)
    series = year_series(values, first_year, last_year)
    if target.baseline_value is not None:
        base_year = target.baseline_year or first_year
        if first_year <= base_year <= last_year:
            series[base_year] = dec(target.baseline_value)
            series = dict(sorted(series.items()))
    if len(series) < 2:
        return no_data(_("Cần ít nhất hai năm số liệu từ năm %(year)s (hiện có %(count)s)") % {
            "year": first_year, "count": len(series)})
    (y0, v0), (y1, v1) = list(series.items())[0], list(series.items())[-1]
    relative = target.unit == MeasureUnit.PERCENT  # a rate of the value, never points
    if relative:
        if v0 <= 0:
            return no_data(_("Giá trị năm %(year)s không lớn hơn 0, không tính được tỷ lệ thay đổi bình quân") % {
                "year": y0})
        growth = (v1 / v0) ** (Decimal(1) / Decimal(y1 - y0)) if v1 > 0 else Decimal(0)
        slope = ((growth - 1) * 100).quantize(RATIO_PLACES)
    else:
        slope = (v1 - v0) / (y1 - y0)
    decrease = target.change_direction == ChangeDirection.DECREASE
    q = -slope if decrease else slope  # the change in the target's direction
    rule, verb, other, beyond = change_rule(target, better, v0)
    phrase = bound_phrase(target, with_unit=False)
    measure = _("Bình quân %(verb)s %(amount)s%(per_year)s") % {
        "verb": verb if q >= 0 else other, "amount": format_number(abs(q)), "per_year": per_year_text(target.unit)}
    if relative:
        measure += " " + _("so với năm trước")
    if q < 0 and rule.better == HIGHER:
        text = against_target(measure, verb, phrase)
    else:
        text = f"{measure}, {judge_text(rule, q, phrase, beyond)}"
    if y1 == target.end_year:
        return Evaluation(Status.ACHIEVED if rule.met(q) else Status.MISSED, q, text, y1)
    return Evaluation(rule.progress(q), q, text + missing_final(as_of_year, target.end_year), y1)


def cumulative(target, values, as_of_year: int, better: str) -> Evaluation:
    start = target.start_year or target.end_year
    series = year_series(values, start, min(as_of_year, target.end_year))
    if not series:
        return no_data(_("Chưa có số liệu từ năm %(year)s") % {"year": start})
    total = sum(series.values(), Decimal(0))
    last = max(series)
    missing = [str(y) for y in range(start, last + 1) if y not in series]
    rule = rule_for(target, better)
    shown = number_text(total, target.unit)
    if last > start:
        measure = _("Lũy kế %(first)s–%(last)s: %(total)s") % {"first": start, "last": last, "total": shown}
    else:
        measure = _("Lũy kế %(year)s: %(total)s") % {"year": start, "total": shown}
    gaps = "; " + _("thiếu số liệu năm %(years)s") % {"years": ", ".join(missing)} if missing else ""
    if last == target.end_year:
        text = f"{measure}, {judge_text(rule, total, bound_phrase(target), _('vượt kế hoạch'))}{gaps}"
        return Evaluation(Status.ACHIEVED if rule.met(total) else Status.MISSED, total, text, last)
    span, elapsed = target.end_year - start + 1, last - start + 1
    share_rule = rule.scaled(Decimal(elapsed) / Decimal(span))
    text = f"{measure}, {progress_text(total, share_rule.threshold, target.unit, elapsed, span)}{gaps}"
    return Evaluation(share_rule.progress(total), total, text + missing_final(as_of_year, target.end_year), last)


def value_unit_of(target) -> str | None:
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


def against_baseline(target, values, as_of_year: int) -> tuple[int, Decimal, int, Decimal] | Evaluation:
    """(baseline year, baseline, latest year, latest value) of a target measured against a baseline,
    or the "no data" evaluation saying what is missing."""
    base_year = target.baseline_year or ((target.start_year or target.end_year) - 1)
    baseline = dec(target.baseline_value)
    if baseline is None:
        baseline = year_series(values).get(base_year)
    if baseline is None:
        return no_data(_("Chưa có giá trị gốc năm %(year)s") % {"year": base_year})
    series = year_series(values, base_year + 1, min(as_of_year, target.end_year))
    if not series:
        return no_data(_("Chưa có số liệu sau năm gốc %(year)s") % {"year": base_year})
    year, value = list(series.items())[-1]
    return base_year, baseline, year, value


def relative_change(target, values, as_of_year: int, better: str) -> Evaluation:
    found = against_baseline(target, values, as_of_year)
    if isinstance(found, Evaluation):
        return found
    base_year, baseline, year, value = found
    decrease = target.change_direction == ChangeDirection.DECREASE
    if target.unit == MeasureUnit.PERCENT:
        if baseline == 0:
            return no_data(_("Giá trị gốc năm %(year)s bằng 0, không tính được tỷ lệ thay đổi") % {"year": base_year})
        change = (baseline - value) * 100 / abs(baseline)  # a negative baseline keeps the sign of the move
    else:
        change = baseline - value
    q = change if decrease else -change
    rule, verb, other, beyond = change_rule(target, better, baseline)
    value_unit = value_unit_of(target)
    measure = _("Năm %(year)s: %(verb)s %(amount)s so với năm %(base_year)s (%(baseline)s → %(value)s)") % {
        "year": year, "verb": verb if q >= 0 else other, "amount": number_text(abs(q), target.unit),
        "base_year": base_year, "baseline": number_text(baseline, value_unit), "value": number_text(value, value_unit),
    }
    phrase = bound_phrase(target)
    wrong_way = q < 0 and rule.better == HIGHER
    if year == target.end_year:
        if wrong_way:
            text = against_target(measure, verb, phrase)
        else:
            text = f"{measure}, {judge_text(rule, q, phrase, beyond)}"
        return Evaluation(Status.ACHIEVED if rule.met(q) else Status.MISSED, q, text, year)
    span, elapsed = target.end_year - base_year, year - base_year
    share_rule = rule.scaled(Decimal(elapsed) / Decimal(span))
    if wrong_way:
        text = against_target(measure, verb, phrase)
    else:
        text = f"{measure}, {progress_text(q, share_rule.threshold, target.unit, elapsed, span)}"
    return Evaluation(share_rule.progress(q), q, text + missing_final(as_of_year, target.end_year), year)


def multiple(target, values, as_of_year: int, better: str) -> Evaluation:
    """ "gấp 2 lần so với năm 2020": the latest value over the baseline."""
    found = against_baseline(target, values, as_of_year)
    if isinstance(found, Evaluation):
        return found
    base_year, baseline, year, value = found
    if baseline <= 0:
        return no_data(_("Giá trị gốc năm %(year)s không lớn hơn 0, không tính được số lần") % {"year": base_year})
    ratio = (value / baseline).quantize(RATIO_PLACES)
    value_unit = value_unit_of(target)
    measure = _("Năm %(year)s: gấp %(ratio)s lần năm %(base_year)s (%(baseline)s → %(value)s)") % {
        "year": year, "ratio": format_number(ratio), "base_year": base_year,
        "baseline": number_text(baseline, value_unit), "value": number_text(value, value_unit),
    }
    rule = rule_for(target, better)
    phrase = bound_phrase(target)
    if year == target.end_year:
        judged = judge_text(rule, ratio, _("gấp %(bound)s") % {"bound": phrase}, _("vượt kế hoạch"))
        return Evaluation(Status.ACHIEVED if rule.met(ratio) else Status.MISSED, ratio, f"{measure}, {judged}", year)
    # Before the end: the growth so far against the pro-rata share of the growth planned.
    shift = lambda v: None if v is None else v - 1  # noqa: E731
    growth_rule = Rule(shift(rule.low), shift(rule.high), rule.better, rule.strict, rule.tolerance)
    span, elapsed = target.end_year - base_year, year - base_year
    share_rule = growth_rule.scaled(Decimal(elapsed) / Decimal(span))
    needed = share_rule.threshold + 1
    text = measure + "; " + _("lộ trình cần gấp %(ratio)s lần sau %(elapsed)s/%(span)s năm") % {
        "ratio": format_number(needed), "elapsed": elapsed, "span": span}
    return Evaluation(share_rule.progress(ratio - 1), ratio, text + missing_final(as_of_year, target.end_year), year)

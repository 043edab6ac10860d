"""Targets judged on the latest value: LEVEL (with its trend), MILESTONE and COMPARISON."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from indicators.evaluation.results import LOWER, Evaluation, Status, no_data, project, year_series
from indicators.evaluation.rules import due_year_of, judge_text, reference_value, rule_for
from indicators.evaluation.wording import bound_phrase, date_text, missing_final, normal, number_text
from indicators.models import MeasureUnit


def no_data_until(year: int) -> Evaluation:
    return no_data(_("Chưa có số liệu đến năm %(year)s") % {"year": year})


def year_value_text(year: int, value: str, judgement: str) -> str:
    """ "Năm 2025: 1,9%, thấp hơn mức còn 2%"."""
    return _("Năm %(year)s: %(value)s, %(judgement)s") % {"year": year, "value": value, "judgement": judgement}


def level(target, values, as_of_year: int, better: str) -> Evaluation:
    due_year = due_year_of(target)
    series = year_series(values, last=min(as_of_year, due_year))
    if not series:
        return no_data_until(min(as_of_year, due_year))
    year, value = list(series.items())[-1]
    rule = rule_for(target, better, reference_value(target, series))
    judgement = judge_text(rule, value, bound_phrase(target), _("tốt hơn kế hoạch"))
    text = year_value_text(year, number_text(value, target.unit), judgement)
    if year == due_year:
        return Evaluation(Status.ACHIEVED if rule.met(value) else Status.MISSED, value, text, year)
    if rule.met(value):
        status = Status.ON_TRACK
    else:
        projected = project(series, due_year)
        if projected is None:
            status = Status.AT_RISK
            text += "; " + _("chưa đủ số liệu để ước xu hướng")
        else:
            projected = max(projected, Decimal(0))
            if target.unit == MeasureUnit.PERCENT:
                projected = min(projected, Decimal(100))
            status = Status.ON_TRACK if rule.met(projected) else Status.AT_RISK
            text += "; " + _("theo xu hướng, năm %(year)s ước %(value)s") % {
                "year": due_year, "value": number_text(projected, target.unit)}
    return Evaluation(status, value, text + missing_final(as_of_year, due_year), year)


def unit_label(key: Any, names: Mapping[Any, str] | None) -> str:
    if names and key in names:
        return names[key]
    return getattr(key, "name", None) or _("địa bàn %(key)s") % {"key": key}


def comparison(target, values, as_of_year: int, better: str, compare_values, unit_names) -> Evaluation:
    last_year = min(as_of_year, target.end_year)
    own = year_series(values, last=last_year)
    if not own:
        return no_data_until(last_year)
    if not compare_values:
        return no_data(_("Chưa có số liệu của địa bàn so sánh"))
    others = {key: year_series(series, last=last_year) for key, series in compare_values.items()}
    common = [y for y in own if all(y in series for series in others.values())]
    if not common:
        latest = max(own)
        lacking = [unit_label(key, unit_names) for key, series in others.items() if latest not in series]
        return no_data(_("Năm %(year)s: chưa có số liệu của %(units)s") % {"year": latest, "units": ", ".join(lacking)})
    year = max(common)
    value = own[year]
    q = normal(target.qualifier)
    strict = "bằng" not in q and any(w in q for w in ("thấp hơn", "cao hơn", "dưới", "trên"))
    parts, met = [], True
    for key, series in others.items():
        other = series[year]
        if value < other:
            relation = _("thấp hơn %(unit)s (%(value)s)")
        elif value > other:
            relation = _("cao hơn %(unit)s (%(value)s)")
        else:
            relation = _("bằng %(unit)s (%(value)s)")
        parts.append(relation % {"unit": unit_label(key, unit_names), "value": number_text(other, target.unit)})
        if better == LOWER:
            met &= value < other if strict else value <= other
        else:
            met &= value > other if strict else value >= other
    text = year_value_text(year, number_text(value, target.unit), ", ".join(parts))
    if year == target.end_year:
        return Evaluation(Status.ACHIEVED if met else Status.MISSED, value, text, year)
    status = Status.ON_TRACK if met else Status.AT_RISK
    return Evaluation(status, value, text + missing_final(as_of_year, target.end_year), year)


def milestone(target, values, as_of_year: int, better: str, reached_on: date | None) -> Evaluation:
    due_year = due_year_of(target)
    due = target.due_on or date(due_year, 12, 31)
    due_text = _("hạn %(date)s") % {"date": date_text(due)}
    phrase = bound_phrase(target)
    if reached_on is not None and reached_on.year <= as_of_year:
        words = {"bound": phrase, "date": date_text(reached_on), "due": due_text}
        if reached_on <= due:
            return Evaluation(Status.ACHIEVED, None, _("Đạt mốc %(bound)s ngày %(date)s (%(due)s)") % words, reached_on.year)
        return Evaluation(Status.MISSED, None, _("Đạt mốc %(bound)s ngày %(date)s, sau %(due)s") % words, reached_on.year)
    series = year_series(values, last=min(as_of_year, due_year))
    if not series:
        return no_data_until(min(as_of_year, due_year))
    items = list(series.items())
    year, value = items[-1]
    rule = rule_for(target, better, reference_value(target, series))
    words = {"year": year, "value": number_text(value, target.unit), "bound": phrase, "due": due_text}
    if rule.met(value):
        words["note"] = f"; {rule.tolerance_note}" if not rule.met_exactly(value) else ""
        return Evaluation(Status.ACHIEVED, value, _("Năm %(year)s: %(value)s, đạt mốc %(bound)s (%(due)s%(note)s)") % words, year)
    if year == due_year:
        return Evaluation(Status.MISSED, value, _("Năm %(year)s: %(value)s, không đạt mốc %(bound)s (%(due)s)") % words, year)
    text = _("Năm %(year)s: %(value)s, chưa đạt mốc %(bound)s (%(due)s)") % words
    status = Status.AT_RISK
    if len(items) > 1:
        prev_year, prev = items[-2]
        improving = value < prev if better == LOWER else value > prev
        before = {"value": number_text(prev, target.unit), "year": prev_year}
        if improving:
            status = Status.ON_TRACK
            moved = _("đã giảm từ %(value)s năm %(year)s") if value < prev else _("đã tăng từ %(value)s năm %(year)s")
            text += "; " + moved % before
        else:
            text += "; " + _("chưa cải thiện so với năm %(year)s (%(value)s)") % before
    return Evaluation(status, value, text + missing_final(as_of_year, due_year), year)

"""Is a target met? One pure function for every dashboard: `evaluate(target, values, as_of_year=...)`.

Pure: no database access. The caller passes the approved yearly values of the target's territory for
the target's indicator (`values` = {year: value}, see `yearly_values`), and for a comparison target
the other units' values (`compare_values` = {unit key: {year: value}}, `unit_names` to name them).
The target's fields are read as attributes, so an unsaved `Target(...)` or a stand-in will do. The
indicator's direction is read from `target.indicator.direction` (select_related("indicator") to
keep it query-free) unless `direction=` is given.

The result is an `Evaluation`: a status, the value judged and a one-line explanation in the
interface language, with Vietnamese numbers ("Bình quân giảm 1,2 điểm %/năm, thấp hơn mức 1,5–1,7").

Modules: results (Evaluation, its status, the yearly series), wording (numbers, units, bounds),
rules (the bound, qualifiers, progress), levels (LEVEL, MILESTONE, COMPARISON), changes
(AVERAGE_CHANGE, CUMULATIVE, RELATIVE_CHANGE, MULTIPLE); `evaluate` and `judge_assessment` here.

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

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from indicators.evaluation.changes import average_change, cumulative, multiple, relative_change
from indicators.evaluation.levels import comparison, level, milestone
from indicators.evaluation.results import Evaluation, EvaluationStatus, Status, no_data, project, yearly_values
from indicators.evaluation.rules import COUNT_UNITS
from indicators.models import AssessmentVerdict, TargetKind

__all__ = [
    "COUNT_UNITS", "Evaluation", "EvaluationStatus", "evaluate", "judge_assessment", "project", "yearly_values",
]


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
    better = direction or target.indicator.direction
    if kind == TargetKind.LEVEL:
        return level(target, values, as_of_year, better)
    if kind == TargetKind.AVERAGE_CHANGE:
        return average_change(target, values, as_of_year, better)
    if kind == TargetKind.CUMULATIVE:
        return cumulative(target, values, as_of_year, better)
    if kind == TargetKind.RELATIVE_CHANGE:
        return relative_change(target, values, as_of_year, better)
    if kind == TargetKind.COMPARISON:
        return comparison(target, values, as_of_year, better, compare_values, unit_names)
    if kind == TargetKind.MILESTONE:
        return milestone(target, values, as_of_year, better, reached_on)
    if kind == TargetKind.MULTIPLE:
        return multiple(target, values, as_of_year, better)
    if kind == TargetKind.QUALITATIVE:
        return no_data(_("Chỉ tiêu định tính: chưa có đánh giá được duyệt"))
    raise ValueError(f"Unknown target kind: {kind!r}")


def judge_assessment(target, verdict: str | None, year: int | None, *, as_of_year: int, narrative: str = "") -> Evaluation:
    """A qualitative target judged on its latest approved assessment up to `as_of_year` (`verdict`
    None: none yet). In or after the end year: đạt -> ACHIEVED, otherwise MISSED; before it: đạt ->
    ON_TRACK, đạt một phần -> AT_RISK, không đạt -> OFF_TRACK."""
    if verdict is None or year is None:
        return no_data(_("Chỉ tiêu định tính: chưa có đánh giá được duyệt"))
    label = {AssessmentVerdict.ACHIEVED: _("đạt"), AssessmentVerdict.PARTLY: _("đạt một phần"),
             AssessmentVerdict.NOT_ACHIEVED: _("không đạt")}[verdict]
    summary = " ".join(narrative.split())
    summary = summary if len(summary) <= 160 else summary[:157] + "..."
    text = _("Đánh giá năm %(year)s (đã duyệt): %(verdict)s") % {"year": year, "verdict": label}
    if summary:
        text += f" – {summary}"
    if year >= target.end_year:
        status = Status.ACHIEVED if verdict == AssessmentVerdict.ACHIEVED else Status.MISSED
        return Evaluation(status, None, text, year)
    status = {AssessmentVerdict.ACHIEVED: Status.ON_TRACK, AssessmentVerdict.PARTLY: Status.AT_RISK}.get(
        verdict, Status.OFF_TRACK)
    missing = "; " + _("chưa có đánh giá năm %(year)s") % {"year": target.end_year} if as_of_year > target.end_year else ""
    return Evaluation(status, None, text + missing, year)

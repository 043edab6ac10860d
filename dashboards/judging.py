"""Targets judged against the figures: one evaluation per target, however many there are.

Status is decided by indicators.evaluation, the one evaluation module, nowhere else.

Territories merged on 1/7/2025
- A figure is a year-end figure, so a unit that passed into another on 1/7/2025 has figures up to
  2024 and its successor has them from 2025. The two are never combined into one computation:
  a target whose figures all fall after the merger (a 2026–2030 target of Hậu Giang) is judged on
  the successor's figures; one that spans the merger is judged on the old unit's own figures, and
  the successor's later figures are shown beside them, marked, not used. Either way a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from dashboards.figures import Merger, Point, final_year, first_year_needed, load_points, mergers_of
from dashboards.scope import Options
from indicators import group_targets, standard_breaks
from indicators.assessments import latest_approved
from indicators.evaluation import Evaluation, EvaluationStatus, evaluate, judge_assessment
from indicators.models import Target, TargetKind
from plans.models import AdministrativeUnit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Status = EvaluationStatus
# Red first: missed and off track, then at risk; then on track and achieved; no data last.
SEVERITY = {Status.MISSED: 0, Status.OFF_TRACK: 1, Status.AT_RISK: 2, Status.ON_TRACK: 3, Status.ACHIEVED: 4, Status.NO_DATA: 5}


@dataclass
class TargetStatus:
    target: Target
    evaluation: Evaluation
    basis: AdministrativeUnit  # whose figures were judged
    points: list[Point]  # as shown: own figures, then the successor's after a merger
    merger: Merger | None = None
    merger_note: str = ""
    compare: list[tuple[AdministrativeUnit, dict[int, Point]]] = field(default_factory=list)
    uses_pending: bool = False
    is_illustrative: bool = False
    is_synthetic: bool = False
    group: group_targets.GroupResult | None = None  # a target on a unit group: its members' figures

    @property
    def status(self) -> EvaluationStatus:
        return self.evaluation.status

    @property
    def severity(self) -> int:
        return SEVERITY[self.evaluation.status]

    @property
    def used_values(self) -> dict[int, Decimal]:
        return {p.year: p.shown for p in self.points if p.used and p.shown is not None}

    @property
    def closure_note(self) -> str:
        """The merger note, or how the target will be judged before the successor has a figure."""
        if self.merger_note or self.group is not None:  # a group's note is its own (group_targets)
            return self.merger_note
        return closure_note(self.target, self.merger)


def _merger_note(target: Target, merger: Merger, on_successor: bool) -> str:
    values = {"old": target.territory.name, "new": merger.successor.name, "date": merger.date_text,
              "first": merger.first_year, "last": merger.first_year - 1}
    if merger.successor.level != target.territory.level:
        return gettext(
            "%(old)s không còn từ ngày %(date)s (bỏ cấp huyện), địa bàn nay thuộc %(new)s: số liệu của %(new)s "
            "không thay cho số liệu của %(old)s. Chỉ tiêu được đánh giá trên số liệu của %(old)s đến năm %(last)s."
        ) % values
    if on_successor:
        if values["old"] == values["new"]:
            return gettext("Đánh giá trên số liệu của %(new)s theo bản đồ từ ngày %(date)s (cùng địa bàn).") % values
        return gettext(
            "Đánh giá trên số liệu của %(new)s: %(old)s đã sáp nhập vào %(new)s ngày %(date)s, "
            "số liệu từ năm %(first)s là của %(new)s."
        ) % values
    if values["old"] == values["new"]:
        return gettext(
            "Chỉ tiêu được đánh giá trên số liệu theo bản đồ cũ đến năm %(last)s; số liệu của %(new)s theo bản đồ "
            "từ ngày %(date)s chỉ hiển thị riêng, không gộp vào đánh giá."
        ) % values
    return gettext(
        "%(old)s sáp nhập vào %(new)s ngày %(date)s: chỉ tiêu được đánh giá trên số liệu của %(old)s đến năm "
        "%(last)s; số liệu từ năm %(first)s của %(new)s chỉ hiển thị riêng, không gộp vào đánh giá."
    ) % values


def closure_note(target: Target, merger: Merger | None) -> str:
    """How a target whose unit closed before the target's end is judged, whether or not a figure
    of the successor exists yet ("" when the unit lives to the end of the target)."""
    if target.kind == TargetKind.QUALITATIVE:  # judged by a reviewer's assessment, not on figures
        return ""
    last = final_year(target)
    if merger is not None:
        if last < merger.first_year:
            return ""
        same_level = merger.successor.level == target.territory.level
        return _merger_note(target, merger, same_level and first_year_needed(target) >= merger.first_year)
    closed = target.territory.valid_to
    if closed is None:
        return ""
    last_figure = closed.year if (closed.month, closed.day) == (12, 31) else closed.year - 1
    if last <= last_figure:
        return ""
    return gettext(
        "%(old)s không còn từ ngày %(date)s và không có đơn vị kế thừa: chỉ tiêu được đánh giá trên số liệu "
        "của %(old)s đến năm %(last)s."
    ) % {"old": target.territory.name, "date": f"{closed + timedelta(days=1):%d/%m/%Y}", "last": last_figure}


def judge(target: Target, points: dict[tuple[int, int], dict[int, Point]], merger: Merger | None,
          options: Options) -> TargetStatus:
    """Evaluate one target on already loaded figures (no query; a qualitative target reads its
    latest approved assessment, one query unless `approved_assessments` is prefetched)."""
    if target.kind == TargetKind.QUALITATIVE:
        assessment = latest_approved(target, as_of_year=options.year)
        evaluation = judge_assessment(
            target, assessment.verdict if assessment else None, assessment.year if assessment else None,
            as_of_year=options.year, narrative=assessment.narrative if assessment else "",
        )
        return TargetStatus(target=target, evaluation=evaluation, basis=target.territory, points=[], merger=merger)
    own = standard_breaks.series(points, target, target.territory_id)  # its standard / breakdown, else the headline
    shown = [point for _, point in sorted(own.items())]
    basis = target.territory
    note = ""
    last = final_year(target)
    if merger is not None and last >= merger.first_year:
        if merger.successor.level != target.territory.level:
            # A district passed into a province: the province's figures say nothing of the district.
            note = _merger_note(target, merger, False)
        else:
            later = standard_breaks.series(points, target, merger.successor.pk)
            on_successor = first_year_needed(target) >= merger.first_year
            # Copies: the same figures may serve several targets, judged on different units.
            shown = [replace(p, used=not on_successor) for y, p in sorted(own.items())
                     if y < merger.first_year or not on_successor]
            shown += [replace(p, from_successor=True, used=on_successor) for y, p in sorted(later.items())
                      if merger.first_year <= y <= last and (on_successor or y not in own)]
            shown.sort(key=lambda p: p.year)
            if on_successor:
                basis = merger.successor
            if on_successor or any(p.from_successor for p in shown):
                note = _merger_note(target, merger, on_successor)
    prepared = standard_breaks.comparable(target, points, shown)  # no change across two poverty standards
    shown = prepared.shown
    values = {p.year: p.shown for p in shown if p.used and p.shown is not None}

    compare = []
    compare_values = None
    if target.kind == TargetKind.COMPARISON:
        compare = [(unit, standard_breaks.series(points, target, unit.pk)) for unit in target.compare_units.all()]
        compare_values = {unit.pk: {y: p.shown for y, p in series.items() if p.shown is not None} for unit, series in compare}
    if prepared.refusal:
        evaluation = Evaluation(Status.NO_DATA, None, prepared.refusal)
    else:
        evaluation = evaluate(
            prepared.target or target, values, as_of_year=options.year, compare_values=compare_values,
            unit_names={unit.pk: unit.name for unit, _ in compare},
        )
        if prepared.note:
            evaluation = replace(evaluation, explanation=evaluation.explanation + prepared.note)
    used = [p for p in shown if p.used]
    compared = [p for _, series in compare for p in series.values()]
    return TargetStatus(
        target=target, evaluation=evaluation, basis=basis, points=shown, merger=merger, merger_note=note,
        compare=compare,
        uses_pending=any(p.is_pending for p in used + compared),
        is_illustrative=any(p.is_illustrative for p in used + compared),
        is_synthetic=any(p.is_synthetic for p in used + compared),
    )


def evaluate_targets(*, user: User, targets: list[Target], options: Options) -> list[TargetStatus]:
    """Every target judged: two queries (mergers, figures) whatever their number.

    The targets come with indicator and territory selected and compare_units prefetched
    (scope.for_judging).
    """
    mergers = mergers_of({t.territory for t in targets})
    unit_ids = {t.territory_id for t in targets} | {m.successor.pk for m in mergers.values()}
    unit_ids |= {u.pk for t in targets if t.kind == TargetKind.COMPARISON for u in t.compare_units.all()}
    # Targets on a unit group are judged on their members (indicators.group_targets).
    on_groups = [t for t in targets if t.unit_group_id and t.kind != TargetKind.QUALITATIVE]
    plan = group_targets.prepare(on_groups)
    points = load_points(user=user, indicator_ids={t.indicator_id for t in targets}, unit_ids=unit_ids | plan.unit_ids,
                         options=options)
    return [_judge_group(t, plan, points, options) if t.unit_group_id and t.kind != TargetKind.QUALITATIVE
            else judge(t, points, mergers.get(t.territory_id), options) for t in targets]


def _judge_group(target: Target, plan, points, options: Options) -> TargetStatus:
    result = group_targets.judge_group(target, plan, points, as_of_year=options.year)
    series = [Point(year, value, None, target.territory_id) for year, value in sorted(result.values.items())]
    return TargetStatus(
        target=target, evaluation=result.evaluation, basis=target.territory, points=series, merger_note=result.note,
        uses_pending=result.uses_pending, is_illustrative=result.is_illustrative, is_synthetic=result.is_synthetic,
        group=result,
    )


"""Targets on a unit group ("tỷ lệ hộ nghèo ở các huyện nghèo giảm 4–5%/năm", "30% xã ĐBKK thoát khỏi
tình trạng ĐBKK", "không còn huyện nghèo"): which units count, which numbers are judged.

The number judgement itself is indicators.evaluation.evaluate, as for any target; this module only
builds the series it judges. The members counted are the group's members lying in the target's
territory (the territory may be a province and the group the national list): "các huyện nghèo của
tỉnh". How the four judgements read the group:

- EACH_MEMBER: every member is judged on its own figures; the group's status is the worst of the
  members' (Không đạt, Chậm tiến độ, Có nguy cơ, Chưa có số liệu, Đúng tiến độ, Đạt), so the group
  is "Đạt" only when every member is.
- AGGREGATE: the group's yearly figure from its members' figures: a rate from the sum of their
  numerators over the sum of their denominators (a rate without them: the plain mean, said so), a
  count as the sum, any other as the mean. A year counts only when every member has a figure.
  A member that left the group stays in it here: the target was set on the list as it stood, and
  dropping the members that escaped poverty would raise the group's rate.
- MEMBERS_LEFT: the count of members that left by the end of each year, of the members at the
  start of the target's period; with the unit % it is their share. More is better.
- MEMBERS_REMAINING: the members still in the group at the end of each year (or their share with
  %). Fewer is better; "không còn huyện nghèo" is a milestone with the bound 0.

After the 1/7/2025 reorganisation a member stays a member until a decision takes it off; its figures
from 2025 are those of the units that took its territory (plans.unit_groups), pooled like members'.
A new commune that also took territory from outside the group is counted whole: the note says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import standard_breaks
from indicators.evaluation import Evaluation, EvaluationStatus, evaluate
from indicators.models import Aggregation, Direction, GroupJudgement, MeasureUnit, Target
from plans import access
from plans.models import AdministrativeUnit, AdminMap, UnitGroup, UnitGroupMember, UnitLevel
from plans.unit_groups import is_member_on, representatives_of, under_any

Status = EvaluationStatus
# The group's status under EACH_MEMBER: the first of these any member has.
WORST_FIRST = [Status.MISSED, Status.OFF_TRACK, Status.AT_RISK, Status.NO_DATA, Status.ON_TRACK, Status.ACHIEVED]
RATE = Decimal("0.0001")


@dataclass
class Figure:
    """A yearly figure of a member (own, or pooled from the units standing for it)."""

    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    pending: bool = False
    illustrative: bool = False
    synthetic: bool = False
    is_mean: bool = False
    standard: str = ""  # the poverty standard of the figures pooled ("" when none or mixed)


@dataclass
class _SeriesPoint:
    """A yearly value of a series as indicators.standard_breaks reads it."""

    year: int
    value: Decimal
    standard: str
    unit_id: int = 0
    used: bool = True
    from_successor: bool = False

    @property
    def shown(self) -> Decimal:
        return self.value


@dataclass
class MemberResult:
    member: UnitGroupMember
    figures: dict[int, Figure] = field(default_factory=dict)
    evaluation: Evaluation | None = None  # EACH_MEMBER only
    stand_ins: list[AdministrativeUnit] = field(default_factory=list)

    @property
    def unit(self) -> AdministrativeUnit:
        return self.member.unit

    @property
    def values(self) -> dict[int, Decimal]:
        return {year: f.value for year, f in sorted(self.figures.items())}


@dataclass
class GroupResult:
    target: Target
    evaluation: Evaluation
    members: list[MemberResult]
    values: dict[int, Decimal]  # the group's series that was judged
    note: str = ""  # members closed in 2025 and represented by their successors (shown as a merger note)
    uses_pending: bool = False
    is_illustrative: bool = False
    is_synthetic: bool = False
    group: UnitGroup | None = None
    basis_note: str = ""  # how a membership count was taken

    @property
    def years(self) -> list[int]:
        """The years of the members' figures (none for a membership count)."""
        return sorted({y for m in self.members for y in m.figures})

    @property
    def table(self) -> list[tuple[MemberResult, list[Figure | None]]]:
        """Per member, its figures in `years` (None where it has none): the target page's table."""
        years = self.years
        return [(m, [m.figures.get(y) for y in years]) for m in self.members]

    @property
    def series(self) -> list[tuple[int, Decimal]]:
        return sorted(self.values.items())


@dataclass
class GroupPlan:
    """What the group targets of a page need, read once: members, stand-ins, territories' roots."""

    groups: dict[int, UnitGroup] = field(default_factory=dict)
    members: dict[int, list[UnitGroupMember]] = field(default_factory=dict)
    stand_ins: dict[int, list[AdministrativeUnit]] = field(default_factory=dict)
    roots: dict[int, set[int] | None] = field(default_factory=dict)  # None: the whole country

    @property
    def unit_ids(self) -> set[int]:
        ids = {m.unit_id for members in self.members.values() for m in members}
        return ids | {u.pk for units in self.stand_ins.values() for u in units}


def prepare(targets: list[Target]) -> GroupPlan:
    """Members of the targets' groups and the units standing for closed members: no query without
    group targets, three or four with them."""
    plan = GroupPlan()
    group_ids = {t.unit_group_id for t in targets if t.unit_group_id}
    if not group_ids:
        return plan
    plan.groups = UnitGroup.objects.in_bulk(group_ids)
    members = UnitGroupMember.objects.filter(group_id__in=group_ids).select_related("unit__parent__parent")
    for member in members.order_by("unit__parent__code", "unit__code"):
        plan.members.setdefault(member.group_id, []).append(member)
    plan.stand_ins = representatives_of(m.unit for ms in plan.members.values() for m in ms)
    for target in targets:
        territory = target.territory
        if territory.pk in plan.roots:
            continue
        if territory.level == UnitLevel.NATION:
            plan.roots[territory.pk] = None
        elif territory.level == UnitLevel.REGION:  # its provinces, of both maps
            plan.roots[territory.pk] = set(AdministrativeUnit.objects.filter(region=territory).values_list("pk", flat=True))
        elif territory.admin_map == AdminMap.CURRENT:
            plan.roots[territory.pk] = access.predecessor_unit_ids({territory.pk})
        else:
            plan.roots[territory.pk] = {territory.pk}
    return plan


def _within(unit: AdministrativeUnit, roots: set[int] | None) -> bool:
    return roots is None or under_any(unit, roots)


def _last_own_year(unit: AdministrativeUnit) -> int | None:
    """The last year-end figure a closed unit has (30/6/2025 -> 2024)."""
    end = unit.valid_to
    if end is None:
        return None
    return end.year if (end.month, end.day) == (12, 31) else end.year - 1


def _pool(points: list, aggregation: str) -> Figure | None:
    """One figure from several units' points: None when one of them has no figure."""
    if not points or any(p is None or p.shown is None for p in points):
        return None
    flags = dict(
        pending=any(p.is_pending for p in points), illustrative=any(p.is_illustrative for p in points),
        synthetic=any(getattr(p, "is_synthetic", False) for p in points),
    )
    standards = {getattr(p, "standard", "") for p in points}
    flags["standard"] = standards.pop() if len(standards) == 1 else ""
    if len(points) == 1:
        p = points[0]
        return Figure(p.shown, p.numerator, p.denominator, **flags)
    if aggregation == Aggregation.SUM:
        return Figure(sum(p.shown for p in points), **flags)
    if (aggregation == Aggregation.RATIO and not flags["pending"]
            and all(p.numerator is not None and p.denominator for p in points)):
        numerator = sum(p.numerator for p in points)
        denominator = sum(p.denominator for p in points)
        return Figure((numerator * 100 / denominator).quantize(RATE), numerator, denominator, **flags)
    mean = (sum(p.shown for p in points) / len(points)).quantize(RATE)
    return Figure(mean, is_mean=True, **flags)


def _units_for_year(member: UnitGroupMember, year: int, plan: GroupPlan) -> list[int] | None:
    last = _last_own_year(member.unit)
    if last is None or year <= last:
        return [member.unit_id]
    stand_ins = plan.stand_ins.get(member.unit_id)
    return [u.pk for u in stand_ins] if stand_ins else None


def _years(target: Target, as_of_year: int, first: int | None = None) -> range:
    """The years judged: from the baseline (or the year before the start) to the year judged."""
    if first is None:
        first = target.baseline_year or (target.start_year or target.end_year) - 1
    return range(first, min(as_of_year, target.end_year) + 1)


def _figure_years(target: Target, results: list[MemberResult], points: dict, as_of_year: int) -> range:
    """For a target without a start (a level "by 2025"), every year some member has a figure for."""
    if target.start_year or target.baseline_year:
        return _years(target, as_of_year)
    ids = {m.member.unit_id for m in results} | {u.pk for m in results for u in m.stand_ins}
    years = [y for unit_id in ids for y in standard_breaks.series(points, target, unit_id)]
    return _years(target, as_of_year, min(years) if years else None)


def _counted(target: Target, plan: GroupPlan) -> list[UnitGroupMember]:
    """The group's members in the target's territory whose membership overlaps the target's period."""
    roots = plan.roots.get(target.territory_id)
    start = date(target.start_year or target.end_year, 1, 1)
    end = date(target.end_year, 12, 31)
    return [
        m for m in plan.members.get(target.unit_group_id, [])
        if _within(m.unit, roots) and (m.joined_on is None or m.joined_on <= end)
        and (m.left_on is None or m.left_on > start)
    ]


def judge_group(target: Target, plan: GroupPlan, points: dict, *, as_of_year: int,
                today: date | None = None) -> GroupResult:
    """Judge a target that has a unit group, on already loaded figures (no query)."""
    result = _judge(target, plan, points, as_of_year, today or timezone.localdate())
    result.group = plan.groups.get(target.unit_group_id)
    return result


def _judge(target: Target, plan: GroupPlan, points: dict, as_of_year: int, today: date) -> GroupResult:
    members = _counted(target, plan)
    if not members:  # an empty list says nothing: "0 xã thoát" would read as a failure
        evaluation = Evaluation(Status.NO_DATA, None, _("Nhóm chưa có đơn vị nào thuộc địa bàn của chỉ tiêu"))
        return GroupResult(target, evaluation, [], {}, "")
    if target.group_judgement in (GroupJudgement.MEMBERS_LEFT, GroupJudgement.MEMBERS_REMAINING):
        return _membership(target, members, plan, as_of_year=as_of_year, today=today)
    results = [MemberResult(m, stand_ins=plan.stand_ins.get(m.unit_id, []) if m.unit.valid_to else []) for m in members]
    aggregation = target.indicator.aggregation
    years = _figure_years(target, results, points, as_of_year)
    for result in results:
        for year in years:
            ids = _units_for_year(result.member, year, plan)
            figures = [standard_breaks.series(points, target, pk).get(year) for pk in ids or []]
            figure = _pool(figures, aggregation) if ids else None
            if figure is not None:
                result.figures[year] = figure
    note = _carry_note(results, target)
    if not results:
        evaluation = Evaluation(Status.NO_DATA, None, _("Nhóm không có đơn vị nào thuộc địa bàn và kỳ của chỉ tiêu"))
        return GroupResult(target, evaluation, results, {}, note)
    if target.group_judgement == GroupJudgement.EACH_MEMBER:
        return _each_member(target, results, as_of_year, note)
    return _aggregate(target, results, plan, points, years, as_of_year, note)


def _judge_series(target: Target, figures: dict[int, Figure], as_of_year: int) -> Evaluation:
    """evaluate() on a series, after indicators.standard_breaks: no change across two poverty standards."""
    shown = [_SeriesPoint(year, f.value, f.standard) for year, f in sorted(figures.items())]
    prepared = standard_breaks.comparable(target, {}, shown)
    if prepared.refusal:
        return Evaluation(Status.NO_DATA, None, prepared.refusal)
    values = {p.year: p.value for p in prepared.shown if p.used}
    evaluation = evaluate(prepared.target or target, values, as_of_year=as_of_year)
    if prepared.note:
        evaluation = Evaluation(evaluation.status, evaluation.value, evaluation.explanation + prepared.note,
                                evaluation.year)
    return evaluation


def _flags(figures: list[Figure]) -> dict:
    return dict(
        uses_pending=any(f.pending for f in figures), is_illustrative=any(f.illustrative for f in figures),
        is_synthetic=any(f.synthetic for f in figures),
    )


def _each_member(target: Target, results: list[MemberResult], as_of_year: int, note: str) -> GroupResult:
    for result in results:
        result.evaluation = _judge_series(target, result.figures, as_of_year)
    statuses = [r.evaluation.status for r in results]
    status = next(s for s in WORST_FIRST if s in statuses)
    met = sum(1 for s in statuses if s in (Status.ACHIEVED, Status.ON_TRACK))
    text = _("%(met)s/%(count)s đơn vị đạt hoặc đúng tiến độ") % {"met": met, "count": len(results)}
    behind = [r.unit.name for r in results if r.evaluation.status not in (Status.ACHIEVED, Status.ON_TRACK)]
    if behind:
        text += _("; chưa đạt hoặc chưa có số liệu: %(units)s") % {"units": ", ".join(behind)}
    figures = [f for r in results for f in r.figures.values()]
    return GroupResult(target, Evaluation(status, Decimal(met), text), results, {}, note, **_flags(figures))


def _aggregate(target: Target, results: list[MemberResult], plan: GroupPlan, points: dict, years: range,
               as_of_year: int, note: str) -> GroupResult:
    values: dict[int, Decimal] = {}
    pooled: dict[int, Figure] = {}
    missing_last: list[str] = []
    means = False
    for year in years:
        year_end = date(year, 12, 31)
        ids: set[int] = set()
        lacking = []
        for result in results:
            if result.member.joined_on and result.member.joined_on > year_end:
                continue
            unit_ids = _units_for_year(result.member, year, plan)
            if unit_ids is None:
                lacking.append(result.unit.name)
            else:
                ids.update(unit_ids)
        figure = None if lacking else _pool(
            [standard_breaks.series(points, target, pk).get(year) for pk in sorted(ids)], target.indicator.aggregation
        )
        if figure is None:
            missing_last = lacking or [r.unit.name for r in results if year not in r.figures]
            continue
        values[year] = figure.value
        pooled[year] = figure
        means = means or figure.is_mean
    evaluation = _judge_series(target, pooled, as_of_year)
    extra = []
    if means:
        extra.append(_("có năm tính bình quân giản đơn vì thiếu tử số, mẫu số"))
    if not values and missing_last:
        extra.append(_("thiếu số liệu của %(units)s")
                     % {"units": ", ".join(missing_last[:5]) + ("..." if len(missing_last) > 5 else "")})
    if extra:
        evaluation = Evaluation(evaluation.status, evaluation.value, f"{evaluation.explanation} ({'; '.join(extra)})",
                                evaluation.year)
    return GroupResult(target, evaluation, results, values, note, **_flags(list(pooled.values())))


def _membership(target: Target, members: list[UnitGroupMember], plan: GroupPlan, *, as_of_year: int,
                today: date) -> GroupResult:
    group = plan.groups[target.unit_group_id]
    start = date(target.start_year or target.end_year, 1, 1)
    if group.valid_from and start < group.valid_from:
        start = group.valid_from
    base = [m for m in members if is_member_on(m, start)]
    leaving = target.group_judgement == GroupJudgement.MEMBERS_LEFT
    share = target.unit == MeasureUnit.PERCENT
    values: dict[int, Decimal] = {}
    partial = False
    for year in _years(target, as_of_year):
        day = min(date(year, 12, 31), today)
        if day < start and not (target.baseline_year and year == target.baseline_year):
            continue
        if leaving:
            count = sum(1 for m in base if m.left_on is not None and m.left_on <= day)
            whole = len(base)
        else:
            count = sum(1 for m in members if is_member_on(m, day))
            whole = len(base)
        if share:
            if not whole:
                continue
            values[year] = (Decimal(count) * 100 / whole).quantize(RATE)
        else:
            values[year] = Decimal(count)
        partial = partial or day < date(year, 12, 31)
    better = Direction.HIGHER_IS_BETTER if leaving else Direction.LOWER_IS_BETTER
    reached_on = None
    if not leaving and not share and (target.max_value == 0 or (target.max_value is None and target.min_value == 0)):
        # "Không còn huyện nghèo": reached the day the last member left.
        lefts = [m.left_on for m in members if m.left_on]
        if members and len(lefts) == len(members) and max(lefts) <= today:
            reached_on = max(lefts)
    evaluation = evaluate(target, values, as_of_year=as_of_year, direction=better, reached_on=reached_on)
    if partial and evaluation.status == Status.MISSED and evaluation.year == today.year:
        evaluation = Evaluation(Status.AT_RISK, evaluation.value,
                                _("%(explanation)s (năm %(year)s chưa kết thúc)")
                                % {"explanation": evaluation.explanation, "year": today.year}, evaluation.year)
    if leaving:
        basis = _("Tính từ danh sách nhóm: %(count)s đơn vị đầu kỳ; số đơn vị ra khỏi nhóm đến cuối mỗi năm.")
    else:
        basis = _("Tính từ danh sách nhóm: %(count)s đơn vị đầu kỳ; số đơn vị còn trong nhóm đến cuối mỗi năm.")
    basis %= {"count": len(base)}
    results = [MemberResult(m) for m in members]
    return GroupResult(target, evaluation, results, values, basis_note=basis)


def _carry_note(results: list[MemberResult], target: Target) -> str:
    carried = [r for r in results if r.stand_ins and _last_own_year(r.unit) is not None
               and _last_own_year(r.unit) < target.end_year]
    if not carried:
        return ""
    first = min(_last_own_year(r.unit) for r in carried) + 1
    names = ", ".join(r.unit.name for r in carried[:5]) + ("..." if len(carried) > 5 else "")
    return _(
        "%(units)s không còn từ ngày %(date)s: số liệu từ năm %(first)s là của các đơn vị nhận địa bàn "
        "(%(count)s đơn vị), tính cả phần địa bàn ngoài nhóm nếu có."
    ) % {"units": names, "date": format(carried[0].unit.valid_to, "%d/%m/%Y"), "first": first,
         "count": sum(len(r.stand_ins) for r in carried)}


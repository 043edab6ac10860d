"""Reads for the leader dashboards: targets judged against approved figures, tasks in the
Government Office's four categories, comparisons across units, cascades of restated targets and
the IPTT table. Each page's reads run a fixed number of queries, however many units there are.

Where the figures come from
- `YearlyValue` (kept by indicators.rollups): approved yearly figures, own or added up from the
  units below. Only approved values count; with `?cho_duyet=1` figures awaiting review replace
  them and are marked as pending wherever shown.
- Status is decided by indicators.evaluation, the one evaluation module, nowhere else.

Who sees what
- Targets, figures, tasks and task reports are read through plans.access.scope. The nation's and
  the regions' targets and figures are benchmarks (a province's target is "no higher than the
  regional and national rate"): every signed-in user with a territory sees them beside their own.

Territories merged on 1/7/2025
- A figure is a year-end figure, so a unit that passed into another on 1/7/2025 has figures up to
  2024 and its successor has them from 2025. The two are never combined into one computation:
  a target whose figures all fall after the merger (a 2026–2030 target of Hậu Giang) is judged on
  the successor's figures; one that spans the merger is judged on the old unit's own figures, and
  the successor's later figures are shown beside them, marked, not used. Either way a note says so.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy as _

from indicators import group_targets, selectors, standard_breaks
from indicators.assessments import approved_assessments, latest_approved
from indicators.evaluation import Evaluation, EvaluationStatus, evaluate, judge_assessment, project
from indicators.models import (
    Aggregation,
    ChangeDirection,
    Direction,
    Indicator,
    MeasureUnit,
    PeriodKind,
    Target,
    TargetKind,
    YearlyValue,
)
from plans import access
from plans.models import (
    AdminMap,
    AdministrativeUnit,
    AgencySuccession,
    Document,
    ProgressState,
    Recurrence,
    ReviewStatus,
    Task,
    UnitLevel,
    UnitSuccession,
)
from plans.country_map import REORGANISATION_DATE
from plans.text import format_number, query_number
from plans.unit_names import names_in_year, names_in_years

Status = EvaluationStatus
ILLUSTRATIVE_PREFIX = "[Minh họa]"  # task reports written by generate_illustrative_actuals

# Red first: missed and off track, then at risk; then on track and achieved; no data last.
SEVERITY = {Status.MISSED: 0, Status.OFF_TRACK: 1, Status.AT_RISK: 2, Status.ON_TRACK: 3, Status.ACHIEVED: 4, Status.NO_DATA: 5}
STATUS_GROUPS = [
    ("behind", _("Chậm tiến độ, có nguy cơ hoặc không đạt"), {Status.MISSED, Status.OFF_TRACK, Status.AT_RISK}),
    ("good", _("Đúng tiến độ hoặc đã đạt"), {Status.ON_TRACK, Status.ACHIEVED}),
    ("no_data", _("Chưa có số liệu"), {Status.NO_DATA}),
]


# ---------------------------------------------------------------------------------------------
# Options of every page: ?nam=YYYY (the year judged), ?cho_duyet=1 (figures awaiting review)


@dataclass(frozen=True)
class Options:
    year: int
    include_pending: bool = False

    def query(self, **extra) -> str:
        params = {"nam": self.year}
        if self.include_pending:
            params["cho_duyet"] = 1
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)


def options_from(query) -> Options:
    return Options(year=selectors.reporting_year(query.get("nam")), include_pending=query.get("cho_duyet") == "1")


# ---------------------------------------------------------------------------------------------
# What a user may see


def _with_benchmarks(user, queryset: QuerySet, unit_path: str) -> QuerySet:
    """The rows in the user's reach, and those of the nation and the regions (benchmarks)."""
    if user.is_superuser:
        return queryset
    return access.scope(user, queryset, unit_path=unit_path) | queryset.filter(
        **{f"{unit_path}__level__lte": UnitLevel.REGION}
    )


def visible_values(user) -> QuerySet[YearlyValue]:
    return _with_benchmarks(user, YearlyValue.objects.all(), "unit")


def dashboard_targets(user) -> QuerySet[Target]:
    return _with_benchmarks(user, Target.objects.all(), "territory")


def has_territory(user) -> bool:
    user_reach = access.reach(user)
    return user_reach.everywhere or bool(user_reach.root_unit_ids)


def _with_parents(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("parent__parent__parent__parent")


def home_units(user) -> list[AdministrativeUnit]:
    """The territories a user's dashboard may start from: the nation, or their memberships' units."""
    if access.reach(user).everywhere:
        return list(AdministrativeUnit.objects.filter(level=UnitLevel.NATION))
    ids = user.memberships.values_list("unit_id", flat=True)
    return list(_with_parents(AdministrativeUnit.objects.filter(pk__in=ids)).order_by("level", "name"))


def unit_for(user, raw_id: str | None) -> AdministrativeUnit:
    """The territory asked for (?dia_ban=id) when in the user's reach, else their first one."""
    homes = home_units(user)
    if raw_id and (unit_id := query_number(raw_id, max_digits=18)) is not None:
        unit = _with_parents(AdministrativeUnit.objects.all()).filter(pk=unit_id).first()
        if unit is None or not access.unit_in_reach(access.reach(user), unit):
            raise Http404("Địa bàn không có hoặc ngoài phạm vi của bạn.")
        return unit
    if not homes:
        raise Http404("Bạn chưa được phân công địa bàn nào.")
    return homes[0]


def within(unit: AdministrativeUnit, path: str) -> Q:
    """Rows whose unit lies in `unit`'s subtree or in that of a unit merged into it."""
    if unit.level == UnitLevel.NATION:
        return Q()
    return access.Reach(root_unit_ids=access.predecessor_unit_ids({unit.pk})).unit_q(path)


# ---------------------------------------------------------------------------------------------
# Figures and series


@dataclass
class Point:
    """One yearly figure as a page shows it."""

    year: int
    value: Decimal | None  # approved
    pending: Decimal | None  # awaiting review (only read with ?cho_duyet=1)
    unit_id: int
    is_late_correction: bool = False
    is_illustrative: bool = False
    is_computed: bool = False
    children_count: int = 0
    actual_id: int | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    from_successor: bool = False
    used: bool = True
    is_synthetic: bool = False  # computed from synthetic households (generate_register)
    standard: str = ""  # the poverty standard it was measured under ("" when the indicator has none)
    breakdown: str = ""  # "" for the whole

    @property
    def shown(self) -> Decimal | None:
        return self.pending if self.pending is not None else self.value

    @property
    def is_pending(self) -> bool:
        return self.pending is not None


POINT_FIELDS = (
    "indicator_id", "unit_id", "year", "value", "pending_value", "is_late_correction", "is_illustrative",
    "is_computed", "children_count", "actual_id", "numerator", "denominator", "is_synthetic",
    "standard", "breakdown", "is_headline",
)


def values_query(user, indicator_ids, unit_ids, options: Options) -> QuerySet:
    """The figures of some indicators and units up to the year judged, under every poverty standard
    and breakdown (a target may be set on one): each page's main query."""
    return (
        _with_benchmarks(user, YearlyValue.every.all(), "unit")
        .filter(indicator_id__in=list(indicator_ids), unit_id__in=list(unit_ids), year__lte=options.year)
        .values_list(*POINT_FIELDS)
    )


def load_points(user, indicator_ids, unit_ids, options: Options) -> dict[tuple, dict[int, Point]]:
    """{(indicator id, unit id): {year: Point}} of the headline figures (the whole, under the
    standard in force), and {(indicator id, unit id, standard, breakdown): {year: Point}} of every
    series (indicators.standard_breaks.series reads the one a target is set on), one query."""
    out: dict[tuple, dict[int, Point]] = defaultdict(dict)
    by_option: dict[tuple, dict[int, list[Point]]] = defaultdict(dict)
    if not indicator_ids or not unit_ids:
        return out
    for (indicator_id, unit_id, year, value, pending, late, illustrative, computed, children, actual_id,
         numerator, denominator, synthetic, standard, breakdown, headline) in values_query(
            user, indicator_ids, unit_ids, options):
        pending = pending if options.include_pending else None
        if value is None and pending is None:
            continue
        point = Point(
            year, value, pending, unit_id, late, illustrative, computed, children, actual_id, numerator, denominator,
            is_synthetic=synthetic, standard=standard, breakdown=breakdown,
        )
        out[(indicator_id, unit_id, standard, breakdown)][year] = point
        if headline and not breakdown:
            out[(indicator_id, unit_id)][year] = point
        elif breakdown:
            by_option[(indicator_id, unit_id, breakdown)].setdefault(year, []).append(point)
    for (indicator_id, unit_id, breakdown), years in by_option.items():
        # A breakdown whatever the standard (a target on it without one): the headline's standard of the year.
        whole = out.get((indicator_id, unit_id), {})
        out[(indicator_id, unit_id, None, breakdown)] = {
            year: next((p for p in candidates if year in whole and p.standard == whole[year].standard),
                       max(candidates, key=lambda p: p.standard))
            for year, candidates in years.items()
        }
    return out


@dataclass(frozen=True)
class Merger:
    predecessor: AdministrativeUnit
    successor: AdministrativeUnit
    effective_on: date

    @property
    def first_year(self) -> int:
        """The first year-end figure that belongs to the successor."""
        return self.effective_on.year

    @property
    def date_text(self) -> str:
        return f"{self.effective_on:%d/%m/%Y}"


def mergers_of(units) -> dict[int, Merger]:
    """{old unit id: Merger} for the closed units among these (their main successor)."""
    closed = {u.pk: u for u in units if u.valid_to is not None}
    if not closed:
        return {}
    links = UnitSuccession.objects.filter(predecessor_id__in=closed, is_main=True).select_related("successor")
    return {link.predecessor_id: Merger(closed[link.predecessor_id], link.successor, link.effective_on) for link in links}


def due_year(target) -> int:
    """The year whose figure a level or milestone target is judged on (the evaluation's rule)."""
    due = target.due_on
    if due is None:
        return target.end_year
    return due.year if (due.month, due.day) == (12, 31) else due.year - 1


def final_year(target) -> int:
    return due_year(target) if target.kind in (TargetKind.LEVEL, TargetKind.MILESTONE) else target.end_year


def first_year_needed(target) -> int:
    """The earliest year whose figure the target's evaluation reads."""
    start = target.start_year or final_year(target)
    if target.kind == TargetKind.AVERAGE_CHANGE:
        return start if target.baseline_value is not None else start - 1
    if target.kind in (TargetKind.RELATIVE_CHANGE, TargetKind.MULTIPLE):
        base = base_year(target)
        return base + 1 if target.baseline_value is not None else base
    return start


def base_year(target) -> int:
    """The baseline year of a relative change or a multiple (the evaluation's rule)."""
    return target.baseline_year or (target.start_year or target.end_year) - 1


def value_unit(target) -> str:
    """The unit of the indicator's values (a change target's unit is the unit of the change)."""
    return target.indicator.measure_unit if target.indicator_id else target.unit


# ---------------------------------------------------------------------------------------------
# A target judged


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
    def url(self) -> str:
        return reverse("dashboard_target", args=[self.target.pk])

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


def evaluate_targets(user, targets: list[Target], options: Options) -> list[TargetStatus]:
    """Every target judged: two queries (mergers, figures) whatever their number.

    The targets come with indicator and territory selected and compare_units prefetched.
    """
    mergers = mergers_of({t.territory for t in targets})
    unit_ids = {t.territory_id for t in targets} | {m.successor.pk for m in mergers.values()}
    unit_ids |= {u.pk for t in targets if t.kind == TargetKind.COMPARISON for u in t.compare_units.all()}
    # Targets on a unit group are judged on their members (indicators.group_targets).
    on_groups = [t for t in targets if t.unit_group_id and t.kind != TargetKind.QUALITATIVE]
    plan = group_targets.prepare(on_groups)
    points = load_points(user, {t.indicator_id for t in targets}, unit_ids | plan.unit_ids, options)
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


def _targets(queryset: QuerySet[Target]) -> QuerySet[Target]:
    return queryset.select_related(
        "indicator", "document__issuer", "document__territory", "territory", "restates"
    ).prefetch_related("compare_units", approved_assessments())


# ---------------------------------------------------------------------------------------------
# The leader's dashboard


class TaskCategory:
    """The Government Office's four categories."""

    ON_TIME = "on_time"
    LATE = "late"
    NOT_DUE = "not_due"
    OVERDUE = "overdue"
    ORDER = (OVERDUE, NOT_DUE, LATE, ON_TIME)
    LABELS = {
        ON_TIME: _("Hoàn thành đúng hạn"),
        LATE: _("Hoàn thành quá hạn"),
        NOT_DUE: _("Chưa đến hạn"),
        OVERDUE: _("Quá hạn"),
    }


# Reporting periods of a recurring task within a year: (kind, number, last day).
def _periods(recurrence: str, year: int) -> list[tuple[str, int, date]]:
    if recurrence == Recurrence.HALF_YEARLY:
        return [(PeriodKind.HALF, 1, date(year, 6, 30)), (PeriodKind.HALF, 2, date(year, 12, 31))]
    if recurrence == Recurrence.QUARTERLY:
        ends = [date(year, 3, 31), date(year, 6, 30), date(year, 9, 30), date(year, 12, 31)]
        return [(PeriodKind.QUARTER, n, end) for n, end in enumerate(ends, start=1)]
    return [(PeriodKind.YEAR, 0, date(year, 12, 31))]  # yearly, and monthly tasks report yearly


RECURRING = {Recurrence.YEARLY, Recurrence.HALF_YEARLY, Recurrence.QUARTERLY, Recurrence.MONTHLY}


def task_due(task: Task) -> date | None:
    """A one-off task's deadline; without one, the last day of its document's period."""
    if task.due_on:
        return task.due_on
    if task.document.end_year:
        return date(task.document.end_year, 12, 31)
    return None


@dataclass
class TaskStatus:
    task: Task
    category: str
    due: date | None
    completed_on: date | None
    owner: object | None  # the lead agency, or the agency its work passed to
    note: str = ""
    illustrative: bool = False

    @property
    def label(self) -> str:
        return str(TaskCategory.LABELS[self.category])


def classify_task(task: Task, completions: list[tuple], family: set[int] | None, year: int,
                  today: date) -> TaskStatus:
    """One task's category on `today` (for a recurring task: its periods of `year`).

    `completions` are the task's approved "completed" reports as (agency id, period kind, year,
    number, completion date); `family` is the lead agency with its predecessors and successors
    (None: any agency's report counts).
    """
    def done(kind: str | None = None, number: int | None = None, in_year: int | None = None) -> date | None:
        dates = [
            completed for agency_id, k, y, n, completed in completions
            if (family is None or agency_id in family) and (kind is None or (k, y, n) == (kind, in_year, number))
        ]
        return min(dates) if dates else None

    if task.recurrence == Recurrence.CONTINUOUS:
        return TaskStatus(task, TaskCategory.NOT_DUE, None, None, None, str(_("thường xuyên")))
    if task.recurrence in RECURRING:
        states, last_due, completed_last = [], None, None
        for kind, number, end in _periods(task.recurrence, year):
            completed = done(kind, number, year)
            last_due, completed_last = end, completed or completed_last
            if completed is not None:
                states.append(TaskCategory.ON_TIME if completed <= end else TaskCategory.LATE)
            else:
                states.append(TaskCategory.OVERDUE if today > end else TaskCategory.NOT_DUE)
        # Worst first: any period overdue; else any not yet due; else any late; else on time.
        category = next(c for c in (TaskCategory.OVERDUE, TaskCategory.NOT_DUE, TaskCategory.LATE, TaskCategory.ON_TIME)
                        if c in states)
        return TaskStatus(task, category, last_due, completed_last, None, f"{task.get_recurrence_display()} – {year}")
    due = task_due(task)
    completed = done()
    note = "" if task.due_on else (str(_("hạn theo kỳ kế hoạch")) if due else str(_("chưa có hạn")))
    if completed is not None:
        category = TaskCategory.ON_TIME if due is None or completed <= due else TaskCategory.LATE
    else:
        category = TaskCategory.OVERDUE if due is not None and today > due else TaskCategory.NOT_DUE
    return TaskStatus(task, category, due, completed, None, note)


@dataclass
class TaskGroup:
    label: str
    url: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cells(self) -> list[int]:
        return [self.counts.get(c, 0) for c in TaskCategory.ORDER]


@dataclass
class TaskSummary:
    year: int
    today: date
    statuses: list[TaskStatus]
    by_agency: list[TaskGroup]
    by_document: list[TaskGroup]
    totals: TaskGroup
    illustrative_reports: int

    @property
    def overdue(self) -> list[TaskStatus]:
        return sorted((s for s in self.statuses if s.category == TaskCategory.OVERDUE),
                      key=lambda s: (s.due or date.max, s.task.document_id, s.task.position))

    @property
    def headers(self) -> list[str]:
        return [str(TaskCategory.LABELS[c]) for c in TaskCategory.ORDER]


def _agency_links() -> tuple[dict[int, list[int]], dict[int, list[int]], dict[int, object]]:
    successors: dict[int, list[int]] = defaultdict(list)
    predecessors: dict[int, list[int]] = defaultdict(list)
    agencies: dict[int, object] = {}
    for link in AgencySuccession.objects.select_related("predecessor", "successor").order_by("effective_on"):
        successors[link.predecessor_id].append(link.successor_id)
        predecessors[link.successor_id].append(link.predecessor_id)
        agencies[link.successor_id] = link.successor
        agencies[link.predecessor_id] = link.predecessor
    return successors, predecessors, agencies


def _walk(start: int, links: dict[int, list[int]]) -> set[int]:
    seen, frontier = {start}, [start]
    while frontier:
        for nxt in links.get(frontier.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


def task_summary(user, unit: AdministrativeUnit, year: int, today: date | None = None) -> TaskSummary:
    """The leaf tasks of the territory in the four categories, by agency and by document."""
    today = today or timezone.localdate()
    tasks = list(
        selectors.visible_tasks(user)
        .filter(within(unit, "document__territory"))
        .filter(~Exists(Task.objects.filter(parent=OuterRef("pk"))))
        .select_related("document__issuer", "lead_agency")
        .order_by("document__issued_on", "document__number", "position")
    )
    reports = (
        selectors.visible_task_reports(user)
        .filter(task__in=[t.pk for t in tasks], status=ReviewStatus.APPROVED, progress=ProgressState.COMPLETED,
                completed_on__lte=today)
        .annotate(illustrative=Case(When(narrative__startswith=ILLUSTRATIVE_PREFIX, then=True), default=False,
                                    output_field=BooleanField()))
        .values_list("task_id", "agency_id", "period_kind", "year", "period_number", "completed_on", "illustrative")
    )
    completions: dict[int, list[tuple]] = defaultdict(list)
    illustrative_tasks: set[int] = set()
    for task_id, agency_id, kind, report_year, number, completed_on, illustrative in reports:
        completions[task_id].append((agency_id, kind, report_year, number, completed_on))
        if illustrative:
            illustrative_tasks.add(task_id)
    successors, predecessors, agencies = _agency_links()

    def owner(agency):
        current = agency
        while current is not None and successors.get(current.pk):
            current = agencies.get(successors[current.pk][-1])
        return current

    statuses = []
    for task in tasks:
        family = None
        if task.lead_agency_id:
            family = _walk(task.lead_agency_id, successors) | _walk(task.lead_agency_id, predecessors)
        status = classify_task(task, completions.get(task.pk, []), family, year, today)
        status.owner = owner(task.lead_agency) if task.lead_agency_id else None
        status.illustrative = task.pk in illustrative_tasks
        statuses.append(status)

    def grouped(key, label, url) -> list[TaskGroup]:
        groups: dict = {}
        for status in statuses:
            k = key(status)
            group = groups.setdefault(k, TaskGroup(label(status), url(status), {}))
            group.counts[status.category] = group.counts.get(status.category, 0) + 1
        return list(groups.values())

    by_agency = grouped(
        lambda s: s.owner.pk if s.owner else 0,
        lambda s: s.owner.name if s.owner else str(_("(Chưa ghi cơ quan chủ trì)")),
        lambda s: s.owner.get_absolute_url() if s.owner else "",
    )
    by_agency.sort(key=lambda g: (-g.counts.get(TaskCategory.OVERDUE, 0), g.label))
    by_document = grouped(
        lambda s: s.task.document_id, lambda s: str(s.task.document), lambda s: s.task.document.get_absolute_url()
    )
    totals = TaskGroup(str(_("Tổng")), "", {})
    for status in statuses:
        totals.counts[status.category] = totals.counts.get(status.category, 0) + 1
    return TaskSummary(year, today, statuses, by_agency, by_document, totals, len(illustrative_tasks))


@dataclass
class DocumentRow:
    document: Document
    counts: dict[str, int]
    iptt_url: str

    def cells(self) -> list[int]:
        return [self.counts.get(s, 0) for s in SEVERITY]


@dataclass
class StatusGroup:
    key: str
    label: str
    rows: list[TargetStatus]


@dataclass
class Dashboard:
    unit: AdministrativeUnit
    options: Options
    groups: list[StatusGroup]
    documents: list[DocumentRow]
    tasks: TaskSummary
    illustrative: bool
    pending: bool
    homes: list[AdministrativeUnit]
    synthetic: bool = False

    @property
    def keep(self) -> list[tuple[str, object]]:
        return [("dia_ban", self.unit.pk)]

    @property
    def status_headers(self) -> list[str]:
        return [str(s.label) for s in SEVERITY]

    @property
    def count(self) -> int:
        return sum(len(g.rows) for g in self.groups)


def leader_dashboard(user, unit: AdministrativeUnit, options: Options) -> Dashboard:
    targets = list(_targets(dashboard_targets(user).filter(within(unit, "territory"))).order_by(
        "document__issued_on", "document__number", "position"))
    statuses = evaluate_targets(user, targets, options)
    groups = []
    for key, label, members in STATUS_GROUPS:
        rows = sorted((s for s in statuses if s.status in members), key=lambda s: (s.severity, s.target.document.issued_on or date.min))
        groups.append(StatusGroup(key, str(label), rows))
    documents: dict[int, DocumentRow] = {}
    for s in statuses:
        doc = s.target.document
        row = documents.setdefault(doc.pk, DocumentRow(doc, {}, reverse("dashboard_iptt", args=[doc.pk]) + "?" + options.query()))
        row.counts[s.status] = row.counts.get(s.status, 0) + 1
    return Dashboard(
        unit=unit, options=options, groups=groups, documents=list(documents.values()),
        tasks=task_summary(user, unit, options.year), illustrative=any(s.is_illustrative for s in statuses),
        pending=any(s.uses_pending for s in statuses), homes=home_units(user),
        synthetic=any(s.is_synthetic for s in statuses),
    )


# ---------------------------------------------------------------------------------------------
# One target: its path, projection and the figures as a table


@dataclass(frozen=True)
class PathPoint:
    year: int
    low: Decimal
    high: Decimal


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"))


def anchor(status: TargetStatus) -> tuple[int, Decimal] | None:
    """Where the target's path starts: the baseline given, or the first figure the evaluation reads."""
    target = status.target
    if target.kind in (TargetKind.CUMULATIVE, TargetKind.COMPARISON):
        return None
    values = status.used_values
    if target.kind in (TargetKind.RELATIVE_CHANGE, TargetKind.MULTIPLE):
        year = base_year(target)
        value = target.baseline_value if target.baseline_value is not None else values.get(year)
        return (year, value) if value is not None else None
    if target.kind == TargetKind.AVERAGE_CHANGE:
        first = next(iter(_average_series(target, values).items()), None)
        return first if first is not None and first[0] < final_year(target) else None
    first = (target.start_year or final_year(target)) - 1
    if target.baseline_value is not None:
        return (target.baseline_year or first, target.baseline_value)
    candidates = [(y, v) for y, v in sorted(values.items()) if first <= y < final_year(target)]
    return candidates[0] if candidates else None


def _average_series(target, values: dict[int, Decimal]) -> dict[int, Decimal]:
    """The figures an average change reads (evaluation._average_change): from the end of the year
    before its start, the baseline given standing for its year's figure."""
    first = (target.start_year or target.end_year) - 1
    series = {y: v for y, v in values.items() if first <= y <= target.end_year}
    if target.baseline_value is not None and first <= (target.baseline_year or first) <= target.end_year:
        series[target.baseline_year or first] = target.baseline_value
    return dict(sorted(series.items()))


def _compounded(target) -> bool:
    """An average change in "%": a yearly rate of the value, compounded ("giảm bình quân 10%/năm")."""
    return target.kind == TargetKind.AVERAGE_CHANGE and target.unit == MeasureUnit.PERCENT


def target_path(status: TargetStatus) -> list[PathPoint]:
    """The values the target asks for, year by year (a band where it is a range)."""
    target = status.target
    low, high = target.min_value, target.max_value
    bounds = [b for b in (low, high) if b is not None]
    if not bounds or target.kind == TargetKind.COMPARISON:
        return []
    end = final_year(target)
    if target.kind == TargetKind.CUMULATIVE:
        start = target.start_year or end
        span = end - start + 1
        return [
            PathPoint(y, _q(min(bounds) * (y - start + 1) / span), _q(max(bounds) * (y - start + 1) / span))
            for y in range(start, end + 1)
        ]
    start = anchor(status)
    if target.kind in (TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE, TargetKind.MULTIPLE):
        if start is None:
            return []
        y0, v0 = start
        sign = Decimal(-1) if target.change_direction == ChangeDirection.DECREASE else Decimal(1)
        if target.kind == TargetKind.MULTIPLE:
            if v0 <= 0:  # no multiple of nothing (the evaluation says so)
                return []
            ends = [v0 * b for b in bounds]
        elif _compounded(target):
            ends = [v0 * max(1 + sign * b / 100, Decimal(0)) ** max(end - y0, 0) for b in bounds]
        elif target.kind == TargetKind.AVERAGE_CHANGE:
            ends = [v0 + sign * b * (end - y0) for b in bounds]
        elif target.unit == MeasureUnit.PERCENT:
            if v0 == 0:
                return []
            ends = [v0 + sign * b * abs(v0) / 100 for b in bounds]
        else:
            ends = [v0 + sign * b for b in bounds]
    else:  # level, milestone: from the first figure to the bound in the final year
        ends = list(bounds)
        if start is None:
            return _kept_gains(status, [PathPoint(end, _q(min(ends)), _q(max(ends)))])
        y0, v0 = start
    if end <= y0:
        return _kept_gains(status, [PathPoint(end, _q(min(ends)), _q(max(ends)))])
    path = []
    for y in range(y0, end + 1):
        if _compounded(target):  # the same rate every year, on the value of the year before
            values = [max(v0 * max(1 + sign * b / 100, Decimal(0)) ** (y - y0), Decimal(0)) for b in bounds]
        else:
            share = Decimal(y - y0) / Decimal(end - y0)
            values = [max(v0 + (e - v0) * share, Decimal(0)) for e in ends]
        path.append(PathPoint(y, _q(min(values)), _q(max(values))))
    return _kept_gains(status, path)


def _kept_gains(status: TargetStatus, path: list[PathPoint]) -> list[PathPoint]:
    """A level target's path never asks for less than the latest figure already gives: from that
    figure's year on it is capped there (lower is better) or floored there (higher is better),
    so a rate at 2,5 % under a "dưới 4 %" target is not drawn climbing back to 4 %."""
    target = status.target
    if target.kind not in (TargetKind.LEVEL, TargetKind.MILESTONE) or not path:
        return path
    values = {y: v for y, v in status.used_values.items() if y <= final_year(target)}
    if not values:
        return path
    year = max(values)
    latest = values[year]
    keep = min if _better(target) == Direction.LOWER_IS_BETTER else max
    return [p if p.year < year else PathPoint(p.year, keep(p.low, latest), keep(p.high, latest)) for p in path]


def cumulative(values: dict[int, Decimal], start: int) -> dict[int, Decimal]:
    total, out = Decimal(0), {}
    for year in sorted(values):
        if year >= start:
            total += values[year]
            out[year] = total
    return out


def projection(status: TargetStatus) -> tuple[int, Decimal, int, Decimal] | None:
    """(last year, last value, final year, projected value): the linear trend of the figures judged
    (of a change or a multiple: from its baseline on); an average change in "%" goes on at its mean
    compounded rate so far."""
    target = status.target
    end = final_year(target)
    values = {y: v for y, v in status.used_values.items() if y <= end}
    if target.kind == TargetKind.CUMULATIVE:
        values = cumulative(values, target.start_year or end)
    elif target.kind in (TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE, TargetKind.MULTIPLE):
        base = anchor(status)  # from the baseline the evaluation reads, the baseline given standing for its figure
        if base is not None:
            values = {y: v for y, v in values.items() if y > base[0]} | {base[0]: base[1]}
    if len(values) < 2 or max(values) >= end:
        return None
    if _compounded(target):  # the mean yearly rate so far, kept to the end
        y0, last = min(values), max(values)
        if values[y0] <= 0:
            return None
        rate = (values[last] / values[y0]) ** (Decimal(1) / Decimal(last - y0)) if values[last] > 0 else Decimal(0)
        projected = values[last] * rate ** (end - last)
    else:
        projected = project(values, end)
    projected = max(projected, Decimal(0))
    if value_unit(target) == MeasureUnit.PERCENT and target.kind != TargetKind.CUMULATIVE:
        projected = min(projected, Decimal(100))
    last = max(values)
    return last, values[last], end, _q(projected)


def number_text(value: Decimal | None, unit: str, decimals: int = 2) -> str:
    if value is None:
        return "—"
    if unit == MeasureUnit.YES_NO:
        return str(_("có")) if value else str(_("không"))
    text = format_number(value, decimals)
    if unit == MeasureUnit.PERCENT:
        return f"{text}%"
    label = dict(MeasureUnit.choices).get(unit, "")
    return f"{text} {label}".rstrip()


@dataclass
class TableRow:
    year: int
    unit_name: str
    point: Point | None
    path: PathPoint | None
    running_total: Decimal | None = None
    compared: list[Point | None] = field(default_factory=list)
    projected: Decimal | None = None

    @property
    def path_text(self) -> tuple[Decimal | None, Decimal | None]:
        if self.path is None:
            return (None, None)
        return (self.path.low, self.path.high)


@dataclass
class TargetDetail:
    status: TargetStatus
    options: Options
    path: list[PathPoint]
    projection: tuple[int, Decimal, int, Decimal] | None
    anchor: tuple[int, Decimal] | None
    rows: list[TableRow]
    running_totals: dict[int, Decimal]

    @property
    def target(self) -> Target:
        return self.status.target

    @property
    def is_cumulative(self) -> bool:
        return self.target.kind == TargetKind.CUMULATIVE

    @property
    def measure_unit(self) -> str:
        return value_unit(self.target)


def target_detail(user, target_id: int, options: Options) -> TargetDetail:
    target = _targets(dashboard_targets(user)).filter(pk=target_id).first()
    if target is None:
        raise Http404("Chỉ tiêu không có hoặc ngoài phạm vi của bạn.")
    status = evaluate_targets(user, [target], options)[0]
    path = target_path(status)
    totals = cumulative(status.used_values, target.start_year or target.end_year) if target.kind == TargetKind.CUMULATIVE else {}
    proj = projection(status)
    by_year = {p.year: p for p in status.points}
    path_by_year = {p.year: p for p in path}
    years = set(by_year) | set(path_by_year)
    for _unit, series in status.compare:
        years |= set(series)
    years = {y for y in years if y <= max(options.year, final_year(target))}
    if proj:
        years.add(proj[2])
    rows = []
    figure_units = [target.territory] + ([status.merger.successor] if status.merger else [])
    names = names_in_years(figure_units, [p.year for p in status.points])  # as they were in each figure's year
    for year in sorted(years):
        point = by_year.get(year)
        unit_name = ""
        if point is not None:
            unit = status.merger.successor if point.from_successor and status.merger else target.territory
            unit_name = names[(unit.pk, year)]
        rows.append(TableRow(
            year=year, unit_name=unit_name, point=point, path=path_by_year.get(year),
            running_total=totals.get(year),
            compared=[series.get(year) for _unit, series in status.compare],
            projected=proj[3] if proj and proj[2] == year else None,
        ))
    return TargetDetail(status, options, path, proj, anchor(status), rows, totals)


# ---------------------------------------------------------------------------------------------
# Comparison of the units of a territory for one indicator and year


SORTS = {"ten", "gia_tri", "tien_do", "trang_thai"}


@dataclass
class ComparisonRow:
    unit: AdministrativeUnit
    point: Point | None
    national: Evaluation | None  # the benchmark target judged on this unit's figures
    own: TargetStatus | None
    drill_url: str
    name: str = ""  # the unit's name in the year shown

    @property
    def value(self) -> Decimal | None:
        return self.point.shown if self.point else None

    @property
    def progress(self) -> Decimal | None:
        return self.national.value if self.national else None

    @property
    def status(self) -> EvaluationStatus | None:
        if self.own is not None:
            return self.own.status
        return self.national.status if self.national else None


@dataclass
class Comparison:
    indicator: Indicator
    parent: AdministrativeUnit
    options: Options
    admin_map: str
    rows: list[ComparisonRow]
    benchmark: Target | None
    parent_point: Point | None
    sort: str
    descending: bool
    chart_metric: str  # "gia_tri" (the year's figures) or "tien_do" (what the benchmark judges)
    illustrative: bool
    crumbs: list[AdministrativeUnit]
    synthetic: bool = False
    map_chosen: bool = False  # by the user (?ban_do=); else the map in force in the year shown

    @property
    def has_maps(self) -> bool:
        return self.parent.level == UnitLevel.NATION

    @property
    def keep(self) -> list[tuple[str, object]]:
        """What the year form carries over."""
        params = [("dia_ban", self.parent.pk), ("sap_xep", self.sort), ("thu_tu", "giam" if self.descending else "tang"),
                  ("do", self.chart_metric)]
        return params + ([("ban_do", self.admin_map)] if self.has_maps and self.map_chosen else [])

    def url(self, **changes) -> str:
        params = dict(self.keep)
        params.update(changes)
        return reverse("dashboard_compare", args=[self.indicator.pk]) + "?" + self.options.query(**params)

    @property
    def map_links(self) -> list[tuple[str, str, bool]]:
        if not self.has_maps:
            return []
        return [(str(m.label), self.url(ban_do=m.value), m.value == self.admin_map) for m in (AdminMap.CURRENT, AdminMap.LEGACY)]

    @property
    def url_value_metric(self) -> str:
        return self.url(do="gia_tri")

    @property
    def url_progress_metric(self) -> str:
        return self.url(do="tien_do")

    def sort_url(self, key: str) -> str:
        descending = not self.descending if key == self.sort else key != "ten"
        return self.url(sap_xep=key, thu_tu="giam" if descending else "tang")

    @property
    def sort_url_name(self) -> str:
        return self.sort_url("ten")

    @property
    def sort_url_value(self) -> str:
        return self.sort_url("gia_tri")

    @property
    def sort_url_progress(self) -> str:
        return self.sort_url("tien_do")

    @property
    def sort_url_status(self) -> str:
        return self.sort_url("trang_thai")

    @property
    def arrow(self) -> str:
        return "▼" if self.descending else "▲"


def comparison(user, indicator: Indicator, parent: AdministrativeUnit, options: Options, *, admin_map: str = "",
               sort: str = "", descending: bool | None = None, metric: str = "") -> Comparison:
    """Every unit below `parent` (the provinces of one map for the nation) for one indicator.

    The nation opens on the map in force at the end of the year shown (63 provinces up to 2024,
    34 from 2025) unless `admin_map` names one; units are named as they were that year."""
    children = AdministrativeUnit.objects.filter(parent=parent, level__gt=UnitLevel.REGION)
    map_chosen = admin_map in (AdminMap.CURRENT, AdminMap.LEGACY)
    if parent.level == UnitLevel.NATION:
        admin_map = admin_map if map_chosen else map_in_force(options.year)
        children = children.filter(admin_map=admin_map)
    children = list(children.select_related("parent").annotate(
        has_children=Exists(AdministrativeUnit.objects.filter(parent=OuterRef("pk")))).order_by("name"))
    child_ids = {u.pk for u in children}
    names = names_in_year(children, options.year)
    benchmark = (
        _targets(dashboard_targets(user).filter(indicator=indicator, territory__level=UnitLevel.NATION))
        .filter(selectors.horizon_covers(options.year))
        .exclude(kind=TargetKind.COMPARISON)
        .order_by("document__issued_on", "position")
        .first()
    )
    # Each unit's own target: on the unit, or on a unit merged into it.
    links = dict(
        UnitSuccession.objects.filter(successor_id__in=child_ids, is_main=True, predecessor__level__lte=UnitLevel.DISTRICT)
        .values_list("predecessor_id", "successor_id")
    )
    own_targets = list(
        _targets(dashboard_targets(user).filter(indicator=indicator))
        .filter(Q(territory_id__in=child_ids) | Q(territory_id__in=list(links)))
        .filter(selectors.horizon_covers(options.year))
        .order_by("-document__issued_on", "position")
    )
    own_statuses = evaluate_targets(user, own_targets, options)
    own_by_unit: dict[int, TargetStatus] = {}
    for status in own_statuses:
        unit_id = links.get(status.target.territory_id, status.target.territory_id)
        own_by_unit.setdefault(unit_id, status)
    points = load_points(user, {indicator.pk}, child_ids | {parent.pk}, options)
    rows = []
    for unit in children:
        series = points.get((indicator.pk, unit.pk), {})
        national = None
        if benchmark is not None:
            values = {y: p.shown for y, p in series.items() if p.shown is not None}
            national = evaluate(benchmark, values, as_of_year=options.year) if values else None
        drill = ""
        if unit.has_children:
            drill = reverse("dashboard_compare", args=[indicator.pk]) + "?" + options.query(dia_ban=unit.pk)
        rows.append(ComparisonRow(unit, series.get(options.year), national, own_by_unit.get(unit.pk), drill,
                                  names[unit.pk]))
    judged = benchmark is not None and any(r.progress is not None for r in rows)
    sort = sort if sort in SORTS else ("tien_do" if judged else "gia_tri")
    if descending is None:
        descending = sort != "ten"
    rows = _sorted(rows, sort, descending)
    metric = metric if metric in ("gia_tri", "tien_do") else ("tien_do" if judged else "gia_tri")
    if benchmark is None:
        metric = "gia_tri"
    crumbs, node = [], parent
    while node is not None:
        crumbs.insert(0, node)
        node = node.parent
    return Comparison(
        indicator=indicator, parent=parent, options=options, admin_map=admin_map, rows=rows, benchmark=benchmark,
        parent_point=points.get((indicator.pk, parent.pk), {}).get(options.year), sort=sort, descending=descending,
        chart_metric=metric,
        illustrative=any(r.point and r.point.is_illustrative for r in rows), crumbs=crumbs,
        synthetic=any(r.point and r.point.is_synthetic for r in rows),
        map_chosen=map_chosen,
    )


def map_in_force(year: int) -> str:
    """The country map whose provinces existed at the end of `year`."""
    return AdminMap.LEGACY if date(year, 12, 31) < REORGANISATION_DATE else AdminMap.CURRENT


def _sorted(rows: list[ComparisonRow], sort: str, descending: bool) -> list[ComparisonRow]:
    """Sorted by the key; rows without one always last."""
    if sort == "ten":
        return sorted(rows, key=lambda r: r.name, reverse=descending)
    key = {
        "gia_tri": lambda r: r.value,
        "tien_do": lambda r: r.progress,
        "trang_thai": lambda r: None if r.status is None else -SEVERITY[r.status],
    }[sort]
    present = sorted((r for r in rows if key(r) is not None), key=lambda r: (key(r), r.name), reverse=descending)
    return present + sorted((r for r in rows if key(r) is None), key=lambda r: r.name)


# ---------------------------------------------------------------------------------------------
# The cascade: a target and the targets that restate it


@dataclass
class CascadeNode:
    status: TargetStatus
    depth: int
    relation: str  # against the target it restates
    children: list[CascadeNode] = field(default_factory=list)


@dataclass
class AddUp:
    parent: TargetStatus
    text: str
    ok: bool | None  # None: cannot be added up


@dataclass
class Cascade:
    root: CascadeNode
    nodes: list[CascadeNode]
    checks: list[AddUp]
    options: Options
    illustrative: bool
    synthetic: bool = False


def _better(target) -> str:
    """Which way the target's bound is demanding: higher (must reach) or lower (must not exceed)."""
    if not target.indicator_id:  # qualitative: judged by an assessment
        return Direction.HIGHER_IS_BETTER
    if target.kind in (TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE):
        agrees = (target.indicator.direction == Direction.LOWER_IS_BETTER) == (target.change_direction == ChangeDirection.DECREASE)
        return Direction.HIGHER_IS_BETTER if agrees else Direction.LOWER_IS_BETTER
    return target.indicator.direction


def _threshold(target) -> Decimal | None:
    low, high = target.min_value, target.max_value
    if _better(target) == Direction.HIGHER_IS_BETTER:
        return low if low is not None else high
    return high if high is not None else low


def relation(child: Target, parent: Target) -> str:
    """ "chặt hơn", "tương đương", "thấp hơn" the target it restates, or why they cannot be compared."""
    if child.kind != parent.kind or child.unit != parent.unit or child.indicator_id != parent.indicator_id:
        return f"Khác loại chỉ tiêu ({child.get_kind_display()}, {child.get_unit_display()}): không so trực tiếp"
    if child.kind in (TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE) and child.change_direction != parent.change_direction:
        return "Ngược chiều thay đổi với chỉ tiêu cấp trên"
    mine, theirs = _threshold(child), _threshold(parent)
    if mine is None or theirs is None:
        return "Không có mức để so"
    higher = _better(child) == Direction.HIGHER_IS_BETTER
    if mine == theirs:
        text = "Tương đương cấp trên"
    elif (mine > theirs) == higher:
        text = "Chặt hơn cấp trên"
    else:
        text = "Thấp hơn yêu cầu của cấp trên"
    if (child.start_year, child.end_year) != (parent.start_year, parent.end_year):
        text += f" (kỳ {child.period_label}, cấp trên {parent.period_label})"
    return text


def _add_up(parent: TargetStatus, group: list[TargetStatus], weights: dict[int, Decimal], covered: int, total: int,
            where: str) -> AddUp:
    """Whether the children's commitments of one period add up to the parent's."""
    target = parent.target
    period = group[0].target.period_label
    if covered < total:
        return AddUp(
            parent,
            f"Kỳ {period}: các chỉ tiêu cấp dưới cùng loại mới phủ {covered}/{total} {where}: "
            f"chưa thể cộng lại để so với chỉ tiêu cấp trên.",
            None,
        )
    theirs = _threshold(target)
    higher = _better(target) == Direction.HIGHER_IS_BETTER
    if target.indicator.aggregation == Aggregation.SUM and target.kind in (TargetKind.LEVEL, TargetKind.CUMULATIVE, TargetKind.MILESTONE):
        combined = sum((_threshold(c.target) or Decimal(0)) for c in group)
        how = "tổng cam kết cấp dưới"
    else:
        if any(weights.get(c.target.territory_id) is None for c in group):
            return AddUp(parent, f"Kỳ {period}: thiếu mẫu số (số hộ) của một số địa bàn cấp dưới để tính bình quân gia quyền.", None)
        total_weight = sum(weights[c.target.territory_id] for c in group)
        combined = sum((_threshold(c.target) or Decimal(0)) * weights[c.target.territory_id] for c in group) / total_weight
        how = "bình quân gia quyền (theo mẫu số) các cam kết cấp dưới"
    ok = combined >= theirs if higher else combined <= theirs
    verdict = "đủ đáp ứng" if ok else "chưa đủ đáp ứng"
    unit = target.unit
    return AddUp(
        parent,
        f"Kỳ {period}: {how} là {number_text(_q(combined), unit)}, {verdict} mức {number_text(theirs, unit)} của cấp trên.",
        ok,
    )


def cascade_roots(user) -> list[Target]:
    """Targets that others restate and that restate none: where cascades start."""
    restated = Target.objects.filter(restates=OuterRef("pk"))
    return list(
        _targets(dashboard_targets(user).filter(restates__isnull=True).filter(Exists(restated)))
        .order_by("document__issued_on", "position")
    )


def cascade(user, target_id: int, options: Options) -> Cascade:
    visible = _targets(dashboard_targets(user))
    root = visible.filter(pk=target_id).first()
    if root is None:
        raise Http404("Chỉ tiêu không có hoặc ngoài phạm vi của bạn.")
    restating = list(visible.filter(restates__isnull=False).order_by("territory__name", "document__issued_on", "position"))
    children_of: dict[int, list[Target]] = defaultdict(list)
    for target in restating:
        children_of[target.restates_id].append(target)
    ordered, stack = [], [(root, 0)]
    seen = set()
    while stack:
        target, depth = stack.pop()
        if target.pk in seen:
            continue
        seen.add(target.pk)
        ordered.append((target, depth))
        stack.extend((child, depth + 1) for child in reversed(children_of.get(target.pk, [])))
    statuses = {s.target.pk: s for s in evaluate_targets(user, [t for t, _ in ordered], options)}
    nodes: dict[int, CascadeNode] = {}
    flat = []
    for target, depth in ordered:
        parent = nodes.get(target.restates_id) if depth else None
        node = CascadeNode(statuses[target.pk], depth, relation(target, parent.status.target) if parent else "")
        nodes[target.pk] = node
        flat.append(node)
        if parent:
            parent.children.append(node)
    checks = _checks(user, [n for n in flat if n.children], options)
    return Cascade(nodes[root.pk], flat, checks, options, any(n.status.is_illustrative for n in flat),
                   any(n.status.is_synthetic for n in flat))


def _checks(user, parents: list[CascadeNode], options: Options) -> list[AddUp]:
    """The add-up check of every target restated by others: one query for the weights and one
    count per restated target (a cascade has one to three)."""
    if not parents:
        return []
    # Weights: the children's latest denominators (households) up to the year before the targets.
    weights_by_unit: dict[int, Decimal] = {}
    ratio_children = [c for p in parents for c in p.children
                      if c.status.target.indicator_id and c.status.target.indicator.aggregation == Aggregation.RATIO]
    if ratio_children:
        rows = (
            visible_values(user)
            .filter(indicator_id__in={c.status.target.indicator_id for c in ratio_children},
                    unit_id__in={c.status.target.territory_id for c in ratio_children},
                    denominator__isnull=False)
            .order_by("year")
            .values_list("unit_id", "year", "denominator")
        )
        cutoff = {c.status.target.territory_id: first_year_needed(c.status.target) for c in ratio_children}
        for unit_id, year, denominator in rows:
            if year <= cutoff.get(unit_id, year) or unit_id not in weights_by_unit:
                weights_by_unit[unit_id] = denominator
    checks = []
    for node in parents:
        target = node.status.target
        territory = target.territory
        kids = [c.status for c in node.children]
        if not target.indicator_id or target.indicator.aggregation == Aggregation.NONE:
            checks.append(AddUp(node.status, "Chỉ số không cộng gộp được giữa các địa bàn: chỉ so từng chỉ tiêu.", None))
            continue
        same = [c for c in kids if c.target.indicator_id == target.indicator_id and c.target.kind == target.kind
                and c.target.unit == target.unit and c.target.change_direction == target.change_direction]
        if not same:
            checks.append(AddUp(node.status, "Các chỉ tiêu cấp dưới khác loại hoặc khác chỉ số: không cộng lại được.", None))
            continue
        levels = {(c.target.territory.level, c.target.territory.admin_map) for c in same}
        if len(levels) != 1:
            checks.append(AddUp(node.status, "Các chỉ tiêu cấp dưới cùng loại ở nhiều cấp hành chính: không cộng lại được.", None))
            continue
        level, admin_map = next(iter(levels))
        units = AdministrativeUnit.objects.filter(level=level, admin_map=admin_map)
        if territory.level != UnitLevel.NATION:
            units = units.filter(Q(parent=territory) | Q(parent__parent=territory))
        where = f"{str(UnitLevel(level).label).lower()} của {territory.name} (bản đồ {admin_map} tỉnh)"
        total = units.count()
        by_period: dict[tuple, list[TargetStatus]] = defaultdict(list)
        for c in same:
            by_period[(c.target.start_year, c.target.end_year)].append(c)
        for _period, group in sorted(by_period.items(), key=lambda item: (item[0][0] or 0, item[0][1])):
            covered = len({c.target.territory_id for c in group})
            checks.append(_add_up(node.status, group, weights_by_unit, covered, total, where))
    return checks


# ---------------------------------------------------------------------------------------------
# IPTT: targets, actuals and % met per year, for the targets of one document


@dataclass
class IpttCell:
    planned: Decimal | None
    actual: Decimal | None
    percent: Decimal | None
    pending: bool = False
    illustrative: bool = False
    late: bool = False
    synthetic: bool = False


@dataclass
class IpttRow:
    status: TargetStatus
    cells: list[IpttCell]
    quantity_unit: str  # the unit of planned and actual ("điểm %/năm" for an average change)
    measure: str  # what planned and actual measure, in words


@dataclass
class Iptt:
    document: Document
    years: list[int]
    rows: list[IpttRow]
    options: Options
    illustrative: bool
    synthetic: bool = False


def _percent(actual: Decimal | None, planned: Decimal | None, higher: bool) -> Decimal | None:
    if actual is None or planned is None:
        return None
    if higher:
        return _q(actual * 100 / planned) if planned > 0 else None
    if actual <= 0:
        return None
    return _q(planned * 100 / actual) if planned > 0 else None


def _yearly_change(target, before: Decimal, after: Decimal, sign: Decimal) -> Decimal | None:
    """One year's change in the target's direction: in "%" of the year before (4 -> 3,6 is 10%),
    else in the unit of the values."""
    if target.unit != MeasureUnit.PERCENT:
        return (after - before) * sign
    if before <= 0:
        return None
    return _q((after / before - 1) * 100 * sign)


def _iptt_row(status: TargetStatus, years: list[int]) -> IpttRow:
    target = status.target
    points = {p.year: p for p in status.points if p.used}
    values = status.used_values
    higher = _better(target) == Direction.HIGHER_IS_BETTER
    threshold = _threshold(target)
    path = {p.year: (p.low if higher else p.high) for p in target_path(status)}
    sign = Decimal(-1) if target.change_direction == ChangeDirection.DECREASE else Decimal(1)
    end = final_year(target)
    start = target.start_year or end
    unit = value_unit(target)
    measure = str(_("giá trị năm"))
    cells = []
    totals = cumulative(values, start) if target.kind == TargetKind.CUMULATIVE else {}
    base = anchor(status)
    series = _average_series(target, values) if target.kind == TargetKind.AVERAGE_CHANGE else {}
    first = min(first_year_needed(target), status.evaluation.year or end)
    for year in years:
        point = points.get(year)
        planned = actual = None
        if not first <= year <= end:
            cells.append(IpttCell(None, None, None))
            continue
        if target.kind == TargetKind.AVERAGE_CHANGE:
            measure, unit = str(_("thay đổi so với năm trước")), target.unit
            if start <= year <= end:
                planned = threshold
            if year in series and year - 1 in series:
                actual = _yearly_change(target, series[year - 1], series[year], sign)
        elif target.kind == TargetKind.MULTIPLE:
            measure, unit = str(_("số lần so với năm gốc")), target.unit
            if base is not None and base[0] < year <= end and threshold is not None:
                planned = _q(1 + (threshold - 1) * (year - base[0]) / (end - base[0]))  # the growth pro rata
                if year in values and base[1] > 0:
                    actual = _q(values[year] / base[1])
        elif target.kind == TargetKind.CUMULATIVE:
            measure = str(_("lũy kế từ đầu kỳ"))
            planned = path.get(year)
            actual = totals.get(year)
        elif target.kind == TargetKind.RELATIVE_CHANGE:
            measure, unit = str(_("thay đổi so với năm gốc")), target.unit
            if base is not None and base[0] < year <= end:
                planned = _q(threshold * (year - base[0]) / (end - base[0])) if threshold is not None else None
                if year in values and not (target.unit == MeasureUnit.PERCENT and base[1] == 0):
                    change = base[1] - values[year]
                    if target.unit == MeasureUnit.PERCENT:  # of the baseline, as the evaluation reads it
                        change = change * 100 / abs(base[1])
                    actual = _q(change if target.change_direction == ChangeDirection.DECREASE else -change)
        elif target.kind == TargetKind.COMPARISON:
            measure = str(_("giá trị năm; chỉ tiêu là mức của địa bàn so sánh"))
            others = [series[year].shown for _u, series in status.compare if year in series and series[year].shown is not None]
            if others and len(others) == len(status.compare):
                planned = min(others) if not higher else max(others)
            actual = values.get(year)
        else:
            planned = path.get(year) if year <= end else None
            actual = values.get(year)
        cells.append(IpttCell(
            planned, actual, _percent(actual, planned, higher),
            pending=bool(point and point.is_pending), illustrative=bool(point and point.is_illustrative),
            late=bool(point and point.is_late_correction), synthetic=bool(point and point.is_synthetic),
        ))
    return IpttRow(status, cells, unit, measure)


def iptt(user, document_id: int, options: Options) -> Iptt:
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        raise Http404("Văn bản không có.")
    targets = list(_targets(dashboard_targets(user).filter(document=document)).order_by("position"))
    if not targets:
        raise Http404("Văn bản không có chỉ tiêu nào trong phạm vi của bạn.")
    statuses = evaluate_targets(user, targets, options)
    first = min(min(first_year_needed(t), t.start_year or t.end_year) for t in targets)
    last = max(final_year(t) for t in targets)
    years = list(range(first, last + 1))
    rows = [_iptt_row(status, years) for status in statuses]
    return Iptt(document, years, rows, options, any(s.is_illustrative for s in statuses),
                any(s.is_synthetic for s in statuses))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is written as plain text (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def iptt_workbook(table: Iptt) -> bytes:
    """The IPTT table as an .xlsx file: one row per target, three columns per year."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "IPTT"
    doc = table.document
    sheet.append([safe_cell(f"IPTT – {doc.get_kind_display()} {doc.reference}: {doc.title}"[:250])])
    sheet["A1"].font = Font(bold=True, size=13)
    note = f"Năm đánh giá {table.options.year}; chỉ tính số liệu đã duyệt"
    if table.options.include_pending:
        note = f"Năm đánh giá {table.options.year}; gồm cả số liệu chờ duyệt (đánh dấu *)"
    if table.illustrative:
        note += ". CÓ SỐ LIỆU MINH HỌA, KHÔNG PHẢI SỐ LIỆU THẬT"
    if table.synthetic:
        note += ". CÓ SỐ LIỆU GIẢ LẬP (TÍNH TỪ SỔ HỘ GIẢ LẬP), KHÔNG PHẢI SỐ LIỆU THẬT"
    sheet.append([safe_cell(note)])
    fixed = ["Mã chỉ tiêu", "Chỉ số", "Địa bàn", "Mức chỉ tiêu", "Kỳ", "Đại lượng", "Đơn vị"]
    header = fixed + [f"{y} {part}" for y in table.years for part in ("chỉ tiêu", "thực hiện", "% đạt")]
    header += ["Đánh giá", "Giải thích", "Ghi chú"]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        target = row.status.target
        unit_label = dict(MeasureUnit.choices).get(row.quantity_unit, "")
        values = [target.code, target.subject, row.status.basis.name, target.bound_label, target.period_label,
                  row.measure, str(unit_label)]
        for cell in row.cells:
            values += [cell.planned, cell.actual, cell.percent]
        notes = [row.status.closure_note]
        if any(c.pending for c in row.cells):
            notes.append("* gồm số liệu chờ duyệt")
        if any(c.late for c in row.cells):
            notes.append("có số liệu sửa sau khi đã duyệt")
        if any(c.illustrative for c in row.cells):
            notes.append("số liệu minh họa")
        if any(c.synthetic for c in row.cells):
            notes.append("số liệu giả lập")
        values += [str(row.status.status.label), row.status.evaluation.explanation, "; ".join(n for n in notes if n)]
        sheet.append([safe_cell(float(v) if isinstance(v, Decimal) else v) for v in values])
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14 if index > len(fixed) else 22
    sheet.freeze_panes = sheet.cell(row=4, column=len(fixed) + 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

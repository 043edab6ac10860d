"""Tasks in the Government Office's four categories (on time, late, not yet due, overdue),
by agency and by document, for the leader's dashboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import BooleanField, Case, Exists, OuterRef, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboards.scope import within
from indicators import selectors
from indicators.models import PeriodKind
from plans.models import AdministrativeUnit, AgencySuccession, Recurrence, Task
from review.models import ProgressState, ReviewStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ILLUSTRATIVE_PREFIX = "[Minh họa]"  # task reports written by generate_illustrative_actuals


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
    item: object | None  # the agency or document the row links to (None: none)
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


def task_summary(*, user: User, unit: AdministrativeUnit, year: int, today: date | None = None) -> TaskSummary:
    """The leaf tasks of the territory in the four categories, by agency and by document."""
    today = today or timezone.localdate()
    tasks = list(
        selectors.visible_tasks(user=user)
        .filter(within(unit, "document__territory"))
        .filter(~Exists(Task.objects.filter(parent=OuterRef("pk"))))
        .select_related("document__issuer", "lead_agency")
        .order_by("document__issued_on", "document__number", "position")
    )
    reports = (
        selectors.visible_task_reports(user=user)
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

    def grouped(key, label, item) -> list[TaskGroup]:
        groups: dict = {}
        for status in statuses:
            k = key(status)
            group = groups.get(k)
            if group is None:  # the label once per group: a document's name costs a translation lookup
                group = groups[k] = TaskGroup(label(status), item(status), {})
            group.counts[status.category] = group.counts.get(status.category, 0) + 1
        return list(groups.values())

    by_agency = grouped(
        lambda s: s.owner.pk if s.owner else 0,
        lambda s: s.owner.name if s.owner else str(_("(Chưa ghi cơ quan chủ trì)")),
        lambda s: s.owner,
    )
    by_agency.sort(key=lambda g: (-g.counts.get(TaskCategory.OVERDUE, 0), g.label))
    by_document = grouped(
        lambda s: s.task.document_id, lambda s: str(s.task.document), lambda s: s.task.document
    )
    totals = TaskGroup(str(_("Tổng")), None, {})
    for status in statuses:
        totals.counts[status.category] = totals.counts.get(status.category, 0) + 1
    return TaskSummary(year, today, statuses, by_agency, by_document, totals, len(illustrative_tasks))



"""The rows of "Việc của tôi": the reports the user owes under the reporting regimes, targets awaiting
the period's figure, and the tasks the user's agencies report on. Reads through indicators.selectors,
so they see only what the user may see.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from indicators import closures
from indicators.models import Actual, Target
from indicators.selectors import (
    PARENTS,
    YEARLY,
    Abilities,
    Period,
    figure_text,
    horizon_covers,
    period_of,
    visible_actuals,
    visible_targets,
    visible_tasks,
)
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, Membership, Role, Task
from reporting.boards import RANK, Line
from reporting.models import Content, Obligation
from reporting.status import Status, status_expression
from reports.models import page_url
from review.models import ExplanationRequest, TaskReport


def open_requests() -> QuerySet[ExplanationRequest]:
    return ExplanationRequest.objects.filter(answered_at__isnull=True).select_related("requested_by").order_by("requested_at")


@dataclass
class TargetRow:
    target: Target
    actual: Actual | None
    figure: str
    can_enter: bool
    can_request: bool
    open_requests: list[ExplanationRequest]
    unit: AdministrativeUnit | None = None  # whose figure counts for the year: the successor after a merger
    closure: closures.Closure | None = None


def targets_awaiting_figures(user, year: int, abilities: Abilities, period: Period = YEARLY) -> list[TargetRow]:
    """Targets of the user's territory whose period holds `year`, with the period's figure if any.

    For a territory closed before the period's end the figure is its successor's (indicators.closures),
    and nothing is offered where there is none (a district after 1/7/2025).
    """
    targets = list(
        visible_targets(user=user)
        .filter(horizon_covers(year=year))
        .select_related("indicator", "document", "territory" + PARENTS)
        .prefetch_related("compare_units", Prefetch("explanation_requests", queryset=open_requests(), to_attr="open_list"))
        .order_by("territory__name", "document__issued_on", "document__number", "position")
    )
    closed = closures.closures({t.territory for t in targets}, closures.Period(year, period.kind, period.number))
    units = {t.pk: closures.counting_unit(t.territory, closed) for t in targets}
    actuals = visible_actuals(user=user).filter(
        year=year,
        period_kind=period.kind,
        period_number=period.number,
        indicator_id__in={t.indicator_id for t in targets},
        unit_id__in={unit.pk for unit in units.values() if unit is not None},
    ).select_related("indicator")
    by_key = {(a.indicator_id, a.unit_id, a.breakdown): a for a in actuals}  # a target on one option: its figure
    rows = []
    for target in targets:
        unit = units[target.pk]
        actual = by_key.get((target.indicator_id, unit.pk, target.breakdown)) if unit is not None else None
        rows.append(
            TargetRow(
                target=target,
                actual=actual,
                figure=figure_text(record=actual) if actual else "",
                can_enter=unit is not None and abilities.can(Action.ENTER, unit=unit),
                can_request=abilities.can(Action.REQUEST_EXPLANATION, unit=target.territory),
                open_requests=target.open_list,
                unit=unit,
                closure=closed.get(target.territory_id),
            )
        )
    return rows


@dataclass
class TaskSlot:
    """One of the user's agencies on a task, and its report for the period."""

    agency: object
    is_lead: bool
    inherited: bool  # the task names an agency whose work passed to the user's
    report: TaskReport | None
    can_enter: bool


@dataclass
class TaskRow:
    task: Task
    slots: list[TaskSlot]
    can_request: bool
    open_requests: list[ExplanationRequest]


def my_tasks(user, year: int, abilities: Abilities, period: Period = YEARLY) -> list[TaskRow]:
    """Tasks the user's agencies (with those whose work passed to them) lead or coordinate.

    A user whose membership names no agency (a leader, an admin) sees every task of their territory.
    """
    user_reach = access.reach(user)
    tasks = visible_tasks(user=user)
    coordination = Task.coordinating_agencies.through.objects.all()
    if user_reach.any_agency:
        tasks = tasks.filter(Q(lead_agency__isnull=False) | Q(pk__in=coordination.values("task_id")))
    else:
        coordinated = coordination.filter(agency_id__in=user_reach.agency_ids)
        tasks = tasks.filter(Q(lead_agency_id__in=user_reach.agency_ids) | Q(pk__in=coordinated.values("task_id")))
    reports = (
        TaskReport.objects.filter(year=year, period_kind=period.kind, period_number=period.number)
        .order_by("-updated_at")
    )
    tasks = (
        tasks.select_related("document", "lead_agency", "document__territory" + PARENTS)
        .prefetch_related(
            "coordinating_agencies",
            Prefetch("reports", queryset=reports, to_attr="period_reports"),
            Prefetch("explanation_requests", queryset=open_requests(), to_attr="open_list"),
        )
        .order_by("document__issued_on", "document__number", "position")
    )
    own_agencies = user_reach.agency_ids
    direct_agencies = _direct_agency_ids(user)
    rows = []
    for task in tasks:
        agencies = [(task.lead_agency, True)] if task.lead_agency else []
        agencies += [(a, False) for a in task.coordinating_agencies.all() if a.pk != task.lead_agency_id]
        if not user_reach.any_agency:
            agencies = [(a, lead) for a, lead in agencies if a.pk in own_agencies]
        territory = task.document.territory
        slots = [
            TaskSlot(
                agency=agency,
                is_lead=lead,
                inherited=not user_reach.any_agency and agency.pk not in direct_agencies,
                report=next((r for r in task.period_reports if r.agency_id == agency.pk), None),
                can_enter=abilities.can(Action.ENTER, unit=territory, agency_ids={agency.pk}),
            )
            for agency, lead in agencies
        ]
        rows.append(
            TaskRow(
                task=task,
                slots=slots,
                can_request=abilities.can(Action.REQUEST_EXPLANATION, unit=territory),
                open_requests=task.open_list,
            )
        )
    return rows


def _direct_agency_ids(user) -> set[int]:
    """The agencies named in the user's memberships (not their predecessors)."""
    return set(user.memberships.exclude(agency=None).values_list("agency_id", flat=True)) if user.is_authenticated else set()


@dataclass
class DueReport(Line):
    """An obligation the user owes, with the page where it is entered."""

    entry_url: str = ""
    narrative_url: str = ""  # the monitoring report's narrative, for a regime that asks for one


def due_reports(user, year: int, today: date) -> list[DueReport]:
    """What the user's officer memberships owe and have not sent in `year`: the reports of the units
    they report for (for task reports: of their agencies), overdue first, then by due date."""
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    if Role.OFFICER.value not in roles:
        return []
    # An officer and nothing else: the reach the page already read (remembered per user) is the officer's.
    officer = access.reach(user) if roles == {Role.OFFICER.value} else access.reach(user, {Role.OFFICER.value})
    # The units they report for: their memberships' own units and those merged into them, not the units below.
    figures = Q(unit_id__in=officer.root_unit_ids) & ~Q(regime__content=Content.TASK_REPORTS)
    tasks = Q(regime__content=Content.TASK_REPORTS) & officer.unit_q("unit")
    if not officer.any_agency:
        figures &= Q(regime__reporting_agency__isnull=True) | Q(regime__reporting_agency_id__in=officer.agency_ids)
        tasks &= Q(agency_id__in=officer.agency_ids)
    rows = (
        Obligation.objects.filter(figures | tasks, year=year, met_at__isnull=True)
        .annotate(status=status_expression(today)).select_related("regime", "agency", "unit")
        .order_by(RANK, "due_on", "regime__code", "unit__name", "agency__name")
    )
    reports = []
    for obligation in rows:
        anchor = "#nhiem-vu" if obligation.regime.content == Content.TASK_REPORTS else "#chi-tieu"
        query = urlencode({"nam": year, "ky": period_of(record=obligation).code})
        narrative = page_url(unit_id=obligation.unit_id, year=year, period_kind=obligation.period_kind,
                             period_number=obligation.period_number) if obligation.regime.requires_narrative else ""
        reports.append(DueReport(obligation, Status(obligation.status), today,
                                 entry_url=f"{reverse('my_work')}?{query}{anchor}", narrative_url=narrative))
    return reports

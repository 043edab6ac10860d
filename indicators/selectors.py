"""Reads of reported figures for the reporting pages. Each runs a fixed number of queries.

Everything a page shows comes from here, and everything here starts from plans.access:
`access.scope()` for what a user may see, `access.can()` (remembered per unit by `Abilities`)
for what they may do with each row. The rows of "Việc của tôi" are built from these reads in
indicators.worklist; a record's history in words is indicators.audit_history.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, CharField, ExpressionWrapper, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from indicators import breakdowns, closures
from indicators.models import Actual, MeasureUnit, PeriodKind, Target, TargetAssessment
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, Task
from plans.text import format_number, query_number
from review.models import AuditEntry, Evidence, ExplanationRequest, ReviewStatus, TaskReport
from review.provenance import with_provenance
from review.workflow import audit_trail

# Enough parents for access.unit_in_reach to walk a unit's chain without a query per row.
PARENTS = "__parent__parent__parent__parent"
TASK_REPORT_UNIT = "task__document__territory"

FIRST_YEAR, LAST_YEAR = 2000, 2100


def reporting_year(*, raw: str | None) -> int:
    """The period a page is about: ?nam=YYYY when it is a sensible year, else the current year."""
    year = query_number(raw)
    if year is not None and FIRST_YEAR <= year <= LAST_YEAR:
        return year
    return timezone.localdate().year


@dataclass(frozen=True)
class Period:
    """A reporting period of a year: ?ky=nam (the whole year), 6t1 or 6t2 (the halves), th1–th12 (months)."""

    code: str
    kind: str
    number: int
    label: str

    def title(self, year: int) -> str:
        """"năm 2026", "6 tháng đầu năm 2026", "tháng 3/2026": the period as a heading says it."""
        title = PERIOD_TITLES.get(self.code, MONTH_TITLE)
        return str(title) % {"year": year, "month": self.number}


YEARLY = Period("nam", PeriodKind.YEAR, 0, _("Cả năm"))
# Months (for monthly regimes, such as the communes' regular-review results) follow the year and halves.
MONTH_LABEL = _("Tháng %(month)s")
# Translated when shown, not at import: "Tháng 3" / "Month 3".
_month_label = lazy(lambda month: str(MONTH_LABEL) % {"month": month}, str)

PERIODS = {
    period.code: period
    for period in [
        YEARLY,
        Period("6t1", PeriodKind.HALF, 1, _("6 tháng đầu năm")),
        Period("6t2", PeriodKind.HALF, 2, _("6 tháng cuối năm")),
        *[Period(f"th{month}", PeriodKind.MONTH, month, _month_label(month)) for month in range(1, 13)],
    ]
}
PERIOD_CHOICES = [(period.code, period.label) for period in PERIODS.values()]
PERIOD_TITLES = {
    "nam": _("năm %(year)s"),
    "6t1": _("6 tháng đầu năm %(year)s"),
    "6t2": _("6 tháng cuối năm %(year)s"),
}
MONTH_TITLE = _("tháng %(month)s/%(year)s")


def reporting_period(*, raw: str | None) -> Period:
    """The period named by ?ky=, else the whole year."""
    return PERIODS.get((raw or "").strip(), YEARLY)


def period_of(*, record) -> Period:
    """The period a figure or task report belongs to (the whole year for any other kind)."""
    return next((p for p in PERIODS.values() if (p.kind, p.number) == (record.period_kind, record.period_number)), YEARLY)


class Abilities:
    """`access.can` for many rows of one page, asked once per (action, unit, agencies)."""

    def __init__(self, user):
        self.user = user
        self._known: dict[tuple, bool] = {}

    def can(self, action: Action, *, unit: AdministrativeUnit, agency_ids: set[int] | None = None) -> bool:
        key = (action, unit.pk, frozenset(agency_ids) if agency_ids is not None else None)
        if key not in self._known:
            self._known[key] = access.can(self.user, action, unit=unit, agency_ids=agency_ids)
        return self._known[key]


# ---------------------------------------------------------------------------------------------
# What a user may see


def visible_targets(*, user: User) -> QuerySet[Target]:
    return access.scope(user, Target.objects.all(), unit_path="territory")


def visible_actuals(*, user: User) -> QuerySet[Actual]:
    return access.scope(user, Actual.objects.all(), unit_path="unit")


def visible_tasks(*, user: User) -> QuerySet[Task]:
    return access.scope(user, Task.objects.all(), unit_path="document__territory")


def visible_task_reports(*, user: User) -> QuerySet[TaskReport]:
    """Task reports of the territory in scope; an officer sees only those of their agencies."""
    return access.scope(user, TaskReport.objects.all(), unit_path=TASK_REPORT_UNIT, agency_path="agency")


def visible_evidence(*, user: User) -> QuerySet[Evidence]:
    """Files whose figure, task report or target assessment the user may see."""
    assessments = access.scope(user, TargetAssessment.objects.all(), unit_path="target__territory")
    return Evidence.objects.filter(
        Q(actual__in=visible_actuals(user=user).values("pk")) | Q(task_report__in=visible_task_reports(user=user).values("pk"))
        | Q(assessment__in=assessments.values("pk"))
    )


def visible_explanations(*, user: User) -> QuerySet[ExplanationRequest]:
    return access.scope(user, ExplanationRequest.objects.all(), unit_path="unit")


# ---------------------------------------------------------------------------------------------
# Texts shown for figures


def figure_text(*, record: Actual) -> str:
    """"2,41%", "1.250 hộ", "30/1.250 (2,4%)" — the figure as a Vietnamese reader writes it."""
    unit = record.indicator.get_measure_unit_display()
    sep = "" if record.indicator.measure_unit == MeasureUnit.PERCENT else " "
    if record.value is not None:
        return f"{format_number(record.value, 4)}{sep}{unit}"
    if record.numerator is not None and record.denominator:
        return f"{format_number(record.numerator, 4)}/{format_number(record.denominator, 4)} ({format_number(record.effective_value, 2)}%)"
    return "—"


def typed_figure_text(*, indicator, value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None) -> str:
    """What the user typed, in the same words as `figure_text`."""
    return figure_text(record=Actual(indicator=indicator, value=value, numerator=numerator, denominator=denominator))


def number_input(*, value: Decimal | None) -> str:
    """A stored number as the user would type it back ("1.500.000", "2,41")."""
    return format_number(value, 4) if value is not None else ""


# ---------------------------------------------------------------------------------------------
# Records and their neighbours


def horizon_covers(*, year: int) -> Q:
    """Targets whose period (from the baseline year, else the start, else the end year) holds `year`.

    The same rule as services.validate_period_for_target, so every listed row can be entered.
    """
    first_is_baseline = Q(baseline_year__isnull=False, baseline_year__lte=year)
    first_is_start = Q(baseline_year__isnull=True, start_year__isnull=False, start_year__lte=year)
    first_is_end = Q(baseline_year__isnull=True, start_year__isnull=True, end_year__lte=year)
    return Q(end_year__gte=year) & (first_is_baseline | first_is_start | first_is_end)


def actual_for(*, user: User, target: Target, year: int, period: Period = YEARLY,
               unit: AdministrativeUnit | None = None, breakdown: str | None = None,
               standard: str | None = None) -> Actual | None:
    """The period's figure of the target's indicator and territory (or `unit`, its successor after
    a merger), of the whole or one option (`breakdown`; the target's own by default), under `standard`
    (by default the target's where it applies to the year, else the one in force), if the user may see it."""
    figures = visible_actuals(user=user).filter(
        indicator_id=target.indicator_id, unit_id=(unit or target.territory).pk, year=year,
        period_kind=period.kind, period_number=period.number,
        breakdown=target.breakdown if breakdown is None else breakdown,
    )
    if target.indicator.depends_on_standard:
        from indicators.poverty_standards import entry_standard

        figures = figures.filter(standard=entry_standard(target=target, year=year) if standard is None else standard)
    return (
        figures
        .select_related("indicator")
        .first()
    )


def figures_by_standard(*, user: User, target: Target, unit: AdministrativeUnit, year: int, period: Period,
                        breakdown: str, standards: list[str]) -> dict[str, Actual]:
    """{standard: figure} of one period under each of `standards` (a year that takes two), as the user may see them."""
    figures = visible_actuals(user=user).filter(
        indicator_id=target.indicator_id, unit_id=unit.pk, year=year, period_kind=period.kind,
        period_number=period.number, breakdown=breakdown, standard__in=standards,
    ).select_related("indicator")
    return {actual.standard: actual for actual in figures}


def target_for_actual(*, user: User, actual: Actual) -> Target | None:
    """The target a figure is entered against: same indicator and territory, period holding its year;
    else a target of a unit that merged into the figure's unit before that year (its figures now count here)."""
    targets = (
        visible_targets(user=user)
        .filter(indicator_id=actual.indicator_id)
        .filter(horizon_covers(year=actual.year))
        .select_related("document", "indicator", "territory" + PARENTS)
        .prefetch_related("compare_units")
        # A figure of one option serves first the targets set on that option.
        .annotate(other_breakdown=ExpressionWrapper(~Q(breakdown=actual.breakdown), output_field=BooleanField()))
        .order_by("other_breakdown", "-document__issued_on", "position")
    )
    return (targets.filter(territory_id=actual.unit_id).first()
            or targets.filter(closures.merged_into(actual.unit, closures.Period(actual.year, actual.period_kind,
                                                                                 actual.period_number),
                                                   path="territory")).first())


def task_report_for(*, user: User, task: Task, agency, year: int, period: Period = YEARLY) -> TaskReport | None:
    return (
        visible_task_reports(user=user)
        .filter(task=task, agency=agency, year=year, period_kind=period.kind, period_number=period.number)
        .first()
    )


def task_agencies(*, task: Task) -> list:
    """Lead first, then coordinating agencies (uses the prefetched coordinating agencies if any)."""
    agencies = [task.lead_agency] if task.lead_agency_id else []
    return agencies + [a for a in task.coordinating_agencies.all() if a.pk != task.lead_agency_id]


def last_change(*, record) -> AuditEntry | None:
    """Who saved the record last, and when (for the edit-conflict notice)."""
    return audit_trail(record).first()


def explanations_about(*, user: User, target: Target | None = None, task: Task | None = None) -> QuerySet[ExplanationRequest]:
    requests = visible_explanations(user=user).select_related("requested_by", "answered_by")
    if target is not None:
        return requests.filter(target=target).order_by("-requested_at")
    return requests.filter(task=task).order_by("-requested_at")


# ---------------------------------------------------------------------------------------------
# The review queue


@dataclass
class QueueItem:
    kind: str  # "actual" or "task_report"
    record: Actual | TaskReport
    title: str
    unit_name: str
    summary: str
    url: str
    breakdown: str = ""  # the option's name for a figure of one option ("Dân tộc thiểu số"); "" for the whole

    @property
    def submitted_at(self) -> datetime.datetime:
        return self.record.submitted_at or self.record.updated_at


QUEUE_PAGE_SIZE = 50


def _queue_keys(records: QuerySet, kind: str) -> QuerySet:
    return (
        records.filter(status=ReviewStatus.SUBMITTED)
        .order_by()
        .annotate(at=Coalesce("submitted_at", "updated_at"), kind=Value(kind, output_field=CharField()))
        .values_list("at", "kind", "pk")
    )


def review_queue(*, user: User, page_number: int | None) -> tuple[Page, list[QueueItem]]:
    """One page of the submitted figures and task reports the user may approve or return, oldest first.

    Both kinds are ordered and sliced together in the database (a UNION of their keys), so a page
    reads QUEUE_PAGE_SIZE rows whatever the queue's length. A page number out of range gives the last page.
    """
    actuals = access.scope(user, Actual.objects.all(), unit_path="unit", action=Action.REVIEW)
    reports = access.scope(user, TaskReport.objects.all(), unit_path=TASK_REPORT_UNIT, action=Action.REVIEW)
    keys = _queue_keys(actuals, "actual").union(_queue_keys(reports, "task_report"), all=True)
    page = Paginator(keys.order_by("at", "kind", "pk"), QUEUE_PAGE_SIZE).get_page(page_number or 1)
    ids = {"actual": [], "task_report": []}
    for _at, kind, pk in page.object_list:
        ids[kind].append(pk)
    found = {
        ("actual", actual.pk): actual
        for actual in with_provenance(Actual.objects.filter(pk__in=ids["actual"])).select_related("indicator", "unit")
    }
    found.update({
        ("task_report", report.pk): report
        for report in with_provenance(TaskReport.objects.filter(pk__in=ids["task_report"]))
        .select_related("task__document__territory", "agency")
    })
    names = breakdowns.option_names(r.breakdown for (k, _pk), r in found.items() if k == "actual")
    items = []
    for _at, kind, pk in page.object_list:
        record = found.get((kind, pk))
        if record is None:  # deleted between the two reads
            continue
        if kind == "actual":
            items.append(QueueItem(
                kind=kind,
                record=record,
                title=f"{record.indicator.code} – {record.indicator.name}",
                unit_name=record.unit.name,
                summary=figure_text(record=record),
                url=reverse("actual_detail", args=[record.pk]),
                breakdown=names.get(record.breakdown, record.breakdown) if record.breakdown else "",
            ))
        else:
            items.append(QueueItem(
                kind=kind,
                record=record,
                title=f"{record.task.document.reference} – {record.task}",
                unit_name=record.task.document.territory.name,
                summary=f"{record.get_progress_display()}, {record.percent_done}% ({record.agency.name})",
                url=reverse("task_report_detail", args=[record.pk]),
            ))
    return page, items


# ---------------------------------------------------------------------------------------------
# Explanation requests


@dataclass
class ExplanationRow:
    request: ExplanationRequest
    can_answer: bool


def explanation_list(*, user: User, abilities: Abilities) -> list[ExplanationRow]:
    """Requests in the user's territory, open ones first, newest first within each group."""
    requests = (
        visible_explanations(user=user)
        .select_related(
            "requested_by", "answered_by", "target__indicator", "target__document",
            "task__document", "task__lead_agency", "unit" + PARENTS,
        )
        .prefetch_related("task__coordinating_agencies")
        .annotate(is_open=ExpressionWrapper(Q(answered_at__isnull=True), output_field=BooleanField()))
        .order_by("-is_open", "-requested_at")
    )
    rows = []
    for request in requests:
        agency_ids = {a.pk for a in task_agencies(task=request.task)} if request.task_id else None
        can_answer = not request.is_answered and abilities.can(Action.ANSWER_EXPLANATION, unit=request.unit, agency_ids=agency_ids)
        rows.append(ExplanationRow(request=request, can_answer=can_answer))
    return rows

"""Obligations derived, never typed: for each active regime, each period that has begun, each unit of
the regime's level that exists at the period's end (for task reports: each lead agency of the unit's
recurring tasks), how many items are expected, how many are submitted or approved, and when the last
one came in.

Illustrative and synthetic records do not count: they are the demo's stand-ins, not reports. A
record with no submission time (an import, a computed figure) counts from its review or creation.
"""

from collections import defaultdict
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from indicators import closures
from indicators.models import Actual
from plans.models import AdministrativeUnit, AdminMap, Recurrence, Task, UnitLevel
from reporting import deadlines
from reporting.models import Content, Frequency, Obligation, Regime
from reports.models import MonitoringReport
from review.models import RecordSource, ReviewStatus, TaskReport

COUNTED = [ReviewStatus.SUBMITTED, ReviewStatus.APPROVED]
NOT_REPORTS = [RecordSource.ILLUSTRATIVE, RecordSource.SYNTHETIC]
RECURRENCES_OF = {
    Frequency.MONTHLY: [Recurrence.MONTHLY],
    Frequency.QUARTERLY: [Recurrence.QUARTERLY],
    Frequency.HALF_YEARLY: [Recurrence.HALF_YEARLY],
    Frequency.YEARLY: [Recurrence.YEARLY, Recurrence.CONTINUOUS],
}
SENT_AT = Coalesce("submitted_at", "reviewed_at", "created_at")
FIELDS = ["due_on", "cutoff_on", "locks_on", "expected", "received", "met_at"]

Key = tuple[int, int | None]  # (unit, agency)


def active_regimes(year: int) -> QuerySet[Regime]:
    return (
        Regime.objects.filter(is_active=True, first_year__lte=year, last_year__gte=year)
        .exclude(frequency=Frequency.AD_HOC)
        .prefetch_related("indicators")
    )


def refresh(*, year: int, regimes=None, unit_ids: set[int] | None = None, today: date | None = None) -> int:
    """Bring the stored obligations of `year` up to date; returns how many rows were written."""
    today = today or timezone.localdate()
    written = 0
    for regime in regimes if regimes is not None else active_regimes(year):
        for number in deadlines.period_numbers(regime):
            if deadlines.period_start(year, regime.period_kind, number) > today:
                continue
            with transaction.atomic():
                written += _refresh_period(regime, year, number, unit_ids)
    return written


def refresh_for_figures(*, indicator_ids: set[int], years: set[int]) -> int:
    """After a bulk write of figures (an import): the obligations of the regimes asking for them."""
    written = 0
    for year in sorted(years):
        regimes = active_regimes(year).filter(indicators__in=indicator_ids).distinct()
        written += refresh(year=year, regimes=list(regimes))
    return written


def _refresh_period(regime: Regime, year: int, number: int, unit_ids: set[int] | None) -> int:
    due = deadlines.due_on(regime, year, number)
    dates = {"due_on": due, "cutoff_on": deadlines.cutoff_on(regime, year, number),
             "locks_on": deadlines.locks_on(regime, year, number)}
    counts = _task_counts(regime, year, number, unit_ids) if regime.content == Content.TASK_REPORTS \
        else _figure_counts(regime, year, number, unit_ids)
    period = {"regime": regime, "year": year, "period_kind": regime.period_kind, "period_number": number}
    stored = Obligation.objects.filter(**period)
    if unit_ids is not None:
        stored = stored.filter(unit_id__in=unit_ids)
    existing = {(o.unit_id, o.agency_id): o for o in stored}
    new, changed = [], []
    for key, (expected, received, met_at) in counts.items():
        values = {**dates, "expected": expected, "received": received, "met_at": met_at}
        obligation = existing.pop(key, None)
        if obligation is None:
            new.append(Obligation(unit_id=key[0], agency_id=key[1], **period, **values))
        elif any(getattr(obligation, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obligation, name, value)
            changed.append(obligation)
    Obligation.objects.bulk_create(new, batch_size=2000)
    Obligation.objects.bulk_update(changed, FIELDS, batch_size=2000)
    Obligation.objects.filter(pk__in=[o.pk for o in existing.values()]).delete()  # no longer owed
    return len(new) + len(changed)


def reporting_units(regime: Regime, on: date, unit_ids: set[int] | None) -> QuerySet[AdministrativeUnit]:
    """The units of the regime's level that exist at the period's end: the unit a period's figure
    belongs to (indicators.closures), so June 2025 is the old communes' and July the new ones'."""
    units = AdministrativeUnit.objects.filter(level=regime.reporting_level).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on), Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    if regime.reporting_level >= UnitLevel.PROVINCE:
        units = units.exclude(admin_map=AdminMap.STATISTICAL)
    if unit_ids is not None:
        units = units.filter(pk__in=unit_ids)
    return units


def _figure_counts(regime, year, number, unit_ids) -> dict[Key, tuple[int, int, datetime | None]]:
    """Per unit: the regime's indicators (and its narrative, for a monitoring report written in the
    app), those with a submitted or approved whole figure, the last one's time. A figure under any
    poverty standard counts."""
    indicator_ids = [indicator.pk for indicator in regime.indicators.all()]
    if not indicator_ids and not regime.requires_narrative:
        return {}
    units = reporting_units(regime, deadlines.period_end(year, regime.period_kind, number), unit_ids)
    period = {"year": year, "period_kind": regime.period_kind, "period_number": number}
    firsts = (
        Actual.objects.filter(indicator_id__in=indicator_ids, breakdown="", status__in=COUNTED, unit__in=units, **period)
        .exclude(source__in=NOT_REPORTS)
        .values("unit_id", "indicator_id")
        .annotate(sent=Min(SENT_AT))
    )
    sent: dict[int, list[datetime]] = defaultdict(list)
    for row in firsts:
        sent[row["unit_id"]].append(row["sent"])
    if regime.requires_narrative:
        narratives = MonitoringReport.objects.filter(unit__in=units, status__in=COUNTED, **period)
        for unit_id, at in narratives.values_list("unit_id", SENT_AT):
            sent[unit_id].append(at)
    expected = len(indicator_ids) + regime.requires_narrative
    return {
        (unit_id, None): _tally(expected, sent.get(unit_id, []))
        for unit_id in units.values_list("pk", flat=True)
    }


def _task_counts(regime, year, number, unit_ids) -> dict[Key, tuple[int, int, datetime | None]]:
    """Per unit and lead agency: its recurring tasks, those reported. The tasks of a territory closed
    before the period's end are owed by its main successor (Hậu Giang's by Cần Thơ), as its figures are."""
    tasks = Task.objects.filter(
        document__territory__level=regime.reporting_level,
        recurrence__in=RECURRENCES_OF[regime.frequency], lead_agency__isnull=False,
    )
    if regime.reporting_agency_id:
        tasks = tasks.filter(lead_agency_id=regime.reporting_agency_id)
    owed = list(tasks.values("document__territory_id", "lead_agency_id").annotate(n=Count("pk")))
    reports = (
        TaskReport.objects.filter(
            task__in=tasks, year=year, period_kind=regime.period_kind, period_number=number, status__in=COUNTED,
            agency_id=F("task__lead_agency_id"),
        )
        .exclude(source__in=NOT_REPORTS)
        .values("task__document__territory_id", "agency_id")
        .annotate(n=Count("task_id", distinct=True), last=Max(SENT_AT))
    )
    territories = AdministrativeUnit.objects.in_bulk({row["document__territory_id"] for row in owed})
    closed = closures.closures(territories.values(), closures.Period(year, regime.period_kind, number))
    counting = {pk: closures.counting_unit(unit, closed) for pk, unit in territories.items()}
    expected: dict[Key, int] = defaultdict(int)
    for row in owed:
        unit = counting[row["document__territory_id"]]
        if unit is not None and (unit_ids is None or unit.pk in unit_ids):
            expected[(unit.pk, row["lead_agency_id"])] += row["n"]
    got: dict[Key, list] = defaultdict(lambda: [0, None])
    for row in reports:
        unit = counting.get(row["task__document__territory_id"])
        if unit is not None:
            tally = got[(unit.pk, row["agency_id"])]
            tally[0] += row["n"]
            tally[1] = max(filter(None, [tally[1], row["last"]]), default=None)
    counts = {}
    for key, n in expected.items():
        received, last = got.get(key, (0, None))
        received = min(received, n)
        counts[key] = (n, received, last if received == n else None)
    return counts


def _tally(expected: int, sent: list[datetime]) -> tuple[int, int, datetime | None]:
    received = len(sent)
    return expected, received, (max(sent) if received == expected else None)


def refresh_for(*, year: int, period_kind: str, period_number: int, unit_id: int | None = None,
                indicator_id: int | None = None, narrative: bool = False) -> None:
    """After a record changed: the obligations of its period. A figure's: its unit's, for the regimes
    that ask for its indicator; a narrative's: its unit's, for the regimes that ask for one. A task
    report's (no unit_id): every unit's, for the task-report regimes, since a closed territory's tasks
    are owed by its successor."""
    if deadlines.period_start(year, period_kind, period_number) > timezone.localdate():
        return
    for regime in active_regimes(year):
        if regime.period_kind != period_kind or period_number not in deadlines.period_numbers(regime):
            continue
        if narrative:
            concerned = regime.requires_narrative
        elif indicator_id is None:
            concerned = regime.content == Content.TASK_REPORTS
        else:
            concerned = indicator_id in {indicator.pk for indicator in regime.indicators.all()}
        if concerned:
            with transaction.atomic():
                _refresh_period(regime, year, period_number, None if unit_id is None else {unit_id})

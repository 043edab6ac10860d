"""The reporting board one row per unit and regime: DHIS2's reporting-rate summary per organisation unit
and data set (expected reports, reports on time and late, overdue, the reporting rate and the
timeliness rate) over the chosen year and period, with the worst days overdue and the unit's drill-down
(reporting.boards.unit_lines).

Units with overdue reports come first (most overdue obligations, then most days overdue), then those
with a report due soon, then the rest by name. Counting is one grouped query in SQL, so a page costs
the same queries for a province and for the nation: the summary, the count of rows, the page and the
page's units.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Min, QuerySet, Value, When
from django.urls import reverse
from django.utils.http import urlencode

from plans.models import AdministrativeUnit
from reporting.boards import PER_PAGE, Board, BoardFilters, Tally, board_obligations, summary
from reporting.status import Status, status_q

# The rows' tiers: some report overdue, else some due soon, else the rest.
OVERDUE_TIER, DUE_SOON_TIER, REST_TIER = 0, 1, 2


@dataclass(kw_only=True)
class UnitRow(Tally):
    """One unit's obligations under one regime in the year (and period) shown."""

    unit: AdministrativeUnit
    regime_code: str
    regime_name: str
    year: int
    today: date
    oldest_overdue: date | None = None

    @property
    def worst_days(self) -> int | None:
        """Days overdue of its most overdue obligation (None: nothing overdue)."""
        return (self.today - self.oldest_overdue).days if self.oldest_overdue else None

    @property
    def drill_down_url(self) -> str:
        return f"{reverse('reporting_unit', args=[self.unit.pk])}?{urlencode({'nam': self.year})}"


def unit_groups(*, user: User, filters: BoardFilters, today: date) -> QuerySet:
    """The board's obligations grouped per unit and regime, as dicts (unit, regime__code, regime__name,
    expected, one count per status, oldest_overdue), in the board's order. With a status filter only
    the groups having at least one obligation of that status."""
    counts = {status: Count("pk", filter=status_q(status, today)) for status in Status.values}
    groups = (
        board_obligations(user=user, filters=filters)
        .values("unit", "regime", "regime__code", "regime__name")
        .annotate(expected=Count("pk"), oldest_overdue=Min("due_on", filter=status_q(Status.OVERDUE, today)), **counts)
    )
    if filters.status is not None:
        groups = groups.filter(**{f"{filters.status}__gt": 0})
    tier = Case(When(**{f"{Status.OVERDUE}__gt": 0}, then=Value(OVERDUE_TIER)),
                When(**{f"{Status.DUE_SOON}__gt": 0}, then=Value(DUE_SOON_TIER)),
                default=Value(REST_TIER), output_field=IntegerField())
    return groups.annotate(tier=tier).order_by(
        "tier", F(Status.OVERDUE).desc(), F("oldest_overdue").asc(nulls_last=True), "unit__name", "unit", "regime__code")


def unit_board(*, user: User, filters: BoardFilters, today: date, page_number: int | None = None) -> Board:
    """The summary and one page of rows per unit and regime: four queries, however many units."""
    paginator = Paginator(unit_groups(user=user, filters=filters, today=today), PER_PAGE)
    page = paginator.get_page(page_number)
    groups = list(page.object_list)
    units = AdministrativeUnit.objects.select_related("parent").in_bulk({group["unit"] for group in groups})
    rows = [
        UnitRow(unit=units[group["unit"]], regime_code=group["regime__code"], regime_name=group["regime__name"],
                year=filters.year, today=today, oldest_overdue=group["oldest_overdue"], expected=group["expected"],
                counts={status: group[status] for status in Status.values})
        for group in groups
    ]
    return Board(filters=filters, today=today, summary=summary(user=user, filters=filters, today=today), page=page,
                 total=paginator.count, units=rows)

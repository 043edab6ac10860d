"""Reads of the reporting board (the receiving level: who reported, who is late, DHIS2's reporting-rate
summary), its drill-down to one unit's missing items and the leader dashboard's count of overdue reports (an
officer's own obligations are review.worklist.due_reports, the regimes in words reporting.regime_texts).

Everything starts from plans.access: the board shows the obligations of units in the user's reach
for Action.SEE_REPORTING. Counting is done in SQL (reporting.status.status_expression), so a board
runs the same number of queries for a province and for the nation's 3.321 communes.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.merged_entry import entry_url
from indicators.models import Actual, Target
from indicators.selectors import PERIODS, Period, horizon_covers, period_of
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, AdminMap, Membership, Role, Task, UnitLevel
from plans.text import format_number
from reporting.models import Content, Obligation, Regime
from reporting.obligations import COUNTED, NOT_REPORTS, RECURRENCES_OF
from reporting.status import MET, STATUS_ORDER, Status, met_on, status_expression, status_q
from review.models import TaskReport

PER_PAGE = 50
BOARD_ROLES = {role.value for role in access.ROLES_FOR[Action.SEE_REPORTING]} | {Role.ADMIN.value}

# The query string's words for the statuses (?trang_thai=qua_han).
STATUS_SLUGS = {
    Status.OVERDUE: "qua_han",
    Status.DUE_SOON: "sap_den_han",
    Status.NOT_YET_DUE: "chua_den_han",
    Status.LATE: "gui_muon",
    Status.ON_TIME: "dung_han",
}
STATUS_BY_SLUG = {slug: status for status, slug in STATUS_SLUGS.items()}
# ?xem=chi-tiet: one row per obligation instead of one per unit and regime.
DETAIL_SLUG = "chi-tiet"
# The tag each status wears (the colours of the dashboards' judgements).
STATUS_CSS = {
    Status.OVERDUE: "eval eval-missed",
    Status.DUE_SOON: "eval eval-at_risk",
    Status.NOT_YET_DUE: "eval eval-no_data",
    Status.LATE: "late",
    Status.ON_TIME: "eval eval-achieved",
}
RANK = Case(*[When(status=status, then=Value(rank)) for status, rank in STATUS_ORDER.items()], output_field=IntegerField())


def days_text(days: int) -> str:
    """"còn 3 ngày", "hạn hôm nay", "quá hạn 2 ngày": days left as an officer reads them."""
    if days > 0:
        return ngettext("còn %(n)s ngày", "còn %(n)s ngày", days) % {"n": format_number(days)}
    if days == 0:
        return _("hạn hôm nay")
    return ngettext("quá hạn %(n)s ngày", "quá hạn %(n)s ngày", -days) % {"n": format_number(-days)}


def percent_text(value: Decimal | None) -> str:
    """"83,3 %" (Vietnamese decimals, a space before the sign); "–" when nothing is expected."""
    return "–" if value is None else f"{format_number(value, 1)} %"


def period_title(obligation) -> str:
    """"tháng 3/2026", "6 tháng đầu năm 2026", "năm 2026"."""
    return period_of(record=obligation).title(obligation.year)


@dataclass
class Line:
    """One obligation with its status on the day."""

    obligation: Obligation
    status: Status
    today: date

    @property
    def days(self) -> int:
        return (self.obligation.due_on - self.today).days

    @property
    def days_text(self) -> str:
        return days_text(self.days)

    @property
    def is_met(self) -> bool:
        return self.status in MET

    @property
    def met_on(self) -> date | None:
        return met_on(self.obligation.met_at) if self.obligation.met_at else None

    @property
    def late_days(self) -> int:
        """Days after the due date the last item came in (a late report)."""
        return (self.met_on - self.obligation.due_on).days if self.met_on else 0

    @property
    def status_label(self) -> str:
        return str(self.status.label)

    @property
    def css(self) -> str:
        return STATUS_CSS[self.status]

    @property
    def period_title(self) -> str:
        return period_title(self.obligation)


# ---------------------------------------------------------------------------------------------
# Who may see the board, and what


def board_reach(*, user: User) -> access.Reach:
    return access.reach(user, BOARD_ROLES)


def can_see_board(*, user: User) -> bool:
    """Reviewers, leaders and admins (superusers always); officers and users without a role do not."""
    user_reach = board_reach(user=user)
    return user_reach.everywhere or bool(user_reach.root_unit_ids)


def visible_obligations(*, user: User) -> QuerySet[Obligation]:
    return access.scope(user, Obligation.objects.all(), unit_path="unit", action=Action.SEE_REPORTING)


def board_unit(*, user: User, unit_id: int) -> AdministrativeUnit | None:
    """The unit asked for when it exists and lies in the user's board reach, else None."""
    unit = AdministrativeUnit.objects.select_related("parent__parent__parent").filter(pk=unit_id).first()
    if unit is None or not access.unit_in_reach(board_reach(user=user), unit):
        return None
    return unit


def filter_units(*, user: User) -> list[AdministrativeUnit]:
    """The places the board's filter offers: every province for the nation's users, else the user's own."""
    if board_reach(user=user).everywhere:
        return list(AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=AdminMap.CURRENT).order_by("name"))
    ids = Membership.objects.filter(user=user, role__in=BOARD_ROLES).values("unit_id")
    return list(AdministrativeUnit.objects.filter(pk__in=ids).order_by("level", "name"))


def within(unit: AdministrativeUnit, path: str) -> Q:
    """Rows whose unit lies in `unit`'s subtree or in that of a unit merged into it."""
    if unit.level == UnitLevel.NATION:
        return Q()
    return access.Reach(root_unit_ids=access.predecessor_unit_ids({unit.pk})).unit_q(path)


# ---------------------------------------------------------------------------------------------
# The board


@dataclass(frozen=True)
class BoardFilters:
    """What the board shows: ?nam= ?che_do= ?ky= ?trang_thai= ?dia_ban= ?xem= (and ?trang= for the rows).
    `detail`: one row per obligation (?xem=chi-tiet), else one per unit and regime."""

    year: int
    regime: Regime | None = None
    period: Period | None = None
    status: Status | None = None
    unit: AdministrativeUnit | None = None
    detail: bool = False

    def params(self, **changes) -> dict:
        params = {
            "nam": self.year,
            "che_do": self.regime.code if self.regime else "",
            "ky": self.period.code if self.period else "",
            "trang_thai": STATUS_SLUGS[self.status] if self.status else "",
            "dia_ban": self.unit.pk if self.unit else "",
            "xem": DETAIL_SLUG if self.detail else "",
        }
        params.update(changes)
        return {name: value for name, value in params.items() if value not in (None, "")}

    def query(self, **changes) -> str:
        return urlencode(self.params(**changes))

    @property
    def units_query(self) -> str:
        """The same filters, one row per unit and regime."""
        return self.query(xem="")

    @property
    def detail_query(self) -> str:
        """The same filters, one row per obligation."""
        return self.query(xem=DETAIL_SLUG)


@dataclass(kw_only=True)
class Tally:
    """Obligations by status: DHIS2's expected / on time / late / overdue, and the two rates."""

    expected: int
    counts: dict[str, int]

    @property
    def on_time(self) -> int:
        return self.counts[Status.ON_TIME]

    @property
    def late(self) -> int:
        return self.counts[Status.LATE]

    @property
    def overdue(self) -> int:
        return self.counts[Status.OVERDUE]

    @property
    def due_soon(self) -> int:
        return self.counts[Status.DUE_SOON]

    @property
    def not_yet_due(self) -> int:
        return self.counts[Status.NOT_YET_DUE]

    @property
    def met(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.met * 100) / self.expected if self.expected else None

    @property
    def timeliness(self) -> Decimal | None:
        return Decimal(self.on_time * 100) / self.expected if self.expected else None

    @property
    def rate_text(self) -> str:
        return percent_text(self.rate)

    @property
    def timeliness_text(self) -> str:
        return percent_text(self.timeliness)


@dataclass(kw_only=True)
class SummaryRow(Tally):
    """One regime and period."""

    regime_code: str
    regime_name: str
    period: Period
    year: int

    @property
    def period_title(self) -> str:
        return self.period.title(self.year)


@dataclass
class Board:
    """The summary and one page of rows: obligations (`lines`, ?xem=chi-tiet) or units and regimes
    (`units`, reporting.board_units); `total` counts the rows of every page."""

    filters: BoardFilters
    today: date
    summary: list[SummaryRow]
    page: Page
    total: int
    lines: list[Line] = field(default_factory=list)
    units: list = field(default_factory=list)

    @property
    def totals(self) -> SummaryRow | None:
        """All regimes and periods shown, added up (None when there is one row or none)."""
        if len(self.summary) < 2:
            return None
        counts = {status: sum(row.counts[status] for row in self.summary) for status in Status.values}
        return SummaryRow(regime_code="", regime_name="", period=PERIODS["nam"], year=self.filters.year,
                          expected=sum(row.expected for row in self.summary), counts=counts)


def board_obligations(*, user: User, filters: BoardFilters) -> QuerySet[Obligation]:
    """The obligations in the user's reach under the filters, whatever their status."""
    rows = visible_obligations(user=user).filter(year=filters.year)
    if filters.regime is not None:
        rows = rows.filter(regime=filters.regime)
    if filters.period is not None:
        rows = rows.filter(period_kind=filters.period.kind, period_number=filters.period.number)
    if filters.unit is not None:
        rows = rows.filter(within(filters.unit, "unit"))
    return rows


def summary(*, user: User, filters: BoardFilters, today: date) -> list[SummaryRow]:
    """Per regime and period, the obligations by status: one query, however many units."""
    counts = {status: Count("pk", filter=status_q(status, today)) for status in Status.values}
    rows = (
        board_obligations(user=user, filters=filters)
        .values("regime__code", "regime__name", "period_kind", "period_number")
        .annotate(expected=Count("pk"), **counts)
        .order_by("regime__reporting_level", "regime__frequency", "regime__code", "period_kind", "period_number")
    )
    return [
        SummaryRow(
            regime_code=row["regime__code"], regime_name=row["regime__name"],
            period=period_of(record=SimpleNamespace(period_kind=row["period_kind"], period_number=row["period_number"])),
            year=filters.year, expected=row["expected"], counts={status: row[status] for status in Status.values},
        )
        for row in rows
    ]


def board(*, user: User, filters: BoardFilters, today: date, page_number: int | None = None) -> Board:
    """The summary and one page of obligations (?xem=chi-tiet), overdue first: two queries, however
    many units (the page's count comes from the summary). One row per unit and regime instead:
    reporting.board_units.unit_board."""
    rows_summary = summary(user=user, filters=filters, today=today)
    statuses = [filters.status] if filters.status else Status.values
    total = sum(row.counts[status] for row in rows_summary for status in statuses)
    rows = board_obligations(user=user, filters=filters).annotate(status=status_expression(today))
    if filters.status:
        rows = rows.filter(status=filters.status)
    rows = rows.select_related("regime", "agency", "unit__parent").order_by(
        RANK, "due_on", "unit__name", "regime__code", "agency__name", "pk")
    paginator = Paginator(rows, PER_PAGE)
    paginator.count = total  # known from the summary: no COUNT query
    page = paginator.get_page(page_number)
    lines = [Line(obligation, Status(obligation.status), today) for obligation in page.object_list]
    return Board(filters=filters, today=today, summary=rows_summary, page=page, lines=lines, total=total)


def overdue_count(*, user: User, unit: AdministrativeUnit, year: int, today: date) -> int | None:
    """The overdue reports of the territory in the year (None: the user does not see the board)."""
    if not can_see_board(user=user):
        return None
    return (
        visible_obligations(user=user).filter(within(unit, "unit"), year=year)
        .alias(status=status_expression(today)).filter(status=Status.OVERDUE).count()
    )


# ---------------------------------------------------------------------------------------------
# One unit's obligations and what each still lacks


@dataclass
class MissingItem:
    code: str
    name: str
    url: str = ""


@dataclass
class UnitLine(Line):
    missing: list[MissingItem] = field(default_factory=list)


def unit_lines(*, user: User, unit: AdministrativeUnit, year: int, today: date) -> list[UnitLine]:
    """The unit's obligations of the year in the user's reach, overdue first, each with its missing
    items: the regime's indicators without a submitted or approved whole figure (illustrative and
    synthetic ones do not count), or the lead agency's recurring tasks not yet reported."""
    obligations = list(
        visible_obligations(user=user).filter(unit=unit, year=year)
        .annotate(status=status_expression(today))
        .select_related("regime", "agency").prefetch_related("regime__indicators")
        .order_by(RANK, "due_on", "regime__code", "agency__name")
    )
    lines = [UnitLine(o, Status(o.status), today) for o in obligations]
    figure_lines = [line for line in lines if line.obligation.regime.content != Content.TASK_REPORTS]
    task_lines = [line for line in lines if line.obligation.regime.content == Content.TASK_REPORTS]
    if figure_lines:
        _missing_figures(figure_lines, unit, year)
    if task_lines:
        _missing_task_reports(task_lines, unit, year)
    return lines


def _missing_figures(lines: list[UnitLine], unit: AdministrativeUnit, year: int) -> None:
    indicator_ids = {i.pk for line in lines for i in line.obligation.regime.indicators.all()}
    sent = set(
        Actual.objects.filter(unit=unit, year=year, indicator_id__in=indicator_ids, breakdown="", status__in=COUNTED)
        .exclude(source__in=NOT_REPORTS).values_list("indicator_id", "period_kind", "period_number")
    )
    # Where to enter each: the unit's own first target of the indicator, else one of a unit merged into
    # it (its entry page then takes the figure for the successor).
    targets: dict[int, Target] = {}
    for target in (Target.objects.filter(territory_id__in=access.predecessor_unit_ids({unit.pk}), indicator_id__in=indicator_ids,
                                         breakdown="").filter(horizon_covers(year=year)).select_related("territory").order_by("pk")):
        chosen = targets.get(target.indicator_id)
        if chosen is None or (chosen.territory_id != unit.pk and target.territory_id == unit.pk):
            targets[target.indicator_id] = target
    for line in lines:
        o = line.obligation
        period = period_of(record=o)
        for indicator in sorted(o.regime.indicators.all(), key=lambda i: i.code):
            if (indicator.pk, o.period_kind, o.period_number) not in sent:
                target = targets.get(indicator.pk)
                line.missing.append(MissingItem(indicator.code, indicator.name,
                                                entry_url(target, unit, year, period) if target else ""))


def _missing_task_reports(lines: list[UnitLine], unit: AdministrativeUnit, year: int) -> None:
    territories = access.predecessor_unit_ids({unit.pk})
    tasks = list(
        Task.objects.filter(document__territory_id__in=territories,
                            lead_agency_id__in={line.obligation.agency_id for line in lines})
        .select_related("document__territory", "lead_agency").order_by("document__issued_on", "document__number", "position")
    )
    reported = set(
        TaskReport.objects.filter(task__in=[t.pk for t in tasks], year=year, status__in=COUNTED,
                                  agency_id=F("task__lead_agency_id"))
        .exclude(source__in=NOT_REPORTS).values_list("task_id", "period_kind", "period_number")
    )
    for line in lines:
        o = line.obligation
        period = period_of(record=o)
        for task in tasks:
            if (task.lead_agency_id != o.agency_id or task.recurrence not in RECURRENCES_OF[o.regime.frequency]
                    or task.document.territory.level != o.regime.reporting_level):
                continue
            if (task.pk, o.period_kind, o.period_number) not in reported:
                url = reverse("task_report_entry", args=[task.pk]) + "?" + urlencode(
                    {"nam": year, "co_quan": task.lead_agency.code, "ky": period.code})
                line.missing.append(MissingItem(f"{task.document.reference} {task.number}",
                                                task.title or task.text, url))


def regime_choices() -> list[Regime]:
    """The regimes the board's filter offers."""
    return list(Regime.objects.only("code", "name", "reporting_level", "frequency"))

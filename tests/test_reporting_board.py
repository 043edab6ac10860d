"""The reporting board (who reported, who is late), its drill-down to the missing items, the regimes in
words, an officer's reports due in "Việc của tôi" and the leader dashboard's count of overdue reports.

The clock stands at 10/3/2026: the communes' monthly regular-review results (due the 5th of the next
month) of January and February are due, March's not yet; the 6-month and annual reports not yet.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators import services
from indicators.models import Actual, Indicator, Target
from plans.models import AdministrativeUnit, AdminMap, Role, Task, UnitLevel
from reporting import board_units, boards, obligations
from reporting.models import Obligation, Regime
from reporting.status import STATUS_ORDER, Status
from review import worklist
from review.models import RecordSource, ReportingPeriod, ReviewStatus, TaskReport
from tests.conftest import make_user, unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 3, 10)
MONTHLY = "ra-soat-thuong-xuyen-xa"
REVIEW_CODES = ["HN03", "HN04", "HN05"]


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VN)


def communes(province: AdministrativeUnit) -> list[AdministrativeUnit]:
    return list(AdministrativeUnit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code"))


def submit_month(officer, commune, codes, day: date, month: int = 1) -> None:
    with time_machine.travel(at(day), tick=False):
        for code in codes:
            figure = services.save_actual(user=officer, indicator=Indicator.objects.get(code=code), unit=commune, year=2026,
                                          period_kind=ReportingPeriod.MONTH, period_number=month, value=Decimal("3"))
            services.submit_actual(user=officer, actual=figure)


@pytest.fixture
def world(db):
    """Cần Thơ's communes after real reports for January: A on time (entered), B late, C two of three,
    D only illustrative figures (the demo's), E imported on time; then obligations derived on 10/3."""
    call_command("load_standards", verbosity=0)
    call_command("load_reporting_data", verbosity=0)
    can_tho, hue = unit("92", AdminMap.CURRENT), unit("46", AdminMap.CURRENT)
    a, b, c, d, e = communes(can_tho)[:5]
    officer_ct = make_user("canbo.ct", Role.OFFICER, ("92", AdminMap.CURRENT))
    submit_month(officer_ct, a, REVIEW_CODES, date(2026, 1, 20))
    submit_month(officer_ct, b, REVIEW_CODES, date(2026, 2, 10))
    submit_month(officer_ct, c, REVIEW_CODES[:2], date(2026, 1, 25))
    standard = {code: Actual.objects.filter(indicator__code=code, unit=a).values_list("standard", flat=True).get()
                for code in REVIEW_CODES}
    for code in REVIEW_CODES:
        Actual.objects.create(indicator=Indicator.objects.get(code=code), unit=d, year=2026, period_kind=ReportingPeriod.MONTH,
                              period_number=1, value=7, status=ReviewStatus.APPROVED, source=RecordSource.ILLUSTRATIVE,
                              standard=standard[code])
    with time_machine.travel(at(date(2026, 1, 28)), tick=False):
        # An import writes approved figures with neither a submission nor a review time.
        Actual.objects.bulk_create([
            Actual(indicator=Indicator.objects.get(code=code), unit=e, year=2026, period_kind=ReportingPeriod.MONTH,
                   period_number=1, value=2, status=ReviewStatus.APPROVED, source=RecordSource.IMPORTED,
                   standard=standard[code])
            for code in REVIEW_CODES
        ])
    with time_machine.travel(at(TODAY), tick=False):
        obligations.refresh(year=2026, today=TODAY)
    return {
        "can_tho": can_tho, "hue": hue, "a": a, "b": b, "c": c, "d": d, "e": e, "officer_ct": officer_ct,
        "officer_c": make_user("canbo.xa", Role.OFFICER, (c.code, AdminMap.CURRENT)),
        "reviewer": make_user("duyet.ct", Role.REVIEWER, ("92", AdminMap.CURRENT)),
        "leader": make_user("lanhdao.ct", Role.LEADER, ("92", AdminMap.CURRENT)),
        "leader_hue": make_user("lanhdao.hue", Role.LEADER, ("46", AdminMap.CURRENT)),
        "admin": make_user("quantri", Role.ADMIN),
        "outsider": make_user("nguoingoai"),
    }


def get(client, user, url):
    client.force_login(user)
    with time_machine.travel(at(TODAY), tick=False):
        return client.get(url)


def board_url(**params) -> str:
    query = "&".join(f"{name}={value}" for name, value in {"nam": 2026, **params}.items())
    return f"{reverse('reporting_board')}?{query}"


def main(response) -> str:
    return response.content.decode().split("<main>", 1)[1]


# --- Who sees the board ------------------------------------------------------------------------


def test_refusal_matrix(client, world):
    commune_page = f"{reverse('reporting_unit', args=[world['c'].pk])}?nam=2026"
    for name in ("officer_ct", "officer_c", "outsider"):
        assert get(client, world[name], board_url()).status_code == 403, name
        assert get(client, world[name], commune_page).status_code == 403, name
    superuser = make_user("sieu")
    superuser.is_superuser = True
    superuser.save()
    for name, user in [("reviewer", world["reviewer"]), ("leader", world["leader"]), ("admin", world["admin"]),
                       ("superuser", superuser)]:
        assert get(client, user, board_url()).status_code == 200, name
        assert get(client, user, commune_page).status_code == 200, name
    assert get(client, world["reviewer"], reverse("reporting_regimes")).status_code == 200
    assert get(client, world["officer_c"], reverse("reporting_regimes")).status_code == 200  # the rules are public


def test_a_leader_of_another_province_sees_none_of_its_rows(client, world):
    hue_communes = {u.pk for u in communes(world["hue"])}
    response = get(client, world["leader_hue"], board_url(che_do=MONTHLY, ky="th1"))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.total == len(hue_communes) == 40  # one row per commune and regime
    assert [row.expected for row in board.summary] == [40]
    assert {row.unit.pk for row in board.units} <= hue_communes and len(board.units) == 40
    assert world["a"].name not in main(response)
    detail = get(client, world["leader_hue"], board_url(che_do=MONTHLY, ky="th1", xem="chi-tiet")).context["board"]
    assert detail.total == 40
    assert {line.obligation.unit_id for line in detail.lines} <= hue_communes
    assert get(client, world["leader_hue"], board_url(dia_ban=world["can_tho"].pk)).status_code == 404
    assert get(client, world["leader_hue"], reverse("reporting_unit", args=[world["a"].pk])).status_code == 404


# --- Counts and order ---------------------------------------------------------------------------


def test_exact_counts_on_the_province_board(client, world):
    response = get(client, world["reviewer"], board_url(che_do=MONTHLY, ky="th1", dia_ban=world["can_tho"].pk,
                                                        xem="chi-tiet"))
    [row] = response.context["board"].summary
    assert (row.expected, row.on_time, row.late, row.overdue, row.due_soon, row.not_yet_due) == (103, 2, 1, 100, 0, 0)
    # Reporting rate 3/103, timeliness 2/103, written the Vietnamese way.
    assert (row.rate_text, row.timeliness_text) == ("2,9 %", "1,9 %")
    page = main(response)
    assert "2,9 %" in page and "1,9 %" in page
    statuses = {line.obligation.unit_id: (line.status, line.obligation.received) for line in response.context["board"].lines}
    assert statuses[world["c"].pk] == (Status.OVERDUE, 2)
    assert statuses[world["d"].pk] == (Status.OVERDUE, 0)  # the demo's illustrative figures are no report


def test_the_whole_province_summary_per_regime_and_period(world):
    filters = boards.BoardFilters(year=2026, unit=world["can_tho"])
    rows = {(row.regime_code, row.period.code): row for row in boards.summary(user=world["reviewer"], filters=filters, today=TODAY)}
    assert (rows[(MONTHLY, "th2")].expected, rows[(MONTHLY, "th2")].overdue) == (103, 103)
    assert (rows[(MONTHLY, "th3")].expected, rows[(MONTHLY, "th3")].not_yet_due) == (103, 103)
    assert rows[("giam-sat-6-thang-tinh", "6t1")].expected == 1
    assert ("giam-sat-6-thang-tinh", "6t1") in rows and (MONTHLY, "th4") not in rows  # April has not begun


def test_rows_come_overdue_first_then_due_soon_not_yet_due_late_on_time(client, world):
    today = date(2026, 3, 30)  # March's results (due 5/4) are due soon
    client.force_login(world["reviewer"])
    with time_machine.travel(at(today), tick=False):
        response = client.get(board_url(dia_ban=world["b"].pk, xem="chi-tiet"))
    lines = [(line.obligation.regime.code, line.obligation.period_number, line.status) for line in response.context["board"].lines]
    assert lines == [
        (MONTHLY, 2, Status.OVERDUE),
        (MONTHLY, 3, Status.DUE_SOON),
        ("giam-sat-6-thang-xa", 1, Status.NOT_YET_DUE),
        (MONTHLY, 1, Status.LATE),
    ]
    whole = boards.board(user=world["reviewer"], filters=boards.BoardFilters(year=2026, regime=Regime.objects.get(code=MONTHLY)),
                         today=today, page_number=5)
    ranks = [STATUS_ORDER[line.status] for line in whole.lines]
    assert ranks == sorted(ranks)
    assert whole.total == 3 * 103 and whole.page.paginator.num_pages == 7


def test_filter_by_status(client, world):
    response = get(client, world["leader"], board_url(che_do=MONTHLY, trang_thai="gui_muon", xem="chi-tiet"))
    assert [(line.obligation.unit_id, line.obligation.period_number) for line in response.context["board"].lines] == [
        (world["b"].pk, 1)]
    assert response.context["board"].total == 1


def test_query_count_does_not_depend_on_the_number_of_units(client, django_assert_num_queries, world):
    """Obligations of a made-up regime: the nation's board (an admin) and the province's (its reviewer),
    per unit and regime and per obligation, run the same queries for 10 communes as for 103 (Cần Thơ)
    or 400 (the nation)."""
    regime = Regime.objects.get(code=MONTHLY)
    regime.pk, regime.code = None, "thu-nghiem"
    regime.save()
    in_can_tho = communes(world["can_tho"])
    elsewhere = list(AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, admin_map=AdminMap.CURRENT)
                     .exclude(parent=world["can_tho"]).order_by("pk")[:297])
    urls = {"units": board_url(che_do="thu-nghiem"), "detail": board_url(che_do="thu-nghiem", xem="chi-tiet")}

    def add(batch):
        Obligation.objects.bulk_create([
            Obligation(regime=regime, unit=u, year=2026, period_kind=ReportingPeriod.MONTH, period_number=1,
                       due_on=date(2026, 2, 5), cutoff_on=date(2026, 1, 31), expected=3, received=3 if i % 4 == 3 else i % 4,
                       met_at=at(date(2026, 2, 1 + i % 9)) if i % 4 == 3 else None)
            for i, u in enumerate(batch)
        ])

    def queries_and_total(user, url) -> tuple[int, int]:
        client.force_login(user)
        with time_machine.travel(at(TODAY), tick=False):
            client.get(url)  # a first request fills the caches
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
        return len(queries.captured_queries), response.context["board"].total

    add(in_can_tho[:10])
    small = {(name, view): queries_and_total(world[name], url) for name in ("admin", "reviewer") for view, url in urls.items()}
    assert {total for _, total in small.values()} == {10}
    assert small[("admin", "detail")][0] <= 12 and small[("reviewer", "detail")][0] <= 12
    # Per unit: the detail's summary and page, plus the count of rows and the page's units.
    for name in ("admin", "reviewer"):
        assert small[(name, "units")][0] == small[(name, "detail")][0] + 2
    add(in_can_tho[10:] + elsewhere)
    for name, total in (("admin", 400), ("reviewer", 103)):
        client.force_login(world[name])
        for view, url in urls.items():
            with time_machine.travel(at(TODAY), tick=False), django_assert_num_queries(small[(name, view)][0]):
                response = client.get(url)
            board = response.context["board"]
            assert board.total == total, (name, view)
            assert len(board.lines if view == "detail" else board.units) == boards.PER_PAGE


# --- Per unit and regime ------------------------------------------------------------------------


def more_reports(world) -> AdministrativeUnit:
    """February: A sends on time (3/3), B late (8/3), F (the last by name of the others) on time but never
    January; C sends January's missing HN05 late (15/2). Returns F."""
    f = max(communes(world["can_tho"])[5:], key=lambda u: (u.name, u.pk))
    submit_month(world["officer_ct"], world["a"], REVIEW_CODES, date(2026, 3, 3), month=2)
    submit_month(world["officer_ct"], f, REVIEW_CODES, date(2026, 3, 3), month=2)
    submit_month(world["officer_ct"], world["b"], REVIEW_CODES, date(2026, 3, 8), month=2)
    submit_month(world["officer_ct"], world["c"], REVIEW_CODES[2:], date(2026, 2, 15), month=1)
    with time_machine.travel(at(TODAY), tick=False):
        obligations.refresh(year=2026, today=TODAY)
    return f


def by_name(units) -> list[int]:
    return [u.pk for u in sorted(units, key=lambda u: (u.name, u.pk))]


def row_cells(page: str, url: str) -> list[str]:
    """The text of the cells of the board's row linking to `url`."""
    [row] = [tr for tr in re.findall(r'<tr class="unit-regime.*?</tr>', page, re.S) if f'href="{url}"' in tr]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", td)).strip() for td in re.findall(r"<td.*?</td>", row, re.S)]


def test_exact_numbers_per_unit_and_regime_overdue_first(client, world):
    world["f"] = more_reports(world)
    filters = boards.BoardFilters(year=2026, regime=Regime.objects.get(code=MONTHLY), unit=world["can_tho"])
    pages = [board_units.unit_board(user=world["reviewer"], filters=filters, today=TODAY, page_number=n) for n in (1, 2, 3)]
    board = pages[2]
    rows = {row.unit.pk: row for page in pages for row in page.units}
    numbers = {name: (rows[world[name].pk].expected, rows[world[name].pk].on_time, rows[world[name].pk].late,
                      rows[world[name].pk].overdue, rows[world[name].pk].due_soon, rows[world[name].pk].not_yet_due,
                      rows[world[name].pk].rate_text, rows[world[name].pk].timeliness_text, rows[world[name].pk].worst_days)
               for name in ("a", "b", "c", "e", "f")}
    assert numbers == {
        "a": (3, 2, 0, 0, 0, 1, "66,7 %", "66,7 %", None),
        "b": (3, 0, 2, 0, 0, 1, "66,7 %", "0 %", None),
        "c": (3, 0, 1, 1, 0, 1, "33,3 %", "0 %", 5),
        "e": (3, 1, 0, 1, 0, 1, "33,3 %", "33,3 %", 5),  # imported on time in January
        "f": (3, 1, 0, 1, 0, 1, "33,3 %", "33,3 %", 33),
    }
    # Two overdue (January 33 days, February) first, then one overdue: 33 days (F) before 5 days (C, E),
    # then the rest, each by name.
    one = [world["c"], world["e"]]
    none = [world["a"], world["b"]]
    two = [u for u in communes(world["can_tho"]) if u not in one + none + [world["f"]]]
    order = [group["unit"] for group in board_units.unit_groups(user=world["reviewer"], filters=filters, today=TODAY)]
    assert order == by_name(two) + [world["f"].pk] + by_name(one) + by_name(none)
    assert board.total == 103 and board.page.paginator.num_pages == 3
    assert [row.unit.pk for page in pages for row in page.units] == order
    first = pages[0].units[0]
    assert (first.overdue, first.worst_days, first.rate_text) == (2, 33, "0 %")
    d = next(g for g in board_units.unit_groups(user=world["reviewer"], filters=filters, today=TODAY)
             if g["unit"] == world["d"].pk)
    assert (d["expected"], d["overdue"], d["oldest_overdue"]) == (3, 2, date(2026, 2, 5))  # illustrative: not sent

    page = "".join(main(get(client, world["reviewer"], board_url(che_do=MONTHLY, dia_ban=world["can_tho"].pk, trang=n)))
                   for n in (2, 3))
    a_url = f"{reverse('reporting_unit', args=[world['a'].pk])}?nam=2026"
    c_url = f"{reverse('reporting_unit', args=[world['c'].pk])}?nam=2026"
    regime_name = Regime.objects.get(code=MONTHLY).name
    assert row_cells(page, a_url) == [f"{world['a'].name} {world['can_tho'].name}", regime_name,
                                      "3", "2", "0", "0", "0", "1", "66,7 %", "66,7 %", "–", "Còn thiếu gì"]
    assert row_cells(page, c_url)[2:11] == ["3", "0", "1", "1", "0", "1", "33,3 %", "0 %", "5"]
    assert page.index(c_url) < page.index(a_url)


def test_per_unit_rows_due_soon_come_after_overdue_and_before_the_rest(world):
    """30/3: March's results (due 5/4) are due soon; A and B owe nothing else, so they come after every
    unit with an overdue report and before the rest (the 6-month reports, the province's own)."""
    more_reports(world)
    today = date(2026, 3, 30)
    filters = boards.BoardFilters(year=2026, unit=world["can_tho"])
    groups = list(board_units.unit_groups(user=world["reviewer"], filters=filters, today=today))
    names = {u.pk: u.name for u in AdministrativeUnit.objects.filter(pk__in={g["unit"] for g in groups})}
    tiers = [g["tier"] for g in groups]
    assert tiers == sorted(tiers) and set(tiers) == {0, 1, 2}
    assert [(g["unit"], g["regime__code"]) for g in groups if g["tier"] == 1] == [
        (pk, MONTHLY) for pk in by_name([world["a"], world["b"]])]
    assert all(g["due_soon"] > 0 and g["overdue"] == 0 for g in groups if g["tier"] == 1)
    assert all(g["overdue"] == g["due_soon"] == 0 for g in groups if g["tier"] == 2)
    overdue = [g for g in groups if g["tier"] == 0]
    assert overdue == sorted(overdue, key=lambda g: (-g["overdue"], g["oldest_overdue"], names[g["unit"]], g["unit"],
                                                      g["regime__code"]))
    rest = [g for g in groups if g["tier"] == 2]
    assert rest == sorted(rest, key=lambda g: (names[g["unit"]], g["unit"], g["regime__code"]))
    assert {g["regime__code"] for g in rest} >= {"giam-sat-6-thang-xa", "giam-sat-6-thang-tinh"}
    c = next(g for g in overdue if g["unit"] == world["c"].pk and g["regime__code"] == MONTHLY)
    assert (c["late"], c["overdue"], c["due_soon"], c["oldest_overdue"]) == (1, 1, 1, date(2026, 3, 5))


def test_the_status_filter_keeps_the_units_having_one(client, world):
    more_reports(world)
    response = get(client, world["leader"], board_url(che_do=MONTHLY, trang_thai="qua_han"))
    board = response.context["board"]
    assert board.total == 101 and board.page.paginator.num_pages == 3  # all but A and B (F owes January)
    assert all(row.overdue > 0 for row in board.units)
    late = get(client, world["leader"], board_url(che_do=MONTHLY, trang_thai="gui_muon")).context["board"]
    assert late.total == 2
    # The rows still count every obligation of the unit and regime, not only the late ones.
    assert {row.unit.pk: (row.expected, row.late, row.overdue) for row in late.units} == {
        world["c"].pk: (3, 1, 1), world["b"].pk: (3, 2, 0)}
    assert [row.unit.pk for row in late.units] == [world["c"].pk, world["b"].pk]  # the overdue one first
    soon = get(client, world["leader"], board_url(che_do=MONTHLY, trang_thai="sap_den_han"))
    assert soon.context["board"].total == 0 and "Không có đơn vị nào." in main(soon)


def test_the_toggle_between_units_and_each_period(client, world):
    page = main(get(client, world["reviewer"], board_url(che_do=MONTHLY)))
    assert 'href="?nam=2026&amp;che_do=ra-soat-thuong-xuyen-xa&amp;xem=chi-tiet#tung-ky"' in page
    assert "Xem từng kỳ" in page and 'id="don-vi"' in page and 'id="tung-ky"' not in page
    response = get(client, world["reviewer"], board_url(che_do=MONTHLY, xem="chi-tiet"))
    board, detail = response.context["board"], main(response)
    assert board.units == [] and len(board.lines) == boards.PER_PAGE and board.total == 3 * 103
    assert 'href="?nam=2026&amp;che_do=ra-soat-thuong-xuyen-xa#don-vi"' in detail
    assert 'id="tung-ky"' in detail and 'id="don-vi"' not in detail
    assert "xem=chi-tiet&amp;trang=2" in detail  # the pager keeps the view
    assert '<input type="hidden" name="xem" value="chi-tiet">' in detail  # and so does the filter form


# --- Drill-down ---------------------------------------------------------------------------------


def test_the_drill_down_lists_the_exact_missing_indicators(client, world):
    response = get(client, world["reviewer"], f"{reverse('reporting_unit', args=[world['c'].pk])}?nam=2026")
    missing = {(line.obligation.regime.code, line.obligation.period_number): [item.code for item in line.missing]
               for line in response.context["lines"]}
    assert missing[(MONTHLY, 1)] == ["HN05"]
    assert missing[(MONTHLY, 2)] == REVIEW_CODES
    assert missing[("giam-sat-6-thang-xa", 1)] == ["GN01", "GN03"]
    d_lines = boards.unit_lines(user=world["reviewer"], unit=world["d"], year=2026, today=TODAY)
    assert [item.code for item in next(line for line in d_lines if line.obligation.period_number == 1
                                        and line.obligation.regime.code == MONTHLY).missing] == REVIEW_CODES


def test_the_drill_down_links_to_the_entry_page_and_lists_unreported_tasks(world):
    """Hậu Giang in 2024 (before the merger): its annual monitoring report lacks GN01–GN03; GN01 has a
    target of KH 18 to enter it on. Cần Thơ's task reports list each lead agency's unreported tasks."""
    annual = Regime.objects.get(code="giam-sat-nam-tinh")
    obligations.refresh(year=2024, regimes=[annual], today=TODAY)
    hau_giang = unit("93")
    [line] = boards.unit_lines(user=world["reviewer"], unit=hau_giang, year=2024, today=TODAY)
    assert [item.code for item in line.missing] == ["GN01", "GN02", "GN03"]
    targets = {}  # the first target of each indicator covering 2024
    for target in Target.objects.filter(territory=hau_giang, breakdown="", start_year__lte=2024, end_year__gte=2024
                                        ).select_related("indicator").order_by("pk"):
        targets.setdefault(target.indicator.code, target)
    for item in line.missing:
        if item.code in targets:
            assert item.url.startswith(reverse("actual_entry", args=[targets[item.code].pk]) + "?nam=2024&ky=nam")
        else:
            assert item.url == ""
    assert any(item.url for item in line.missing)

    task_lines = [line for line in boards.unit_lines(user=world["reviewer"], unit=world["can_tho"], year=2026, today=TODAY)
                  if line.obligation.regime.code == "nhiem-vu-nam-tinh"]
    assert task_lines
    for task_line in task_lines:
        owed = Task.objects.filter(document__territory=unit("93"), lead_agency=task_line.obligation.agency,
                                   recurrence__in=["yearly", "continuous"])
        assert len(task_line.missing) == owed.count() == task_line.obligation.expected
        assert all(item.url.startswith("/nhiem-vu/") and "co_quan=" in item.url for item in task_line.missing)
    line = task_lines[0]
    task = Task.objects.filter(document__territory=unit("93"), lead_agency=line.obligation.agency,
                               recurrence__in=["yearly", "continuous"]).order_by("pk").first()
    TaskReport.objects.create(task=task, agency=task.lead_agency, year=2026, progress="in_progress", percent_done=50,
                              narrative="Đã tổ chức 12 lớp tập huấn.", status=ReviewStatus.SUBMITTED,
                              submitted_at=at(date(2026, 3, 2)))
    again = next(x for x in boards.unit_lines(user=world["reviewer"], unit=world["can_tho"], year=2026, today=TODAY)
                 if x.obligation.pk == line.obligation.pk)
    assert len(again.missing) == len(line.missing) - 1


# --- Việc của tôi, the leader's dashboard, the regimes ------------------------------------------


def test_my_work_shows_the_officers_reports_overdue_first_with_days_left(client, world):
    response = get(client, world["officer_c"], f"{reverse('my_work')}?nam=2026")
    reports = response.context["due_reports"]
    assert [(r.obligation.regime.code, r.obligation.period_number, r.days_text) for r in reports] == [
        (MONTHLY, 1, "quá hạn 33 ngày"),
        (MONTHLY, 2, "quá hạn 5 ngày"),
        (MONTHLY, 3, "còn 26 ngày"),
        ("giam-sat-6-thang-xa", 1, "còn 133 ngày"),
    ]
    section = main(response).split('id="bao-cao-den-han"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"quá hạn \d+ ngày|còn \d+ ngày", section) == ["quá hạn 33 ngày", "quá hạn 5 ngày", "còn 26 ngày",
                                                                      "còn 133 ngày"]
    assert "2/3" in section  # January: two of the three results sent
    assert f"{reverse('my_work')}?nam=2026&amp;ky=th1#chi-tieu" in section
    # Commune A sent January on time: only February on are left; a leader owes nothing.
    officer_a = make_user("canbo.a", Role.OFFICER, (world["a"].code, AdminMap.CURRENT))
    assert [r.obligation.period_number for r in worklist.due_reports(officer_a, 2026, TODAY)
            if r.obligation.regime.code == MONTHLY] == [2, 3]
    assert worklist.due_reports(world["leader"], 2026, TODAY) == []
    assert 'id="bao-cao-den-han"' not in main(get(client, world["leader"], reverse("my_work")))


def test_the_leader_dashboard_shows_the_overdue_count(client, world):
    response = get(client, world["leader"], f"{reverse('dashboard')}?nam=2026&dia_ban={world['can_tho'].pk}")
    assert response.context["board"].overdue_reports == 100 + 103  # January's 100 open, February's 103
    page = main(response)
    assert "203 báo cáo quá hạn" in page
    assert f"{reverse('reporting_board')}?nam=2026&amp;dia_ban={world['can_tho'].pk}&amp;trang_thai=qua_han" in page
    officer_page = main(get(client, world["officer_ct"], f"{reverse('dashboard')}?nam=2026"))
    assert "báo cáo quá hạn" not in officer_page


def test_the_regimes_in_words(client, world):
    superuser = make_user("sieu")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    response = get(client, superuser, reverse("reporting_regimes"))
    rows = {row.regime.code: row for row in response.context["rows"]}
    assert rows["giam-sat-6-thang-tinh"].deadline == "trước 01/6"
    assert rows["giam-sat-nam-tinh"].deadline == "trước 01/12"
    assert rows[MONTHLY].deadline == "ngày 05 tháng sau"
    assert rows["giam-sat-6-thang-xa"].deadline == "15 ngày làm việc sau kỳ"
    assert rows[MONTHLY].cutoff == "cuối kỳ" and rows[MONTHLY].lock == "20 ngày sau ngày chốt"
    assert rows["ra-soat-so-bo-tinh"].lock == "không khóa"
    assert rows[MONTHLY].frequency == "Hằng tháng (kỳ 1-8)"
    page = main(response)
    assert "Sở Nông nghiệp và Môi trường" in page
    assert reverse("admin:reporting_regime_change", args=[rows[MONTHLY].regime.pk]) in page
    assert reverse("admin:reporting_regime_change", args=[rows[MONTHLY].regime.pk]) not in main(
        get(client, world["reviewer"], reverse("reporting_regimes")))

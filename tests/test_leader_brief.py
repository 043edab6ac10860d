"""The leader's brief (issue 17, item 3): one printable A4 page of a territory whose numbers are the
dashboard's (headline rate against the path, targets by status, the worst five, overdue tasks and
reports), opened under the dashboard's access, in a number of queries that does not grow with units,
and printed on one A4 page for the nation and for Cần Thơ."""

import io
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
from django.utils.text import Truncator
from pypdf import PdfReader

from dashboards.judging import SEVERITY
from dashboards.links import PageOptions
from indicators import rollups, services
from indicators.evaluation import EvaluationStatus
from indicators.models import Actual, Indicator
from plans.models import AdministrativeUnit, AdminMap, Role
from plans.text import format_number
from reporting import obligations
from reports.brief import leader_brief, worst_targets
from review.models import ReviewStatus
from tests.browser import SCREENSHOTS, browser, browsing, log_in, overflow, screenshot  # noqa: F401 (fixtures)
from tests.conftest import make_user, unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 3, 10)
AT = datetime(2026, 3, 10, 9, tzinfo=VN)


def nation() -> AdministrativeUnit:
    return unit("VN", AdminMap.STATISTICAL)


def can_tho() -> AdministrativeUnit:
    return unit("92", AdminMap.CURRENT)


def approved(indicator_code: str, place: AdministrativeUnit, figures: dict[int, str]) -> None:
    """Entered, submitted and approved through the services, as the pages do."""
    officer = make_user(f"canbo.{place.code}", Role.OFFICER, (place.code, place.admin_map))
    reviewer = make_user(f"duyet.{place.code}", Role.REVIEWER, (place.code, place.admin_map))
    indicator = Indicator.objects.get(code=indicator_code)
    for year, value in figures.items():
        actual = services.save_actual(user=officer, indicator=indicator, unit=place, year=year, value=Decimal(value))
        services.approve_actual(user=reviewer, actual=services.submit_actual(user=officer, actual=actual))


def demo_data(year_to: int = 2026) -> None:
    """Cần Thơ's own figures through the services, the illustrative generator for the rest (with its
    task reports), the reporting regimes and the year's obligations."""
    approved("GN01", can_tho(), {2025: "3.0", 2026: "2.5"})  # before the regimes' locks are loaded
    call_command("generate_illustrative_actuals", "--indicators", "GN01,GN03,GN07", "--from-year", "2020",
                 "--to-year", str(year_to), "--no-communes", verbosity=0)
    call_command("load_standards", verbosity=0)
    call_command("load_reporting_data", verbosity=0)


def flat(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html))


def both(client, user, place, year: int):
    """The dashboard's board and the brief for the same user, unit and year, on TODAY."""
    query = f"?nam={year}&dia_ban={place.pk}"
    with time_machine.travel(AT, tick=False):
        client.force_login(user)
        dashboard = client.get(reverse("dashboard") + query)
        response = client.get(reverse("leader_brief") + query)
    assert response.status_code == 200
    assert f'{reverse("leader_brief")}?nam={year}&amp;dia_ban={place.pk}' in dashboard.content.decode()
    return dashboard.context["board"], response.context["brief"], flat(response.content.decode().split("<main>", 1)[1])


def same_numbers(board, brief, page: str) -> None:
    # Counted by status: the dashboard's groups, one status at a time.
    by_status = {item.status: item.count for item in brief.statuses}
    assert list(by_status) == list(SEVERITY)
    for status in by_status:
        assert by_status[status] == sum(1 for g in board.groups for row in g.rows if row.status == status)
        assert f'eval-{status}">{status.label}</span></td><td class="num"><strong>{by_status[status]}</strong>' in page
    assert sum(by_status.values()) == brief.target_count == board.count
    # Overdue tasks: the dashboard's count and its first five, in its order, with agency and due date.
    assert brief.overdue_task_count == board.overdue_tasks == len(board.tasks.overdue)
    assert [s.task.pk for s in brief.overdue_tasks] == [s.task.pk for s in board.tasks.overdue[:5]]
    assert page.count('id="task-') == min(board.overdue_tasks, 5)
    for item in brief.overdue_tasks:
        row = page.split(f'id="task-{item.task.pk}"', 1)[1].split("</tr>", 1)[0]
        agency = Truncator(item.owner.name).chars(70) if item.owner else "—"  # long names cut to fit the page
        assert item.due.strftime("%d/%m/%Y") in row and f"<td>{agency}</td>" in row
    assert f"{format_number(board.overdue_tasks)} nhiệm vụ</p>" in page
    if board.overdue_tasks > 5:
        assert f"và {format_number(board.overdue_tasks - 5)} nhiệm vụ quá hạn khác." in page
    # Overdue reports: the dashboard's count, the first five by days overdue.
    assert brief.overdue_report_count == board.overdue_reports
    assert page.count('id="obligation-') == len(brief.overdue_reports) == min(board.overdue_reports, 5)
    days = [line.days for line in brief.overdue_reports]
    assert days == sorted(days) and all(d < 0 for d in days)  # most days overdue first
    assert f"{format_number(board.overdue_reports)} báo cáo</p>" in page
    if board.overdue_reports > 5:
        assert f"và {format_number(board.overdue_reports - 5)} báo cáo quá hạn khác." in page


def test_the_brief_of_can_tho_shows_the_dashboards_numbers(client, db):
    """Cần Thơ on 10/3/2026, year 2026: the headline rate off track against Hậu Giang's 2026–2030 path,
    the communes' monthly reviews of January and February overdue."""
    demo_data()
    with time_machine.travel(AT, tick=False):
        obligations.refresh(year=2026, today=TODAY)
    leader = make_user("lanhdao.ct", Role.LEADER, ("92", AdminMap.CURRENT))
    board, brief, page = both(client, leader, can_tho(), 2026)
    headline = brief.headline
    assert (headline.status.target.code, headline.year, headline.value) == ("II.2.b.2", 2026, Decimal("2.5"))
    assert (headline.path.year, headline.path.low) == (board.headline.path.year, board.headline.path.low) == (2026, Decimal("2.0"))
    assert headline.status.status == board.headline.status.status == EvaluationStatus.OFF_TRACK
    assert "2,5% <small>năm 2026</small>" in page and "Lộ trình chỉ tiêu năm 2026: <strong>2%</strong>" in page
    assert brief.overdue_report_count == 206 and "và 201 báo cáo quá hạn khác." in page
    same_numbers(board, brief, page)


def test_the_brief_of_the_nation_shows_the_dashboards_numbers(client, db):
    """The nation on 10/3/2026, year 2025: the tasks due by the end of 2025 and not reported are overdue."""
    demo_data(year_to=2025)
    with time_machine.travel(AT, tick=False):
        obligations.refresh(year=2025, today=TODAY)
    leader = make_user("lanhdao", Role.LEADER)
    board, brief, page = both(client, leader, nation(), 2025)
    print(f"\nnation 2025: {board.count} targets, {board.overdue_tasks} tasks, {board.overdue_reports} reports overdue")
    assert board.overdue_tasks > 5 and board.overdue_reports > 5 and board.count > 20
    assert page.count('id="worst-') == 5
    same_numbers(board, brief, page)


def test_the_worst_five_are_the_worst_statuses_then_the_largest_gaps(db):
    """The nation on the illustrative figures: worst status first, then the largest gap; none left out is worse."""
    demo_data(year_to=2025)
    leader = make_user("lanhdao", Role.LEADER)
    brief = leader_brief(user=leader, unit=nation(), options=PageOptions(year=2026))
    judged = [row for g in brief.board.groups for row in g.rows if row.status != EvaluationStatus.NO_DATA]
    assert len(judged) > 5 and len(brief.worst) == 5
    keys = [(w.row.severity, -(w.gap if w.gap is not None else Decimal("-Infinity"))) for w in brief.worst]
    assert keys == sorted(keys)
    # No target left out is worse than the fifth.
    fifth = keys[-1]
    chosen = {w.row.target.pk for w in brief.worst}
    for w in worst_targets(judged, limit=len(judged)):
        if w.row.target.pk not in chosen:
            assert (w.row.severity, -(w.gap if w.gap is not None else Decimal("-Infinity"))) >= fifth
    # The gap is the shortfall against the path in the figure's year, as a share of the path value.
    for w in brief.worst:
        if w.gap is not None and w.row.target.indicator.direction == "lower":
            assert w.gap == (w.value - w.path.high) / abs(w.path.high)
    print("\nworst five:", [(w.row.target.document.reference, w.row.target.code, w.row.status, w.gap) for w in brief.worst])


def test_worst_targets_order_a_missed_target_before_a_larger_gap_off_track(db):
    """Hậu Giang's poverty-rate targets on figures made to miss: the worst status wins over the gap."""
    leader = make_user("lanhdao", Role.LEADER)
    approved("GN01", unit("93"), {2020: "5.0", 2021: "4.9", 2022: "4.9", 2023: "4.9", 2024: "4.9"})
    brief = leader_brief(user=leader, unit=unit("93"), options=PageOptions(year=2026))
    statuses = [w.row.status for w in brief.worst]
    assert statuses == sorted(statuses, key=lambda s: SEVERITY[s])
    assert statuses[0] in (EvaluationStatus.MISSED, EvaluationStatus.OFF_TRACK)
    gaps = [w.gap for w in brief.worst if w.row.status == statuses[0] and w.gap is not None]
    assert gaps == sorted(gaps, reverse=True)


def test_the_brief_refuses_as_the_dashboard_does(client, personas):
    hue_leader = make_user("lanhdao.hue", Role.LEADER, ("46", AdminMap.CURRENT))
    client.force_login(hue_leader)
    for name in ("dashboard", "leader_brief"):
        assert client.get(f"{reverse(name)}?dia_ban={can_tho().pk}").status_code == 404, name
        response = client.get(reverse(name))  # no territory asked: Huế
        assert response.status_code == 200 and "Thành phố Huế" in response.content.decode().split("<h1>", 1)[1].split("</h1>")[0]
        assert client.get(f"{reverse(name)}?dia_ban=abc").status_code == 200  # not a number: ignored, as the dashboard
    client.force_login(personas.outsider)
    assert client.get(reverse("leader_brief")).status_code == client.get(reverse("dashboard")).status_code == 403
    client.logout()
    response = client.get(reverse("leader_brief"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_brief_runs_the_same_queries_for_the_nation_and_a_province_with_or_without_communes(client, db):
    demo_data()
    with time_machine.travel(AT, tick=False):
        obligations.refresh(year=2026, today=TODAY)
    leader = make_user("lanhdao", Role.LEADER)
    client.force_login(leader)

    def count(place) -> int:
        with time_machine.travel(AT, tick=False), CaptureQueriesContext(connection) as queries:
            response = client.get(f"{reverse('leader_brief')}?nam=2026&dia_ban={place.pk}")
        assert response.status_code == 200
        return len(queries)

    count(nation())  # the user's reach, read once
    sizes = {"nation": count(nation())}
    for code in ("12", "92"):  # Lai Châu (no target of its own), Cần Thơ (103 communes, its targets)
        place = unit(code, AdminMap.CURRENT)
        before = count(place)
        Actual.objects.bulk_create([
            Actual(indicator=Indicator.objects.get(code="GN01"), unit=c, year=2026, status=ReviewStatus.APPROVED,
                   value=Decimal("4.5")) for c in place.children.all()
        ])
        rollups.refresh_yearly_values(indicator_ids=[Indicator.objects.get(code="GN01").pk])
        assert count(place) == before, code  # every commune with a figure: no more queries
        sizes[code] = before
    print("\nqueries:", sizes)
    assert max(sizes.values()) <= 30


# --- Printed, as a person holds it ------------------------------------------------------------------


@pytest.mark.usefixtures("committed_country")
def test_the_brief_prints_on_one_a4_page_for_the_nation_and_for_can_tho(browsing):
    demo_data()
    obligations.refresh(year=2025)
    obligations.refresh(year=2026)
    make_user("lanhdao.tomtat", Role.LEADER)
    page = browsing.new_page()
    log_in(page, "lanhdao.tomtat")
    # The nation in 2025 has more than five overdue tasks with long agency names: the longest page.
    for name, place, year, worst, tasks in (("nation", nation(), 2026, 5, None), ("nation-2025", nation(), 2025, 5, 5),
                                            ("can-tho", can_tho(), 2026, 2, 0)):  # Cần Thơ: two targets judged
        page.goto(f"/bao-cao/tom-tat/?nam={year}&dia_ban={place.pk}")
        assert page.locator("table.brief-worst tbody tr").count() == worst
        if tasks is not None:  # the nation's 2026 tasks depend on today's date
            assert page.locator("table.brief-tasks tbody tr").count() == tasks
        assert page.locator("table.brief-reports tbody tr").count() == 5
        screenshot(page, f"brief-{name}-desktop")
        page.emulate_media(media="print")
        assert not page.locator("header.topbar").is_visible() and not page.locator("form.filters").is_visible()
        pdf = page.pdf(format="A4", print_background=True)  # under the print media (emulating "screen" would print that)
        page.emulate_media(media="screen")
        (SCREENSHOTS / f"brief-{name}.pdf").write_bytes(pdf)
        assert len(PdfReader(io.BytesIO(pdf)).pages) == 1, name
    phone = browsing.new_page(viewport={"width": 390, "height": 844})
    log_in(phone, "lanhdao.tomtat")
    phone.goto(f"/bao-cao/tom-tat/?nam=2026&dia_ban={can_tho().pk}")
    screenshot(phone, "brief-can-tho-phone")
    assert overflow(phone) <= 0

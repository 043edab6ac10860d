"""The dashboard at a glance (issue 17, item 4): the units' points loaded with the map, the tiles
(poverty rate against the target path, targets by status, overdue tasks and reports) and the dot map
of the provinces (34 or 63) or of a province's communes, coloured by status or rate, drilling down."""

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

from dashboards import map as dot_map
from dashboards.charts import STATUS_COLOURS
from dashboards.links import PageOptions
from dashboards.overview import leader_dashboard
from dashboards.tasks import TaskCategory
from indicators import rollups, services
from indicators.evaluation import EvaluationStatus
from indicators.models import Actual, Indicator, Target
from plans.country_map import load_country_map
from plans.models import AdministrativeUnit, AdminMap, Role, UnitLevel
from reporting import boards, obligations
from review.models import ReviewStatus
from tests.browser import browser, browsing, log_in, plot_data, screenshot  # noqa: F401 (fixtures)
from tests.conftest import make_user, unit

U = AdministrativeUnit
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def located(admin_map: str, level: int) -> tuple[int, int]:
    units = U.objects.filter(admin_map=admin_map, level=level)
    return units.filter(latitude__isnull=False, longitude__isnull=False).count(), units.count()


def dots(figure) -> int:
    return sum(len(trace.x) for trace in figure.data)


def nation() -> AdministrativeUnit:
    return unit("VN", AdminMap.STATISTICAL)


def the_map(user, place, year: int, colour_by=dot_map.BY_STATUS, target="auto"):
    options = PageOptions(year=year)
    if target == "auto":
        board = leader_dashboard(user=user, unit=place, options=options)
        own = board.headline.status.target if board.headline else None
        target = dot_map.headline_target(user=user, unit=place, year=year, own=own)
    return dot_map.unit_map(user=user, unit=place, options=options, target=target, colour_by=colour_by)


# --- The points ------------------------------------------------------------------------------------


def test_every_province_and_almost_every_commune_has_a_point(db):
    counts = {(m, level): located(m, level) for m in (AdminMap.CURRENT, AdminMap.LEGACY)
              for level in (UnitLevel.PROVINCE, UnitLevel.COMMUNE)}
    print("\nunits with a point (with, of):", {f"{m}/{UnitLevel(level).name}": n for (m, level), n in counts.items()})
    assert counts[(AdminMap.CURRENT, UnitLevel.PROVINCE)] == (34, 34)
    assert counts[(AdminMap.LEGACY, UnitLevel.PROVINCE)] == (63, 63)
    with_point, communes = counts[(AdminMap.CURRENT, UnitLevel.COMMUNE)]
    assert communes == 3321 and with_point >= 0.95 * communes
    with_point, communes = counts[(AdminMap.LEGACY, UnitLevel.COMMUNE)]
    assert communes == 10035 and with_point >= 0.95 * communes
    # Regions, the nation and the legacy districts have none; every point lies in Viet Nam.
    assert not U.objects.filter(level__in=(UnitLevel.NATION, UnitLevel.REGION, UnitLevel.DISTRICT),
                                latitude__isnull=False).exists()
    assert not U.objects.exclude(latitude__isnull=True).exclude(latitude__range=(8, 24), longitude__range=(102, 118)).exists()
    can_tho = unit("92", AdminMap.CURRENT)
    assert (can_tho.latitude, can_tho.longitude) == (Decimal("9.74372"), Decimal("105.75700"))  # vietnamadminunits 1.0.4


def test_a_reload_puts_lost_points_back_and_a_second_one_writes_nothing(db):
    lost = U.objects.filter(admin_map=AdminMap.CURRENT, parent__code="92").order_by("code")[:5]
    lost_ids = [u.pk for u in lost]
    U.objects.filter(pk__in=lost_ids).update(latitude=None, longitude=None)
    result = load_country_map()
    assert (result.units_created, result.units_updated) == (0, 5)
    assert result.points[(AdminMap.CURRENT, UnitLevel.COMMUNE)] == 3321
    assert "34-province map 34/34 provinces, 3321/3321 communes" in result.summary()
    assert not U.objects.filter(pk__in=lost_ids, latitude__isnull=True).exists()
    assert load_country_map().units_updated == 0


# --- The map ---------------------------------------------------------------------------------------


def test_the_nation_shows_the_provinces_of_the_map_in_force(personas):
    assert dots(dot_map.map_figure(the_map(personas.leader, nation(), 2026))) == 34
    assert dots(dot_map.map_figure(the_map(personas.leader, nation(), 2024))) == 63
    figure = dot_map.map_figure(the_map(personas.leader, nation(), 2026))
    assert figure.layout.yaxis.scaleanchor == "x" and not figure.layout.xaxis.visible
    assert {trace.type for trace in figure.data} == {"scatter"}


def test_can_tho_shows_its_communes_and_a_click_opens_their_dashboard(personas):
    can_tho = unit("92", AdminMap.CURRENT)
    units_map = the_map(personas.leader, can_tho, 2026)
    communes = set(U.objects.filter(parent=can_tho, level=UnitLevel.COMMUNE).values_list("pk", flat=True))
    assert len(communes) == 103 and {d.unit_id for d in units_map.dots} == communes
    figure = dot_map.map_figure(units_map)
    assert dots(figure) == 103
    links = [url for trace in figure.data for url in trace.customdata]
    first = min(communes)
    assert f"{reverse('dashboard')}?nam=2026&dia_ban={first}&mau=trang_thai" in links
    html = dot_map.map_html(units_map)
    assert "plotly_click" in html and "window.location.href = url" in html
    # The legacy Cần Thơ (63 map, no districts' points) draws the communes under its districts.
    old = the_map(personas.leader, unit("92"), 2024)
    assert len(old.dots) == U.objects.filter(parent__parent=unit("92"), level=UnitLevel.COMMUNE).count() > 50


def approved(indicator_code: str, place: AdministrativeUnit, figures: dict[int, str]) -> None:
    """Entered, submitted and approved through the services, as the pages do."""
    officer = make_user(f"canbo.{place.code}", Role.OFFICER, (place.code, place.admin_map))
    reviewer = make_user(f"duyet.{place.code}", Role.REVIEWER, (place.code, place.admin_map))
    indicator = Indicator.objects.get(code=indicator_code)
    for year, value in figures.items():
        actual = services.save_actual(user=officer, indicator=indicator, unit=place, year=year, value=Decimal(value))
        services.approve_actual(user=reviewer, actual=services.submit_actual(user=officer, actual=actual))


def test_dots_are_coloured_by_the_status_against_the_national_target_or_by_rate(personas):
    # MT.1 (05-CT/TW): the rate falls by 1–1,5 points a year, 2021–2030.
    lai_chau, ha_noi = unit("12", AdminMap.CURRENT), unit("01", AdminMap.CURRENT)
    approved("GN01", lai_chau, {2025: "12.0", 2026: "10.0"})  # 2 points in a year, ahead of the path: on track
    approved("GN01", ha_noi, {2025: "1.0", 2026: "0.9"})  # 0,1 point: off track
    units_map = the_map(personas.leader, nation(), 2026)
    assert units_map.target == Target.objects.get(document__issuer__code="tw-bbt", code="MT.1")
    by_unit = {d.unit_id: d for d in units_map.dots}
    expected = {lai_chau.pk: EvaluationStatus.ON_TRACK, ha_noi.pk: EvaluationStatus.OFF_TRACK}
    assert {pk: by_unit[pk].status for pk in expected} == expected
    figure = dot_map.map_figure(units_map)
    colour_of = {url: trace.marker.color for trace in figure.data for url in trace.customdata}
    for pk, status in expected.items():
        assert colour_of[by_unit[pk].url] == STATUS_COLOURS[status]
    no_data = next(t for t in figure.data if t.name.startswith("Chưa có số liệu"))
    assert no_data.name == "Chưa có số liệu (32)" and no_data.marker.color == STATUS_COLOURS[EvaluationStatus.NO_DATA]
    hover = dict(zip((u for t in figure.data for u in t.customdata), (h for t in figure.data for h in t.text)))
    assert hover[by_unit[ha_noi.pk].url] == "<b>Thành phố Hà Nội</b><br>2026: 0,9%<br>Chậm tiến độ"

    rate = dot_map.map_figure(the_map(personas.leader, nation(), 2026, colour_by=dot_map.BY_RATE))
    coloured = rate.data[0]
    assert sorted(coloured.marker.color) == [0.9, 10.0] and coloured.marker.showscale
    assert rate.data[1].name == "Chưa có số liệu" and len(rate.data[1].x) == 32


def test_the_map_runs_the_same_queries_for_the_nation_and_a_province(personas):
    can_tho = unit("92", AdminMap.CURRENT)
    target = Target.objects.select_related("indicator", "document").get(document__issuer__code="tw-bbt", code="MT.1")

    def count(place) -> int:
        with CaptureQueriesContext(connection) as queries:
            units_map = the_map(personas.leader, place, 2026, target=target)
        return len(queries), len(units_map.dots)

    count(nation())  # the user's reach, read once per request
    assert count(nation()) == (2, 34)  # the units with their point, their figures
    assert count(can_tho) == (2, 103)


def test_the_dashboard_view_runs_the_same_queries_for_the_nation_and_a_province(client, personas):
    client.force_login(personas.leader)

    def count(place) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{reverse('dashboard')}?nam=2026&dia_ban={place.pk}")
        assert response.status_code == 200 and 'class="chart map"' in response.content.decode()
        return len(queries)

    lai_chau = unit("12", AdminMap.CURRENT)
    provinces = count(nation())
    communes = count(lai_chau)
    Actual.objects.bulk_create([
        Actual(indicator=Indicator.objects.get(code="GN01"), unit=c, year=2026, status=ReviewStatus.APPROVED,
               value=Decimal("4.5")) for c in lai_chau.children.all()
    ])
    rollups.refresh_yearly_values(indicator_ids=[Indicator.objects.get(code="GN01").pk])
    assert count(lai_chau) == communes
    assert provinces <= 25 and communes <= 25


# --- The tiles -------------------------------------------------------------------------------------


TODAY = date(2026, 3, 10)


def test_the_tiles_show_the_rate_against_the_path_the_targets_tasks_and_reports(client, personas):
    """Cần Thơ on 10/3/2026: Hậu Giang's 2026–2030 target (II.2.b.2, at least 1 point a year less) judged
    on Cần Thơ's figures; the communes' monthly reviews of January and February overdue (none sent)."""
    can_tho = unit("92", AdminMap.CURRENT)
    approved("GN01", can_tho, {2025: "3.0", 2026: "2.5"})  # before the regimes' locks are loaded
    call_command("load_standards", verbosity=0)
    call_command("load_reporting_data", verbosity=0)
    at = datetime(2026, 3, 10, 9, tzinfo=VN)
    with time_machine.travel(at, tick=False):
        obligations.refresh(year=2026, today=TODAY)
        leader = make_user("lanhdao.ct", Role.LEADER, ("92", AdminMap.CURRENT))
        client.force_login(leader)
        response = client.get(f"{reverse('dashboard')}?nam=2026&dia_ban={can_tho.pk}")
    board = response.context["board"]
    tiles = response.content.decode().split('class="tiles"', 1)[1].split("</section>", 1)[0]
    tiles = re.sub(r"\s+", " ", tiles)

    headline = board.headline
    assert headline.status.target == Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.b.2")
    assert (headline.year, headline.value) == (2026, Decimal("2.5"))
    assert (headline.path.year, headline.path.low) == (2026, Decimal("2.0"))  # 3,0 in 2025, one point a year less
    assert "2,5% <small>năm 2026</small>" in tiles
    assert "Lộ trình chỉ tiêu năm 2026: <strong>2%</strong>" in tiles
    assert f'eval-{headline.status.status}">{headline.status.status.label}' in tiles
    assert headline.status.status == EvaluationStatus.OFF_TRACK

    counts = [len(g.rows) for g in board.groups]
    assert sum(counts) == board.count > 0
    for group, n in zip(board.groups, counts):
        assert f'href="#{group.key}"><strong>{n}</strong>' in tiles

    overdue_tasks = sum(1 for s in board.tasks.statuses if s.category == TaskCategory.OVERDUE)
    assert overdue_tasks == len(board.tasks.overdue) == board.overdue_tasks
    assert f"{overdue_tasks} nhiệm vụ quá hạn" in tiles

    with time_machine.travel(at, tick=False):
        overdue = boards.overdue_count(user=leader, unit=can_tho, year=2026, today=TODAY)
    assert overdue == board.overdue_reports == 2 * 103  # January and February, each of the 103 communes
    assert "206 báo cáo quá hạn" in tiles
    assert f"{reverse('reporting_board')}?nam=2026&amp;dia_ban={can_tho.pk}&amp;trang_thai=qua_han" in tiles


def test_a_territory_without_a_target_shows_its_latest_figure(client, personas):
    lai_chau = unit("12", AdminMap.CURRENT)
    approved("GN01", lai_chau, {2025: "12.3"})
    client.force_login(personas.leader)
    response = client.get(f"{reverse('dashboard')}?nam=2026&dia_ban={lai_chau.pk}&mau=ty_le")
    tiles = response.content.decode().split('class="tiles"', 1)[1].split("</section>", 1)[0]
    assert response.context["board"].headline is None
    assert "12,3% <small>năm 2025</small>" in tiles and "Địa bàn chưa có chỉ tiêu về tỷ lệ hộ nghèo." in tiles
    assert '<option value="ty_le" selected>' in response.content.decode()


# --- As a person sees it -----------------------------------------------------------------------------


@pytest.mark.usefixtures("committed_country")
def test_screenshots_of_the_dashboard_at_desktop_and_phone_width(browsing):
    can_tho = unit("92", AdminMap.CURRENT)
    approved("GN01", can_tho, {2025: "3.0", 2026: "2.5"})
    communes = list(U.objects.filter(parent=can_tho).order_by("code"))
    rates = {c: Decimal(str(round(1.5 + (n * 37 % 50) / 10, 1))) for n, c in enumerate(communes[:80])}
    drops = (Decimal("0.3"), Decimal("1.2"), Decimal("1.1"))  # behind, then on track, on II.2.b.2 (1 point a year)
    Actual.objects.bulk_create([
        Actual(indicator=Indicator.objects.get(code="GN01"), unit=c, year=year, status=ReviewStatus.APPROVED,
               value=rate if year == 2025 else rate - drops[n % 3])
        for n, (c, rate) in enumerate(rates.items()) for year in (2025, 2026)
    ])
    rollups.refresh_yearly_values(indicator_ids=[Indicator.objects.get(code="GN01").pk])
    make_user("lanhdao.bando", Role.LEADER)
    page = browsing.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, "lanhdao.bando")
    page.goto(f"/bang-dieu-khien/?nam=2026&dia_ban={nation().pk}")
    traces = plot_data(page, ".chart.map .plotly-graph-div")
    assert sum(len(t["x"]) for t in traces) == 34
    screenshot(page, "map-1-nation-desktop", full_page=False)
    page.goto(f"/bang-dieu-khien/?nam=2026&dia_ban={can_tho.pk}")
    traces = plot_data(page, ".chart.map .plotly-graph-div")
    assert sum(len(t["x"]) for t in traces) == 103
    assert [t["name"] for t in traces] == ["Chậm tiến độ (27)", "Đúng tiến độ (53)", "Chưa có số liệu (23)"]
    screenshot(page, "map-2-can-tho-desktop", full_page=False)
    page.locator(".chart.map").scroll_into_view_if_needed()
    screenshot(page, "map-3-can-tho-map-desktop", full_page=False)
    page.goto(f"/bang-dieu-khien/?nam=2026&dia_ban={can_tho.pk}&mau=ty_le")
    plot_data(page, ".chart.map .plotly-graph-div")
    page.locator(".chart.map").scroll_into_view_if_needed()
    screenshot(page, "map-4-can-tho-rate-desktop", full_page=False)

    phone = browsing.new_page(viewport={"width": 390, "height": 844})
    log_in(phone, "lanhdao.bando")
    phone.goto(f"/bang-dieu-khien/?nam=2026&dia_ban={nation().pk}")
    plot_data(phone, ".chart.map .plotly-graph-div")
    screenshot(phone, "map-5-nation-phone", full_page=False)
    phone.locator(".chart.map").scroll_into_view_if_needed()
    screenshot(phone, "map-6-nation-map-phone", full_page=False)
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    # A click on a dot opens that unit's dashboard.
    page.goto(f"/bang-dieu-khien/?nam=2026&dia_ban={nation().pk}")
    plot_data(page, ".chart.map .plotly-graph-div")
    page.locator(".chart.map").scroll_into_view_if_needed()
    x, y = page.evaluate(
        """([lon, lat]) => { const plot = document.querySelector('.chart.map .plotly-graph-div'), l = plot._fullLayout;
             const box = plot.getBoundingClientRect();
             return [box.left + l.xaxis._offset + l.xaxis.l2p(lon), box.top + l.yaxis._offset + l.yaxis.l2p(lat)]; }""",
        [float(can_tho.longitude), float(can_tho.latitude)],
    )
    page.mouse.click(x, y)
    page.wait_for_url(f"**dia_ban={can_tho.pk}**")
    assert "Thành phố Cần Thơ" in page.locator("h1").inner_text()

"""The chart pages in Debian's chromium: how much JavaScript the first chart page transfers, and
the charts as a leader sees them (Vietnamese separators, nothing cut at the plot's edges).

The weight is what went over the wire for every script of the page (Playwright's request sizes:
the body as transferred plus the headers), with the Accept-Encoding the browser sends. The test
server sends static files uncompressed, so this is an upper bound of what WhiteNoise's compressed
copies send in production (tests/test_chart_style.py measures the gzipped bundle).
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from households.models import RegisterStat
from households.selectors import deprivation_indicators, standard_for_year
from indicators import services
from indicators.models import Target
from plans.models import AdminMap, Role
from tests.browser import (  # noqa: F401 (browser and browsing are fixtures)
    browser,
    browsing,
    log_in,
    plot_data,
    screenshot,
)
from tests.conftest import make_user, unit

JS_BUDGET = 1_500_000
pytestmark = pytest.mark.usefixtures("committed_country")


def hg_target() -> Target:
    """KH 18/KH-UBND of Hậu Giang, II.2.a.1: the poverty rate (%), 2021–2025."""
    return Target.objects.select_related("indicator", "territory").get(document__issuer__code="hg-ubnd", code="II.2.a.1")


def approved_figures(target: Target, figures: dict[int, str]) -> None:
    """Entered, submitted and approved through the services, as the pages do."""
    officer = make_user("canbo.bieudo", Role.OFFICER, ("92", AdminMap.CURRENT), "ct-so-nnmt")
    reviewer = make_user("duyet.bieudo", Role.REVIEWER, ("92", AdminMap.CURRENT), "ct-ubnd")
    for year, value in figures.items():
        actual = services.save_actual(user=officer, indicator=target.indicator, unit=target.territory, year=year,
                                      value=Decimal(value), target=target)
        services.approve_actual(user=reviewer, actual=services.submit_actual(user=officer, actual=actual))


def transferred(response) -> int:
    """Bytes of one response over the wire: its (encoded) body and its headers; a script the
    login page left in the cache counts with its whole body, as on a first visit."""
    sizes = response.request.sizes()
    if sizes["responseBodySize"] > 0:
        return sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return len(response.body())


POINT_ON_SCREEN = """([x, y]) => {
  const plot = document.querySelector('.chart .plotly-graph-div'), layout = plot._fullLayout;
  const box = plot.getBoundingClientRect();
  return [box.left + layout.xaxis._offset + layout.xaxis.l2p(x), box.top + layout.yaxis._offset + layout.yaxis.l2p(y)];
}"""


def test_the_first_chart_page_transfers_less_than_one_and_a_half_megabytes_of_javascript(browsing):
    target = hg_target()
    approved_figures(target, {2022: "4.1", 2023: "3.0", 2024: "2.41"})
    make_user("lanhdao.bieudo", Role.LEADER)
    page = browsing.new_page()
    log_in(page, "lanhdao.bieudo")

    scripts = []
    page.on("response", lambda response: scripts.append(response) if response.request.resource_type == "script" else None)
    page.goto(f"/bang-dieu-khien/chi-tieu/{target.pk}/")
    expect(page.locator("h1")).to_contain_text(target.indicator.name)
    traces = plot_data(page)  # drawn by the basic bundle
    own = next(t for t in traces if t["name"].startswith("Số liệu Tỉnh Hậu Giang"))
    assert dict(zip(own["x"], own["y"])) == {2022: 4.1, 2023: 3.0, 2024: 2.41}

    sizes = {response.url.split("/static/", 1)[-1]: transferred(response) for response in scripts}
    print(f"\nJavaScript of the first chart page: {sum(sizes.values()):,} bytes over the wire: {sizes}")
    assert "vendor/plotly-basic/plotly-basic.min.js" in sizes
    assert not any("vendor/plotly/" in url for url in sizes)
    assert sum(sizes.values()) < JS_BUDGET

    # Every marker inside the plot, and the 2024 figure's hover label written the Vietnamese way.
    ticks = page.locator(".chart .ytick text").all_text_contents()
    assert ticks[:3] == ["0", "1", "2"] and not any("." in tick for tick in ticks), ticks
    plot = page.locator(".chart .plotly-graph-div .nsewdrag").first.bounding_box()
    markers = page.locator(".chart .scatterlayer .trace .points path").all()
    assert len(markers) >= 6
    for marker in markers:
        box = marker.bounding_box()
        assert plot["y"] - 1 <= box["y"] + box["height"] / 2 <= plot["y"] + plot["height"] + 1
        assert plot["x"] - 1 <= box["x"] + box["width"] / 2 <= plot["x"] + plot["width"] + 1
    page.locator(".chart").scroll_into_view_if_needed()
    x, y = page.evaluate(POINT_ON_SCREEN, [2024, 2.41])
    page.mouse.move(x, y)
    expect(page.locator(".chart .hoverlayer .hovertext").first).to_contain_text("2024: 2,41%")
    screenshot(page, "charts-1-target-hover", full_page=False)


def test_the_register_charts_share_the_look_and_draw_the_movements_as_bars(browsing):
    call_command("load_standards", verbosity=0)
    can_tho = unit("92", AdminMap.CURRENT)
    standard = standard_for_year(year=2025)
    codes = [i.code for i in deprivation_indicators(standard=standard)]
    at = datetime(2025, 12, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    for year, poor, near_poor, escaped in ((2023, 5120, 4010, 0), (2024, 4410, 3890, 1180), (2025, 3702, 3655, 1215)):
        RegisterStat.objects.create(
            unit=can_tho, year=year, standard=standard, total=412_300, poor=poor, near_poor=near_poor, middle=20_500,
            not_poor=412_300 - poor - near_poor - 20_500, escaped=escaped, new_poor=310, fallen_back=95, merit_poor=40,
            ethnic_minority_poor=800, deprived_poor={c: poor * (n + 3) // 20 for n, c in enumerate(codes[:12])},
            deprived_near_poor={c: near_poor * (n + 1) // 25 for n, c in enumerate(codes[:12])},
            transitions={"poor>poor": 3100, "poor>near_poor": 900, "poor>middle": 315, "near_poor>poor": 280,
                         "near_poor>near_poor": 2800, "not_poor>not_poor": 383_000, ">poor": 12} if year == 2025 else {},
            computed_at=at,
        )
    make_user("lanhdao.soho", Role.LEADER)
    page = browsing.new_page()
    log_in(page, "lanhdao.soho")
    page.goto(f"/ho-ngheo/dia-ban/{can_tho.pk}/?nam=2025")
    movement = plot_data(page, "#chart-movement")
    assert {t["type"] for t in movement} == {"bar"} and len(movement) == 4
    series = plot_data(page, "#chart-series")
    assert [t["type"] for t in series] == ["scatter", "scatter", "bar", "bar", "bar"]
    assert "Hộ không nghèo (383.000)" in page.locator("#chart-movement .ytick text").all_text_contents()
    assert page.locator("#chart-movement .xtick text").all_text_contents() == ["0%", "50%", "100%"]
    assert "1.000" in page.locator("#chart-series .y2tick text").all_text_contents()  # households: not 1k, not 1,000
    assert page.locator("#chart-series .ytick text").all_text_contents()[1].endswith("%")
    screenshot(page, "charts-2-register-dashboard")

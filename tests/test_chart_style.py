"""Every chart in one look: the pages' font and colours, Vietnamese separators, axes that hold
every point, only the trace types of the vendored plotly.js basic bundle, and that bundle itself
(its size, its licence, the one template that loads it)."""

import gzip
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command

from dashboards import chart_style as style
from dashboards import charts
from dashboards.comparison import comparison
from dashboards.scope import Options, for_judging
from dashboards.target import target_detail
from households import charts as register_charts
from households import selectors as register_selectors
from households.models import RegisterStat
from indicators import rollups
from indicators.models import Actual, ActualSource, Indicator, Target
from plans.models import AdministrativeUnit, AdminMap, UnitLevel
from review.models import ReviewStatus
from tests.conftest import unit

VENDORED = Path(settings.BASE_DIR) / "static" / "vendor" / "plotly-basic"
BUNDLE = VENDORED / "plotly-basic.min.js"
CSS = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
PALETTE = {value for value in vars(style).values() if isinstance(value, str) and value.startswith("#")}


def superuser():
    user = get_user_model().objects.filter(username="sieu.bieudo").first()
    return user or get_user_model().objects.create_superuser("sieu.bieudo", password="x-mat-khau-dai-du")


def approved(code: str, place: AdministrativeUnit, year: int, value: str, **extra) -> Actual:
    return Actual.objects.create(indicator=Indicator.objects.get(code=code), unit=place, year=year, value=Decimal(value),
                                 status=extra.pop("status", ReviewStatus.APPROVED), source=ActualSource.ENTERED, **extra)


def hg_target() -> Target:
    return for_judging(Target.objects.all()).get(document__issuer__code="hg-ubnd", code="II.2.a.1")


def stat(year, total, poor, near_poor, **extra) -> RegisterStat:
    fields = dict(escaped=0, new_poor=0, fallen_back=0, middle=0, deprived_poor={}, deprived_near_poor={}, transitions={})
    fields.update(extra)
    return RegisterStat(year=year, total=total, poor=poor, near_poor=near_poor,
                        not_poor=total - poor - near_poor - fields["middle"], **fields)


def dashboard_figures() -> dict[str, dict]:
    """The target chart (path band or line, own figures, pending, late correction, projection) and
    the comparison chart of the provinces (its parent's line), from figures as the demo has them."""
    hg = unit("93")
    approved("GN01", hg, 2020, "5.0")
    approved("GN01", hg, 2021, "4.2", is_late_correction=True)
    approved("GN01", hg, 2022, "3.9", status=ReviewStatus.SUBMITTED)
    detail = target_detail(user=superuser(), target_id=hg_target().pk, options=Options(2022, include_pending=True))
    provinces = list(AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=AdminMap.CURRENT).order_by("code"))
    gn01 = Indicator.objects.get(code="GN01")
    Actual.objects.bulk_create([
        Actual(indicator=gn01, unit=place, year=2025, status=ReviewStatus.APPROVED, source=ActualSource.ENTERED,
               value=Decimal(i % 9) + Decimal("0.25"))  # 0,25 … 8,25 %: the lowest bar sits on the axis
        for i, place in enumerate(provinces)
    ])
    rollups.refresh_yearly_values(indicator_ids=[gn01.pk])
    comp = comparison(user=superuser(), indicator=gn01, parent=unit("VN", AdminMap.STATISTICAL), options=Options(2025))
    return {
        "target": json.loads(charts.target_figure(detail).to_json()),
        "comparison": json.loads(charts.comparison_figure(comp).to_json()),
    }


def register_figures() -> dict[str, dict]:
    """The household register's three charts for a commune with movements and deprivations."""
    call_command("load_standards", verbosity=0)
    indicators = register_selectors.deprivation_indicators(standard=register_selectors.standard_for_year(year=2025))
    now = stat(2025, 1250, 31, 23, middle=40, escaped=9, new_poor=4, fallen_back=1,
               deprived_poor={i.code: n % 31 for n, i in enumerate(indicators, start=5)},
               deprived_near_poor={i.code: n % 23 for n, i in enumerate(indicators)},
               transitions={">poor": 2, "poor>poor": 24, "poor>near_poor": 9, "near_poor>poor": 4, "near_poor>near_poor": 14,
                            "not_poor>not_poor": 1150, "middle>middle": 40, "not_poor>poor": 1, "poor>not_poor": 2})
    series = [stat(2023, 1240, 40, 30, escaped=3), stat(2024, 1245, 36, 27, escaped=12, new_poor=2), now]
    return {
        "profile": json.loads(register_charts.deprivation_profile(now, indicators)),
        "movement": json.loads(register_charts.movement_bars(now)),
        "series": json.loads(register_charts.rate_series(series)),
    }


@pytest.fixture
def every_figure(db) -> dict[str, dict]:
    return dashboard_figures() | register_figures()


def test_the_shared_style_takes_the_pages_font_and_colours():
    body_font = CSS.split("body {", 1)[1].split("}", 1)[0]
    assert style.FONT_FAMILY in body_font
    root = CSS.split(":root {", 1)[1].split("}", 1)[0]
    for name, value in {"ink": style.INK, "muted": style.MUTED, "line": style.LINE, "accent": style.ACCENT, "link": style.LINK}.items():
        assert f"--{name}:{value};" in root
    for colour in (style.GREEN, style.DARK_GREEN, style.AMBER, style.DARK_AMBER, style.GREY, style.PURPLE, style.ORANGE, style.BROWN):
        assert colour in CSS, colour  # a colour the pages' tags use


def test_every_chart_has_vietnamese_separators_the_pages_font_and_colours(every_figure):
    assert set(every_figure) == {"target", "comparison", "profile", "movement", "series"}
    for name, figure in every_figure.items():
        layout = figure["layout"]
        assert layout["separators"] == ",.", name
        assert layout["font"] == {"family": style.FONT_FAMILY, "color": style.INK, "size": 13}, name
        assert (layout["paper_bgcolor"], layout["plot_bgcolor"]) == ("#ffffff", "#ffffff"), name
        assert layout["legend"]["orientation"] == "h" and layout["legend"]["yref"] == "container", name
        for axis in ("xaxis", "yaxis"):
            assert layout[axis]["gridcolor"] == style.LINE and layout[axis]["automargin"] is True, (name, axis)
        assert {trace["type"] for trace in figure["data"]} <= {"scatter", "bar", "pie"}, name  # the basic bundle
        colours = {c for trace in figure["data"] for c in _colours(trace)}
        assert colours - {None} and colours <= PALETTE | {None}, (name, colours)


def _colours(trace: dict) -> list:
    marker, line = trace.get("marker", {}), trace.get("line", {})
    colour = marker.get("color", line.get("color"))
    return colour if isinstance(colour, list) else [colour]


def test_every_axis_holds_every_point_with_room_for_its_marker(every_figure):
    for name in ("target", "comparison", "series"):
        figure = every_figure[name]
        low, high = figure["layout"]["yaxis"]["range"]
        values = [y for trace in figure["data"] if trace.get("yaxis", "y") == "y" for y in trace["y"] if y is not None]
        values += [s["y0"] for s in figure["layout"].get("shapes", []) if s.get("yref") == "y"]
        assert low == 0 and high > max(values), (name, high, max(values))
        assert high - max(values) >= 0.05 * (high - low), name  # a marker at the top is drawn whole
        scatters = [t for t in figure["data"] if t["type"] == "scatter"]
        assert all(t["cliponaxis"] is False for t in scatters), name  # nor one on the axis (a rate of 0)
    target = every_figure["target"]
    years = [x for trace in target["data"] for x in trace["x"]]
    assert target["layout"]["xaxis"]["range"] == [min(years) - 0.5, max(years) + 0.5] == [2019.5, 2025.5]
    comparison_ = every_figure["comparison"]
    assert max(comparison_["data"][0]["y"]) == 8.25 and comparison_["layout"]["yaxis"]["range"] == [0, pytest.approx(8.91)]
    profile = every_figure["profile"]  # horizontal bars: the values are on x
    low, high = profile["layout"]["xaxis"]["range"]
    shares = [x for t in profile["data"] for x in t["x"]]
    assert low == 0 and high >= max(shares) * 1.05


def test_the_movement_chart_splits_each_class_of_the_last_review_by_the_class_now(every_figure):
    figure = every_figure["movement"]
    assert [t["name"] for t in figure["data"]] == ["Hộ nghèo", "Hộ cận nghèo", "Hộ có mức sống trung bình", "Hộ không nghèo"]
    assert figure["data"][0]["y"] == ["Chưa rà soát năm trước (2)", "Hộ nghèo (35)", "Hộ cận nghèo (18)",
                                      "Hộ có mức sống trung bình (40)", "Hộ không nghèo (1.151)"]
    assert [t["x"] for t in figure["data"]] == [[2, 24, 4, 0, 1], [0, 9, 14, 0, 0], [0, 0, 0, 40, 0], [0, 2, 0, 0, 1150]]
    assert figure["data"][0]["customdata"] == [2, 24, 4, 0, 1]  # the hover's count
    layout = figure["layout"]
    assert (layout["barmode"], layout["barnorm"], layout["xaxis"]["range"]) == ("stack", "percent", [0, 100])


def test_value_ranges_start_at_zero_for_counts_and_pad_both_ends_otherwise():
    assert style.value_range([3, None, 5]) == [0.0, pytest.approx(5.4)]
    assert style.value_range([-2, 3]) == [pytest.approx(-2.4), pytest.approx(3.4)]
    assert style.value_range([40, 50], from_zero=False) == [pytest.approx(39.2), pytest.approx(50.8)]
    assert style.value_range([0, 0]) == [0.0, 0.08]
    assert style.value_range([None]) is None


def test_the_vendored_bundle_is_the_basic_one_with_its_licence_and_under_one_and_a_half_megabytes():
    raw = BUNDLE.read_bytes()
    assert raw.startswith(b"/**\n* plotly.js (basic - minified) v4.1.1")
    assert len(raw) < 1_500_000 and len(raw) == 1_191_749
    assert len(gzip.compress(raw, 6)) < 420_000  # what WhiteNoise's compressed copy sends
    readme = (VENDORED / "README.md").read_text()
    assert hashlib.sha256(raw).hexdigest() in readme and "plotly.js-basic-dist-min" in readme
    assert (VENDORED / "LICENSE").read_text().startswith("MIT License")
    assert Path(finders.find("vendor/plotly-basic/plotly-basic.min.js")) == BUNDLE
    assert finders.find("vendor/plotly/plotly.min.js") is None  # the 4,8 MB bundle is no longer served


def test_one_template_loads_plotly_for_every_chart_page():
    templates = Path(settings.BASE_DIR) / "templates"
    loading = sorted(str(p.relative_to(templates)) for p in templates.rglob("*.html") if "plotly" in p.read_text().lower()
                     and "min.js" in p.read_text())
    assert loading == ["dashboards/_plotly.html"]
    users = {str(p.relative_to(templates)) for p in templates.rglob("*.html")
             if '{% include "dashboards/_plotly.html" %}' in p.read_text()}
    assert users >= {"dashboards/compare.html", "dashboards/target.html", "households/dashboard.html"}

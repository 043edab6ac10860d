"""The dot map of the leader's dashboard: one dot per unit below the territory (the provinces of the
map in force in the year shown for the nation or a region, the communes of a province or district),
placed at the point vietnamadminunits gives for it (plans.country_map loads it), coloured by the
status of its poverty rate (GN01) against the territory's target, or by the rate itself.

Drawn as a plain Plotly scatter of longitude against latitude (no geo trace, no tiles: nothing is
downloaded and the vendored basic bundle draws it). Two queries whatever the number of units: the
units with their point, and their yearly figures (the YearlyValue table every dashboard reads).
A click on a dot opens that unit's dashboard.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards import chart_style as style
from dashboards.charts import STATUS_COLOURS, figure_html
from dashboards.comparison import map_in_force
from dashboards.figures import number_text
from dashboards.judging import SEVERITY
from dashboards.links import PageOptions
from dashboards.scope import Options, dashboard_targets, for_judging, visible_values
from indicators import selectors
from indicators.evaluation import Evaluation, EvaluationStatus, evaluate
from indicators.models import MeasureUnit, Target, TargetKind
from plans.models import AdministrativeUnit, UnitLevel

if TYPE_CHECKING:
    from django.contrib.auth.models import User

POVERTY_RATE = "GN01"  # the headline indicator of every territory: the multidimensional poverty rate
BY_STATUS, BY_RATE = "trang_thai", "ty_le"
COLOUR_CHOICES = ((BY_STATUS, gettext_lazy("trạng thái")), (BY_RATE, gettext_lazy("tỷ lệ hộ nghèo")))
RATE_SCALE = [[0.0, "#fde8d7"], [0.5, "#e8710a"], [1.0, "#7a1f12"]]  # light (few poor) to dark (many)
Status = EvaluationStatus


@dataclass
class Dot:
    unit_id: int
    name: str
    latitude: float
    longitude: float
    url: str
    year: int | None = None  # of the latest figure
    value: Decimal | None = None
    evaluation: Evaluation | None = None
    pending: bool = False
    illustrative: bool = False

    @property
    def status(self) -> EvaluationStatus:
        return self.evaluation.status if self.evaluation else Status.NO_DATA


@dataclass
class UnitMap:
    unit: AdministrativeUnit
    options: Options
    colour_by: str
    target: Target | None  # what every dot's figures are judged against (the territory's, else the nation's)
    dots: list[Dot] = field(default_factory=list)
    own_values: dict[int, Decimal] = field(default_factory=dict)  # the territory's own figures by year

    @property
    def counts(self) -> dict[EvaluationStatus, int]:
        counts: dict[EvaluationStatus, int] = defaultdict(int)
        for dot in self.dots:
            counts[dot.status] += 1
        return dict(counts)

    @property
    def latest(self) -> tuple[int, Decimal] | None:
        """The territory's own latest figure (year, value), or None."""
        return max(self.own_values.items()) if self.own_values else None


def colour_choice(raw: str | None) -> str:
    return raw if raw in (BY_STATUS, BY_RATE) else BY_STATUS


def map_units(*, unit: AdministrativeUnit, year: int) -> QuerySet[AdministrativeUnit]:
    """The units drawn for a territory: the provinces of the map in force at the end of `year` for the
    nation (of the region for a region), the communes of a province (under its districts on the
    63-province map) or of a district; none for a commune. Only those with a point."""
    located = AdministrativeUnit.objects.filter(latitude__isnull=False, longitude__isnull=False)
    if unit.level == UnitLevel.NATION:
        return located.filter(level=UnitLevel.PROVINCE, admin_map=map_in_force(year))
    if unit.level == UnitLevel.REGION:
        return located.filter(level=UnitLevel.PROVINCE, admin_map=map_in_force(year), region=unit)
    if unit.level in (UnitLevel.PROVINCE, UnitLevel.DISTRICT):
        return located.filter(Q(parent=unit) | Q(parent__parent=unit), level=UnitLevel.COMMUNE)
    return located.none()


def headline_target(*, user: User, unit: AdministrativeUnit, year: int, own: Target | None) -> Target | None:
    """The target the dots are judged against: the territory's own poverty-rate target when it has one
    (`own`, from the dashboard's statuses), else the nation's in force in the year (one query)."""
    if own is not None:
        return own
    return (
        for_judging(dashboard_targets(user=user).filter(indicator__code=POVERTY_RATE, territory__level=UnitLevel.NATION))
        .filter(selectors.horizon_covers(year=year))
        .exclude(kind__in=(TargetKind.COMPARISON, TargetKind.QUALITATIVE))
        .order_by("document__issued_on", "position")
        .first()
    )


def unit_map(*, user: User, unit: AdministrativeUnit, options: Options, target: Target | None,
             colour_by: str = BY_STATUS) -> UnitMap:
    """The dots of the territory, each with its latest poverty rate up to the year shown and that
    rate's status against `target` (see headline_target). Two queries, however many units."""
    units = list(map_units(unit=unit, year=options.year).order_by("name").values("pk", "name", "latitude", "longitude"))
    ids = [u["pk"] for u in units]
    series: dict[int, dict[int, tuple[Decimal, bool, bool]]] = defaultdict(dict)
    rows = (
        visible_values(user=user)
        .filter(indicator__code=POVERTY_RATE, year__lte=options.year)
        .filter(Q(unit_id=unit.pk) | Q(unit__in=map_units(unit=unit, year=options.year)))
        .values_list("unit_id", "year", "value", "pending_value", "is_illustrative")
    )
    for unit_id, year, value, pending, illustrative in rows:
        pending = pending if options.include_pending else None
        shown = pending if pending is not None else value
        if shown is not None:
            series[unit_id][year] = (shown, pending is not None, illustrative)
    page = PageOptions(year=options.year, include_pending=options.include_pending)
    dashboard = reverse("dashboard")
    dots = []
    for u in units:
        values = series.get(u["pk"], {})
        dot = Dot(u["pk"], u["name"], float(u["latitude"]), float(u["longitude"]),
                  f"{dashboard}?{page.query(dia_ban=u['pk'], mau=colour_by)}")
        if values:
            dot.year = max(values)
            dot.value, dot.pending, dot.illustrative = values[dot.year]
            if target is not None:
                dot.evaluation = evaluate(target, {y: v[0] for y, v in values.items()}, as_of_year=options.year)
        dots.append(dot)
    own = {y: v[0] for y, v in series.get(unit.pk, {}).items()}
    return UnitMap(unit=unit, options=options, colour_by=colour_by, target=target, dots=dots, own_values=own)


# ---------------------------------------------------------------------------------------------
# The figure


def _hover(dot: Dot) -> str:
    if dot.value is None:
        return f"<b>{dot.name}</b><br>{_('Chưa có số liệu')}"
    flags = [_("chờ duyệt")] if dot.pending else []
    flags += [_("minh họa")] if dot.illustrative else []
    text = f"<b>{dot.name}</b><br>{dot.year}: {number_text(dot.value, MeasureUnit.PERCENT)}"
    text += f" ({', '.join(flags)})" if flags else ""
    return text + (f"<br>{dot.evaluation.label}" if dot.evaluation else "")


def _marker_size(count: int) -> int:
    return 15 if count <= 70 else 10 if count <= 250 else 7


def _trace(dots: list[Dot], name: str, marker: dict, **extra) -> dict:
    return {
        "type": "scatter", "mode": "markers", "name": name, "cliponaxis": False,
        "x": [d.longitude for d in dots], "y": [d.latitude for d in dots],
        "text": [_hover(d) for d in dots], "customdata": [d.url for d in dots],
        "hovertemplate": "%{text}<extra></extra>", "marker": marker, **extra,
    }


def map_figure(unit_map: UnitMap) -> go.Figure:
    """Longitude against latitude at the same scale (a degree of longitude drawn cos(latitude) as long
    as one of latitude), axes hidden; one trace per status, or one coloured by the rate."""
    dots = unit_map.dots
    size = _marker_size(len(dots))
    outline = {"width": 1, "color": style.WHITE}
    traces: list[dict] = []
    if unit_map.colour_by == BY_RATE:
        rated = [d for d in dots if d.value is not None]
        if rated:
            top = max(float(d.value) for d in rated) or 1.0
            traces.append(_trace(rated, _("Tỷ lệ hộ nghèo"), {
                "size": size, "line": outline, "color": [float(d.value) for d in rated], "colorscale": RATE_SCALE,
                "cmin": 0, "cmax": top, "showscale": True,
                "colorbar": {"title": {"text": "%"}, "ticksuffix": "%", "thickness": 12, "len": 0.6, "x": 1.0},
            }, showlegend=False))
        missing = [d for d in dots if d.value is None]
        if missing:
            traces.append(_trace(missing, _("Chưa có số liệu"), {"size": size, "line": outline, "color": style.GREY}))
    else:
        by_status: dict[EvaluationStatus, list[Dot]] = defaultdict(list)
        for dot in dots:
            by_status[dot.status].append(dot)
        for status in sorted(by_status, key=SEVERITY.__getitem__):
            members = by_status[status]
            traces.append(_trace(members, f"{status.label} ({len(members)})",
                                 {"size": size, "line": outline, "color": STATUS_COLOURS[status]}))
    latitudes = [d.latitude for d in dots] or [16.0]
    middle = (min(latitudes) + max(latitudes)) / 2
    hidden = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": False}
    xaxis = style.axis(**hidden)
    yaxis = style.axis(**hidden, scaleanchor="x", scaleratio=round(1 / math.cos(math.radians(middle)), 4))
    if unit_map.colour_by == BY_RATE:
        title = _("Tỷ lệ hộ nghèo, số liệu mới nhất đến năm %(year)s") % {"year": unit_map.options.year}
    elif unit_map.target is not None:
        title = _("Tỷ lệ hộ nghèo so với chỉ tiêu %(target)s") % {
            "target": f"{unit_map.target.document.reference} {unit_map.target.code}"}
    else:
        title = _("Tỷ lệ hộ nghèo (chưa có chỉ tiêu để đánh giá)")
    layout = style.layout(title, height=640 if len(dots) <= 70 else 720, xaxis=xaxis, yaxis=yaxis,
                          margin={"l": 8, "r": 8, "t": 48, "b": 8}, dragmode="pan")
    return go.Figure(data=traces, layout=layout)


def map_html(unit_map: UnitMap) -> str:
    """The map's <div> and script, a click on a dot opening its unit's dashboard ("" without dots)."""
    return figure_html(map_figure(unit_map), drill_down=True) if unit_map.dots else ""

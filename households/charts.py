"""Plotly figures of a territory's register figures: pure functions from figures to JSON.

Aggregates only: what drives poverty there (deprivation profile), how households moved between
classes since the previous review, and the rates year by year. Drawn in the page by plotly.js
served from our own static files (its basic bundle: scatter, bar, pie), in the look every chart of
the app shares (dashboards.chart_style).
"""

import math

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from dashboards import chart_style as style
from households.models import LivingClass, RegisterStat
from plans.text import format_number

CLASS_ORDER = [LivingClass.POOR, LivingClass.NEAR_POOR, LivingClass.MIDDLE, LivingClass.NOT_POOR]
COLOURS = {LivingClass.POOR: style.ACCENT, LivingClass.NEAR_POOR: style.AMBER, LivingClass.MIDDLE: style.LINK,
           LivingClass.NOT_POOR: style.GREEN}
HEIGHT = 380


def _percent(part: int, whole: int) -> float:
    return round(part * 100 / whole, 2) if whole else 0.0


def deprivation_profile(stat: RegisterStat, indicators) -> str:
    """Share of poor (and near-poor) households lacking each indicator, most common first."""
    rows = sorted(
        ((i, stat.deprived_poor.get(i.code, 0), stat.deprived_near_poor.get(i.code, 0)) for i in indicators),
        key=lambda row: row[1],
    )
    labels = [f"{i.name} ({i.dimension})" for i, _poor, _near in rows]
    poor = [_percent(p, stat.poor) for _i, p, _n in rows]
    near_poor = [_percent(n, stat.near_poor) for _i, _p, n in rows]
    figure = go.Figure(
        [
            go.Bar(y=labels, x=poor, orientation="h", name=_("Hộ nghèo"), marker_color=COLOURS[LivingClass.POOR]),
            go.Bar(y=labels, x=near_poor, orientation="h", name=_("Hộ cận nghèo"),
                   marker_color=COLOURS[LivingClass.NEAR_POOR]),
        ],
        layout=style.layout(
            _("Tỷ lệ hộ thiếu hụt từng chỉ số (%)"), barmode="group", height=max(HEIGHT, 36 * len(labels) + 100),
            xaxis=style.axis(ticksuffix="%", range=style.value_range(poor + near_poor)), yaxis=style.axis(),
        ),
    )
    return figure.to_json()


def movement_bars(stat: RegisterStat) -> str:
    """Households by their class at the previous review (a bar each, with its count), split by
    their class now in shares of that bar, so that a small class moves as visibly as a large one."""
    labels = {str(c.value): str(c.label) for c in LivingClass}
    before = ["", *[c.value for c in CLASS_ORDER]]
    counts = {(b, c.value): 0 for b in before for c in CLASS_ORDER}
    for key, count in stat.transitions.items():
        previous, current = key.split(">")
        if (previous, current) in counts:
            counts[previous, current] += count
    totals = {b: sum(counts[b, c.value] for c in CLASS_ORDER) for b in before}
    rows = [b for b in before if totals[b]]
    names = [f"{labels[b] if b else _('Chưa rà soát năm trước')} ({format_number(totals[b])})"
             for b in rows]
    layout = style.layout(
        _("Chuyển dịch giữa các nhóm so với lần rà soát trước"), barmode="stack", barnorm="percent", height=HEIGHT,
        xaxis=style.axis(_("Tỷ lệ trong nhóm (%)"), ticksuffix="%", range=[0, 100]),
        yaxis=style.axis(_("Lần rà soát trước"), autorange="reversed"),
    )
    layout["legend"].update(title={"text": _("Lần rà soát này") + ": "}, traceorder="normal")
    figure = go.Figure(
        [
            go.Bar(y=names, x=[counts[b, c.value] for b in rows], customdata=[counts[b, c.value] for b in rows],
                   orientation="h", name=labels[c.value], marker_color=COLOURS[c],
                   hovertemplate="%{y} → %{fullData.name}: %{customdata:,d} " + _("hộ") + "<extra></extra>")
            for c in CLASS_ORDER
        ],
        layout=layout,
    )
    return figure.to_json()




def _headroom(values: list[float], floor: float) -> float:
    """The top of an axis that starts at 0: above the highest value with room for its marker."""
    return max(max(values, default=0) * 1.15, floor)


def _whole_step(top: float) -> int:
    """A tick step of 1, 2 or 5 × 10ⁿ households giving about five ticks up to `top`."""
    step = 1
    while top / step > 6:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return step


def rate_series(series: list[RegisterStat]) -> str:
    """Poor and near-poor rates year by year, with households escaped, new poor and fallen back.

    Both axes are fixed from 0 to above the highest value and markers are drawn over the axes, so
    no line or marker is cut at the plot's edge (a rate of 0 sits on the axis, visible).
    """
    years = [s.year for s in series]
    poor = [_percent(s.poor, s.total) for s in series]
    near_poor = [_percent(s.near_poor, s.total) for s in series]
    moves = [s.escaped for s in series] + [s.new_poor for s in series] + [s.fallen_back for s in series]
    moves_step = _whole_step(_headroom(moves, 5))
    moves_top = math.ceil(_headroom(moves, 5) / moves_step) * moves_step
    figure = go.Figure(
        [
            go.Scatter(x=years, y=poor, name=_("Tỷ lệ hộ nghèo (%)"), mode="lines+markers", cliponaxis=False,
                       line_color=COLOURS[LivingClass.POOR]),
            go.Scatter(x=years, y=near_poor, name=_("Tỷ lệ hộ cận nghèo (%)"), mode="lines+markers", cliponaxis=False,
                       line_color=COLOURS[LivingClass.NEAR_POOR]),
            go.Bar(x=years, y=[s.escaped for s in series], name=_("Thoát nghèo"), yaxis="y2", marker_color=style.GREEN, opacity=0.5),
            go.Bar(x=years, y=[s.new_poor for s in series], name=_("Nghèo phát sinh"), yaxis="y2", marker_color=style.ORANGE, opacity=0.5),
            go.Bar(x=years, y=[s.fallen_back for s in series], name=_("Tái nghèo"), yaxis="y2", marker_color=style.PURPLE, opacity=0.5),
        ],
        layout=style.layout(
            _("Tỷ lệ và biến động theo năm"), barmode="group", height=HEIGHT,
            xaxis=style.axis(dtick=1, tickformat="d", range=[min(years, default=0) - 0.5, max(years, default=0) + 0.5]),
            yaxis=style.axis(ticksuffix="%", range=[0, _headroom(poor + near_poor, 1)], tickformat=",.2~f"),
            yaxis2=style.axis(_("hộ"), overlaying="y", side="right", range=[0, moves_top], dtick=moves_step,
                              tickformat=",d", showgrid=False),
        ),
    )
    return figure.to_json()

"""Plotly figures of a territory's register figures: pure functions from figures to JSON.

Aggregates only: what drives poverty there (deprivation profile), how households moved between
classes since the previous review, and the rates year by year. Drawn in the page by plotly.js
served from our own static files.
"""

import math

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from households.models import LivingClass, RegisterStat

CLASS_ORDER = [LivingClass.POOR, LivingClass.NEAR_POOR, LivingClass.MIDDLE, LivingClass.NOT_POOR]
COLOURS = {LivingClass.POOR: "#b42318", LivingClass.NEAR_POOR: "#f0b429", LivingClass.MIDDLE: "#0b5cad", LivingClass.NOT_POOR: "#2f8132"}
SEPARATORS = ",."  # Plotly's (decimal, thousands): 2,62% and 1.250 hộ, the Vietnamese way
LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), font=dict(family="system-ui, sans-serif", size=13), height=380,
              separators=SEPARATORS)


def _percent(part: int, whole: int) -> float:
    return round(part * 100 / whole, 2) if whole else 0.0


def deprivation_profile(stat: RegisterStat, indicators) -> str:
    """Share of poor (and near-poor) households lacking each indicator, most common first."""
    rows = sorted(
        ((i, stat.deprived_poor.get(i.code, 0), stat.deprived_near_poor.get(i.code, 0)) for i in indicators),
        key=lambda row: row[1],
    )
    labels = [f"{i.name} ({i.dimension})" for i, _poor, _near in rows]
    figure = go.Figure(
        [
            go.Bar(y=labels, x=[_percent(p, stat.poor) for _i, p, _n in rows], orientation="h",
                   name=_("Hộ nghèo"), marker_color=COLOURS[LivingClass.POOR]),
            go.Bar(y=labels, x=[_percent(n, stat.near_poor) for _i, _p, n in rows], orientation="h",
                   name=_("Hộ cận nghèo"), marker_color=COLOURS[LivingClass.NEAR_POOR]),
        ],
        layout=dict(LAYOUT, title=_("Tỷ lệ hộ thiếu hụt từng chỉ số (%)"), barmode="group",
                    height=max(380, 36 * len(labels) + 80), xaxis=dict(ticksuffix="%"), legend=dict(orientation="h")),
    )
    return figure.to_json()


def movement_sankey(stat: RegisterStat) -> str:
    """Households by class at the previous review (left) and at this one (right)."""
    labels = {str(c.value): str(c.label) for c in LivingClass}
    sources = ["", *[c.value for c in CLASS_ORDER]]
    left = {value: i for i, value in enumerate(sources)}
    right = {c.value: len(sources) + i for i, c in enumerate(CLASS_ORDER)}
    node_labels = [_("Chưa rà soát năm trước")] + [labels[c.value] for c in CLASS_ORDER] + [labels[c.value] for c in CLASS_ORDER]
    node_colours = ["#9aa5b1"] + [COLOURS[c] for c in CLASS_ORDER] * 2
    link = dict(source=[], target=[], value=[])
    for key, count in stat.transitions.items():
        previous, current = key.split(">")
        if count and previous in left and current in right:
            link["source"].append(left[previous])
            link["target"].append(right[current])
            link["value"].append(count)
    figure = go.Figure(
        go.Sankey(node=dict(label=node_labels, color=node_colours, pad=18), link=link, arrangement="snap"),
        layout=dict(LAYOUT, title=_("Chuyển dịch giữa các nhóm so với lần rà soát trước")),
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
            go.Bar(x=years, y=[s.escaped for s in series], name=_("Thoát nghèo"), yaxis="y2", marker_color="#2f8132", opacity=0.5),
            go.Bar(x=years, y=[s.new_poor for s in series], name=_("Nghèo phát sinh"), yaxis="y2", marker_color="#c65d21", opacity=0.5),
            go.Bar(x=years, y=[s.fallen_back for s in series], name=_("Tái nghèo"), yaxis="y2", marker_color="#7b1fa2", opacity=0.5),
        ],
        layout=dict(
            LAYOUT, title=_("Tỷ lệ và biến động theo năm"), legend=dict(orientation="h"), barmode="group",
            xaxis=dict(dtick=1, tickformat="d", range=[min(years, default=0) - 0.5, max(years, default=0) + 0.5]),
            yaxis=dict(ticksuffix="%", range=[0, _headroom(poor + near_poor, 1)], tickformat=",.2~f"),
            yaxis2=dict(overlaying="y", side="right", range=[0, moves_top], dtick=moves_step, tickformat=",d",
                        showgrid=False, title=_("hộ")),
        ),
    )
    return figure.to_json()

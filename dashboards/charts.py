"""Plotly figures for the dashboards: pure functions of what the dashboards' reads return.

Pages draw them with our own static plotly.js (its basic bundle: scatter, bar, pie); the same
figures are always on the page as a table, so nothing depends on JavaScript. The look, the
Vietnamese separators (1.500,5) and the axis ranges come from dashboards.chart_style.
"""

from __future__ import annotations

from decimal import Decimal

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from dashboards import chart_style as style
from dashboards.comparison import Comparison
from dashboards.figures import number_text
from dashboards.target import TargetDetail
from indicators.evaluation import COUNT_UNITS, EvaluationStatus
from indicators.models import MeasureUnit, TargetKind

Status = EvaluationStatus
STATUS_COLOURS = {  # as the status tags of the pages
    Status.MISSED: style.ACCENT,
    Status.OFF_TRACK: style.ACCENT,
    Status.AT_RISK: style.AMBER,
    Status.ON_TRACK: style.GREEN,
    Status.ACHIEVED: style.DARK_GREEN,
    Status.NO_DATA: style.GREY,
}
OWN, SUCCESSOR, UNUSED, PATH, PROJECTION = style.LINK, style.PURPLE, style.GREY, style.GREEN, style.MUTED
MONEY = {MeasureUnit.VND, MeasureUnit.THOUSAND_VND, MeasureUnit.MILLION_VND}  # levels far from 0: no axis from 0
HOVER = "%{x}: %{text}"  # with the trace's name beside it
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _texts(values, unit: str) -> list[str]:
    """Hover texts: the numbers as the page writes them (12,09 ; 1.234.567 ; 2,2%), not plotly's own."""
    return [number_text(v, unit) for v in values]


def _layout(title: str, y_title: str, unit: str, xaxis: dict, **extra) -> dict:
    yaxis = style.axis(y_title)
    if unit in COUNT_UNITS:
        yaxis["tickformat"] = ",d"  # 80.000, not 80k
    return style.layout(title, xaxis=xaxis, yaxis=yaxis, shapes=[], annotations=[], **extra)


def _fit_y(layout: dict, traces: list[dict], unit: str) -> None:
    """The y-axis from the data: every point, band and reference line inside, with room for markers."""
    values = [y for trace in traces for y in trace.get("y", [])]
    values += [shape["y0"] for shape in layout["shapes"] if shape.get("yref") == "y"]
    y_range = style.value_range(values, from_zero=unit not in MONEY)
    if y_range:
        layout["yaxis"]["range"] = y_range


def _vline(layout: dict, x: float, colour: str, text: str) -> None:
    layout["shapes"].append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                             "line": {"color": colour, "dash": "dash"}})
    layout["annotations"].append({"text": text, "xref": "x", "yref": "paper", "x": x, "y": 1, "xanchor": "right",
                                  "yanchor": "bottom", "showarrow": False, "font": {"size": 11, "color": colour}})


def _hline(layout: dict, y: float, colour: str, text: str, dash: str = "dash") -> None:
    layout["shapes"].append({"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": y, "y1": y,
                             "line": {"color": colour, "dash": dash}})
    layout["annotations"].append({"text": text, "xref": "paper", "yref": "y", "x": 1, "y": y, "xanchor": "right",
                                  "yanchor": "bottom", "showarrow": False, "font": {"size": 11, "color": colour}})


def _note(layout: dict, text: str) -> None:
    layout["annotations"].append({"text": text, "xref": "paper", "yref": "paper", "x": 1, "y": 1.08,
                                  "showarrow": False, "font": {"color": style.DARK_AMBER, "size": 12}})


def target_figure(detail: TargetDetail) -> go.Figure:
    """Baseline, target path (a band for a range), figures (own, successor's after a merger),
    pending and late-corrected ones marked, and the projection to the final year."""
    status, target = detail.status, detail.target
    unit = detail.measure_unit
    cumulative = detail.is_cumulative
    traces: list[dict] = []

    def scatter(**trace) -> None:
        traces.append({"type": "scatter", "cliponaxis": False, **trace})  # a marker on an axis drawn whole

    if detail.path:
        xs = [p.year for p in detail.path]
        label = _("Lộ trình chỉ tiêu (%(bound)s)") % {"bound": target.bound_label}
        if any(p.low != p.high for p in detail.path):
            scatter(x=xs, y=[_f(p.high) for p in detail.path], mode="lines", showlegend=False, hoverinfo="skip",
                    line={"color": PATH, "width": 1, "dash": "dash"}, name=_("Lộ trình (mức cao)"))
            scatter(x=xs, y=[_f(p.low) for p in detail.path], mode="lines", fill="tonexty", name=label,
                    fillcolor="rgba(47,129,50,0.15)", line={"color": PATH, "width": 1, "dash": "dash"},  # PATH, light
                    text=[f"{number_text(p.low, unit)}–{number_text(p.high, unit)}" for p in detail.path],
                    hovertemplate=HOVER)
        else:
            scatter(x=xs, y=[_f(p.low) for p in detail.path], mode="lines+markers", name=label,
                    line={"color": PATH, "dash": "dash"}, marker={"size": 5},
                    text=_texts([p.low for p in detail.path], unit), hovertemplate=HOVER)

    if detail.anchor and target.kind not in (TargetKind.CUMULATIVE, TargetKind.COMPARISON):
        year, value = detail.anchor
        scatter(x=[year], y=[_f(value)], mode="markers", marker={"symbol": "diamond", "size": 12, "color": PATH},
                text=_texts([value], unit), hovertemplate=HOVER,
                name=_("Gốc %(year)s: %(value)s") % {"year": year, "value": number_text(value, unit)})

    def series(points, name: str, colour: str, dash: str = "solid") -> None:
        ys = [detail.running_totals.get(p.year) if cumulative else p.shown for p in points]
        scatter(
            x=[p.year for p in points], y=[_f(v) for v in ys], mode="lines+markers", name=name,
            line={"color": colour, "dash": dash}, marker={"size": 8, "color": colour},
            text=[number_text(v, unit) + "<br>" + (_("chờ duyệt") if p.is_pending else _("đã duyệt"))
                  + (", " + _("minh họa") if p.is_illustrative else "") + (", " + _("giả lập") if p.is_synthetic else "")
                  for v, p in zip(ys, points)],
            hovertemplate="%{x}: %{text}<extra></extra>",
        )

    illustrative = " (%s)" % _("minh họa") if status.is_illustrative else ""
    illustrative += " (%s)" % _("giả lập") if status.is_synthetic else ""
    label = _("Lũy kế") if cumulative else _("Số liệu")
    own = [p for p in status.points if not p.from_successor]
    later = [p for p in status.points if p.from_successor]
    used_own = [p for p in own if p.used]
    if used_own:
        series(used_own, f"{label} {target.territory.name}{illustrative}", OWN)
    if own and not used_own:
        series(own, _("%(unit)s trước sáp nhập (không dùng để đánh giá)") % {"unit": target.territory.name}, UNUSED)
    if later and status.merger:
        used = later[0].used
        name = _("%(unit)s từ %(year)s") % {"unit": status.merger.successor.name, "year": status.merger.first_year}
        if not used:
            name += " (%s)" % _("không dùng để đánh giá")
        series(later, name + illustrative, SUCCESSOR if used else UNUSED, "solid" if used else "dot")

    for unit_, points in status.compare:
        pts = [points[y] for y in sorted(points)]
        scatter(x=[p.year for p in pts], y=[_f(p.shown) for p in pts], mode="lines+markers",
                text=_texts([p.shown for p in pts], unit), hovertemplate=HOVER,
                line={"dash": "dot", "width": 1.5}, marker={"size": 5}, name=_("So sánh: %(unit)s") % {"unit": unit_.name})

    def marks(points, name: str, symbol: str, colour: str) -> None:
        if points:
            scatter(
                x=[p.year for p in points],
                y=[_f(detail.running_totals.get(p.year) if cumulative else p.shown) for p in points],
                mode="markers", name=name, hoverinfo="name+x",
                marker={"symbol": symbol, "size": 16, "color": colour, "line": {"width": 2, "color": colour}},
            )

    marks([p for p in status.points if p.is_pending], _("Chờ duyệt"), "circle-open", style.AMBER)
    marks([p for p in status.points if p.is_late_correction], _("Sửa sau khi duyệt"), "x-thin-open", style.BROWN)

    if detail.projection:
        last, last_value, end, projected = detail.projection
        scatter(x=[last, end], y=[_f(last_value), _f(projected)], mode="lines+markers",
                text=_texts([last_value, projected], unit), hovertemplate=HOVER,
                line={"color": PROJECTION, "dash": "dot"}, marker={"symbol": "triangle-up", "size": 9},
                name=_("Xu hướng đến %(year)s: %(value)s") % {"year": end, "value": number_text(projected, unit)})

    title = f"{target.document.reference} {target.code}: {target.indicator.name} – {status.basis.name}"
    years = [x for trace in traces for x in trace["x"]]
    layout = _layout(
        title[:140], (_("Lũy kế") + ", " if cumulative else "") + str(dict(MeasureUnit.choices).get(unit, "") or ""),
        unit, style.axis(_("Năm (số liệu cuối năm)"), dtick=1, tickformat="d", range=style.year_range(years)),
    )
    if status.merger and any(p.from_successor for p in status.points):
        _vline(layout, status.merger.first_year - 0.5, SUCCESSOR, _("Sáp nhập %(date)s") % {"date": status.merger.date_text})
    notes = [_("SỐ LIỆU MINH HỌA")] if status.is_illustrative else []
    notes += [_("SỐ LIỆU GIẢ LẬP")] if status.is_synthetic else []
    if notes:
        _note(layout, ", ".join(notes))
    _fit_y(layout, traces, unit)
    return go.Figure(data=traces, layout=layout)


def comparison_figure(comp: Comparison, *, drill_urls: dict[int, str] | None = None) -> go.Figure:
    """One bar per unit, coloured by its status; a click on a bar opens the units below it
    (`drill_urls`: {unit id: the page of the units below it}, from the view)."""
    drill_urls = drill_urls or {}
    progress = comp.chart_metric == "tien_do"
    rows = [r for r in comp.rows if (r.progress if progress else r.value) is not None]
    unit = comp.indicator.measure_unit
    if progress and comp.benchmark is not None:
        unit = comp.benchmark.unit if comp.benchmark.kind in (TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE) else unit
    colours = [STATUS_COLOURS.get(r.national.status if progress and r.national else r.status, OWN) for r in rows]
    texts = []
    for r in rows:
        evaluation = r.national if progress else (r.own.evaluation if r.own else r.national)
        shown = number_text(r.progress if progress else r.value, unit)
        texts.append(shown + ("<br>" + evaluation.explanation if evaluation else ""))
    bar = {
        "type": "bar",
        "x": [r.name for r in rows],
        "y": [_f(r.progress if progress else r.value) for r in rows],
        "marker": {"color": colours},
        "customdata": [drill_urls.get(r.unit.pk, "") for r in rows],
        "text": texts,
        "hovertemplate": "<b>%{x}</b>: %{text}<extra></extra>",
        "textposition": "none",
        "name": comp.indicator.name,
    }
    suffix = " – " + _("SỐ LIỆU MINH HỌA") if comp.illustrative else ""
    suffix += " – " + _("SỐ LIỆU GIẢ LẬP") if comp.synthetic else ""
    if progress and comp.benchmark is not None:
        what = _("%(kind)s so với chỉ tiêu %(target)s") % {
            "kind": comp.benchmark.get_kind_display(), "target": f"{comp.benchmark.document.reference} {comp.benchmark.code}"}
    else:
        what = _("năm %(year)s") % {"year": comp.options.year}
    layout = _layout(
        f"{comp.indicator.name}, {what}: {comp.parent.name}{suffix}"[:160],
        str(dict(MeasureUnit.choices).get(unit, "") or ""), unit, style.axis(tickangle=-45),
        height=460 if len(rows) <= 40 else 520,
        showlegend=False,
    )
    if progress and comp.benchmark is not None:
        for bound in sorted({comp.benchmark.min_value, comp.benchmark.max_value} - {None}):
            _hline(layout, float(bound), PATH, _("Chỉ tiêu %(document)s: %(value)s") % {
                "document": comp.benchmark.document.reference, "value": number_text(bound, unit)})
    elif comp.parent_point is not None and comp.parent_point.shown is not None:
        _hline(layout, float(comp.parent_point.shown), PROJECTION,
               f"{comp.parent.name}: {number_text(comp.parent_point.shown, unit)}", dash="dot")
    _fit_y(layout, [bar], unit)
    return go.Figure(data=[bar], layout=layout)


DRILL_DOWN_SCRIPT = (
    "var plot = document.getElementById('{plot_id}');"
    "plot.on('plotly_click', function (event) {"
    " var url = event.points[0].customdata; if (url) { window.location.href = url; } });"
)


def figure_html(figure: go.Figure, *, drill_down: bool = False) -> str:
    """The figure as a <div> and the script that draws it (plotly.js is loaded by the page)."""
    return figure.to_html(
        full_html=False, include_plotlyjs=False, config=CONFIG,
        post_script=DRILL_DOWN_SCRIPT if drill_down else None,
    )

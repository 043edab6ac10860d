"""One look for every chart of the app (dashboards and the household register).

The pages' font and colours (static/css/app.css: the body's font, the :root variables and the
status tags' colours), light gridlines, the legend at the foot, margins that grow with long tick
labels, and Vietnamese separators (2,41% ; 80.000 hộ). Axis ranges are computed from the data so
that no point, marker or reference line falls outside the plot.

Plain dicts rather than a Plotly template: applying a template costs more than the rest of a figure.
Charts use only the trace types of the vendored plotly.js basic bundle (TRACE_TYPES).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# static/css/app.css
FONT_FAMILY = 'system-ui, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif'
INK = "#1f2933"  # --ink
MUTED = "#616e7c"  # --muted
LINE = "#d9e2ec"  # --line
ACCENT = "#b42318"  # --accent: poor households, missed targets
LINK = "#0b5cad"  # --link: our own figures
WHITE = "#ffffff"
GREEN = "#2f8132"  # approved, on track
DARK_GREEN = "#1c5e20"
AMBER = "#f0b429"  # submitted, at risk, near-poor households
DARK_AMBER = "#8d6200"
GREY = "#9aa5b1"  # no data, not used
PURPLE = "#7b1fa2"  # a successor's figures, synthetic data
ORANGE = "#c65d21"  # late
BROWN = "#8a3a0c"

SEPARATORS = ",."  # Plotly's (decimal, thousands)
TRACE_TYPES = frozenset({"scatter", "bar", "pie"})  # what static/vendor/plotly-basic draws


def axis(title: str = "", **settings) -> dict:
    """An axis in the shared style; `settings` are Plotly's axis attributes."""
    return {
        "title": {"text": str(title), "font": {"color": MUTED, "size": 12}},
        "gridcolor": LINE,
        "zerolinecolor": GREY,
        "linecolor": LINE,
        "tickfont": {"color": MUTED},
        "automargin": True,  # long tick labels (1.234.567 ; a commune's name) widen the margin, never cut
        **settings,
    }


def layout(title: str, *, height: int = 420, xaxis: dict | None = None, yaxis: dict | None = None, **extra) -> dict:
    """A figure's layout: `xaxis` and `yaxis` come from axis(); `extra` is any other layout setting."""
    return {
        "title": {"text": str(title), "font": {"size": 15, "color": INK}, "x": 0.01, "xanchor": "left"},
        "separators": SEPARATORS,
        "font": {"family": FONT_FAMILY, "color": INK, "size": 13},
        "paper_bgcolor": WHITE,
        "plot_bgcolor": WHITE,
        "colorway": [LINK, ACCENT, GREEN, AMBER, PURPLE, MUTED, ORANGE],
        "height": height,
        "margin": {"l": 56, "r": 24, "t": 60, "b": 40, "pad": 2},
        # At the foot of the figure rather than at a fraction of the plot's height: a legend that
        # wraps onto several lines on a phone then pushes the plot up instead of covering the axis title.
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "font": {"size": 12}},
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": 13}},
        "hovermode": "closest",
        "xaxis": xaxis if xaxis is not None else axis(),
        "yaxis": yaxis if yaxis is not None else axis(),
        **extra,
    }


def value_range(values: Iterable[float | None], *, from_zero: bool = True, padding: float = 0.08) -> list[float] | None:
    """An axis range holding every value, with room for a marker above the highest (and below the
    lowest when the axis does not start at 0). From 0 for counts and rates; None without values
    (Plotly's autorange then)."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return None
    low, high = min(finite), max(finite)
    if from_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    pad = ((high - low) or abs(high) or 1.0) * padding
    bottom = 0.0 if from_zero and low == 0 else low - pad
    top = 0.0 if from_zero and high == 0 and low < 0 else high + pad
    return [bottom, top]


def year_range(years: Iterable[float | None]) -> list[float] | None:
    """Half a year either side of the first and last, so the end markers are drawn whole."""
    years = [y for y in years if y is not None]
    return [min(years) - 0.5, max(years) + 0.5] if years else None

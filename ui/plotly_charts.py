"""The app's colours (real = teal, generated = violet, D = red, G = blue) and the layout and
presentation-mode styling of its Plotly charts, which are drawn once per change of settings (the
landscape, the phase grid, the mixture editor, ...). Live charts, redrawn at every poll, are
Vega-Lite (``ui/vega_charts.py``). Page-specific charts live beside their page."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui import present

REAL = "#0d9488"
FAKE = "#7c3aed"
D_COLOR = "#dc2626"
G_COLOR = "#2563eb"
# plotly.js's own sizes, which the normal look keeps: text, titles, markers, lines
FONT, TITLE_FONT, MARKER, LINE = 12, 17, 6, 2


def apply_layout(fig: go.Figure, title: str, height: int = 300, **kwargs) -> go.Figure:
    """The shared title, height, margins and legend placement, in the session's style."""
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1), **kwargs)
    return restyle(fig)


def restyle(fig: go.Figure, style: present.Style | None = None) -> go.Figure:
    """Text, markers and lines sized for ``style`` (default: the session's, see :mod:`ui.present`),
    relative to what each chart chose for the normal look, which leaves the chart as it was built:
    every chart of the app projects alike. Axis and legend fonts are set one by one because
    Streamlit's Plotly theme sets them, which a layout-wide font does not override."""
    style = style or present.style()
    if style == present.NORMAL:
        return fig
    grow = style.font_ratio
    text = {"size": FONT * grow}
    fig.update_layout(font=text, title_font_size=TITLE_FONT * grow, legend_font=text)
    if fig.layout.height:
        fig.update_layout(height=round(fig.layout.height * style.height))
    axis = {"tickfont": text, "title_font": text}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    few = {**axis, "nticks": 5}  # a 3D box's ticks crowd one another at a larger size
    fig.update_scenes(xaxis=few, yaxis=few, zaxis=few)
    fig.for_each_annotation(lambda note: note.update(font_size=(note.font.size or FONT) * grow))
    for trace in fig.data:
        if "colorbar" in trace:
            trace.colorbar.update(tickfont=text, title_font=text)
        _thicken(trace, style.scale)
    return fig


def _thicken(trace, factor: float) -> None:
    """Lines ``factor`` times wider and markers ``factor`` times larger: those a chart sized, and a
    scatter's unset ones (plotly.js's defaults); surfaces, images and bars keep theirs."""
    scatter = hasattr(trace, "mode")
    line = getattr(trace, "line", None)
    if line is not None and "width" in line and (line.width is not None or scatter):
        line.width = (line.width if line.width is not None else LINE) * factor
    marker = getattr(trace, "marker", None)
    if marker is not None and "size" in marker and (marker.size is not None or scatter):
        size = marker.size if marker.size is not None else MARKER
        marker.size = np.asarray(size) * factor if np.ndim(size) else size * factor

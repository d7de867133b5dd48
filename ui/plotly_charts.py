"""The Plotly chart builders the pages share (loss curves, what D says, real-vs-generated scatter, a
picture) and the app's colours: real = teal, generated = violet, D = red, G = blue. Page-specific
charts live beside their page (``ui/landscape.py``, ``ui/mode_collapse.py``, ...)."""
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


def curves(history: dict[str, list[float]], series: dict[str, tuple[str, str]], title: str,
           yaxis: str = "") -> go.Figure:
    """Line chart of history columns: ``series`` maps a column to (legend name, colour)."""
    fig = go.Figure()
    steps = history.get("step", [])
    for column, (name, color) in series.items():
        if column in history:
            fig.add_trace(go.Scattergl(x=steps, y=history[column], name=name, mode="lines",
                                       line=dict(color=color, width=1.8)))
    return apply_layout(fig, title, xaxis_title="step", yaxis_title=yaxis)


def loss_curves(history: dict) -> go.Figure:
    return curves(history, {"d_loss": ("D loss", D_COLOR), "g_loss": ("G loss", G_COLOR)}, "Losses", "loss")


def discriminator_curves(history: dict, probabilistic: bool) -> go.Figure:
    label = "D(x)" if probabilistic else "critic(x)"
    fig = curves(history, {"d_real": (f"{label} on real", REAL), "d_fake": (f"{label} on generated", FAKE)},
                 "What the discriminator says", "mean output")
    if probabilistic:
        fig.add_hline(y=0.5, line_dash="dot", line_color="#9ca3af", annotation_text="equilibrium 0.5")
    return fig


def scatter(real: np.ndarray, fake: np.ndarray, extent=None, title: str = "Real vs generated") -> go.Figure:
    fig = go.Figure([
        go.Scattergl(x=real[:, 0], y=real[:, 1], mode="markers", name="real",
                     marker=dict(color=REAL, size=4, opacity=0.5)),
        go.Scattergl(x=fake[:, 0], y=fake[:, 1], mode="markers", name="generated",
                     marker=dict(color=FAKE, size=4, opacity=0.7)),
    ])
    if extent is not None:
        fig.update_xaxes(range=list(extent[:2]))
        fig.update_yaxes(range=list(extent[2:]), scaleanchor="x", scaleratio=1)
    return apply_layout(fig, title, height=420)


def image(array: np.ndarray, title: str = "", height: int = 420) -> go.Figure:
    """An (H, W, 3) uint8 picture without axes."""
    import plotly.express as px

    fig = px.imshow(array)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return apply_layout(fig, title, height=height)

"""Plotly figures built from what the core returns. Colours: real = teal, generated = violet."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

REAL = "#0d9488"
FAKE = "#7c3aed"
D_COLOR = "#dc2626"
G_COLOR = "#2563eb"


def _layout(fig: go.Figure, title: str, height: int = 300, **kwargs) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1), **kwargs)
    return fig


def curves(history: dict[str, list[float]], series: dict[str, tuple[str, str]], title: str,
           yaxis: str = "") -> go.Figure:
    """Line chart of history columns: ``series`` maps a column to (legend name, colour)."""
    fig = go.Figure()
    steps = history.get("step", [])
    for column, (name, color) in series.items():
        if column in history:
            fig.add_trace(go.Scattergl(x=steps, y=history[column], name=name, mode="lines",
                                       line=dict(color=color, width=1.8)))
    return _layout(fig, title, xaxis_title="step", yaxis_title=yaxis)


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
    return _layout(fig, title, height=420)


def image(array: np.ndarray, title: str = "", height: int = 420) -> go.Figure:
    """An (H, W, 3) uint8 picture without axes."""
    import plotly.express as px

    fig = px.imshow(array)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=height)

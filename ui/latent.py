"""Figures for the Latent explorer page: the norm profile of an interpolation, and a strip of
images played as an animation."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.plotly_charts import FAKE, apply_layout

LINEAR = "#9ca3af"


def norm_profile(norms: dict[str, np.ndarray], expected: float) -> go.Figure:
    """|z_t| along each interpolation path, against the norm where the prior's mass lies."""
    fig = go.Figure()
    for name, values in norms.items():
        t = np.linspace(0, 1, len(values))
        fig.add_trace(go.Scatter(x=t, y=values, name=name, mode="lines+markers",
                                 line=dict(color=FAKE if name == "slerp" else LINEAR, width=2)))
    fig.add_hline(y=expected, line_dash="dot", line_color="#0d9488", annotation_position="bottom right",
                  annotation_text=f"typical |z| = √d ≈ {expected:.1f}")
    return apply_layout(fig, "Latent norm along the path", height=260, xaxis_title="t", yaxis_title="|z_t|")


def animation(frames: np.ndarray, title: str, frame_ms: int = 150) -> go.Figure:
    """(T, H, W, 3) uint8 frames as a Plotly animation with play/pause and a step slider."""
    import plotly.express as px

    fig = px.imshow(frames, animation_frame=0, binary_string=True, labels=dict(animation_frame="step"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.layout.updatemenus[0].buttons[0].args[1]["frame"]["duration"] = frame_ms
    fig.layout.updatemenus[0].buttons[0].args[1]["transition"]["duration"] = 0
    return apply_layout(fig, title, height=380)

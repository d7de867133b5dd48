"""Figures for the Latent explorer page: the norm profile of an interpolation, a strip of images
played as an animation, and for shapes generators what each direction moves and the factors
along a path (drawn as Vega-Lite: they sit in the sliders' fragment, redrawn at every move, where a
keyed Vega-Lite chart keeps its element; see ui/vega_charts.py)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganviz.latent.naming import PROFILE_FACTORS, FactorProfile
from ui import present
from ui.plotly_charts import FAKE, G_COLOR, REAL, apply_layout
from ui.vega_charts import chart, curves, frame

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


BAR_HEIGHT = 96  # px: one small chart beside each direction's slider, a 16 px band per factor
MUTED = "#d1d5db"


def factor_bars(profile: FactorProfile, i: int, style: present.Style | None = None) -> dict:
    """What direction i moves, one bar per factor from -1 to 1 (r, or for shape and colour the
    share of images turned into a class); the factor it moves most in violet, the rest grey."""
    style = style or present.style()
    values = profile.correlations[i]
    top = profile.top(i)
    bars = frame({"factor": list(PROFILE_FACTORS), "value": values,
                  "label": [profile.label(i, f) for f in PROFILE_FACTORS],
                  "text": [profile.value(i, f) for f in PROFILE_FACTORS],
                  "top": [f == top for f in PROFILE_FACTORS]})
    spec = {"data": {"name": "bars"}, "mark": "bar",
            "encoding": {"y": {"field": "factor", "type": "nominal", "sort": list(PROFILE_FACTORS), "title": None,
                               "axis": {"labelOverlap": False}},  # Vega hides every other name in a small chart
                         "x": {"field": "value", "type": "quantitative", "title": None,
                               "scale": {"domain": [-1, 1]},
                               "axis": {"values": [-1, 0, 1], "format": "d", "labelFlush": True}},
                         "color": {"field": "top", "type": "nominal", "legend": None,
                                   "scale": {"domain": [True, False], "range": [FAKE, MUTED]}},
                         "tooltip": [{"field": "label", "title": "factor"}, {"field": "text", "title": "moves"}]}}
    return chart(spec, {"bars": bars}, f"What PC{i + 1} moves", style, height=BAR_HEIGHT, small=True)


# the factors measured in shares of the image side, drawn along a path: (legend name, colour).
# Rotation is in degrees, on no common axis with them, and is left out.
PATH_SERIES = {"x": ("x (right)", FAKE), "y": ("y (down)", REAL), "scale": ("scale", G_COLOR)}


def factor_curves(along: dict, title: str, style: present.Style | None = None) -> dict:
    """x, y and scale at each step of a path, as the shape factor network reads them."""
    history = {"step": np.arange(1, len(along["x"]) + 1), **{f: along[f] for f in PATH_SERIES}}
    return curves(history, PATH_SERIES, title, "share of the side", style=style)


def factor_runs(along: dict) -> str:
    """The shape and colour at each step of a path, consecutive equal steps together:
    "red star (steps 1–5) → blue star (6–8)"."""
    names = [f"{colour} {shape}" for shape, colour in zip(along["shape"], along["colour"])]
    runs, start = [], 0
    for j in range(1, len(names) + 1):
        if j == len(names) or names[j] != names[start]:
            runs.append(f"{names[start]} ({'step' if j - start == 1 else 'steps'} "
                        f"{start + 1}{'' if j - start == 1 else f'–{j}'})")
            start = j
    return " → ".join(runs)

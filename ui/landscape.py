"""Plotly figures of the Minimax landscape page, built from what ``ganviz.landscape`` returns.

The Dirac-GAN views put the generator's parameter θ on the x axis and the discriminator's ψ on
the y axis; the trajectory is animated with Plotly frames (play button and step slider).
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui import present
from ui.plotly_charts import D_COLOR, FAKE, G_COLOR, REAL, TITLE_FONT, restyle

PATH_COLOR = "#f59e0b"
MAX_FRAMES = 60
MAX_PATH_POINTS = 600   # a longer trajectory is drawn through every k-th point
MAX_CURVE_POINTS = 801  # 1D densities are computed on a finer grid than a chart needs
ARROWS_PER_AXIS = 21


def _f32(a) -> np.ndarray:
    """float32 for the browser: Plotly ships arrays as typed binary, so this halves the figure."""
    return np.asarray(a, dtype=np.float32)


def _thin(path: dict) -> dict:
    """At most MAX_PATH_POINTS points of a trajectory, always keeping its last one."""
    n = len(path["step"])
    keep = np.unique(np.r_[np.arange(0, n, max(1, -(-n // MAX_PATH_POINTS))), n - 1])
    thin = {k: (v[keep] if isinstance(v, np.ndarray) and len(v) == n else v) for k, v in path.items()}
    return thin | {k: _f32(thin[k]) for k in ("psi", "theta", "d_loss", "g_loss")}


def _layout(fig: go.Figure, title: str, height: int, legend: str = "top") -> go.Figure:
    """Title on top; the legend under it ("top") or under the plot ("bottom", for subplots whose
    titles sit where a top legend would); text, markers and lines in the session's style. Both
    title and top legend are placed in the figure's own coordinates, so the plot moves down as far
    as they need: a legend wrapped onto more rows, or larger text, never covers the title."""
    fig.update_layout(title=dict(text=title, yref="container", y=1, yanchor="top", pad=dict(t=8), automargin=True),
                      height=height, margin=dict(l=10, r=10, t=40, b=90 if legend == "bottom" else 10))
    restyle(fig)
    title_px = TITLE_FONT * present.style().font_ratio
    where = (dict(yref="container", y=1 - (1.3 * title_px + 12) / fig.layout.height, yanchor="top", xanchor="left",
                  x=0) if legend == "top" else dict(yanchor="top", y=-0.3, xanchor="center", x=0.5))
    return fig.update_layout(legend=dict(orientation="h", **where))


def _frame_ends(n_points: int) -> list[int]:
    """Path lengths shown by the animation frames: at most MAX_FRAMES, always ending at the whole path."""
    return sorted({max(1, round(k)) for k in np.linspace(1, n_points, min(MAX_FRAMES, n_points))})


def _animate(fig: go.Figure, traces: list[int], frame_data, ends: list[int], steps: np.ndarray) -> None:
    """Frames that redraw only the trajectory ``traces``; a slider and play/pause buttons drive them,
    under the x axis title (further down for larger text)."""
    fig.frames = [go.Frame(name=str(k), traces=traces, data=frame_data(k)) for k in ends]
    play = dict(frame=dict(duration=60, redraw=True), fromcurrent=True, transition=dict(duration=0))
    grow = present.style().font_ratio
    below = -0.16 * grow  # in the plot's heights: Plotly places a player nowhere else
    fig.update_layout(
        margin_b=120 * grow,  # room under the x axis title for the player
        updatemenus=[dict(type="buttons", direction="left", x=0, y=below, xanchor="left", yanchor="top",
                          pad=dict(t=10, r=10), showactive=False,
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="Pause", method="animate",
                                        args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))])])],
        sliders=[dict(active=len(ends) - 1, x=0.3, len=0.7, y=below, yanchor="top", pad=dict(t=0),
                      currentvalue=dict(prefix="step ", xanchor="right"),
                      steps=[dict(label=str(int(steps[k - 1])), method="animate",
                                  args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
                             for k in ends])])


def _path_value(path: dict, which: str) -> np.ndarray:
    return -path["d_loss"] if which == "value" else path["g_loss"]


def _arrows(surface: dict, extent: float) -> go.Scatter:
    """The vector field as arrows on a coarse grid; length ∝ sqrt(speed) so slow regions still show."""
    axis = surface["theta"]
    idx = np.unique(np.linspace(0, len(axis) - 1, ARROWS_PER_AXIS).round().astype(int))
    theta, psi = np.meshgrid(axis[idx], surface["psi"][idx])
    u = surface["field_theta"][np.ix_(idx, idx)]
    v = surface["field_psi"][np.ix_(idx, idx)]
    speed = np.hypot(u, v)
    top = speed.max() if np.isfinite(speed).all() and speed.max() > 0 else 1.0
    length = 0.9 * (2 * extent / (len(idx) - 1)) * np.sqrt(speed / top)
    with np.errstate(invalid="ignore", divide="ignore"):
        ux, vy = np.where(speed > 0, u / speed, 0) * length, np.where(speed > 0, v / speed, 0) * length
    x1, y1 = theta + ux, psi + vy
    gap = np.full_like(x1, np.nan)  # NaN breaks the line between segments
    barb = lambda p1, d_along, d_across, sign: p1 - 0.3 * d_along + sign * 0.2 * d_across
    xs = np.stack([theta, x1, gap, x1, barb(x1, ux, -vy, 1), gap, x1, barb(x1, ux, -vy, -1), gap], -1)
    ys = np.stack([psi, y1, gap, y1, barb(y1, vy, ux, 1), gap, y1, barb(y1, vy, ux, -1), gap], -1)
    xs, ys = _f32(xs.ravel()), _f32(ys.ravel())
    return go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="rgba(31,41,55,0.55)", width=1),
                      name="gradient flow", hoverinfo="skip")


def dirac_flow(surface: dict, path: dict, which: str = "value") -> go.Figure:
    """Contour of the surface, the vector field, and the animated trajectory (x: θ, y: ψ)."""
    extent = float(surface["theta"][-1])
    z, path = _f32(surface[which]), _thin(path)
    fig = go.Figure([
        go.Contour(x=surface["theta"], y=surface["psi"], z=z, colorscale="RdBu_r", ncontours=30, opacity=0.75,
                   line=dict(width=0.5), colorbar=dict(title="V" if which == "value" else "L_G", len=0.8),
                   hovertemplate="θ %{x:.2f}<br>ψ %{y:.2f}<br>%{z:.3f}<extra></extra>"),
        _arrows(surface, extent),
        go.Scatter(x=[0], y=[0], mode="markers", name="equilibrium",
                   marker=dict(symbol="star", size=16, color="#facc15", line=dict(color="black", width=1))),
        go.Scatter(x=path["theta"][:1], y=path["psi"][:1], mode="markers", name="start",
                   marker=dict(size=10, color="white", line=dict(color="black", width=2))),
        go.Scatter(x=path["theta"], y=path["psi"], mode="lines", name="trajectory",
                   line=dict(color=PATH_COLOR, width=2.5)),
        go.Scatter(x=path["theta"][-1:], y=path["psi"][-1:], mode="markers", name="now",
                   marker=dict(size=11, color=PATH_COLOR, line=dict(color="black", width=1))),
    ])
    fig.update_xaxes(title="θ (generator: where the fake point sits)", range=[-extent, extent])
    fig.update_yaxes(title="ψ (discriminator slope)", range=[-extent, extent], scaleanchor="x", scaleratio=1)
    _layout(fig, "Gradient flow and the trajectory", 600)
    _animate(fig, [4, 5], lambda k: [go.Scatter(x=path["theta"][:k], y=path["psi"][:k]),
                                     go.Scatter(x=path["theta"][k - 1:k], y=path["psi"][k - 1:k])],
             _frame_ends(len(path["step"])), path["step"])
    return fig


def dirac_surface(surface: dict, path: dict, which: str = "value") -> go.Figure:
    """The value surface in 3D with the trajectory riding on it."""
    extent = float(surface["theta"][-1])
    z, path = _f32(surface[which]), _thin(path)
    ride = _path_value(path, which)
    inside = (np.abs(path["theta"]) <= extent) & (np.abs(path["psi"]) <= extent)
    ride = _f32(np.where(inside, ride, np.nan))  # off the plotted square the path is not drawn
    fig = go.Figure([
        go.Surface(x=surface["theta"], y=surface["psi"], z=z, colorscale="RdBu_r", opacity=0.9, showscale=False,
                   hovertemplate="θ %{x:.2f}<br>ψ %{y:.2f}<br>%{z:.3f}<extra></extra>"),
        go.Scatter3d(x=path["theta"], y=path["psi"], z=ride, mode="lines", name="trajectory",
                     line=dict(color=PATH_COLOR, width=6)),
        go.Scatter3d(x=path["theta"][-1:], y=path["psi"][-1:], z=ride[-1:], mode="markers", name="now",
                     marker=dict(size=5, color=PATH_COLOR, line=dict(color="black", width=1))),
    ])
    title = "V(ψ, θ) = −L_D: D climbs it" if which == "value" else "L_G(ψ, θ): G descends it"
    fig.update_layout(scene=dict(xaxis_title="θ (G)", yaxis_title="ψ (D)", zaxis_title="V" if which == "value" else "L_G",
                                 xaxis=dict(range=[-extent, extent]), yaxis=dict(range=[-extent, extent]),
                                 camera=dict(eye=dict(x=1.5, y=-1.5, z=1.0))))
    _layout(fig, title, 600)
    _animate(fig, [1, 2], lambda k: [go.Scatter3d(x=path["theta"][:k], y=path["psi"][:k], z=ride[:k]),
                                     go.Scatter3d(x=path["theta"][k - 1:k], y=path["psi"][k - 1:k],
                                                  z=ride[k - 1:k])],
             _frame_ends(len(path["step"])), path["step"])
    return fig


def dirac_distance(path: dict) -> go.Figure:
    """Distance to the equilibrium (the steps the verdict was read from shaded) and both losses."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("distance to the equilibrium (0, 0)", "losses"))
    fig.add_trace(go.Scatter(x=path["step"], y=path["distance"], name="‖(ψ, θ)‖", line=dict(color=PATH_COLOR)), 1, 1)
    window = path["verdict"]
    fig.add_vrect(x0=window.start, x1=window.end, fillcolor=PATH_COLOR, opacity=0.12, line_width=0, row=1, col=1,
                  annotation_text="verdict read here", annotation_position="top left")
    fig.add_trace(go.Scatter(x=path["step"], y=path["d_loss"], name="D loss", line=dict(color=D_COLOR)), 1, 2)
    fig.add_trace(go.Scatter(x=path["step"], y=path["g_loss"], name="G loss", line=dict(color=G_COLOR)), 1, 2)
    fig.update_xaxes(title="step")
    return _layout(fig, "", 320, legend="bottom")


def optimal_discriminator(report: dict) -> go.Figure:
    """p_data, p_g and D*(x) = p_data / (p_data + p_g) on a second axis."""
    every = max(1, -(-len(report["x"]) // MAX_CURVE_POINTS))
    report = {k: _f32(report[k][::every]) for k in ("x", "p_data", "p_g", "d_star")}
    x = report["x"]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=x, y=report["p_data"], name="p_data (real)", fill="tozeroy",
                             line=dict(color=REAL)), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=report["p_g"], name="p_g (generated)", fill="tozeroy",
                             line=dict(color=FAKE)), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=report["d_star"], name="D*(x)", line=dict(color=D_COLOR, width=3)),
                  secondary_y=True)
    fig.add_hline(y=0.5, line_dash="dot", line_color="#9ca3af", secondary_y=True)
    fig.update_yaxes(title="density", secondary_y=False)
    fig.update_yaxes(title="D*(x)", range=[-0.02, 1.02], tickmode="array", tickvals=[0, 0.25, 0.5, 0.75, 1],
                     showgrid=False, secondary_y=True)
    fig.update_xaxes(title="x")
    return _layout(fig, "The optimal discriminator", 380)


def divergence_vs_shift(shifts: dict, current: float | None = None) -> go.Figure:
    """JSD and W1 as p_g slides past p_data: JSD flattens at log 2, W1 keeps its slope."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("divergence", "its slope: the signal G gets"))
    s = shifts["shift"]
    fig.add_trace(go.Scatter(x=s, y=shifts["jsd"], name="JSD", line=dict(color=D_COLOR, width=2.5)), 1, 1)
    fig.add_trace(go.Scatter(x=s, y=shifts["wasserstein"], name="Wasserstein-1", line=dict(color=G_COLOR, width=2.5)), 1, 1)
    fig.add_trace(go.Scatter(x=s, y=shifts["jsd_slope"], name="dJSD/ds", showlegend=False,
                             line=dict(color=D_COLOR, dash="dot")), 1, 2)
    fig.add_trace(go.Scatter(x=s, y=shifts["wasserstein_slope"], name="dW1/ds", showlegend=False,
                             line=dict(color=G_COLOR, dash="dot")), 1, 2)
    fig.add_hline(y=math.log(2), line_dash="dot", line_color="#9ca3af", annotation_text="log 2", row=1, col=1)
    if current is not None:
        for col in (1, 2):
            fig.add_vline(x=current, line_color=FAKE, line_dash="dash", row=1, col=col)
    fig.update_xaxes(title="shift s of p_g = p_data(x − s)")
    return _layout(fig, "", 360, legend="bottom")


def loss_slice(result: dict) -> go.Figure:
    """The network slice: 3D surface and contour side by side, the current weights marked."""
    a, b, z = result["alpha"], result["beta"], result["loss"]
    fig = make_subplots(rows=1, cols=2, specs=[[{"type": "surface"}, {"type": "xy"}]],
                        subplot_titles=("surface", "contour (★ = current weights)"))
    fig.add_trace(go.Surface(x=b, y=a, z=z, colorscale="Viridis", showscale=False,
                             hovertemplate="β %{x:.2f}<br>α %{y:.2f}<br>loss %{z:.4f}<extra></extra>"), 1, 1)
    fig.add_trace(go.Scatter3d(x=[0], y=[0], z=[result["center_loss"]], mode="markers", name="current weights", showlegend=False,
                               marker=dict(size=5, color="#facc15", line=dict(color="black", width=1))), 1, 1)
    fig.add_trace(go.Contour(x=b, y=a, z=z, colorscale="Viridis", ncontours=25,
                             colorbar=dict(title="loss", len=0.8)), 1, 2)
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", showlegend=False,
                             marker=dict(symbol="star", size=16, color="#facc15", line=dict(color="black", width=1))),
                  1, 2)
    fig.update_xaxes(title="β (direction 2)", row=1, col=2)
    fig.update_yaxes(title="α (direction 1)", row=1, col=2)
    fig.update_layout(scene=dict(xaxis_title="β", yaxis_title="α", zaxis_title="loss"))
    who = "discriminator" if result["player"] == "discriminator" else "generator"
    return _layout(fig, f"{who} loss ({result['loss_name']}) around the weights at step {result['step']}", 520)

"""Figures and helpers of the "Mode collapse" page: GAN Lab's plane view (D's heatmap, real and
generated samples, G's gradient arrows, the generator manifold), the per-mode coverage bar, the
metric curves, and the click-to-place editor for a user-drawn mixture."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.figures import FAKE, REAL, _layout

ARM_COLORS = {"plain": "#6b7280", "treated": FAKE}
# D's verdict: violet where D says "generated", white at 1/2, teal where it says "real"
VERDICT_SCALE = [[0.0, "#ddd6fe"], [0.5, "#ffffff"], [1.0, "#99f6e4"]]
COMPONENT_COLORS = ["#7c3aed", "#db2777", "#ea580c", "#ca8a04", "#2563eb", "#0891b2", "#65a30d", "#9333ea"]
EDITOR_EXTENT = (-5.0, 5.0, -5.0, 5.0)
EDITOR_STEP = 0.25


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[list, list]:
    """One polyline trace for many segments: x0, x1, None, x0, x1, None, ..."""
    xs = np.stack([starts[:, 0], ends[:, 0], np.full(len(starts), np.nan)], 1).ravel()
    ys = np.stack([starts[:, 1], ends[:, 1], np.full(len(starts), np.nan)], 1).ravel()
    return xs.tolist(), ys.tolist()


def _grid_lines(warped: np.ndarray) -> tuple[list, list]:
    """Rows and columns of a warped (res, res, 2) grid as one polyline with gaps."""
    lines = [warped[i] for i in range(warped.shape[0])] + [warped[:, j] for j in range(warped.shape[1])]
    xs, ys = [], []
    for line in lines:
        xs += line[:, 0].tolist() + [None]
        ys += line[:, 1].tolist() + [None]
    return xs, ys


def plane(view: dict, title: str, *, heatmap: bool = True, arrows: bool = True, manifold: bool = False,
          means: np.ndarray | None = None, height: int = 430) -> go.Figure:
    """GAN Lab's main view from :func:`ganviz.toyviz.toy_view`."""
    xmin, xmax, ymin, ymax = view["extent"]
    fig = go.Figure()
    if heatmap:
        hm = view["heatmap"]
        prob = hm["probabilistic"]
        fig.add_trace(go.Heatmap(x=hm["x"], y=hm["y"], z=hm["z"], colorscale=VERDICT_SCALE,
                                 zmin=0 if prob else None, zmax=1 if prob else None,
                                 zmid=None if prob else float(np.median(hm["z"])), showscale=False,
                                 name="D(x)" if prob else "critic(x)",
                                 hovertemplate=("D(x)" if prob else "critic(x)") + "=%{z:.2f}<extra></extra>"))
    if manifold and "manifold" in view:
        for i, warped in enumerate(view["manifold"]):
            xs, ys = _grid_lines(warped)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="G manifold" if i == 0 else None,
                                     showlegend=i == 0, hoverinfo="skip",
                                     line=dict(color="rgba(124,58,237,0.35)", width=1)))
    if means is not None and len(means):
        fig.add_trace(go.Scatter(x=means[:, 0], y=means[:, 1], mode="markers", name="mode centres",
                                 marker=dict(symbol="circle-open", size=14, line=dict(width=1, color="#5eead4")),
                                 hovertemplate="mode centre (%{x:.2f}, %{y:.2f})<extra></extra>"))
    real, fake = view["real"], view["fake"]
    fig.add_trace(go.Scattergl(x=real[:, 0], y=real[:, 1], mode="markers", name="real",
                               marker=dict(color=REAL, size=4, opacity=0.55)))
    if view.get("component") is not None:
        colors = [COMPONENT_COLORS[c % len(COMPONENT_COLORS)] for c in view["component"]]
        fake_marker = dict(color=colors, size=4, opacity=0.8)
    else:
        fake_marker = dict(color=FAKE, size=4, opacity=0.8)
    fig.add_trace(go.Scattergl(x=fake[:, 0], y=fake[:, 1], mode="markers", name="generated", marker=fake_marker))
    if arrows:
        grads = view["arrows"]
        longest = float(np.linalg.norm(grads, axis=1).max()) or 1.0
        scale = 0.08 * (xmax - xmin) / longest
        every = max(1, len(fake) // 128)  # GAN Lab draws a subset; a forest of arrows hides the points
        xs, ys = _segments(fake[::every], fake[::every] + scale * grads[::every])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="G's gradient", hoverinfo="skip",
                                 line=dict(color="#1f2937", width=1)))
    fig.update_xaxes(range=[xmin, xmax], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[ymin, ymax], scaleanchor="x", scaleratio=1, showgrid=False, zeroline=False)
    return _layout(fig, title, height=height)


def coverage(report: dict, title: str) -> go.Figure:
    """Share of generated samples nearest each mode; covered modes solid, missed ones grey."""
    k = report["num_modes"]
    mass = 100 * np.asarray(report["mass"])
    colors = [FAKE if c else "#d1d5db" for c in report["covered"]]
    text = [f"{int(n)} HQ" for n in report["hq_counts"]]
    fig = go.Figure(go.Bar(x=[str(i + 1) for i in range(k)], y=mass, marker_color=colors, text=text,
                           hovertemplate="mode %{x}: %{y:.1f}% of samples, %{text}<extra></extra>"))
    fig.add_hline(y=100 / k, line_dash="dot", line_color=REAL, annotation_text="fair share")
    fig.update_traces(textposition="none")
    return _layout(fig, title, height=220, xaxis_title="mode", yaxis_title="% of samples", showlegend=False)


def timeline(history: dict, metric: str, label: str, names: dict[str, str], height: int = 240) -> go.Figure:
    """A metric of both arms over training steps (history columns ``plain.<metric>`` ...)."""
    fig = go.Figure()
    for arm, name in names.items():
        column = f"{arm}.{metric}"
        if column in history:
            few = len(history["step"]) < 30  # markers until there is a line to see
            fig.add_trace(go.Scatter(x=history["step"], y=history[column], mode="lines+markers" if few else "lines",
                                     name=name, line=dict(color=ARM_COLORS[arm], width=2), marker=dict(size=5)))
    _layout(fig, label, height=height, xaxis_title="step")
    return fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.45, xanchor="left", x=0))


# -- the click-to-place editor ----------------------------------------------------------------------

def editor(means: list[list[float]], std: float) -> go.Figure:
    """A faint lattice of clickable spots (click one to add a component there) and the components
    (click one to remove it). Plotly reports clicks on points only, hence the lattice."""
    xmin, xmax, ymin, ymax = EDITOR_EXTENT
    ticks = np.arange(xmin, xmax + 1e-9, EDITOR_STEP)
    gx, gy = np.meshgrid(ticks, ticks)
    fig = go.Figure(go.Scatter(x=gx.ravel(), y=gy.ravel(), mode="markers", name="click to add",
                               marker=dict(size=7, color="rgba(13,148,136,0.08)"),
                               hovertemplate="add a mode at (%{x:.2f}, %{y:.2f})<extra></extra>"))
    pts = np.asarray(means, dtype=float).reshape(-1, 2)
    fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name="components (click to remove)",
                             marker=dict(size=max(8, 60 * std), color=REAL, line=dict(color="white", width=1)),
                             hovertemplate="remove (%{x:.2f}, %{y:.2f})<extra></extra>"))
    fig.update_xaxes(range=[xmin - 0.3, xmax + 0.3])
    fig.update_yaxes(range=[ymin - 0.3, ymax + 0.3], scaleanchor="x", scaleratio=1)
    return _layout(fig, "Click to place mixture components", height=420)


def apply_click(means: list[list[float]], points: list[dict]) -> list[list[float]]:
    """The components after a click, which toggles: a click on a component (or on the lattice spot
    it sits on; Plotly may report either or both) removes it, a click on a free spot adds one."""
    means = [list(m) for m in means]
    spots = {(round(float(p["x"]), 3), round(float(p["y"]), 3)): p.get("curve_number", 0) for p in points}
    for (x, y), curve in spots.items():
        taken = [m for m in means if abs(m[0] - x) < 1e-6 and abs(m[1] - y) < 1e-6]
        if taken or curve == 1:
            means = [m for m in means if m not in taken]
        else:
            means.append([x, y])
    return means


def parse_means(text: str) -> list[list[float]]:
    """'x, y' per line (or ';'-separated) -> [[x, y], ...]; ValueError names the bad line."""
    means = []
    for i, line in enumerate(text.replace(";", "\n").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        parts = line.replace(",", " ").split()
        try:
            x, y = (float(v) for v in parts)
        except ValueError:
            raise ValueError(f"line {i}: expected two numbers 'x, y', got {line!r}") from None
        if not (np.isfinite(x) and np.isfinite(y)):
            raise ValueError(f"line {i}: coordinates must be finite, got {line!r}")
        means.append([x, y])
    return means


def format_means(means: list[list[float]]) -> str:
    return "\n".join(f"{x:g}, {y:g}" for x, y in means)

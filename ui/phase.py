"""The phase diagram's figure: one coloured cell per GAN of the grid, clickable."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.plotly_charts import apply_layout


def _tick(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def phase_grid(result: dict, selected: int | None = None) -> go.Figure:
    """Modes covered per cell (``PhaseDiagram.result()``): a heatmap, with a transparent marker on
    every cell so a click selects it (its ``customdata`` is the member index)."""
    xs, ys = result["x"]["values"], result["y"]["values"]
    modes = np.array(result["modes"], dtype=float)
    quality = np.array(result["high_quality"], dtype=float)
    diverged = np.array(result["diverged_at"]) > 0
    rows, cols = np.meshgrid(np.arange(len(ys)), np.arange(len(xs)), indexing="ij")
    k = result["num_modes"]
    label = np.where(diverged, "✕", np.where(np.isnan(modes), "", np.nan_to_num(modes).astype(int).astype(str)))
    hover = [f"{result['x']['label']} = {_tick(xs[c])}<br>{result['y']['label']} = {_tick(ys[r])}<br>"
             + ("diverged at step " + str(int(result["diverged_at"][r][c])) if diverged[r, c] else
                "not scored yet" if np.isnan(modes[r, c]) else
                f"{int(modes[r, c])} / {k} modes, {quality[r, c]:.0f}% high quality")
             for r, c in zip(rows.ravel(), cols.ravel())]
    fig = go.Figure([
        go.Heatmap(z=modes, zmin=0, zmax=k, colorscale="Viridis", hoverinfo="skip",
                   colorbar=dict(title="modes<br>covered")),
        go.Scatter(x=cols.ravel(), y=rows.ravel(), mode="markers+text", text=label.ravel(),
                   customdata=np.arange(modes.size), hovertext=hover, hoverinfo="text",
                   textfont=dict(color="white", size=13),
                   marker=dict(symbol="square", size=28, color="rgba(0,0,0,0)",
                               line=dict(width=[3 if i == selected else 0 for i in range(modes.size)],
                                         color="#f97316"))),
    ])
    fig.update_xaxes(tickvals=list(range(len(xs))), ticktext=[_tick(v) for v in xs], title=result["x"]["label"])
    fig.update_yaxes(tickvals=list(range(len(ys))), ticktext=[_tick(v) for v in ys], title=result["y"]["label"])
    title = f"Modes covered of {k} on {result['data']} after {result['step']:,} steps"
    return apply_layout(fig, title, height=120 + 48 * len(ys), showlegend=False, clickmode="event+select")

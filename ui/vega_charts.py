"""The live charts the pages share, as Vega-Lite specs the browser draws: training curves (losses,
what D says), real-vs-generated samples, and the spec wrapper and keyed element every live chart
goes through (the Mode collapse page's charts too). Colours are the app's (``ui.plotly_charts``).

Why Vega-Lite and not Plotly for what refreshes: Streamlit (1.67) gives every Plotly chart an
element id hashed from its figure, so each refresh with new data unmounts the chart and builds a
new one (blank until it is drawn, and a new WebGL context each time for Scattergl); and
``st.plotly_chart`` validates every figure through ``plotly.graph_objects`` (a plain dict too),
which made a Train page poll cost the server a large share of a core (docs/benchmarks.md). A keyed
Vega-Lite chart whose spec stays the same keeps its element and swaps only its named datasets,
sent as Arrow tables. So every spec here depends on the chart's settings only, never on the data.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st

from ui import present
from ui.plotly_charts import D_COLOR, FAKE, G_COLOR, REAL

# Drawn on a canvas, without ARIA attributes: Vega's default SVG renderer rebuilds a DOM node per
# mark (some 5,000 per refresh for the Mode collapse page's two planes), which cost the browser most
# of the CPU time that training shares with it on a small machine (docs/benchmarks.md).
CANVAS = {"usermeta": {"embedOptions": {"renderer": "canvas"}}, "config": {"aria": False}}
SCATTER_SIZE = 360  # px, a square: x and y to scale
CURVE_HEIGHT = 220  # px of plot under a curve chart's title and legend


def frame(rows: dict) -> pd.DataFrame:
    """A table of equally long columns (arrays of any shape, flattened)."""
    return pd.DataFrame({k: np.asarray(v).ravel() for k, v in rows.items()})


def area(size: float, style: present.Style) -> float:
    """A Vega point size (an area, px²) for ``style``: markers grow by ``style.scale`` across."""
    return size * style.scale ** 2


def chart(spec: dict, datasets: dict[str, pd.DataFrame], title: str, style: present.Style, *, height: int,
          width: int | None = None, small: bool = False) -> dict:
    """A titled spec drawn on a canvas, its text sized by ``style`` (a ``small`` chart, one of a
    row of five, has its title in the size of its labels, so that the title fits its width). A
    plane (``width``, x and y to scale) keeps Streamlit's fit of title and axes into its square; a
    chart as wide as its column keeps a plot ``height`` tall (times the style's), since Streamlit's
    fit left larger text a sliver of plot."""
    heading = {"text": title, "anchor": "start", "fontSize": style.font if small else style.title}
    size = ({"width": width, "height": height} if width else
            {"height": round(height * style.height), "autosize": {"type": "fit-x", "contains": "padding"}})
    text = {"labelFontSize": style.font, "titleFontSize": style.font}
    return {"title": heading, **size, **spec, **CANVAS, "config": {**CANVAS["config"], "axis": text, "legend": text},
            "datasets": datasets}


def live_chart(key: str, spec: dict) -> None:
    """A chart that keeps its element between refreshes (same key, same spec; new data only);
    as wide as its column unless the spec fixes its width (planes keep x and y to scale)."""
    with st.container(key=key):
        st.vega_lite_chart(spec=spec, key=f"{key}_chart", width="content" if "width" in spec else "stretch")


def _legend(names: list[str], colors: list[str]) -> dict:
    """The colour scale of named series, its legend above the plot in one row, as Plotly's was."""
    return {"scale": {"domain": names, "range": colors},
            "legend": {"title": None, "orient": "top", "direction": "horizontal", "labelLimit": 0}}


def curves(history: dict[str, list[float]], series: dict[str, tuple[str, str]], title: str, yaxis: str = "", *,
           log: bool = False, style: present.Style | None = None) -> dict:
    """Line chart of history columns: ``series`` maps a column to (legend name, colour); ``log``
    draws the y axis on a log scale. Drawn in ``style`` (default: the session's). The columns go
    to the browser side by side, as numbers only, and Vega folds them into one line each: a long
    table with a name on every row cost the server most of the chart's time."""
    style = style or present.style()
    shown = [column for column in series if column in history]
    lines = frame({"step": history.get("step", []), **{column: history[column] for column in shown}})
    names = {column: name for column, (name, _) in series.items()}
    y = {"field": "value", "type": "quantitative", "title": yaxis or None, "scale": {"zero": False}}
    if log:
        y["scale"] = {"type": "log"}
    layers = [{"data": {"name": "lines"}, "mark": {"type": "line", "strokeWidth": 1.8 * style.scale, "clip": True},
               "transform": [{"fold": list(series), "as": ["column", "value"]},
                             {"calculate": f"{json.dumps(names)}[datum.column]", "as": "series"}],
               "encoding": {"x": {"field": "step", "type": "quantitative", "title": "step"}, "y": y,
                            "color": {"field": "series", "type": "nominal",
                                      **_legend(list(names.values()), [c for _, c in series.values()])},
                            "tooltip": [{"field": "series", "title": " "}, {"field": "step"},
                                        {"field": "value", "format": ".4g", "title": yaxis or "value"}]}}]
    return chart({"layer": layers}, {"lines": lines}, title, style, height=CURVE_HEIGHT)


def loss_curves(history: dict, style: present.Style | None = None) -> dict:
    return curves(history, {"d_loss": ("D loss", D_COLOR), "g_loss": ("G loss", G_COLOR)}, "Losses", "loss",
                  style=style)


def discriminator_curves(history: dict, probabilistic: bool, style: present.Style | None = None) -> dict:
    """D's mean output on real and generated samples; a probabilistic D's equilibrium, ½, dotted."""
    style = style or present.style()
    label = "D(x)" if probabilistic else "critic(x)"
    spec = curves(history, {"d_real": (f"{label} on real", REAL), "d_fake": (f"{label} on generated", FAKE)},
                  "What the discriminator says", "mean output", style=style)
    if probabilistic:
        half = {"y": {"datum": 0.5, "type": "quantitative"}}
        one = {"values": [{}]}  # a mark without data of its own draws once
        spec["layer"] += [
            {"data": one, "mark": {"type": "rule", "strokeDash": [2, 3], "color": "#9ca3af",
                                   "strokeWidth": style.scale},
             "encoding": half},
            {"data": one, "mark": {"type": "text", "text": "equilibrium 0.5", "align": "right", "baseline": "bottom",
                                   "dy": -2, "color": "#6b7280", "fontSize": style.font},
             "encoding": {**half, "x": {"value": "width"}}},
        ]
    return spec


def scatter(real: np.ndarray, fake: np.ndarray, extent, title: str = "Real vs generated",
            style: present.Style | None = None) -> dict:
    """Real (teal) and generated (violet) 2D samples on the data's ``extent`` (xmin, xmax, ymin,
    ymax), x and y to scale; non-finite samples are left out."""
    style = style or present.style()
    xmin, xmax, ymin, ymax = (float(v) for v in extent)
    axis = {"type": "quantitative", "title": None}
    position = {"x": {"field": "x", **axis, "scale": {"domain": [xmin, xmax], "nice": False}},
                "y": {"field": "y", **axis, "scale": {"domain": [ymin, ymax], "nice": False}}}
    colours = _legend(["real", "generated"], [REAL, FAKE])
    layers = [{"data": {"name": name}, "mark": {"type": "circle", "size": area(16, style), "opacity": opacity,
                                                 "clip": True},
               "transform": [{"calculate": f"'{legend}'", "as": "series"}],  # named in the browser, not per row here
               "encoding": {**position, "color": {"field": "series", "type": "nominal", **colours}}}
              for name, legend, opacity in (("real", "real", 0.5), ("fake", "generated", 0.7))]
    datasets = {"real": frame({"x": real[:, 0], "y": real[:, 1]}), "fake": frame({"x": fake[:, 0], "y": fake[:, 1]})}
    return chart({"layer": layers}, datasets, title, style, width=SCATTER_SIZE, height=SCATTER_SIZE)

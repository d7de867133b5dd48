"""Figures and helpers of the two "Mode collapse" pages (on 2D mixtures and on images): the lab
each trains in, GAN Lab's plane view (D's heatmap, real and generated samples, G's gradient
arrows, the generator manifold), the per-mode coverage bar, the metric curves, and the
click-to-place editor for a user-drawn mixture."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ganviz.collapse.coverage import HIGH_QUALITY_STDS, STRICT_SHARE
from ganviz.collapse.experiment import LIVE_EVERY, lab_frame, open_lab
from ganviz.collapse.plane import verdict
from ganviz.config import TrainConfig
from ganviz.metrics.factors import load_factor_net
from ganviz.training.process import ProcessWorker
from ui.links import Kind
from ui import present, session
from ui.plotly_charts import FAKE, REAL, apply_layout
from ui.vega_charts import area, chart, frame, live_chart

ARM_COLORS = {"plain": "#6b7280", "treated": FAKE}
COMPONENT_COLORS = ["#7c3aed", "#db2777", "#ea580c", "#ca8a04", "#2563eb", "#0891b2", "#65a30d", "#9333ea"]
EDITOR_EXTENT = (-5.0, 5.0, -5.0, 5.0)
EDITOR_STEP = 0.25


REFRESH_SECONDS = 2.0  # each redraw costs the browser CPU that training needs on a small machine (docs/benchmarks.md)
TIMELINES = {"modes_held": "Modes held", "modes": "Modes covered", "high_quality": "High quality %",
             "reverse_kl": "Reverse KL", "js": "Grid JS (bits)"}


def lab_worker(config: TrainConfig, treatment: str, worker_key: str, lab_key: str) -> tuple[ProcessWorker, bool]:
    """This session's lab of ``config`` against ``config`` with ``treatment``, and whether it is new:
    the one kept under ``worker_key`` while the settings (kept under ``lab_key``) are unchanged,
    else a fresh one. Both arms train in a process of their own: engine speed, and a crash there
    loses only this run. Raises what bad settings, a full server or a silent process raise
    (ValueError, ResourceError, TimeoutError)."""
    key = (config.to_json(), treatment)
    if st.session_state.get(lab_key) == key and session.current(worker_key) is not None:
        return st.session_state[worker_key], False
    with st.spinner("Preparing data and networks…"):
        worker = ProcessWorker(open_lab, (config.to_dict(), treatment), view=lab_frame, chunk=LIVE_EVERY,
                               frame_seconds=REFRESH_SECONDS / 2)
        session.adopt(worker_key, worker)  # closes the old one; freed when the tab closes
        worker.wait_ready()
    st.session_state[lab_key] = key
    return worker, True


def drive(worker: ProcessWorker, worker_key: str, *, train: bool, target: int, reset: bool) -> None:
    """Apply the lab's buttons: ``reset`` drops the lab (the page builds a fresh one as it reruns),
    else it trains towards ``target`` while ``train`` holds and waits otherwise."""
    if reset:
        worker.close()
        del st.session_state[worker_key]
        st.rerun()
    if train and worker.step_count < target:
        worker.start(target)
    else:
        worker.pause()


def show_timelines(history: dict, names: dict[str, str], key: str) -> None:
    """The lab's metrics over training, both arms in one chart per metric (those the history has)."""
    shown = {metric: label for metric, label in TIMELINES.items() if f"plain.{metric}" in history}
    st.caption(f"Over training: :gray[**{names['plain']}**] and :violet[**{names['treated']}**]")
    for column, (metric, label) in zip(st.columns(len(shown)), shown.items()):
        with column:
            live_chart(f"{key}_t_{metric}", timeline(history, metric, label, names))


# The live view is drawn with Vega-Lite, not Plotly: see ui/vega_charts.py (every spec below
# depends on the view's settings only, never on the data).
PLANE_SIZE = 360


def plane_datasets(view: dict, means: np.ndarray, *, heatmap: bool = True, arrows: bool = True,
                   manifold: bool = False) -> dict[str, pd.DataFrame]:
    """The plane's data: D's cells, real and generated samples, G's arrows, the mode centres and
    the generator manifold (empty tables for what is switched off, so the spec never changes)."""
    xmin, xmax, ymin, ymax = view["extent"]
    hm = view["heatmap"]
    xs, ys = np.asarray(hm["x"]), np.asarray(hm["y"])
    dx, dy = (xmax - xmin) / len(xs), (ymax - ymin) / len(ys)
    gx, gy = np.meshgrid(xs, ys)
    cells = frame({"x": gx - dx / 2, "x2": gx + dx / 2, "y": gy - dy / 2, "y2": gy + dy / 2,
                    "d": verdict(hm)}) if heatmap else frame({"x": [], "x2": [], "y": [], "y2": [], "d": []})
    fake = view["fake"]
    component = view.get("component")
    fakes = frame({"x": fake[:, 0], "y": fake[:, 1],  # g: the generator of a mixture, drawn in its colour
                    "g": component % len(COMPONENT_COLORS) if component is not None else np.zeros(len(fake), int)})
    strokes = frame({"x": [], "y": [], "x2": [], "y2": []})
    if arrows:
        grads = view["arrows"]
        longest = float(np.linalg.norm(grads, axis=1).max()) or 1.0
        every = max(1, len(fake) // 128)  # GAN Lab draws a subset; a forest of arrows hides the points
        ends = fake[::every] + 0.08 * (xmax - xmin) / longest * grads[::every]
        strokes = frame({"x": fake[::every, 0], "y": fake[::every, 1], "x2": ends[:, 0], "y2": ends[:, 1]})
    lines = frame({"x": [], "y": [], "line": [], "order": []})
    if manifold and "manifold" in view:
        warped = np.asarray(view["manifold"])  # (generators, res, res, 2): rows and columns as lines
        paths = np.concatenate([warped, warped.transpose(0, 2, 1, 3)], axis=1).reshape(-1, warped.shape[2], 2)
        lines = frame({"x": paths[..., 0], "y": paths[..., 1],
                        "line": np.repeat(np.arange(len(paths)), paths.shape[1]),
                        "order": np.tile(np.arange(paths.shape[1]), len(paths))})
    real = view["real"][::2]  # the data's shape shows with half as many points: less for the browser to draw
    return {"cells": cells, "real": frame({"x": real[:, 0], "y": real[:, 1]}), "fake": fakes, "strokes": strokes,
            "centres": frame({"x": means[:, 0], "y": means[:, 1]}), "manifold": lines}


def plane(view: dict, means: np.ndarray, title: str, *, heatmap: bool = True, arrows: bool = True,
          manifold: bool = False, style: present.Style | None = None) -> dict:
    """GAN Lab's main view from :func:`ganviz.collapse.plane.toy_view` as a Vega-Lite spec: D's
    verdict (violet where D says "generated", white at ½, teal where it says "real") under the
    samples, drawn in ``style`` (default: the session's, see :mod:`ui.present`)."""
    style = style or present.style()
    ring = {"stroke": "white", "strokeWidth": style.outline} if style.outline else {}
    xmin, xmax, ymin, ymax = (float(v) for v in view["extent"])
    x = {"field": "x", "type": "quantitative", "scale": {"domain": [xmin, xmax], "nice": False}, "title": None}
    y = {"field": "y", "type": "quantitative", "scale": {"domain": [ymin, ymax], "nice": False}, "title": None}
    x2, y2 = {"field": "x2"}, {"field": "y2"}
    layers = [
        {"data": {"name": "cells"}, "mark": {"type": "rect", "clip": True},
         "encoding": {"x": x, "x2": x2, "y": y, "y2": y2,
                      "color": {"field": "d", "type": "quantitative", "legend": None,
                                "scale": {"domain": [0, 0.5, 1], "range": list(style.verdict)}},
                      "tooltip": [{"field": "d", "title": "D's verdict (1: real)", "format": ".2f"}]}},
        {"data": {"name": "manifold"}, "mark": {"type": "line", "clip": True, "strokeWidth": style.scale,
                                                 "color": "rgba(124,58,237,0.35)"},
         "encoding": {"x": x, "y": y, "detail": {"field": "line"}, "order": {"field": "order"}}},
        {"data": {"name": "centres"}, "mark": {"type": "point", "size": area(160, style), "color": "#5eead4",
                                                "strokeWidth": style.scale, "clip": True},
         "encoding": {"x": x, "y": y}},
        {"data": {"name": "real"}, "mark": {"type": "circle", "size": area(12, style), "color": REAL,
                                             "opacity": 0.55, "clip": True},
         "encoding": {"x": x, "y": y}},
        {"data": {"name": "strokes"}, "mark": {"type": "rule", "color": "#1f2937", "strokeWidth": style.scale,
                                                "opacity": 0.7, "clip": True},
         "encoding": {"x": x, "y": y, "x2": x2, "y2": y2}},
        {"data": {"name": "fake"}, "mark": {"type": "circle", "size": area(16, style), "opacity": 0.8, "clip": True,
                                             **ring},
         "encoding": {"x": x, "y": y, "color": {"field": "g", "type": "nominal", "legend": None,
                                                 "scale": {"domain": list(range(len(COMPONENT_COLORS))),
                                                           "range": COMPONENT_COLORS}}}},
    ]
    datasets = plane_datasets(view, means, heatmap=heatmap, arrows=arrows, manifold=manifold)
    return chart({"layer": layers}, datasets, title, style, width=PLANE_SIZE, height=PLANE_SIZE)


# The coverage chart's legend, one entry a line: what its colours mean (grey bars puzzled a first-time audience)
COVERED, FAIR = "covered", "fair share, 1/K"


def missed(report: dict) -> str:
    """The legend of a mode no sample covers, in the terms its report was decided in."""
    if "confidence" in report:
        return f"not covered: no sample read as it with {report['confidence']:.0%} confidence"
    return f"not covered: no sample within {HIGH_QUALITY_STDS:g} std"


def coverage(report: dict, title: str, style: present.Style | None = None) -> dict:
    """Share of generated samples nearest each mode: violet bars for covered modes, grey ones for
    modes no generated sample comes within 3 std of (a sample's nearest mode can still be one it
    misses), the fair share 1/K dashed; a legend says so. Modes with names (the shapes') name
    themselves in the tooltip."""
    style = style or present.style()
    k = report["num_modes"]
    covered = np.asarray(report["covered"], dtype=bool)
    modes = frame({"mode": np.arange(1, k + 1), "name": report.get("modes_names", [""] * k),
                   "share": 100 * np.asarray(report["mass"]),
                   "status": np.where(covered, COVERED, missed(report)), "hq": report["hq_counts"]})
    fair = frame({"share": [100 / k]})
    colours = {"scale": {"domain": [COVERED, missed(report), FAIR], "range": [FAKE, "#d1d5db", REAL]},
               "legend": {"title": None, "orient": "top", "direction": "vertical", "labelLimit": 0}}
    layers = [
        {"data": {"name": "modes"}, "mark": "bar",
         "encoding": {"x": {"field": "mode", "type": "ordinal", "title": "mode"},
                      "y": {"field": "share", "type": "quantitative", "title": "% of samples"},
                      "color": {"field": "status", "type": "nominal", **colours},
                      "tooltip": [{"field": "mode"}, {"field": "name", "title": "is"},
                                  {"field": "share", "format": ".1f", "title": "% of samples"},
                                  {"field": "status", "title": "covered?"},
                                  {"field": "hq", "title": "high-quality samples"}]}},
        {"data": {"name": "fair"}, "mark": {"type": "rule", "strokeDash": [3, 3], "strokeWidth": style.scale},
         "encoding": {"y": {"field": "share", "type": "quantitative"}, "color": {"datum": FAIR, **colours}}},
    ]
    return chart({"layer": layers}, {"modes": modes, "fair": fair}, title, style, height=140)


OCCUPANCY_COLUMNS = 60


def occupancy(history: dict, arm: str, num_modes: int, title: str, style: present.Style | None = None) -> dict:
    """Each mode's share of the samples over training (modes x steps): a collapsed GAN is one
    dark cell per column that jumps from mode to mode, a cure an even band. At most
    ``OCCUPANCY_COLUMNS`` columns (evenly spaced records): each cell is a shape the browser redraws
    every second."""
    every = max(1, -(-len(history.get("step", [])) // OCCUPANCY_COLUMNS))
    steps = np.asarray(history.get("step", []), dtype=float)[::every]
    starts = np.concatenate([[0.0], steps[:-1]]) if len(steps) else steps
    shares = [np.asarray(history.get(f"{arm}.mass.{i}", np.zeros(len(steps) * every)), dtype=float)[::every]
              for i in range(num_modes)]
    cells = frame({"step0": np.tile(starts, num_modes), "step1": np.tile(steps, num_modes),
                    "mode": np.repeat(np.arange(1, num_modes + 1), len(steps)),
                    "share": 100 * np.concatenate(shares) if shares else []})
    spec = {"data": {"name": "cells"}, "mark": "rect",
            "encoding": {"x": {"field": "step0", "type": "quantitative", "title": "step"}, "x2": {"field": "step1"},
                         "y": {"field": "mode", "type": "ordinal", "title": "mode", "sort": "descending"},
                         "color": {"field": "share", "type": "quantitative", "legend": None,
                                   "scale": {"domain": [0, 300 / max(num_modes, 1)], "clamp": True,
                                             "range": ["#ffffff", FAKE]}},
                         "tooltip": [{"field": "step1", "title": "step"}, {"field": "mode"},
                                     {"field": "share", "format": ".0f", "title": "% of samples"}]}}
    return chart(spec, {"cells": cells}, title, style or present.style(), height=110)


def timeline(history: dict, metric: str, label: str, names: dict[str, str],
             style: present.Style | None = None) -> dict:
    """A metric of both arms over training steps (history columns ``plain.<metric>`` ...)."""
    style = style or present.style()
    parts = [frame({"step": history["step"], "value": history[f"{arm}.{metric}"],
                     "arm": np.full(len(history["step"]), name)})
             for arm, name in names.items() if f"{arm}.{metric}" in history]
    series = pd.concat(parts) if parts else frame({"step": [], "value": [], "arm": []})
    spec = {"data": {"name": "series"}, "mark": {"type": "line", "point": False, "strokeWidth": 2 * style.scale},
            "encoding": {"x": {"field": "step", "type": "quantitative", "title": "step"},
                         "y": {"field": "value", "type": "quantitative", "title": None},
                         "color": {"field": "arm", "type": "nominal", "legend": None,  # one caption for all
                                   "scale": {"domain": list(names.values()),
                                             "range": [ARM_COLORS[a] for a in names]}},
                         "tooltip": [{"field": "arm", "title": "run"}, {"field": "step"},
                                     {"field": "value", "format": ".3g", "title": label}]}}
    return chart(spec, {"series": series}, label, style, small=True, height=110)


# -- the words round the charts --------------------------------------------------------------------

def _criteria(report: dict) -> dict[str, str]:
    """How a sample is given to a mode and judged sharp: by distance on the 2D mixtures, by the
    shape factor network's confidence on ``shapes`` images (whose reports carry ``confidence``)."""
    if "confidence" in report:
        read = f"that the shape factor network reads as that shape and colour with at least {report['confidence']:.0%} "
        return {"assigned": "look most like (to the shape factor network)", "covered": read + "probability",
                "sharp": f"read as one of the data's shape and colour combinations with at least "
                         f"{report['confidence']:.0%} probability: near 100% when G draws clean shapes, low for smudges",
                "blur": "A smudge covers nothing: only a shape read with confidence counts."}
    within = f"within {HIGH_QUALITY_STDS:g} std of"
    return {"assigned": "are nearest to", "covered": f"{within} their centre",
            "sharp": f"{within} their nearest mode's centre: near 100% when G draws sharp modes, low for a blur",
            "blur": "One stray sample covers a mode, so a blur covers many."}


def metric_cards(report: dict) -> list[tuple[str, str, str]]:
    """(label, value, tooltip) of each metric card over a plane or an image grid: labels short
    enough for half a column at 1280 px (the cards go two by two), and a tooltip that says what the
    number means and how to read it."""
    k, words = report["num_modes"], _criteria(report)
    rkl = report["reverse_kl"]
    return [
        ("Modes held", f"{report['modes_held']}/{k}",
         f"Modes that at least {STRICT_SHARE:.0%} of the generated samples {words['assigned']}. 1 or 2 of {k} is a "
         "collapse; a blur and a cure both hold them all (tell them apart by High quality)."),
        ("Modes covered", f"{report['modes']}/{k}",
         f"Modes with at least one generated sample {words['covered']} (VEEGAN's and PacGAN's count). "
         + words["blur"]),
        ("High quality", f"{report['high_quality']:.0f}%",
         f"Share of the generated samples {words['sharp']} and before G has reached the modes (as usually at "
         "step 0)."),
        ("Reverse KL", "–" if math.isnan(rkl) else f"{rkl:.2f}",
         f"PacGAN's reverse KL, in nats: how unevenly the high-quality samples spread over the modes, KL(their "
         f"histogram ‖ uniform). 0 when even, log {k} = {math.log(k):.2f} when all sit on one mode. "
         "'–' while no sample is high quality, as usually at step 0; early on it rests on a handful of samples."),
    ]


def show_metric_cards(report: dict) -> None:
    """The cards of :func:`metric_cards`, two by two: four across cut the labels of a half-width column."""
    cards = metric_cards(report)
    for row in (cards[:2], cards[2:]):
        for column, (label, value, meaning) in zip(st.columns(2), row):
            column.metric(label, value, help=meaning)


@st.cache_resource(show_spinner="Loading the shape factor network…")
def factor_net():
    """The shipped shape factor network, loaded once per server: every shapes run's cards read it."""
    return load_factor_net()


def progress_text(step: int, target: int, steps_per_second: float | None = None) -> str:
    """The live view's progress line. At the target it says that the run has ended and how to go on:
    a full bar and a ▶ Train that does nothing looked like a stuck page, in slow motion above all."""
    if step >= target:
        return f"step {step:,} of {target:,} · the run has ended at step {step:,}: raise “stop at step” to train on"
    return f"step {step:,} of {target:,}" + (f" · {steps_per_second:.0f} steps/s" if steps_per_second else "")


# -- the click-to-place editor ----------------------------------------------------------------------

def editor(means: list[list[float]], std: float) -> go.Figure:
    """The plane to draw a mixture on: a click anywhere adds a component there, a click on a
    component removes it. Plotly reports clicks on points only, so the plane is a fine lattice of
    faint spots (EDITOR_STEP apart, closer than a click's reach) and a click lands on the spot
    nearest to it. The plane shows the lattice's square and nothing beside it (``constrain``: a
    wide column shrinks the plot instead of widening its x range), so that no click falls where
    there is no spot and jumps to the edge."""
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
    pad = EDITOR_STEP / 2  # the plane is the lattice's cells, every point of it half a step from a spot
    fig.update_xaxes(range=[xmin - pad, xmax + pad], constrain="domain")
    fig.update_yaxes(range=[ymin - pad, ymax + pad], scaleanchor="x", scaleratio=1, constrain="domain")
    return apply_layout(fig, "Click anywhere to add a component, on one to remove it", height=420,
                        showlegend=False)  # the title says what a legend would, and a legend covered it


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


# the components in a link, exact and on one line: "x,y;x,y" (parse_means reads ';' as a new line)
MEANS_LINK = Kind(parse_means, lambda means: ";".join(f"{float(x)},{float(y)}" for x, y in means))

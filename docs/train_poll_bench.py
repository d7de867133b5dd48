"""Server CPU of one Train-page live poll's charts: the current Vega-Lite charts (ui/vega_charts.py)
against the Plotly builders of an earlier revision, in the same process, interleaved.

    .venv/bin/python docs/train_poll_bench.py [--baseline REV] [--polls N] [--steps N]

It lives here, not in ``python -m ganviz.bench``, because it measures page code (``ui/``), which
the engine never imports. What one poll costs is what the live panel does with its three charts:
build each from the run's history and 1,000 real and generated samples and hand it to Streamlit,
which marshals it (Plotly: validation through ``graph_objects`` and JSON; Vega-Lite: the spec's
JSON and the datasets as Arrow). Streamlit runs bare here (no server), so sending the message to
the browser is left out; it is the same small cost for both. CPU time is ``time.process_time``
(all of this process's threads); the samples are drawn once, outside the timing, since both
draw them alike. Results: docs/benchmarks.md ("Train page: one live poll").
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit import logger  # noqa: E402

from ganviz import TrainConfig  # noqa: E402
from ganviz.training import Trainer  # noqa: E402
from ui import vega_charts  # noqa: E402


def plotly_builders(revision: str):
    """``ui/plotly_charts.py`` as it was at ``revision`` (the Plotly live charts), as a module."""
    source = subprocess.run(["git", "show", f"{revision}:ui/plotly_charts.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "baseline_plotly_charts.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("baseline_plotly_charts", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plotly_poll(charts, history, probabilistic, real, fake, extent) -> None:
    st.plotly_chart(charts.loss_curves(history), width="stretch", key="loss_chart")
    st.plotly_chart(charts.discriminator_curves(history, probabilistic), width="stretch", key="d_chart")
    st.plotly_chart(charts.scatter(real, fake, extent), width="stretch", key="samples")


def vega_poll(history, probabilistic, real, fake, extent) -> None:
    vega_charts.live_chart("train_losses", vega_charts.loss_curves(history))
    vega_charts.live_chart("train_d", vega_charts.discriminator_curves(history, probabilistic))
    vega_charts.live_chart("train_samples", vega_charts.scatter(real, fake, extent))


def cpu_seconds(poll) -> float:
    start = time.process_time()
    poll()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="4b767dd", help="revision whose Plotly charts are the baseline")
    parser.add_argument("--polls", type=int, default=30, help="polls of each, interleaved")
    parser.add_argument("--steps", type=int, default=2000, help="updates trained first (the history's length)")
    args = parser.parse_args()

    logger.set_log_level("error")  # bare Streamlit warns on every element; the warnings are not the poll's cost
    old = plotly_builders(args.baseline)
    trainer = Trainer(TrainConfig.from_dict({"data": {"name": "ring8"}, "model": {"width": 64}, "batch_size": 128,
                                             "device": "cpu"}))
    trainer.step(args.steps)
    history = trainer.history.as_dict()
    real, fake = (t.cpu().numpy() for t in trainer.sample_pairs(1000, seed=0))
    extent, probabilistic = trainer.dataset.extent(), trainer.loss.probabilistic
    polls = {"plotly": lambda: plotly_poll(old, history, probabilistic, real, fake, extent),
             "vega": lambda: vega_poll(history, probabilistic, real, fake, extent)}
    for poll in polls.values():  # warm up: first-use imports and caches
        poll()
    times = {name: [] for name in polls}
    for i in range(args.polls):
        for name in (list(polls) if i % 2 == 0 else list(polls)[::-1]):  # alternate which goes first
            times[name].append(cpu_seconds(polls[name]))
    median = {name: statistics.median(t) for name, t in times.items()}
    print(json.dumps({"history_records": len(history["step"]), "polls": args.polls, "baseline": args.baseline,
                      "median_cpu_ms": {k: round(v * 1e3, 1) for k, v in median.items()},
                      "range_cpu_ms": {k: [round(min(t) * 1e3, 1), round(max(t) * 1e3, 1)] for k, t in times.items()},
                      "ratio_plotly_over_vega": round(median["plotly"] / median["vega"], 1)}, indent=1))


if __name__ == "__main__":
    main()

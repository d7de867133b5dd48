"""Phase diagrams: which hyperparameters let a GAN cover every mode?

A grid over two settings (learning rates, D steps per G step, loss, Adam beta1, penalty weights,
label smoothing, seed), one GAN per cell, all cells trained at once as one
:class:`~ganviz.training.population.Population`, and each cell scored by the modes its generator
covers (:func:`ganviz.collapse.coverage.mode_metrics`: nearest mixture mean, high quality within 3 std,
covered with at least one high-quality sample). The "Phase diagram" page draws it live;
``python -m ganviz phase --x lr_d=1e-4:1e-2:5 --y n_critic=1,2,5 --steps 2000`` prints it, and
``--seeds 0-4`` trains it once per seed (:func:`train_diagram`, one run of a :mod:`ganviz.sweeps`
sweep each: local processes or Ray tasks) and prints the mean (:func:`over_seeds`).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ganviz.config import TrainConfig


@dataclass(frozen=True)
class Axis:
    label: str
    fields: tuple[str, ...]  # the config fields one value of this axis sets
    kind: type
    log: bool = False  # ranges are spaced evenly in log10


AXES: dict[str, Axis] = {
    "lr": Axis("learning rate (G and D)", ("lr_g", "lr_d"), float, log=True),
    "lr_d": Axis("D learning rate", ("lr_d",), float, log=True),
    "lr_g": Axis("G learning rate", ("lr_g",), float, log=True),
    "n_critic": Axis("D steps per G step", ("n_critic",), int),
    "loss": Axis("loss", ("loss",), str),
    "beta1": Axis("Adam beta1", ("beta1",), float),
    "gp_weight": Axis("gradient penalty weight", ("gp_weight",), float),
    "r1_weight": Axis("R1 penalty weight", ("r1_weight",), float),
    "label_smoothing": Axis("label smoothing", ("label_smoothing",), float),
    "seed": Axis("seed", ("seed",), int),
}


MAX_CELLS = 1024  # runs in one diagram: what one population trains at once on a shared server


def axis_range(name: str, low: float, high: float, count: int) -> list:
    """``count`` values from low to high: log-spaced on log axes, rounded to integers on int axes."""
    axis = AXES[name]
    if count < 1:
        raise ValueError(f"{name}: need at least one value")
    if count > MAX_CELLS:  # checked before numpy allocates the values: a link can ask for 10^9
        raise ValueError(f"{name}: {count:,} values; a diagram has at most {MAX_CELLS:,} cells")
    if axis.log:
        if low <= 0 or high <= 0:
            raise ValueError(f"{name}: a log-spaced range needs positive ends, got {low}..{high}")
        values = np.logspace(math.log10(low), math.log10(high), count)
        return [float(f"{v:.3g}") for v in values]
    values = np.linspace(low, high, count)
    return [int(round(v)) for v in values] if axis.kind is int else [float(f"{v:.4g}") for v in values]


def parse_axis(text: str) -> tuple[str, list]:
    """``"lr_d=1e-4,1e-3"`` (a list) or ``"lr_d=1e-4:1e-2:5"`` (low:high:count) -> (name, values)."""
    name, sep, spec = text.partition("=")
    name = name.strip()
    if not sep or name not in AXES:
        raise ValueError(f"axis {text!r}: expected NAME=VALUES with NAME one of {', '.join(AXES)}")
    axis = AXES[name]
    try:
        if ":" not in spec or axis.kind is str:
            return name, [axis.kind(v.strip()) for v in spec.split(",") if v.strip()]
        low, high, count = spec.split(":")
        low, high, count = float(low), float(high), int(count)
    except ValueError:
        raise ValueError(f"axis {text!r}: values must be {axis.kind.__name__}s, as a,b,c or low:high:count") from None
    return name, axis_range(name, low, high, count)


def grid_configs(base: TrainConfig, x: str, xs: list, y: str, ys: list) -> list[TrainConfig]:
    """One validated config per cell, row by row: cell (row r, column c) is member r * len(xs) + c."""
    if x == y:
        raise ValueError(f"axes: x and y must differ, both are {x!r}")
    for name, values in ((x, xs), (y, ys)):
        if name not in AXES:
            raise ValueError(f"axes: {name!r} is not one of {', '.join(AXES)}")
        if not values or len(set(values)) != len(values):
            raise ValueError(f"{name}: needs distinct values, got {values!r}")
    clash = set(AXES[x].fields) & set(AXES[y].fields)
    if clash:
        raise ValueError(f"axes: {x!r} and {y!r} both set {sorted(clash)[0]}")
    return [base.replace(**{f: xv for f in AXES[x].fields}, **{f: yv for f in AXES[y].fields})
            for yv in ys for xv in xs]


class PhaseDiagram:
    """A population over a two-axis grid and each cell's latest mode score.

    Scores are recomputed by :meth:`score` (a worker's ``on_chunk`` may call :meth:`refresh`,
    which scores at most once per ``interval`` seconds). The arrays are replaced, never changed
    in place, so a page may read them while training runs.
    """

    def __init__(self, base: TrainConfig, x: str, xs: list, y: str, ys: list, *, device=None,
                 streams: str = "shared", interval: float = 1.0):
        from ganviz.training.population import Population

        self.x, self.xs, self.y, self.ys = x, list(xs), y, list(ys)
        self.population = Population(grid_configs(base, x, xs, y, ys), device=device, streams=streams)
        if not hasattr(self.population.dataset, "means"):
            raise ValueError(f"data.name: a phase diagram scores modes of a Gaussian mixture, "
                             f"not {base.data.name!r}")
        self.num_modes = len(self.population.dataset.means)
        self.interval = interval
        shape = (len(ys), len(xs))
        self.modes = np.full(shape, np.nan)
        self.high_quality = np.full(shape, np.nan)
        self.samples: np.ndarray | None = None  # (N, n, 2) at the last score
        self.scored_step = 0
        self._scored_at = -math.inf

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.ys), len(self.xs)

    def cell(self, member: int) -> dict:
        """The settings of one member, by axis name."""
        row, col = divmod(member, len(self.xs))
        return {self.y: self.ys[row], self.x: self.xs[col]}

    def score(self, n: int = 1000) -> None:
        population = self.population
        samples = population.samples(n)
        metrics = population.mode_metrics(n)
        diverged = population.diverged_at > 0
        modes = np.array([np.nan if bad else m["modes"] for m, bad in zip(metrics, diverged)], dtype=float)
        quality = np.array([np.nan if bad else m["high_quality"] for m, bad in zip(metrics, diverged)])
        self.samples = samples.cpu().numpy()
        self.modes, self.high_quality = modes.reshape(self.shape), quality.reshape(self.shape)
        self.scored_step = population.step_count
        self._scored_at = time.monotonic()

    def train(self, steps: int, on_chunk: Callable[[int], None] | None = None, chunk: int = 50) -> None:
        """Every cell up to ``steps`` updates, ``chunk`` at a time; ``on_chunk(n)`` after each
        chunk (a progress bar)."""
        population = self.population
        while population.step_count < steps:
            n = min(chunk, steps - population.step_count)
            population.step(n)
            if on_chunk is not None:
                on_chunk(n)

    def refresh(self, _population=None) -> None:
        if time.monotonic() - self._scored_at >= self.interval:
            self.score()

    def result(self) -> dict:
        """Everything the diagram shows, JSON-ready (NaN for a diverged cell)."""
        population = self.population
        return {"x": {"name": self.x, "label": AXES[self.x].label, "values": self.xs},
                "y": {"name": self.y, "label": AXES[self.y].label, "values": self.ys},
                "step": self.scored_step, "num_modes": self.num_modes,
                "modes": self.modes.tolist(), "high_quality": self.high_quality.tolist(),
                "diverged_at": population.diverged_at.reshape(self.shape).tolist(),
                "data": population.config.data.name, "path": population.describe()}


def train_diagram(config: dict, axes: dict, steps: int, streams: str = "shared") -> dict:
    """One diagram trained headless and scored, as a JSON-ready row that repeats its inputs: the
    unit of work of a sweep over seeds. The whole grid is one run because it trains as one
    batched population (the reason a diagram is fast); a cell per run would lose that."""
    diagram = PhaseDiagram(TrainConfig.from_dict(config), axes["x"], axes["xs"], axes["y"], axes["ys"],
                           streams=streams)
    diagram.train(steps)
    diagram.score()
    return {"config": config, "axes": axes, "steps": steps, "streams": streams, "seed": config["seed"],
            "result": diagram.result()}


def over_seeds(rows: list[dict]) -> dict:
    """Rows of :func:`train_diagram` for one grid on several seeds as one result: each cell's mean
    modes and high-quality share over the seeds it did not diverge on (NaN if it diverged on
    all), and on how many seeds it diverged."""
    first = rows[0]["result"]
    seeds = [row["seed"] for row in rows]
    diverged = np.array([row["result"]["diverged_at"] for row in rows]) > 0

    def mean(name: str) -> list:
        values = np.array([row["result"][name] for row in rows], dtype=float)
        count = (~np.isnan(values)).sum(0)
        return np.where(count > 0, np.nansum(values, 0) / np.maximum(count, 1), np.nan).tolist()

    return {**{k: first[k] for k in ("x", "y", "step", "num_modes", "data", "path")}, "seeds": seeds,
            "modes": mean("modes"), "high_quality": mean("high_quality"), "diverged": diverged.sum(0).tolist()}

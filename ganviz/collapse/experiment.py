"""The mode-collapse experiment, shared by ``python -m ganviz toy``, the benchmark suite and the
"Mode collapse" pages: the setup in which a plain GAN collapses, the treatments that are compared
against it, a headless run that records mode metrics over time, and :class:`SideBySide`, two
trainers on the same seed and data stepped in lockstep.

The data are 2D Gaussian mixtures, whose modes are their components, and the rendered ``shapes``
images, whose modes are their shape x colour combinations, read by the shipped shape factor
network (``ganviz.metrics.factors``): the same metrics, on points or on pictures.
"""
from __future__ import annotations

import functools
import time
from typing import Callable

import numpy as np

from ganviz.collapse.coverage import EVAL_SAMPLES, EVAL_SEED, evaluate
from ganviz.collapse.plane import toy_view
from ganviz.config import TrainConfig
from ganviz.latent.pictures import image_grid
from ganviz.metrics.factors import image_coverage, load_factor_net
from ganviz.training import DivergenceError, Trainer
from ganviz.training.history import History
from ganviz.training.remedies import REMEDIES

SCALARS = ("modes", "modes_strict", "modes_held", "high_quality", "reverse_kl", "reverse_kl_all", "kl", "js")

# The unrolled-GAN reproduction setup (ring radius 2; grid spacing 2 as in PacGAN): small MLPs, a
# generator that learns faster than the discriminator, Adam beta1 0.5. The ring's modes are as
# wide as the grid's, so that a remedy's samples sharpen onto them within the classroom demo's
# first thousand updates; the plain GAN collapses all the same. A 16-d latent keeps the plain
# GAN's collapse stable, and the page shows a 2D slice of the manifold. The runs behind these
# choices: docs/tuning_notes.md.
BASE = {
    "model.arch": "mlp", "model.latent_dim": 16, "model.width": 128, "model.depth": 2,
    "model.activation": "relu", "lr_g": 1e-3, "lr_d": 1e-4, "beta1": 0.5, "batch_size": 256,
}
# On images: the recipe of the shipped shapes generators (docs/shapes.md), a 32-channel DCGAN
# with batch 64 and Adam 2e-4 for both players, under which a plain DCGAN draws one picture for
# every z within a few hundred updates.
IMAGE_BASE = {
    "model.arch": "dcgan", "model.channels": 32, "model.latent_dim": 64, "lr_g": 2e-4, "lr_d": 2e-4,
    "beta1": 0.5, "batch_size": 64,
}
DATASETS = {
    "ring8": {"data.name": "ring8", "data.radius": 2.0, "data.std": 0.05},
    "grid25": {"data.name": "grid25", "data.spacing": 2.0, "data.std": 0.05},
    "custom": {"data.name": "custom", "data.std": 0.05},
    "shapes": {"data.name": "shapes", "data.image_size": 32},
}
IMAGE_DATASETS = ("shapes",)
# per-dataset settings of a remedy: PacGAN2 on the ring and PacGAN4 on the grid, as in the paper;
# one generator per mode in a mixture (fewer would each have to spread over several modes, which a
# collapsing generator does not do), and an identification term strong enough that no two
# generators share a mode (docs/tuning_notes.md)
REMEDY_SETTINGS = {
    ("pacgan", "ring8"): {"pack": 2},
    ("pacgan", "grid25"): {"pack": 4},
    ("mixture", "ring8"): {"n_generators": 8, "remedy_weight": 3.0},
    ("mixture", "grid25"): {"n_generators": 25, "remedy_weight": 3.0},
    ("pacgan", "shapes"): {"pack": 2},
}
# the remedy the page pairs with the plain GAN on each dataset: the one with the best coverage in
# the held-out benchmark that trains fast enough to watch (PacGAN stays a blur on the grid)
SHOWCASE = {"ring8": "pacgan", "grid25": "mixture", "custom": "pacgan", "shapes": "pacgan"}
# updates a benchmark run trains for: the grid's 25 sharp modes take longer to resolve than the
# ring's 8 (docs/tuning_notes.md)
STEPS = {"ring8": 5000, "grid25": 10000, "custom": 5000, "shapes": 2000}
# where the page stops by default: on the ring the remedy has covered every mode long before, and
# the lesson (plain collapsed, remedy covering) is checked up to here on held-out seeds
# (``python -m ganviz.bench lesson``); a longer run only gives the plain GAN's hopping more
# chances to look like a spread for a moment
PAGE_STEPS = {"ring8": 3000, "grid25": 10000, "custom": 3000, "shapes": 1000}
# the page's metric cadence and sample count (fewer samples than the benchmark's EVAL_SAMPLES:
# they are computed every LIVE_EVERY updates while a class watches); the lesson benchmark uses
# the same
LIVE_EVERY = 25
LIVE_SAMPLES = 1000
# the pictures an image lab shows of each arm: enough that one picture for every z is plain to see
LAB_IMAGES, LAB_IMAGE_ROW = 48, 8
# the lesson's punchline: the plain GAN holds at most COLLAPSED_HELD modes while the remedy
# covers at least COVERING of them
COLLAPSED_HELD = 2
COVERING = 7 / 8
# On images a remedy spreads over the modes far more slowly than on points (docs/shapes.md): within
# the page's run it covers a quarter of the 24 shapes x colours while the plain DCGAN holds one.
COVERING_ON = {"shapes": 1 / 4}


def is_punchline(plain_held: int, remedy_covered: int, num_modes: int, dataset: str = "ring8") -> bool:
    """Both halves of the lesson at once: the plain GAN collapsed, the remedy covering."""
    return plain_held <= COLLAPSED_HELD and remedy_covered >= COVERING_ON.get(dataset, COVERING) * num_modes


def preset(dataset: str = "ring8", remedy: str = "none", seed: int = 0, **changes) -> TrainConfig:
    """The collapse setup on ``dataset`` with ``remedy``; ``changes`` are dotted config overrides."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset: must be one of {', '.join(DATASETS)}; got {dataset!r}")
    if remedy not in REMEDIES:
        raise ValueError(f"remedy: must be one of {', '.join(REMEDIES)}; got {remedy!r}")
    flat = {**(IMAGE_BASE if dataset in IMAGE_DATASETS else BASE), **DATASETS[dataset],
            **REMEDY_SETTINGS.get((remedy, dataset), {}),
            "remedy": remedy, "seed": seed, **changes}
    return TrainConfig().replace(**flat)


# Treatments the page compares with the plain GAN: every registered remedy, plus the
# foundation's losses and regularisers that are known to help against collapse.
TREATMENTS: dict[str, tuple[str, dict]] = {
    **{name: (cls.label, {"remedy": name}) for name, cls in REMEDIES.items() if name != "none"},
    "wgan-gp": ("WGAN-GP loss", {"loss": "wgan-gp"}),
    "r1": ("R1 penalty on D", {"r1_weight": 1.0}),
    "spectral-norm": ("spectral norm on D", {"model.spectral_norm": True}),
    "ttur": ("TTUR (D 4x faster than G)", {"lr_g": 1e-4, "lr_d": 4e-4}),
}


def lesson(dataset: str, seed: int) -> TrainConfig:
    """The page's default plain arm on ``dataset``: the collapse setup with the settings of the
    remedy it is shown beside (``SHOWCASE``); ``treated(lesson(...), SHOWCASE[dataset])`` is the
    other arm."""
    return preset(dataset, "none", seed, **REMEDY_SETTINGS.get((SHOWCASE[dataset], dataset), {}))


def treated(config: TrainConfig, treatment: str) -> TrainConfig:
    """``config`` with a treatment applied (remedy settings such as ``pack`` come from ``config``)."""
    if treatment not in TREATMENTS:
        raise ValueError(f"treatment: must be one of {', '.join(TREATMENTS)}; got {treatment!r}")
    return config.replace(**TREATMENTS[treatment][1])


@functools.cache
def _factor_net():
    """The shape factor network, loaded once per process (each lab's process reads every record with it)."""
    return load_factor_net()


def measure(trainer: Trainer, n: int = EVAL_SAMPLES, extent=None) -> dict:
    """The mode metrics of ``trainer`` on ``n`` samples of a fixed seed: by nearest mixture mean,
    with GAN Lab's grid KL and JS, on 2D data; as the shape factor network reads them on ``shapes``."""
    if not trainer.is_image:
        return evaluate(trainer, n, extent=extent)
    if trainer.config.data.name not in IMAGE_DATASETS:
        raise ValueError(f"data.name: mode metrics on images need known modes ({', '.join(IMAGE_DATASETS)}), "
                         f"not {trainer.config.data.name!r}")
    return image_coverage(trainer.sample_pairs(n, seed=EVAL_SEED)[1], trainer.config.data, _factor_net())


def train(config: TrainConfig, steps: int, *, eval_every: int = 0, eval_samples: int = EVAL_SAMPLES,
          progress: Callable[[int, dict | None], None] | None = None, device=None,
          watch: Callable[[Trainer], None] | None = None, watch_every: int = 0) -> dict:
    """Train ``steps`` updates; mode metrics at the end and every ``eval_every`` steps (0: only at
    the end). Returns ``final`` metrics, the ``timeline`` (lists per metric), the wall ``seconds``
    and the ``config``. ``progress(step, metrics_or_None)`` is called after each chunk;
    ``watch(trainer)`` at step 0, every ``watch_every`` steps and at the end (the CLI records the
    frames of an animation with it)."""
    if steps < 1:
        raise ValueError(f"steps: must be >= 1, got {steps}")
    if eval_every < 0 or watch_every < 0:
        raise ValueError(f"eval_every, watch_every: must be >= 0, got {eval_every}, {watch_every}")
    trainer = Trainer(config, device=device)
    chunk = eval_every or min(steps, 250)
    timeline: dict[str, list] = {}
    start = time.perf_counter()
    if watch is not None:
        watch(trainer)
    while trainer.step_count < steps:
        done = trainer.step_count  # each chunk ends on the next multiple of chunk or watch_every
        trainer.step(min(steps - done, *(every - done % every for every in (chunk, watch_every) if every)))
        report = None
        if eval_every and (trainer.step_count % eval_every == 0 or trainer.step_count == steps):
            report = measure(trainer, eval_samples)
            timeline.setdefault("step", []).append(trainer.step_count)
            for key in SCALARS:
                if key in report:  # grid KL and JS are 2D only
                    timeline.setdefault(key, []).append(report[key])
        if progress is not None:
            progress(trainer.step_count, report)
        if watch is not None and (watch_every and trainer.step_count % watch_every == 0 or trainer.step_count == steps):
            watch(trainer)
    seconds = time.perf_counter() - start
    final = measure(trainer, eval_samples)
    return {"final": final, "timeline": timeline, "seconds": seconds, "steps": steps,
            "config": config.to_dict(), "device": str(trainer.device), "trainer": trainer}


class SideBySide:
    """A plain GAN and a treated one, same seed and data, stepped together so that both are
    always at the same update. Quacks like a Trainer for :class:`TrainingWorker` (``step``,
    ``step_count``, ``history``); its history holds the mode metrics of both, prefixed
    ``plain.`` and ``treated.`` (and each mode's share of the samples, ``plain.mass.3``), one
    record per ``step`` call."""

    ARMS = ("plain", "treated")

    def __init__(self, config: TrainConfig, treatment: str, *, eval_samples: int = LIVE_SAMPLES, device=None):
        self.treatment = treatment
        self.trainers = {"plain": Trainer(config, device=device),
                         "treated": Trainer(treated(config, treatment), device=device)}
        self.eval_samples = eval_samples
        self.extent = None if self.trainers["plain"].is_image else self.trainers["plain"].dataset.extent()
        self.history = History(config.history_size)
        self.latest: dict[str, dict] = {}
        self._record()

    @property
    def step_count(self) -> int:
        return self.trainers["plain"].step_count

    def step(self, n: int = 1, *, train_d: bool = True, train_g: bool = True) -> None:
        plain, treated_ = self.trainers["plain"], self.trainers["treated"]
        before = plain.state_dict()
        plain.step(n, train_d=train_d, train_g=train_g)
        try:
            treated_.step(n, train_d=train_d, train_g=train_g)
        except DivergenceError:  # keep both at the same step: undo the plain arm's update too
            plain.load_state_dict(before)
            raise
        self._record()

    def _record(self) -> None:
        values = {}
        for arm, trainer in self.trainers.items():
            self.latest[arm] = measure(trainer, self.eval_samples, extent=self.extent)
            values.update({f"{arm}.{k}": np.array([self.latest[arm][k]]) for k in SCALARS if k in self.latest[arm]})
            values.update({f"{arm}.mass.{i}": np.array([share]) for i, share in enumerate(self.latest[arm]["mass"])})
        self.history.extend(np.array([self.step_count]), values)


def open_lab(config: dict, treatment: str) -> SideBySide:
    """A :class:`SideBySide` from a config dict: what a page's training process builds."""
    return SideBySide(TrainConfig.from_dict(config), treatment)


def lab_frame(lab: SideBySide, *, manifold: bool = False) -> dict:
    """Everything one frame of a page draws, per arm: the view, the latest metrics and the
    mixture's means (numpy arrays and numbers, cheap to send between processes). The view is the
    plane (:func:`~ganviz.collapse.plane.toy_view`) on 2D data, a uint8 grid of the fixed latent
    batch's first ``LAB_IMAGES`` pictures on images (whose means are None)."""
    return {arm: {"view": image_grid(trainer.generate(n=LAB_IMAGES), nrow=LAB_IMAGE_ROW) if trainer.is_image
                  else toy_view(trainer, extent=lab.extent, manifold=manifold),
                  "metrics": dict(lab.latest[arm]),
                  "means": None if trainer.is_image else trainer.dataset.means.cpu().numpy()}
            for arm, trainer in lab.trainers.items()}

"""Is the discriminator winning outright? A check on a run's history, so that a run whose samples stay
noise does not fail silently: the Train page shows it as a warning and ``python -m ganviz train``
prints it.

D *wins outright* when it tells real from generated samples apart perfectly, update after update: its
loss sits at its floor (for the BCE losses D(x) ≈ 1 and D(G(z)) ≈ 0). The generator then learns
nothing useful: with the saturating loss its gradient vanishes. The check looks only at D's loss,
relative to what D scores when it cannot tell the two apart (all logits 0), so one rule serves every
loss with a floor at 0; a Wasserstein critic's loss has no such floor and is never diagnosed.

The thresholds were chosen from digits runs (MLP and DCGAN, several seeds and losses) where the
failing runs sat far below them and the healthy ones never reached them: see
``docs/training_health.md``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ganviz.config import TrainConfig
from ganviz.data import is_toy
from ganviz.training.losses import LOSSES

WARMUP = 300       # updates before the check speaks: D may win briefly early on and then lose its grip
WINDOW = 200       # the most recent updates the check looks at
MIN_RECORDS = 10   # a thinned history of a long run has few records per window: look at least this far back
FLOOR_SHARE = 0.02  # "at the floor": D's loss below this share of its undecided loss
SUSTAINED = 0.9    # ...in at least this share of the window's records

# A convolutional setup that learned the digits on a CPU in about a thousand updates where the MLP's
# samples stayed noise (docs/training_health.md); the DCGAN suggestion applies exactly these changes.
IMAGE_SETUP = {"model.arch": "dcgan", "model.channels": 16, "batch_size": 64}


@dataclass(frozen=True)
class Suggestion:
    """One way out, with the dotted :class:`TrainConfig` changes that apply it."""

    label: str
    why: str
    changes: dict = field(default_factory=dict)

    def apply(self, config: TrainConfig) -> TrainConfig:
        return config.replace(**self.changes)


@dataclass(frozen=True)
class Diagnosis:
    """D wins outright: where, by how much, and what to change."""

    step: int
    d_loss: float     # median D loss over the window
    undecided: float  # D's loss when it cannot tell real from fake
    d_real: float | None  # median D(x) and D(G(z)) over the window, for losses read as probabilities
    d_fake: float | None
    suggestions: tuple[Suggestion, ...]

    @property
    def summary(self) -> str:
        outputs = (f"; D(x) ≈ {self.d_real:.3f}, D(G(z)) ≈ {self.d_fake:.3f}"
                   if self.d_real is not None and self.d_fake is not None else "")
        return (f"The discriminator is winning outright: its loss has stayed near 0 for the last {WINDOW} updates "
                f"(median {self.d_loss:.2g}; {self.undecided:.3g} when it cannot tell real from fake{outputs}). "
                "The generator gets no useful signal, so its samples stop improving.")

    @property
    def message(self) -> str:
        tips = "\n".join(f"- {s.label}: {s.why}" for s in self.suggestions)
        return f"{self.summary}\n\nTry:\n{tips}" if tips else self.summary


def undecided_loss(loss: str) -> float:
    """D's loss when every logit is 0, i.e. when it cannot tell real from fake (2 log 2 for BCE)."""
    zero = torch.zeros(1)
    return float(LOSSES[loss].d(zero, zero))


def suggestions(config: TrainConfig) -> tuple[Suggestion, ...]:
    """What to change in ``config`` when D wins outright, the most effective first; only changes
    that differ from the current settings are offered."""
    out = []
    if not is_toy(config.data.name) and config.model.arch != IMAGE_SETUP["model.arch"]:
        out.append(Suggestion("DCGAN architecture", "convolutional networks that learn the digits' strokes "
                              "(16 base channels, batch 64: quick on a CPU)", IMAGE_SETUP))
    if config.loss == "minimax":
        out.append(Suggestion("Non-saturating loss", "G's gradient does not vanish when D rejects its samples",
                              {"loss": "ns"}))
    elif config.loss != "hinge":
        out.append(Suggestion("Hinge loss", "D stops pushing once a sample is past the margin", {"loss": "hinge"}))
    out.append(Suggestion("Lower D learning rate", f"{config.lr_d:.2g} → {config.lr_d / 10:.2g}, so G can keep up; "
                          "on its own it did not make the MLP draw digits in our runs", {"lr_d": config.lr_d / 10}))
    return tuple(out)


def _window(steps: np.ndarray) -> np.ndarray:
    """Mask of the records in the last WINDOW updates, or the last MIN_RECORDS records if that is more."""
    recent = steps > steps[-1] - WINDOW
    if recent.sum() < MIN_RECORDS:
        recent = np.arange(len(steps)) >= len(steps) - MIN_RECORDS
    return recent


def diagnose(history: dict[str, list[float]], config: TrainConfig) -> Diagnosis | None:
    """A :class:`Diagnosis` when D has won outright over the recent updates of ``history`` (a
    ``History.as_dict()``), else None. Updates where D was frozen (NaN loss) are left out."""
    undecided = undecided_loss(config.loss)
    steps = np.asarray(history.get("step", []), dtype=float)
    if undecided <= 0 or not len(steps) or steps[-1] < WARMUP:
        return None
    recent = _window(steps)
    d_loss = np.asarray(history["d_loss"], dtype=float)[recent]
    trained = np.isfinite(d_loss)
    if not trained.any():
        return None
    d_loss = d_loss[trained]
    if np.mean(d_loss <= FLOOR_SHARE * undecided) < SUSTAINED:
        return None
    probabilistic = LOSSES[config.loss].probabilistic
    median = lambda key: float(np.median(np.asarray(history[key], dtype=float)[recent][trained]))  # noqa: E731
    return Diagnosis(int(steps[-1]), float(np.median(d_loss)), undecided,
                     median("d_real") if probabilistic else None, median("d_fake") if probabilistic else None,
                     suggestions(config))

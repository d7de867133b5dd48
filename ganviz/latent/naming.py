"""Naming latent directions by the factors they move, for generators of ``shapes`` images.

GANSpace directions (``ganviz.latent.walk.pca_directions``) say *how much* the image changes, not
*what* changes. On ``shapes`` every image has known factors, and the shipped factor network
(``ganviz.metrics.factors``) reads them back from any picture, so a direction can be named by
measurement instead of by eye:

- :func:`factor_profile`: move many seeded latents along each direction over a range of amounts
  and correlate the amount with each factor the network reads, over all the images of all the
  paths, so that a factor counts as moved only when the direction moves it by a share of how much
  it varies from sample to sample.
- :func:`fit_direction`: the other way round, InterFaceGAN-style (Shen et al., "Interpreting the
  Latent Space of GANs for Semantic Face Editing", CVPR 2020): sample z, read a factor, fit a
  linear model in latent space and take its normal as the direction that changes that factor.
- :func:`factors_along`: the factors of each image of a path (an interpolation strip).

Everything works on any generator of 3-channel images the network can read (it resizes to 32 px);
:func:`trained_on_shapes` says which ones it was made for.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ganviz.config import DataConfig
from ganviz.data.shapes import COLOUR_NAMES, SHAPE_NAMES, ShapesDataset
from ganviz.latent.walk import sample_latents
from ganviz.metrics.factors import symmetry_order

CONTINUOUS = ("x", "y", "scale")
CATEGORICAL = ("shape", "colour")
PROFILE_FACTORS = (*CONTINUOUS, "rotation", *CATEGORICAL)
# a direction can be fitted for a continuous factor or for one shape or colour (an attribute an
# image has or has not); rotation is circular, so no linear model in z can follow it all the way round
FIT_FACTORS = (*CONTINUOUS, *SHAPE_NAMES, *COLOUR_NAMES)
# what a positive and a negative correlation mean, in words ("y" is measured from the top)
WORDS = {"x": ("moves it right", "moves it left"), "y": ("moves it down", "moves it up"),
         "scale": ("makes it larger", "makes it smaller"),
         "rotation": ("turns it clockwise", "turns it anticlockwise")}
# below this |r| no factor follows the direction well enough to name it alone
NAMED_AT = 0.5
# a shape or colour that gains fewer images than this share along a direction is not named
MIN_GAIN = 0.01
# how far along each direction the profile looks, in prior standard deviations (the page's ladder)
AMOUNTS = tuple(np.linspace(-3.0, 3.0, 9))


def goal(factor: str) -> str:
    """What moving towards ``factor`` (one of FIT_FACTORS) does, in words: "moves it right",
    "makes it a star", "makes it red"."""
    if factor in WORDS:
        return WORDS[factor][0]
    return f"makes it {'a ' if factor in SHAPE_NAMES else ''}{factor}"


def trained_on_shapes(generator) -> bool:
    """Whether ``generator`` is a ganviz run trained on ``shapes``, as its checkpoint's config says:
    the only generators whose pictures the factor network was made to read."""
    data = generator.config.get("train", {}).get("data", {}) if generator.kind == "ganviz" else {}
    return isinstance(data, dict) and data.get("name") == "shapes" and generator.out_shape[:1] == (3,)


def class_names(generator) -> list[str]:
    """What a conditional generator's class numbers stand for: a ``shapes`` run's modes by name
    ("red circle"; label i is ``ShapesDataset.modes[i]``), otherwise the numbers themselves."""
    if trained_on_shapes(generator):
        modes = ShapesDataset.from_config(DataConfig.from_dict(generator.config["train"]["data"])).modes
        if len(modes) == generator.num_classes:
            return [f"{colour} {shape}" for shape, colour in modes]
    return [str(i) for i in range(generator.num_classes)]


def check_readable(generator) -> None:
    """Refuses generators whose outputs are not 3-channel images: the factor network would read
    grey digits as shapes and answer with confident nonsense."""
    if not generator.is_image or generator.out_shape[0] != 3:
        raise ValueError(f"{generator.source}: draws {'x'.join(map(str, generator.out_shape))} samples; "
                         "the shape factor network reads 3-channel (RGB) images")


@torch.no_grad()
def read_factors(generator, net, z: torch.Tensor, y=None) -> dict[str, np.ndarray]:
    """The factor network's reading of G(z) (``FactorNet.predict``'s keys) as numpy arrays."""
    check_readable(generator)
    return {k: v.numpy() for k, v in net.predict(generator.generate(z, y)).items()}


def _order(shape: np.ndarray) -> np.ndarray:
    """Each predicted shape's symmetry order k (0 for the circle)."""
    return symmetry_order(torch.from_numpy(shape)).numpy()


# -- profiles: which factor each direction moves -----------------------------------------------
def correlation(amounts: np.ndarray, readings: np.ndarray) -> float:
    """Pearson correlation between the amount and a reading (paths, amounts), over every image of
    every path; 0 when the reading does not change at all.

    Pooled on purpose, not path by path: with each path's own mean removed, the network's small
    noise is all that is left beside a tiny but steady shift (a direction that moves y by 0.002 of
    the side per unit), and the correlation called that shift strong (measured: -0.49). Pooled, the
    shift is set against how much the factor differs between samples, where it belongs."""
    a = np.broadcast_to(amounts - amounts.mean(), readings.shape)
    r = readings - readings.mean()
    spread = math.sqrt((a ** 2).sum() * (r ** 2).sum())
    return float((r * a).sum() / spread) if spread > 1e-9 else 0.0


def _rotation_correlation(amounts: np.ndarray, angle: np.ndarray, shape: np.ndarray) -> float:
    """The correlation for rotation, whose reading is the angle k x rotation (equal for every
    rotation that draws the same picture). Each path's angle is unwrapped across steps (turns
    smaller than half a turn between neighbours are taken as such) and divided by k, giving the
    shape's own rotation, which then correlates like any other factor. Only paths that keep one
    non-circle shape count: a circle shows no rotation, and a new shape changes k mid-path. With
    fewer than a quarter of the paths left (a direction that changes the shape), the few left would
    give a correlation of noise, so the answer is 0."""
    keep = (shape == shape[:, :1]).all(axis=1) & (_order(shape[:, 0]) > 0)
    if keep.sum() < max(2, len(shape) / 4):
        return 0.0
    turned = np.unwrap(angle[keep], axis=1) / _order(shape[keep, :1])
    return correlation(amounts, turned)


def class_gain(probs: np.ndarray) -> np.ndarray:
    """Each class's probability at the last amount minus at the first, averaged over the paths
    (paths, amounts, classes) -> (classes,): the share of images a direction turns into that class.
    Not a correlation: the network's probabilities are nearly 0 or 1 and barely noisy, so a
    correlation would call a change of 0.001 that every path shares as strong as a flip."""
    return (probs[:, -1] - probs[:, 0]).mean(axis=0)


@dataclass
class FactorProfile:
    """What each direction moves: ``correlations[i, j]`` says how strongly moving along direction i
    moves factor ``PROFILE_FACTORS[j]``, from -1 to 1. For x, y, scale and rotation it is the
    correlation with the amount, its sign saying which way (right, down, larger,
    clockwise); for shape and colour it is the :func:`class_gain` of the class that gains most,
    named in ``classes[i]`` ("" where none gains MIN_GAIN)."""
    correlations: np.ndarray          # (k, len(PROFILE_FACTORS)) in [-1, 1]
    classes: list[dict[str, str]]     # per direction: {"shape": ..., "colour": ...}
    amounts: np.ndarray
    paths: int                        # seeded latents moved along each direction

    def top(self, i: int) -> str:
        """The factor direction i moves most (largest |r|)."""
        return PROFILE_FACTORS[int(np.abs(self.correlations[i]).argmax())]

    def label(self, i: int, factor: str) -> str:
        """A factor's name as the charts show it: shape and colour with their class."""
        return f"{factor}: {self.classes[i][factor]}" if self.classes[i].get(factor) else factor

    def value(self, i: int, factor: str) -> str:
        """A factor's number as text: r, or the share of images a shape or colour gains."""
        r = float(self.correlations[i, PROFILE_FACTORS.index(factor)])
        return f"{r:+.0%} of images" if factor in CATEGORICAL else f"r = {r:+.2f}"

    def phrase(self, i: int) -> str:
        """Direction i in words: "mostly x: moves it right (r = +0.97)", or that no factor
        follows it alone."""
        factor = self.top(i)
        r = float(self.correlations[i, PROFILE_FACTORS.index(factor)])
        if round(abs(r), 2) == 0:
            return "none of the factors the network reads"
        if abs(r) < NAMED_AT:
            return f"no single factor (largest: {self.label(i, factor)}, {self.value(i, factor)})"
        words = goal(self.classes[i][factor]) if factor in CATEGORICAL else WORDS[factor][r < 0]
        return f"mostly {factor}: {words} ({self.value(i, factor)})"

    def to_dict(self) -> list[dict]:
        """One plain record per direction (for JSON)."""
        return [{"top": self.top(i), "phrase": self.phrase(i), "classes": self.classes[i],
                 "correlations": {f: round(float(r), 4) for f, r in zip(PROFILE_FACTORS, row)}}
                for i, row in enumerate(self.correlations)]


@torch.no_grad()
def factor_profile(generator, net, vectors: torch.Tensor, *, paths: int = 32, seed: int = 0,
                   amounts=AMOUNTS, y=None) -> FactorProfile:
    """Move ``paths`` seeded latents (seeds seed, seed+1, ...) along each of ``vectors`` (k, latent_dim)
    by each of ``amounts`` and correlate amount and factors (:class:`FactorProfile`). ``y``: the class
    a conditional generator draws."""
    amounts = np.asarray(amounts, dtype=np.float64)
    if paths < 2 or len(amounts) < 3:
        raise ValueError(f"paths, amounts: need at least 2 paths and 3 amounts, got {paths} and {len(amounts)}")
    k = len(vectors)
    start = sample_latents(paths, generator.latent_dim, seed)
    steps = torch.as_tensor(amounts, dtype=torch.float32)
    z = start[None, :, None, :] + steps[None, None, :, None] * vectors[:, None, None, :].float()
    read = read_factors(generator, net, z.reshape(-1, generator.latent_dim), y)
    read = {key: v.reshape(k, paths, len(amounts), *v.shape[1:]) for key, v in read.items()}
    correlations = np.zeros((k, len(PROFILE_FACTORS)))
    classes = []
    for i in range(k):
        for j, factor in enumerate(CONTINUOUS):
            correlations[i, j] = correlation(amounts, read[factor][i])
        correlations[i, len(CONTINUOUS)] = _rotation_correlation(amounts, read["angle"][i], read["shape"][i])
        named = {}
        for factor, names in (("shape", SHAPE_NAMES), ("colour", COLOUR_NAMES)):
            gain = class_gain(read[f"{factor}_probs"][i])
            best = int(np.argmax(gain))
            correlations[i, PROFILE_FACTORS.index(factor)] = max(gain[best], 0.0)
            named[factor] = names[best] if gain[best] >= MIN_GAIN else ""
        classes.append(named)
    return FactorProfile(correlations, classes, amounts, paths)


# -- fitting: the direction that moves a chosen factor (InterFaceGAN) ---------------------------
@dataclass
class FittedDirection:
    """A unit latent direction along which ``factor`` grows (or, for a shape or colour, along
    which images become that class), and how well the linear model behind it fits held-out samples."""
    factor: str
    vector: torch.Tensor      # (latent_dim,), unit length
    quality: float            # held-out R² (x, y, scale) or balanced accuracy (a shape or colour)
    metric: str               # "R²" or "balanced accuracy"
    per_unit: float | None    # x, y, scale: the factor's change per unit step along ``vector``
    share: float | None       # a shape or colour: the share of samples the network gives that class
    n: int                    # samples read, ``tested`` of them held out to score the fit
    tested: int

    def summary(self) -> str:
        """How well the direction fits, in one line: "R² 0.982 on 500 held-out of 2,000 samples, x
        changes by 0.059 per unit step"."""
        change = (f"{self.factor} changes by {self.per_unit:.2g} per unit step" if self.per_unit is not None
                  else f"{self.share:.0%} of samples are {self.factor}")
        return f"{self.metric} {self.quality:.3f} on {self.tested:,} held-out of {self.n:,} samples, {change}"

    def to_dict(self) -> dict:
        return {"factor": self.factor, "quality": round(self.quality, 4), "metric": self.metric,
                "per_unit": self.per_unit, "share": self.share, "n": self.n, "tested": self.tested,
                "vector": [round(float(v), 5) for v in self.vector]}


def _target(read: dict[str, np.ndarray], factor: str) -> np.ndarray:
    """The value the linear model fits: the reading of a continuous factor, or +1 / -1 for whether
    the network names the image that shape or colour."""
    if factor in CONTINUOUS:
        return read[factor].astype(np.float64)
    kind, names = ("shape", SHAPE_NAMES) if factor in SHAPE_NAMES else ("colour", COLOUR_NAMES)
    return np.where(read[kind] == names.index(factor), 1.0, -1.0)


def _balanced_accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Mean of the recall of each class present: 0.5 for a guess, whatever the classes' sizes (a
    rare attribute makes plain accuracy high for a model that never says yes)."""
    return float(np.mean([(predicted[truth == c] == c).mean() for c in np.unique(truth)]))


@torch.no_grad()
def fit_direction(generator, net, factor: str, *, n: int = 2000, seed: int = 0, y=None,
                  held_out: float = 0.25) -> FittedDirection:
    """The latent direction that moves ``factor`` (one of FIT_FACTORS), InterFaceGAN-style.

    ``n`` latents from ``seed`` are drawn and read; a least-squares linear model of the factor in z
    is fitted on all but the ``held_out`` share and scored on those. A continuous factor is
    regressed on z; a shape or colour is an attribute, fitted as least squares on +1 / -1, whose
    normal is Fisher's discriminant direction — the same boundary InterFaceGAN draws with a linear
    SVM, in closed form, with no iterations or hyperparameters. The unit normal is the direction.
    """
    if factor not in FIT_FACTORS:
        raise ValueError(f"factor: must be one of {', '.join(FIT_FACTORS)}, got {factor!r} (rotation is "
                         "circular: no linear direction turns a shape all the way round)")
    dim = generator.latent_dim
    test = int(round(n * held_out))
    if n - test <= dim + 1 or test < 10:
        raise ValueError(f"n: {n} samples leave too few to fit {dim} latent coordinates and to test the fit; "
                         f"use at least {int((dim + 2) / (1 - held_out)) + 10}")
    z = torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))
    target = _target(read_factors(generator, net, z, y), factor)
    design = np.hstack([z.double().numpy(), np.ones((n, 1))])
    fit, check = slice(test, None), slice(None, test)
    if factor not in CONTINUOUS and len(np.unique(target[fit])) < 2:
        which = "every" if target[fit][0] > 0 else "no"
        raise ValueError(f"factor {factor}: the network names {which} sample {factor} (of the {n - test:,} to fit "
                         "on); there is no boundary to fit")
    weights = np.linalg.lstsq(design[fit], target[fit], rcond=None)[0]
    normal = weights[:dim]
    length = float(np.linalg.norm(normal))
    if length == 0:
        raise ValueError(f"factor {factor}: the fitted model does not depend on z")
    predicted = design[check] @ weights
    if factor in CONTINUOUS:
        residual = ((target[check] - predicted) ** 2).sum()
        total = ((target[check] - target[check].mean()) ** 2).sum()
        quality, metric, per_unit, share = 1 - residual / max(total, 1e-12), "R²", length, None
    else:
        quality = _balanced_accuracy(target[check], np.where(predicted > 0, 1.0, -1.0))
        metric, per_unit, share = "balanced accuracy", None, float((target > 0).mean())
    return FittedDirection(factor, torch.from_numpy(normal / length).float(), float(quality), metric,
                           per_unit, share, n, test)


# -- the factors along a path --------------------------------------------------------------------
def factors_along(generator, net, z_path: torch.Tensor, y=None) -> dict:
    """The factors of each image of ``z_path`` (T, latent_dim): x, y, scale, rotation (the shape's own,
    in degrees within ±180/k of upright, k its symmetry order, so an upright square reads 0 and never
    jumps to 90; NaN for a circle, whose rotation does not show) as arrays, shape and colour as
    lists of names."""
    read = read_factors(generator, net, z_path, y)
    order = _order(read["shape"])
    rotation = np.where(order > 0, np.degrees(read["angle"]) / np.maximum(order, 1), np.nan)
    return {"x": read["x"], "y": read["y"], "scale": read["scale"], "rotation": rotation,
            "shape": [SHAPE_NAMES[i] for i in read["shape"]], "colour": [COLOUR_NAMES[i] for i in read["colour"]]}

"""Generators trained on different data, on one scale: each measured against its own data.

A Fréchet distance is in the units of the network that embeds the images (the digit classifier's
for digits, the shape factor network's for shapes), so 60 on digits and 60 on shapes say nothing
about each other. Here each is divided by the distance between two disjoint real samples of the
same size on the same network: what a generator drawing real images would score at that n, small
sample bias included, so 1 is the best a ratio can be. Mode coverage becomes a share of the data's
classes, decided for both as :func:`ganviz.metrics.factors.mode_coverage` decides it for shapes:
a sample belongs to the class its network finds most probable, a class is held when at least 1% of
the samples fall in it, and a sample is high quality when that probability is >= 0.9.

This is how the Latent explorer's default generator was chosen (docs/shapes.md, "Shipped generators").
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ganviz.collapse.coverage import assignment_metrics
from ganviz.config import DataConfig
from ganviz.metrics.evaluation import ImageSource
from ganviz.metrics.extractors import FeatureExtractor, build_extractor, default_extractor
from ganviz.metrics.factors import HIGH_CONFIDENCE
from ganviz.metrics.reference import real_images
from ganviz.metrics.scores import embed, frechet_distance

# the digits dataset has 1,797 images: two disjoint samples of 898
DEFAULT_N = 898


@dataclass
class RelativeQuality:
    source: str
    dataset: str
    n: int
    fd: float       # generated vs real sample A
    fd_real: float  # real sample B vs real sample A: what real images score at this n
    modes: dict     # ganviz.collapse.coverage.assignment_metrics over the data's classes

    @property
    def fd_ratio(self) -> float:
        return self.fd / self.fd_real

    @property
    def held_share(self) -> float:
        return self.modes["modes_held"] / self.modes["num_modes"]


def class_coverage(extractor: FeatureExtractor, logits: torch.Tensor, data: DataConfig) -> dict:
    """The mode metrics over the data's classes: the shapes modes of ``data`` where the extractor
    knows them (the shape factor network), else every class of the extractor's logits."""
    coverage = extractor.coverage(logits, data) if hasattr(extractor, "coverage") else None
    if coverage is not None:
        return coverage
    best, index = logits.float().softmax(1).max(1)
    return assignment_metrics(index.numpy(), (best >= HIGH_CONFIDENCE).numpy(), logits.shape[1])


def relative_quality(source: ImageSource, n: int = DEFAULT_N, seed: int = 0) -> RelativeQuality:
    """Fréchet distance over the real-vs-real one and class coverage of ``n`` samples of ``source``,
    on the shipped network made for its training data. The samples are drawn with a generator seeded
    with ``seed`` + 1 (as :func:`ganviz.metrics.evaluate` seeds its own), the real ones with ``seed``."""
    if source.data is None:
        raise ValueError(f"{source.name}: does not say what data it was trained on")
    extractor = build_extractor(default_extractor(source.data.name))
    real = real_images(source.data, 2 * n, seed)
    if len(real) < 2 * n:
        raise ValueError(f"n: {source.data.name} has {len(real):,} images, fewer than two disjoint samples of {n:,}")
    a, b = (embed([half], extractor, n) for half in (real[:n], real[n:]))
    fake = embed([source.draw(n, torch.Generator().manual_seed(seed + 1))], extractor, n)
    return RelativeQuality(source.name, source.data.name, n, fd=frechet_distance(a.features, fake.features),
                           fd_real=frechet_distance(a.features, b.features),
                           modes=class_coverage(extractor, fake.logits, source.data))

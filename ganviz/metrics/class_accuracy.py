"""Does a conditional generator draw the class it is asked for?

Each class gets ``per_class`` seeded samples; a shipped network names what it sees: the shape
factor network for a generator trained on ``shapes`` (its classes are the shape x colour modes),
the digit classifier for any other (or a classifier the caller passes). Accuracy far above chance
(1 / number of classes) means the class input controls the image; near chance means the generator
ignores it.

``python -m ganviz class-accuracy SOURCE [--per-class 100] [--seed 0]`` (:mod:`ganviz.metrics.cli`)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class ClassAccuracy:
    accuracy: float
    per_class: list[float]
    n: int
    seed: int

    @property
    def chance(self) -> float:
        return 1 / len(self.per_class)


def shipped_classifier(generator):
    """The shipped network that names the classes of ``generator``'s training data: the shape factor
    network's reading of the modes for ``shapes``, the digit classifier otherwise."""
    data = generator.config.get("train", {}).get("data", {})
    if data.get("name") == "shapes":
        from ganviz.config import DataConfig
        from ganviz.metrics.factors import ModeReader

        return ModeReader(DataConfig.from_dict(data))
    from ganviz.metrics.classifier import load_digit_classifier

    return load_digit_classifier()


@torch.no_grad()
def class_accuracy(generator, classifier=None, per_class: int = 100, seed: int = 0) -> ClassAccuracy:
    """Fraction of samples of class c that ``classifier`` (default: :func:`shipped_classifier`)
    labels c, over all classes and per class. The latents are ``torch.randn(n, latent_dim)`` from a
    generator seeded with ``seed``."""
    if not generator.conditional:
        raise ValueError(f"{generator.source}: an unconditional generator has no class to check")
    if per_class < 1:
        raise ValueError(f"per_class: must be >= 1, got {per_class}")
    classifier = classifier if classifier is not None else shipped_classifier(generator)
    k = generator.num_classes
    y = torch.arange(k).repeat_interleave(per_class)
    z = torch.randn(len(y), generator.latent_dim, generator=torch.Generator().manual_seed(seed))
    correct = (classifier.predict(generator.generate(z, y)) == y).float()
    return ClassAccuracy(correct.mean().item(), correct.view(k, per_class).mean(1).tolist(), len(y), seed)

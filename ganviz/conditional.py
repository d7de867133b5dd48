"""Does a conditional generator draw the class it is asked for?

Each class gets ``per_class`` seeded samples; the shipped digit classifier (or another) names
what it sees. Accuracy far above chance (1 / number of classes) means the class input controls
the image; near chance means the generator ignores it.

``python -m ganviz class-accuracy SOURCE [--per-class 100] [--seed 0]``
"""
from __future__ import annotations

import argparse
import json
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


@torch.no_grad()
def class_accuracy(generator, classifier=None, per_class: int = 100, seed: int = 0) -> ClassAccuracy:
    """Fraction of samples of class c that ``classifier`` labels c, over all classes and per class.
    The latents are ``torch.randn(n, latent_dim)`` from a generator seeded with ``seed``."""
    from ganviz.classifier import load_digit_classifier

    if not generator.conditional:
        raise ValueError(f"{generator.source}: an unconditional generator has no class to check")
    if per_class < 1:
        raise ValueError(f"per_class: must be >= 1, got {per_class}")
    classifier = classifier if classifier is not None else load_digit_classifier()
    k = generator.num_classes
    y = torch.arange(k).repeat_interleave(per_class)
    z = torch.randn(len(y), generator.latent_dim, generator=torch.Generator().manual_seed(seed))
    correct = (classifier.predict(generator.generate(z, y)) == y).float()
    return ClassAccuracy(correct.mean().item(), correct.view(k, per_class).mean(1).tolist(), len(y), seed)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="conditional generator: shipped name, folder or Hub repo id")
    parser.add_argument("--revision", default=None, help="Hub branch, tag or commit")
    parser.add_argument("--per-class", type=int, default=100, help="samples drawn for each class")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from ganviz.hub import load_generator

    result = class_accuracy(load_generator(args.source, args.revision), per_class=args.per_class, seed=args.seed)
    print(json.dumps({"source": args.source, "accuracy": round(result.accuracy, 4), "chance": result.chance,
                      "per_class": [round(a, 3) for a in result.per_class], "n": result.n, "seed": result.seed}))
    return 0

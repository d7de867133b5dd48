"""The numbers: FID, IS and KID through torchmetrics, precision/recall by k-nearest neighbours.

Images are embedded once (:func:`embed`), then every metric reads the same features and
logits: torchmetrics' ``FrechetInceptionDistance``, ``InceptionScore`` and
``KernelInceptionDistance`` receive them through :class:`GivenFeatures`, a ``feature=`` module
that passes along what the extractor already computed. Running the network once instead of once
per metric is what makes 10,000 Inception-v3 samples affordable on a CPU, and lets the real
data's features come from a disk cache (``ganviz.metrics.reference``).
"""
from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable

import torch
from torch import nn

Progress = Callable[[str, int, int], None]  # (stage, done, total)

# which way is better, for tables and rankings
BETTER = {"fd": "lower", "is": "higher", "kid": "lower", "precision": "higher", "recall": "higher"}


@dataclass
class Embedding:
    """Features (N, d) and logits (N, k) of one set of images, float32 on the CPU."""
    features: torch.Tensor
    logits: torch.Tensor

    def __len__(self) -> int:
        return len(self.features)

    def subset(self, n: int, seed: int = 0) -> "Embedding":
        if n >= len(self):
            return self
        idx = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))[:n].to(self.features.device)
        return Embedding(self.features[idx], self.logits[idx])


@torch.no_grad()
def embed(batches: Iterable[torch.Tensor], extractor: nn.Module, total: int, progress: Progress | None = None,
          stage: str = "features") -> Embedding:
    """Run ``extractor`` over image batches (in [-1, 1]) once; keep features and logits on the CPU."""
    device = next(extractor.parameters()).device
    features, logits, done = [], [], 0
    for images in batches:
        f, lg = extractor(images.to(device))
        features.append(f.float().cpu())
        logits.append(lg.float().cpu())
        done += len(images)
        if progress is not None:
            progress(stage, done, total)
    if not features:
        raise ValueError("images: nothing to embed")
    return Embedding(torch.cat(features), torch.cat(logits))


class GivenFeatures(nn.Module):
    """The ``feature=`` module handed to torchmetrics: the features were already extracted."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features


@contextlib.contextmanager
def _seeded_quiet(seed: int):
    """torchmetrics draws its random subsets from the global RNG: seed it without disturbing the
    caller's stream. Drop the warnings that IS/KID keep their features (that is the point here) and
    that one IS split has no spread (we report 0)."""
    with warnings.catch_warnings(), torch.random.fork_rng(devices=[]):
        warnings.filterwarnings("ignore", message=".*will save all extracted features.*")
        warnings.filterwarnings("ignore", message=".*degrees of freedom is <= 0.*")
        torch.manual_seed(seed)
        yield


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    from torchmetrics.image.fid import FrechetInceptionDistance

    if len(real) < 2 or len(fake) < 2:
        raise ValueError("n: the Fréchet distance needs at least 2 real and 2 generated samples")
    metric = FrechetInceptionDistance(feature=GivenFeatures(real.shape[1])).to(real.device)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    return float(metric.compute())


def inception_score(logits: torch.Tensor, splits: int = 10, seed: int = 0, min_split: int = 500) -> tuple[float, float]:
    """exp(E_x KL(p(y|x) || p(y))): mean and std over up to ``splits`` disjoint parts.

    Each part keeps at least ``min_split`` samples (fewer parts for small n, std 0 for one): p(y)
    estimated from a few dozen samples misses classes, which biases the score low (200 real digits
    in 10 parts of 20 score 7.6 instead of 9.6)."""
    from torchmetrics.image.inception import InceptionScore

    splits = max(1, min(splits, len(logits) // min_split))
    with _seeded_quiet(seed):
        metric = InceptionScore(feature=GivenFeatures(logits.shape[1]), splits=splits).to(logits.device)
        metric.update(logits.double())
        mean, std = metric.compute()
    return float(mean), (float(std) if splits > 1 else 0.0)


def kernel_distance(real: torch.Tensor, fake: torch.Tensor, subset_size: int = 1000, subsets: int = 100,
                    seed: int = 0) -> tuple[float, float]:
    """KID: unbiased polynomial-kernel MMD², mean and std over random subsets.

    Computed in float32 on the features' device: in float64 on a CPU, 100 subsets of 1,000 take
    longer than embedding 10,000 images with the classifier."""
    from torchmetrics.image.kid import KernelInceptionDistance

    subset_size = min(subset_size, len(real), len(fake))
    if subset_size < 2:
        raise ValueError("n: KID needs at least 2 real and 2 generated samples")
    with _seeded_quiet(seed):
        metric = KernelInceptionDistance(feature=GivenFeatures(real.shape[1]), subset_size=subset_size,
                                         subsets=subsets).to(real.device)
        metric.update(real, real=True)
        metric.update(fake, real=False)
        mean, std = metric.compute()
    return float(mean), float(std)


def _knn_radius(x: torch.Tensor, k: int, chunk: int) -> torch.Tensor:
    """Distance from each row of x to its k-th nearest other row."""
    return torch.cat([torch.cdist(x[i:i + chunk], x).kthvalue(k + 1, dim=1).values
                      for i in range(0, len(x), chunk)])


def _inside_fraction(queries: torch.Tensor, support: torch.Tensor, radius: torch.Tensor, chunk: int) -> float:
    """The share of queries inside at least one support point's k-NN ball."""
    inside = [(torch.cdist(queries[i:i + chunk], support) <= radius[None]).any(1)
              for i in range(0, len(queries), chunk)]
    return torch.cat(inside).float().mean().item()


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3, chunk: int = 1024) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    Each set's manifold is the union of balls reaching every sample's k-th nearest neighbour.
    Precision: the share of generated samples inside the real manifold (quality). Recall: the
    share of real samples inside the generated manifold (diversity / coverage).
    """
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"n: precision/recall with k={k} needs more than {k} samples per set")
    real, fake = real.float(), fake.float()
    precision = _inside_fraction(fake, real, _knn_radius(real, k, chunk), chunk)
    recall = _inside_fraction(real, fake, _knn_radius(fake, k, chunk), chunk)
    return precision, recall


def compare(real: Embedding, fake: Embedding, names: dict[str, str], *, is_splits: int = 10,
            kid_subset_size: int = 1000, kid_subsets: int = 100, pr_k: int = 3, pr_max: int = 5000,
            seed: int = 0, device: str | torch.device | None = None) -> dict[str, dict]:
    """Every metric of ``fake`` against ``real``: ``{key: {"name", "value", "std"?, "better"}}``.

    ``device`` is where the pairwise work (KID kernels, k-NN distances) runs: a GPU makes it instant.

    Precision/recall use equally many real and generated samples (at most ``pr_max`` each): the
    k-NN radii shrink as a set grows, so unequal sets would bias them.
    """
    if device is not None:
        real = Embedding(real.features.to(device), real.logits.to(device))
        fake = Embedding(fake.features.to(device), fake.logits.to(device))
    fd = frechet_distance(real.features, fake.features)
    is_mean, is_std = inception_score(fake.logits, is_splits, seed)
    kid_mean, kid_std = kernel_distance(real.features, fake.features, kid_subset_size, kid_subsets, seed)
    m = min(len(real), len(fake), pr_max)
    precision, recall = precision_recall(real.subset(m, seed).features, fake.subset(m, seed + 1).features, pr_k)
    values = {"fd": (fd, None), "is": (is_mean, is_std), "kid": (kid_mean, kid_std),
              "precision": (precision, None), "recall": (recall, None)}
    return {key: {"name": names[key], "value": value, **({"std": std} if std is not None else {}),
                  "better": BETTER[key]} for key, (value, std) in values.items()}

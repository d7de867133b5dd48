"""The numbers: FID through torchmetrics, IS and KID as torch-fidelity computes them,
precision/recall by k-nearest neighbours.

Images are embedded once (:func:`embed`), then every metric reads the same features and
logits: torchmetrics' ``FrechetInceptionDistance`` receives them through :class:`GivenFeatures`,
a ``feature=`` module that passes along what the extractor already computed; IS and KID are a
few lines here, so that each reports what its ± is (IS: population std over disjoint splits;
KID: std over subsets, with the subset size used and how many subsets were distinct). Running
the network once instead of once per metric is what makes 10,000 Inception-v3 samples affordable
on a CPU, and lets the real data's features come from a disk cache (``ganviz.metrics.reference``).
"""
from __future__ import annotations

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


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    from torchmetrics.image.fid import FrechetInceptionDistance

    if len(real) < 2 or len(fake) < 2:
        raise ValueError("n: the Fréchet distance needs at least 2 real and 2 generated samples")
    metric = FrechetInceptionDistance(feature=GivenFeatures(real.shape[1])).to(real.device)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    return float(metric.compute())


def inception_score(logits: torch.Tensor, splits: int = 10, seed: int = 0, min_split: int = 500) -> dict:
    """exp(E_x KL(p(y|x) || p(y))): ``{"value", "std", "std_over"}`` over up to ``splits`` disjoint parts.

    As torch-fidelity and the original Inception Score code compute it: the samples in a seeded
    random order (``torch.randperm(n, generator=torch.Generator().manual_seed(seed))``), cut at
    i·n // splits, and the **population** std (ddof=0) of the parts' scores. (torchmetrics reports
    ddof=1, √(k/(k-1)) larger: 5% for 10 splits.) Each part keeps at least ``min_split`` samples
    (fewer parts for small n, std 0 for one): p(y) estimated from a few dozen samples misses
    classes, which biases the score low (200 real digits in 10 parts of 20 score 7.6 instead of 9.6)."""
    n = len(logits)
    if n < 1:
        raise ValueError("n: the Inception Score needs at least 1 sample")
    splits = max(1, min(splits, n // min_split))
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(logits.device)
    logits = logits[order].double()
    p, log_p = logits.softmax(dim=1), logits.log_softmax(dim=1)
    bounds = [i * n // splits for i in range(splits + 1)]
    scores = torch.stack([_split_score(p[a:b], log_p[a:b]) for a, b in zip(bounds, bounds[1:])])
    return {"value": float(scores.mean()), "std": float(scores.std(unbiased=False)),
            "std_over": f"{splits} disjoint split{'s' if splits > 1 else ''} of {n // splits:,}"
                        f"{'+' if n % splits else ''} samples (population std, ddof=0, as torch-fidelity)"}


def _split_score(p: torch.Tensor, log_p: torch.Tensor) -> torch.Tensor:
    """exp of the mean KL(p(y|x) || p(y)) over one part, p(y) being the part's mean prediction."""
    return (p * (log_p - p.mean(dim=0, keepdim=True).log())).sum(dim=1).mean().exp()


def kernel_distance(real: torch.Tensor, fake: torch.Tensor, subset_size: int = 1000, subsets: int = 100,
                    seed: int = 0) -> dict:
    """KID: ``{"value", "std", "std_over", "subset_size", "subsets", "distinct_subsets"}``.

    The unbiased MMD² with the cubic kernel k(x, y) = (x·y / d + 1)³, mean and population std
    over random subsets drawn without replacement, as torch-fidelity and torchmetrics compute it.
    When the smaller set has no more than ``subset_size`` samples, every subset would be the whole
    set and the ± a rounding artefact (n = 600 with subsets of 1,000 printed "43 ± 6.7e-05"), so the
    subsets shrink to half the smaller set, which leaves C(n, n/2) choices per side. The result
    names the size used and how many of the drawn subset pairs were distinct.

    Computed in float32 on the features' device: in float64 on a CPU, 100 subsets of 1,000 take
    longer than embedding 10,000 images with the classifier."""
    if subset_size < 2:
        raise ValueError(f"kid_subset_size: must be >= 2 (the unbiased MMD² needs pairs), got {subset_size}")
    smaller = min(len(real), len(fake))
    size = subset_size if smaller > subset_size else smaller // 2
    if size < 2:
        raise ValueError("n: KID needs at least 4 real and 4 generated samples (two subsets of 2)")
    rng = torch.Generator().manual_seed(seed)
    draws = [(torch.randperm(len(real), generator=rng)[:size], torch.randperm(len(fake), generator=rng)[:size])
             for _ in range(subsets)]
    values = torch.stack([poly_mmd(real[r.to(real.device)].float(), fake[f.to(fake.device)].float())
                          for r, f in draws])
    distinct = len({(frozenset(r.tolist()), frozenset(f.tolist())) for r, f in draws})
    shrunk = f"; shrunk from {subset_size:,}: n <= subset size" if size < subset_size else ""
    return {"value": float(values.mean()), "std": float(values.std(unbiased=False)),
            "std_over": f"{subsets} random subsets of {size:,} of the {len(real):,} real and {len(fake):,} generated "
                        f"samples ({distinct} distinct{shrunk})",
            "subset_size": size, "subsets": subsets, "distinct_subsets": distinct}


def poly_mmd(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Unbiased MMD² between two equally large sets with k(a, b) = (a·b / d + 1)³ (KID's kernel)."""
    m = len(x)
    kernel = lambda a, b: (a @ b.T / x.shape[1] + 1) ** 3
    k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)
    within = (k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
    return within - 2 * k_xy.sum() / (m * m)


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
    """Every metric of ``fake`` against ``real``: ``{key: {"name", "value", "better", ...}}``; IS and
    KID add ``"std"`` and ``"std_over"`` (what the ± is: splits, or subsets, their size and how many
    were distinct), KID also ``"subset_size"``, ``"subsets"`` and ``"distinct_subsets"``.

    ``device`` is where the pairwise work (KID kernels, k-NN distances) runs: a GPU makes it instant.

    Precision/recall use equally many real and generated samples (at most ``pr_max`` each): the
    k-NN radii shrink as a set grows, so unequal sets would bias them.
    """
    if device is not None:
        real = Embedding(real.features.to(device), real.logits.to(device))
        fake = Embedding(fake.features.to(device), fake.logits.to(device))
    m = min(len(real), len(fake), pr_max)
    precision, recall = precision_recall(real.subset(m, seed).features, fake.subset(m, seed + 1).features, pr_k)
    scores = {"fd": {"value": frechet_distance(real.features, fake.features)},
              "is": inception_score(fake.logits, is_splits, seed),
              "kid": kernel_distance(real.features, fake.features, kid_subset_size, kid_subsets, seed),
              "precision": {"value": precision}, "recall": {"value": recall}}
    return {key: {"name": names[key], **score, "better": BETTER[key]} for key, score in scores.items()}

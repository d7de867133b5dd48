"""How many modes of a Gaussian mixture a generator covers, and how well.

The mode metrics follow VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018): each
generated sample is assigned to its nearest mixture mean; it is *high quality* if it lies within
3 standard deviations (Euclidean distance <= 3 std) of that mean; a mode is *covered* if it received
at least one high-quality sample. Because "at least one" depends on how many samples are drawn,
we always evaluate 2,500 samples (as both papers do) and also report a stricter count: modes whose
high-quality samples make up at least 1% of all samples. The reverse KL is PacGAN's (its released
``pacgan/extensions.py``): the histogram of the *high-quality* samples over the modes against the
uniform distribution; undefined (NaN) when no sample is high quality.

Neither "covered" count can tell a collapse from a blur: a generator that smears its samples
over the whole plane has almost no high-quality sample either. *Modes held* can: a mode holds
the samples whose nearest mean it is, and it is held when it holds at least 1% of all samples.
A collapsed generator holds one or two modes; a blur, a ring or a cure hold nearly all of them.
``reverse_kl_all`` is the same KL over all samples' nearest modes (what this module reported as
``reverse_kl`` before), kept because it too separates a lump from a spread.

The grid divergences are GAN Lab's: bin real and generated samples on a grid over the plane,
smooth every cell by 1e-4, and compare the two histograms in bits.
"""
from __future__ import annotations

import numpy as np
import torch

HIGH_QUALITY_STDS = 3.0
STRICT_SHARE = 0.01
EVAL_SAMPLES = 2500
EVAL_SEED = 12345  # the latent draws every evaluation uses, so that curves over time are smooth
GRID_BINS = 20
GRID_SMOOTHING = 1e-4


def _numpy(points) -> np.ndarray:
    if torch.is_tensor(points):
        points = points.detach().cpu().numpy()
    return np.asarray(points, dtype=np.float64).reshape(-1, 2)


def nearest_mode(samples, means) -> tuple[np.ndarray, np.ndarray]:
    """(index of the nearest mean, distance to it) for every sample."""
    x, mu = _numpy(samples), _numpy(means)
    dist = np.linalg.norm(x[:, None, :] - mu[None, :, :], axis=-1)
    index = dist.argmin(1)
    return index, dist[np.arange(len(x)), index]


def reverse_kl_to_uniform(counts) -> float:
    """KL(p || uniform) of a histogram: log K - H(p), in nats; log K when all mass is on one mode;
    NaN for an empty histogram (no sample to compare)."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.sum() == 0:
        return float("nan")
    p = counts / counts.sum()
    nz = p > 0
    return float(np.sum(p[nz] * np.log(p[nz] * len(p))))


def mode_metrics(samples, means, std: float, *, n_std: float = HIGH_QUALITY_STDS,
                 strict_share: float = STRICT_SHARE) -> dict:
    """VEEGAN/PacGAN mode metrics of ``samples`` against a mixture with these ``means`` and ``std``.

    Returns ``modes`` (covered: >= 1 high-quality sample), ``modes_strict`` (high-quality samples
    >= ``strict_share`` of all samples), ``modes_held`` (nearest mode of >= ``strict_share`` of all
    samples), ``num_modes``, ``high_quality`` (% of samples), ``reverse_kl`` (PacGAN's, over the
    high-quality samples; NaN without any) and ``reverse_kl_all`` (over all samples), in nats, and
    per mode: ``hq_counts``, ``mass`` (share of all samples nearest to it) and ``covered``.
    """
    x = _numpy(samples)
    if len(x) == 0:
        raise ValueError("samples: need at least one sample to score")
    index, distance = nearest_mode(x, means)
    return assignment_metrics(index, distance <= n_std * std, len(_numpy(means)), strict_share=strict_share)


def assignment_metrics(index, good, k: int, *, strict_share: float = STRICT_SHARE) -> dict:
    """The mode metrics of :func:`mode_metrics` from each sample's mode (``index``, in [0, k)) and
    whether it is high quality (``good``), however those were decided: the nearest mean and 3 std
    here, the factor network's most probable shape x colour and its confidence for the ``shapes``
    images (``ganviz.metrics.factors``)."""
    index, good = np.asarray(index, dtype=np.int64), np.asarray(good, dtype=bool)
    if len(index) == 0:
        raise ValueError("samples: need at least one sample to score")
    n = len(index)
    hq_counts = np.bincount(index[good], minlength=k)
    all_counts = np.bincount(index, minlength=k)
    covered = hq_counts >= 1
    return {
        "modes": int(covered.sum()),
        "modes_strict": int((hq_counts >= strict_share * n).sum()),
        "modes_held": int((all_counts >= strict_share * n).sum()),
        "num_modes": k,
        "high_quality": float(100.0 * good.mean()),
        "reverse_kl": reverse_kl_to_uniform(hq_counts),
        "reverse_kl_all": reverse_kl_to_uniform(all_counts),
        "hq_counts": hq_counts.tolist(),
        "mass": (all_counts / n).tolist(),
        "covered": covered.tolist(),
    }


def grid_histogram(points, extent: tuple[float, float, float, float], bins: int = GRID_BINS) -> np.ndarray:
    """Share of points per cell of a bins x bins grid over ``extent``; outside points go to the edge."""
    x = _numpy(points)
    xmin, xmax, ymin, ymax = extent
    col = np.clip(((x[:, 0] - xmin) / (xmax - xmin) * bins).astype(int), 0, bins - 1)
    row = np.clip(((x[:, 1] - ymin) / (ymax - ymin) * bins).astype(int), 0, bins - 1)
    hist = np.bincount(row * bins + col, minlength=bins * bins).astype(np.float64)
    return (hist / max(len(x), 1)).reshape(bins, bins)


def grid_divergences(real, fake, extent: tuple[float, float, float, float], bins: int = GRID_BINS,
                     smoothing: float = GRID_SMOOTHING) -> dict:
    """GAN Lab's grid-estimated KL(real || fake) and JS(real, fake), in bits (JS <= 1)."""
    p = grid_histogram(real, extent, bins).ravel() + smoothing
    q = grid_histogram(fake, extent, bins).ravel() + smoothing
    m = 0.5 * (p + q)
    kl = float(np.sum(p * np.log2(p / q)))
    js = float(0.5 * np.sum(p * np.log2(p / m)) + 0.5 * np.sum(q * np.log2(q / m)))
    return {"kl": kl, "js": js}


def evaluate(trainer, n: int = EVAL_SAMPLES, seed: int = EVAL_SEED, extent=None) -> dict:
    """Mode metrics plus grid KL/JS of a trainer on a Gaussian-mixture dataset, on ``n`` fresh
    samples from a fixed seed (the same latent draws every call, so curves over time are smooth)."""
    dataset = trainer.dataset
    if not hasattr(dataset, "means"):
        raise ValueError(f"data.name: mode metrics need a Gaussian mixture, not {trainer.config.data.name!r}")
    real, fake = trainer.sample_pairs(n, seed)
    report = mode_metrics(fake, dataset.means, dataset.std)
    report.update(grid_divergences(real, fake, extent or dataset.extent()))
    return report


def summarise(values) -> dict:
    """Mean, sample standard deviation, min and max of a list of numbers (benchmark tables);
    NaN entries (a reverse KL without high-quality samples) are left out and ``n`` counts the rest."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    if len(arr) == 0:
        return {"mean": float("nan"), "std": float("nan"), "min": float("nan"), "max": float("nan"), "n": 0}
    std = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
    return {"mean": float(arr.mean()), "std": std, "min": float(arr.min()), "max": float(arr.max()),
            "n": len(arr)}


__all__ = ["EVAL_SAMPLES", "EVAL_SEED", "HIGH_QUALITY_STDS", "STRICT_SHARE", "assignment_metrics", "evaluate", "grid_divergences",
           "grid_histogram", "mode_metrics", "nearest_mode", "reverse_kl_to_uniform", "summarise"]

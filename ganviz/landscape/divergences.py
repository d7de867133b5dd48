"""The optimal discriminator and the divergences it measures, for 1D densities on a grid.

For a fixed generator the discriminator that maximises
V(D, G) = E_data[log D(x)] + E_g[log(1 - D(x))] is D*(x) = p_data(x) / (p_data(x) + p_g(x)),
and there V(D*, G) = 2·JSD(p_data || p_g) - log 4 (Goodfellow et al. 2014, Theorem 1). When the
two supports are disjoint, JSD is stuck at log 2 whatever the distance between them, so its
gradient with respect to the generator vanishes; the Wasserstein-1 distance still grows with
the gap (Arjovsky et al. 2017).

Densities are evaluated on a uniform grid and normalised there, so every integral is a sum
with the same weights and the identities hold up to floating-point round-off.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import xlogy

KINDS = {
    "gaussian": "Gaussian with mean loc and standard deviation scale",
    "uniform": "uniform on [loc - scale, loc + scale]",
    "bimodal": "two Gaussian bumps at loc ± scale, each of standard deviation scale / 4",
}
LOG4 = float(np.log(4.0))


@dataclass(frozen=True)
class Density1D:
    kind: str = "gaussian"
    loc: float = 0.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: must be one of {', '.join(KINDS)}; got {self.kind!r}")
        if not np.isfinite(self.loc):
            raise ValueError(f"loc: must be a finite number, got {self.loc!r}")
        if not np.isfinite(self.scale) or self.scale <= 0:
            raise ValueError(f"scale: must be a positive finite number, got {self.scale!r}")

    def pdf(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "gaussian":
            return stats.norm.pdf(x, self.loc, self.scale)
        if self.kind == "uniform":
            return stats.uniform.pdf(x, self.loc - self.scale, 2 * self.scale)
        bump = lambda c: stats.norm.pdf(x, c, self.scale / 4)
        return 0.5 * (bump(self.loc - self.scale) + bump(self.loc + self.scale))

    def support(self) -> tuple[float, float]:
        """An interval holding all but ~1e-15 of the mass."""
        reach = {"gaussian": 8.0, "uniform": 1.0, "bimodal": 3.0}[self.kind] * self.scale
        return self.loc - reach, self.loc + reach

    def shifted(self, by: float) -> "Density1D":
        return Density1D(self.kind, self.loc + by, self.scale)

    @classmethod
    def parse(cls, text: str) -> "Density1D":
        """``"gaussian:0,1"`` -> Density1D("gaussian", 0, 1) (the CLI's syntax)."""
        kind, _, args = text.partition(":")
        try:
            loc, scale = (float(v) for v in args.split(","))
        except ValueError:
            raise ValueError(f"density: expected KIND:LOC,SCALE (e.g. gaussian:0,1), got {text!r}") from None
        return cls(kind, loc, scale)


def grid_for(*densities: Density1D, points: int = 4001) -> np.ndarray:
    """A uniform grid covering every density's support with a margin."""
    if points < 3:
        raise ValueError(f"points: must be >= 3, got {points}")
    lows, highs = zip(*(d.support() for d in densities))
    low, high = min(lows), max(highs)
    margin = 0.05 * (high - low)
    return np.linspace(low - margin, high + margin, points)


def _normalised(pdf: np.ndarray, dx: float) -> np.ndarray:
    # Far tails underflow to subnormals, where (p + q) / 2 can round to 0 beside a positive p:
    # KL(p || m) would turn infinite over mass of 1e-300. Such tails are set to exactly 0.
    pdf = np.where(pdf > 1e-200 * pdf.max(initial=0.0), pdf, 0.0)
    mass = pdf.sum() * dx
    if mass <= 0:
        raise ValueError("density: no mass on the grid; widen the grid or the density")
    return pdf / mass


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g); NaN where neither density has mass (D* is free there)."""
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, np.nan), where=total > 0)


def value(d: np.ndarray, p_data: np.ndarray, p_g: np.ndarray, dx: float) -> float:
    """V(D, G) = ∫ p_data log D + p_g log(1 - D) dx (0·log 0 = 0, so D may be 0 or 1 off-support)."""
    d = np.nan_to_num(d, nan=0.5)
    return float((xlogy(p_data, d) + xlogy(p_g, 1 - d)).sum() * dx)


def optimal_value(p_data: np.ndarray, p_g: np.ndarray, dx: float) -> float:
    """V(D*, G), with D* and 1 - D* each formed as its own ratio: in far tails D* rounds to
    1.0 while p_g is still positive, and log(1 - D*) would be -inf."""
    total = p_data + p_g
    ratio = lambda a: np.divide(a, total, out=np.ones_like(total), where=total > 0)
    return float((xlogy(p_data, ratio(p_data)) + xlogy(p_g, ratio(p_g))).sum() * dx)


def kl_divergence(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """KL(p || q) = ∫ p log(p / q) dx; infinite where p has mass and q has none."""
    if np.any((p > 0) & (q <= 0)):
        return float("inf")
    return float((xlogy(p, p) - xlogy(p, q)).sum() * dx)


def js_divergence(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """JSD(p || q) = ½ KL(p || m) + ½ KL(q || m), m = (p + q) / 2; between 0 and log 2."""
    m = 0.5 * (p + q)
    return 0.5 * kl_divergence(p, m, dx) + 0.5 * kl_divergence(q, m, dx)


def wasserstein1(x: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
    """Earth mover's distance between the two grid distributions (scipy, exact in 1D)."""
    return float(stats.wasserstein_distance(x, x, p, q))


def optimal_discriminator_report(real: Density1D, fake: Density1D, points: int = 4001) -> dict:
    """Everything the D* panel shows: densities, D*, and V(D*, G) beside 2·JSD - log 4."""
    x = grid_for(real, fake, points=points)
    dx = float(x[1] - x[0])
    p, q = _normalised(real.pdf(x), dx), _normalised(fake.pdf(x), dx)
    d_star = optimal_discriminator(p, q)
    jsd = js_divergence(p, q, dx)
    return {"x": x, "p_data": p, "p_g": q, "d_star": d_star,
            "value_d_star": optimal_value(p, q, dx), "value_half": value(np.full_like(x, 0.5), p, q, dx),
            "jsd": jsd, "two_jsd_minus_log4": 2 * jsd - LOG4,
            "kl_data_g": kl_divergence(p, q, dx), "kl_g_data": kl_divergence(q, p, dx),
            "wasserstein": wasserstein1(x, p, q)}


def divergence_vs_shift(real: Density1D, shifts: np.ndarray, points: int = 4001) -> dict[str, np.ndarray]:
    """JSD and W1 between ``real`` and copies of it moved by each shift, with their slopes.

    Once the copies no longer overlap JSD sits at log 2 (slope 0: the generator learns nothing),
    while W1 = |shift| keeps a slope of ±1 that points the generator home.
    """
    shifts = np.asarray(shifts, dtype=float)
    if shifts.ndim != 1 or len(shifts) < 2:
        raise ValueError("shifts: need at least two values")
    x = grid_for(real, real.shifted(shifts.min()), real.shifted(shifts.max()), points=points)
    dx = float(x[1] - x[0])
    p = _normalised(real.pdf(x), dx)
    jsd, w1 = [], []
    for s in shifts:
        q = _normalised(real.shifted(s).pdf(x), dx)
        jsd.append(js_divergence(p, q, dx))
        w1.append(wasserstein1(x, p, q))
    jsd, w1 = np.array(jsd), np.array(w1)
    return {"shift": shifts, "jsd": jsd, "wasserstein": w1,
            "jsd_slope": np.gradient(jsd, shifts), "wasserstein_slope": np.gradient(w1, shifts)}

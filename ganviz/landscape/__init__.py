"""The minimax landscape and the theory behind it, as arrays a page can plot.

- :mod:`~ganviz.landscape.dirac`: the Dirac-GAN's value surface, gradient field and
  gradient descent-ascent trajectories, for every loss in the registry.
- :mod:`~ganviz.landscape.divergences`: the optimal discriminator D* = p/(p+q) for 1D densities,
  V(D*, G) = 2·JSD - log 4, and JSD vs Wasserstein for disjoint supports.
- :mod:`~ganviz.landscape.network`: a filter-normalised 2D slice of a live network's loss.
"""
from ganviz.landscape.dirac import DiracConfig, Game, landscape, trajectory, verdict
from ganviz.landscape.divergences import Density1D, divergence_vs_shift, optimal_discriminator_report
from ganviz.landscape.network import loss_slice, snapshot

__all__ = ["DiracConfig", "Game", "landscape", "trajectory", "verdict", "Density1D", "divergence_vs_shift",
           "optimal_discriminator_report", "loss_slice", "snapshot"]

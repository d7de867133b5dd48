"""The minimax landscape and the theory behind it, as arrays a page can plot.

- :mod:`ganviz.landscape.dirac`: the Dirac-GAN's value surface, gradient field and gradient
  descent-ascent trajectories, for every loss in the registry.
- :mod:`ganviz.landscape.divergences`: the optimal discriminator D* = p/(p+q) for 1D densities,
  V(D*, G) = 2·JSD - log 4, and JSD vs Wasserstein for disjoint supports (imports scipy).
- :mod:`ganviz.landscape.network`: a filter-normalised 2D slice of a live network's loss.

Import the submodule you need; this package imports none of them, so the Dirac-GAN alone does
not pay for scipy.
"""

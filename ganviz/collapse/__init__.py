"""Mode collapse on 2D Gaussian mixtures: the experiment, how it is measured and how it is shown.

- :mod:`ganviz.collapse.experiment`: the setup in which a plain GAN collapses, the treatments
  compared with it, a headless run that records the coverage over time, and the side-by-side lab
  the "Mode collapse" page trains.
- :mod:`ganviz.collapse.coverage`: how many modes a generator covers, and how well (VEEGAN/PacGAN).
- :mod:`ganviz.collapse.plane`: GAN Lab's views of a 2D GAN (D's heatmap, G's gradients, manifold).
- :mod:`ganviz.collapse.cli`: ``python -m ganviz toy``.

The remedies themselves are training options and live beside the trainer
(:mod:`ganviz.training.remedies`).
"""

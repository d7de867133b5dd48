"""What a trained generator draws: seeded samples, walks through its latent space, and the pictures.

- :mod:`ganviz.latent.walk`: seeded latents, linear and spherical interpolation, GANSpace
  principal directions.
- :mod:`ganviz.latent.pictures`: tensors as images (uint8 arrays, grids, PNG bytes, enlarging).
- :mod:`ganviz.latent.cli`: ``python -m ganviz sample`` and ``python -m ganviz interpolate``.
"""

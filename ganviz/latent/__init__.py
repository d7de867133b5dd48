"""What a trained generator draws: seeded samples, walks through its latent space, and the pictures.

- :mod:`ganviz.latent.walk`: seeded latents, linear and spherical interpolation, GANSpace
  principal directions.
- :mod:`ganviz.latent.pictures`: tensors as images (uint8 arrays, grids, PNG bytes, enlarging).
- :mod:`ganviz.latent.naming`: what each direction moves on a ``shapes`` generator, read by the
  shape factor network, and the direction that moves a chosen factor (InterFaceGAN).
- :mod:`ganviz.latent.cli`: ``python -m ganviz sample``, ``interpolate``, ``directions`` and
  ``fit-direction``.
"""

"""The model registry: each entry builds a (generator, discriminator) pair for a data shape."""
from __future__ import annotations

from typing import Callable

from torch import nn

from ganviz.config import ModelConfig
from ganviz.models.dcgan import DCGANDiscriminator, DCGANGenerator
from ganviz.models.mlp import MLPDiscriminator, MLPGenerator


def _mlp(c: ModelConfig, shape: tuple, num_classes: int) -> tuple[nn.Module, nn.Module]:
    g = MLPGenerator(shape, c.latent_dim, c.width, c.depth, c.activation, c.batchnorm, c.residual, num_classes)
    d = MLPDiscriminator(shape, c.width, c.depth, c.activation, c.spectral_norm, c.dropout, c.residual, num_classes)
    return g, d


def _dcgan(c: ModelConfig, shape: tuple, num_classes: int) -> tuple[nn.Module, nn.Module]:
    if len(shape) != 3 or shape[1] not in (28, 32):
        raise ValueError(f"model.arch: dcgan needs 28x28 or 32x32 images, got data of shape {shape}")
    g = DCGANGenerator(shape, c.latent_dim, c.channels, c.residual, num_classes)
    d = DCGANDiscriminator(shape, c.channels, c.spectral_norm, c.dropout, c.residual, num_classes)
    return g, d


MODELS: dict[str, Callable[[ModelConfig, tuple, int], tuple[nn.Module, nn.Module]]] = {
    "mlp": _mlp,
    "dcgan": _dcgan,
}


# the ModelConfig fields each architecture reads (besides ``arch``): the app's form shows only these
FIELDS = {
    "mlp": ("latent_dim", "width", "depth", "activation", "batchnorm", "spectral_norm", "dropout", "residual",
            "conditional"),
    "dcgan": ("latent_dim", "channels", "spectral_norm", "dropout", "residual", "conditional"),
}


def build_models(config: ModelConfig, shape: tuple, num_classes: int = 0) -> tuple[nn.Module, nn.Module]:
    """Generator and discriminator for data of ``shape``; conditional when config.conditional."""
    if config.conditional and not num_classes:
        raise ValueError("model.conditional: the dataset has no class labels")
    return MODELS[config.arch](config, tuple(shape), num_classes if config.conditional else 0)


__all__ = ["FIELDS", "MODELS", "build_models", "DCGANGenerator", "DCGANDiscriminator", "MLPGenerator", "MLPDiscriminator"]

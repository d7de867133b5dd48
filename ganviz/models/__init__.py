"""The model registry: each :class:`Architecture` builds a (generator, discriminator) pair for a data shape."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn

from ganviz.config import MODELS, ModelConfig
from ganviz.models.dcgan import DCGANDiscriminator, DCGANGenerator
from ganviz.models.mlp import MLPDiscriminator, MLPGenerator


def _mlp(c: ModelConfig, shape: tuple, num_classes: int) -> tuple[nn.Module, nn.Module]:
    g = MLPGenerator(shape, c.latent_dim, c.width, c.depth, c.activation, c.batchnorm, c.residual, num_classes)
    d = MLPDiscriminator(shape, c.width, c.depth, c.activation, c.spectral_norm, c.dropout, c.residual, num_classes)
    return g, d


def _dcgan(c: ModelConfig, shape: tuple, num_classes: int) -> tuple[nn.Module, nn.Module]:
    if len(shape) != 3 or shape[1] not in (28, 32, 64):
        raise ValueError(f"model.arch: dcgan needs 28x28, 32x32 or 64x64 images, got data of shape {shape}")
    g = DCGANGenerator(shape, c.latent_dim, c.channels, c.residual, num_classes)
    d = DCGANDiscriminator(shape, c.channels, c.spectral_norm, c.dropout, c.residual, num_classes)
    return g, d


@dataclass(frozen=True)
class Architecture:
    """One architecture of the registry: its builder ``(config, data shape, classes) -> (G, D)``, one
    line on what it is, and the config fields it reads besides ``model.arch`` (the app's form shows
    only these)."""

    build: Callable[[ModelConfig, tuple, int], tuple[nn.Module, nn.Module]]
    description: str
    fields: tuple[str, ...] = ()


MODELS.update({
    "mlp": Architecture(_mlp, "fully connected layers, for any data shape",
                        ("model.latent_dim", "model.width", "model.depth", "model.activation", "model.batchnorm",
                         "model.spectral_norm", "model.dropout", "model.residual", "model.conditional")),
    "dcgan": Architecture(_dcgan, "convolutional (DCGAN), for 28x28, 32x32 or 64x64 images",
                          ("model.latent_dim", "model.channels", "model.spectral_norm", "model.dropout",
                           "model.residual", "model.conditional")),
})


def build_models(config: ModelConfig, shape: tuple, num_classes: int = 0) -> tuple[nn.Module, nn.Module]:
    """Generator and discriminator for data of ``shape``; conditional when config.conditional."""
    if config.conditional and not num_classes:
        raise ValueError("model.conditional: the dataset has no class labels")
    return MODELS[config.arch].build(config, tuple(shape), num_classes if config.conditional else 0)


__all__ = ["MODELS", "Architecture", "build_models", "DCGANGenerator", "DCGANDiscriminator", "MLPGenerator",
           "MLPDiscriminator"]

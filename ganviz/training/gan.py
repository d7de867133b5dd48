"""The GAN as one Hub-compatible module: generator + discriminator built from a run config.

Saving writes ``config.json`` (the run's :class:`TrainConfig`, the data shape and the number of
classes) and ``model.safetensors`` through ``huggingface_hub.PyTorchModelHubMixin``; loading
rebuilds the exact networks from that config, so no pickled code is ever involved.
"""
from __future__ import annotations

from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ganviz.config import TrainConfig
from ganviz.data import HUB_DATASETS
from ganviz.models import build_models
from ganviz.training.remedies import REMEDIES


class GAN(nn.Module, PyTorchModelHubMixin, library_name="ganviz", license="mit", tags=["gan", "ganviz"]):
    def __init__(self, train: dict, shape: list[int], num_classes: int = 0):
        super().__init__()
        self.config = TrainConfig.from_dict(train)
        self.shape = tuple(shape)
        self.num_classes = int(num_classes)
        generator, discriminator = build_models(self.config.model, self.shape, self.num_classes)
        self.remedy = REMEDIES[self.config.remedy](self.config)
        self.generator, self.discriminator = self.remedy.wrap_models(generator, discriminator)

    def generate_model_card(self, *args, **kwargs):
        """The mixin's README.md, plus the dataset this run trained on in its front matter, where
        the Hub expects it (only known Hub datasets: a toy mixture or a local folder has none)."""
        card = super().generate_model_card(*args, **kwargs)
        if self.config.data.name in HUB_DATASETS:
            card.data.datasets = [HUB_DATASETS[self.config.data.name]]
        return card

    @property
    def latent_dim(self) -> int:
        return self.config.model.latent_dim

    @property
    def conditional(self) -> bool:
        return self.config.model.conditional

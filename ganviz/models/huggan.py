"""The huggan community DCGAN generator, layer for layer, so its Hub checkpoints load as they are.

This is the ``Generator`` of huggingface/community-events (``huggan/pytorch/dcgan``), the model
behind ``huggan/dcgan-mnist`` and its siblings: one ``nn.Sequential`` named ``model`` whose
indices (``model.0.weight`` ... ``model.12.weight``) are the keys of the published weights.
z is (N, latent_dim, 1, 1); the output is a tanh image (N, num_channels, 64, 64).

It is not in :data:`ganviz.models.MODELS`: that registry builds (G, D) pairs for ganviz's own
28/32/64-pixel training runs, while this class exists to *load* a huggan DCGAN in its own layout.
"""
from __future__ import annotations

from huggingface_hub import PyTorchModelHubMixin
from torch import nn

CONFIG_KEYS = ("num_channels", "latent_dim", "hidden_size")


class Generator(nn.Module, PyTorchModelHubMixin):
    def __init__(self, num_channels: int = 3, latent_dim: int = 100, hidden_size: int = 64):
        super().__init__()
        self.num_channels, self.latent_dim, self.hidden_size = num_channels, latent_dim, hidden_size
        h = hidden_size
        self.model = nn.Sequential(
            # latent_dim x 1 x 1 -> (8h) x 4 x 4
            nn.ConvTranspose2d(latent_dim, h * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(h * 8), nn.ReLU(True),
            # -> (4h) x 8 x 8
            nn.ConvTranspose2d(h * 8, h * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(h * 4), nn.ReLU(True),
            # -> (2h) x 16 x 16
            nn.ConvTranspose2d(h * 4, h * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(h * 2), nn.ReLU(True),
            # -> h x 32 x 32
            nn.ConvTranspose2d(h * 2, h, 4, 2, 1, bias=False), nn.BatchNorm2d(h), nn.ReLU(True),
            # -> num_channels x 64 x 64
            nn.ConvTranspose2d(h, num_channels, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, noise):
        return self.model(noise)


def config_from_weights(state_dict: dict) -> dict:
    """The init arguments a huggan state dict was built with, read off its tensor shapes
    (repos pushed without a config.json may still use non-default sizes)."""
    first, last = state_dict.get("model.0.weight"), state_dict.get("model.12.weight")
    if first is None or last is None or first.ndim != 4 or last.ndim != 4:
        raise ValueError("not a huggan DCGAN state dict: expected 4-D model.0.weight and model.12.weight")
    return {"num_channels": int(last.shape[1]), "latent_dim": int(first.shape[0]), "hidden_size": int(last.shape[0])}

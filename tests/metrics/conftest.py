"""Fixtures for the metric tests: the digit split and its classifier embeddings, a tiny generator
checkpoint, and a reference cache in a temporary folder (never the user's ~/.cache)."""
import pytest
import torch

from ganviz.config import DataConfig, ModelConfig, TrainConfig
from ganviz.metrics import build_extractor, embed
from ganviz.metrics.classifier import digit_split


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANVIZ_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="session")
def split():
    return digit_split()


@pytest.fixture(scope="session")
def extractor():
    return build_extractor("digit-classifier")


@pytest.fixture(scope="session")
def train_embedding(split, extractor):
    return embed([split.train_images], extractor, len(split.train_images))


def tiny_gan_config(**overrides) -> TrainConfig:
    config = TrainConfig(data=DataConfig(name="digits"), model=ModelConfig(arch="dcgan", channels=8, latent_dim=16),
                         batch_size=32, lr_g=2e-3, lr_d=2e-3)
    return config.replace(**overrides) if overrides else config


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """A DCGAN after 2 updates: untrained for all practical purposes, cheap to sample."""
    from ganviz.training import Trainer

    torch.manual_seed(0)
    trainer = Trainer(tiny_gan_config(), device="cpu")
    trainer.step(2)
    return str(trainer.save(tmp_path_factory.mktemp("ckpt") / "tiny-dcgan"))

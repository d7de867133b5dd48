import pytest
import torch

from ganviz.config import ModelConfig
from ganviz.models import build_models


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("conditional", [False, True])
@pytest.mark.parametrize("size", [28, 32, 64])
def test_dcgan_shapes(size, conditional, residual):
    config = ModelConfig(arch="dcgan", latent_dim=8, channels=8, residual=residual, conditional=conditional)
    g, d = build_models(config, (1, size, size), num_classes=10)
    y = torch.tensor([1, 7]) if conditional else None
    x = g(torch.randn(2, 8), y)
    assert x.shape == (2, 1, size, size) and x.abs().max() <= 1
    assert d(x, y).shape == (2,)
    assert d.features(x, y).dim() == 2


def test_mlp_for_points_and_images():
    g, d = build_models(ModelConfig(width=16, depth=2, batchnorm=True, spectral_norm=True, dropout=0.1), (2,))
    x = g(torch.randn(4, 16))
    assert x.shape == (4, 2) and d(x).shape == (4,)
    g, d = build_models(ModelConfig(width=16, depth=2, conditional=True), (1, 28, 28), num_classes=10)
    y = torch.arange(4)
    assert g(torch.randn(4, 16), y).shape == (4, 1, 28, 28)


def test_spectral_norm_bounds_the_discriminators_layers():
    _, d = build_models(ModelConfig(width=32, depth=2, spectral_norm=True), (2,))
    d.train()
    for _ in range(20):  # power iteration converges
        d(torch.randn(8, 2))
    d.eval()
    first = d.body[0][0]
    assert torch.linalg.matrix_norm(first.weight, ord=2).item() == pytest.approx(1.0, abs=0.05)


def test_conditional_models_need_labels():
    g, d = build_models(ModelConfig(width=8, depth=1, conditional=True), (1, 28, 28), num_classes=10)
    with pytest.raises(ValueError, match="labels"):
        g(torch.randn(2, 16))
    with pytest.raises(ValueError, match="class labels"):
        build_models(ModelConfig(conditional=True), (2,), num_classes=0)


def test_dcgan_rejects_points():
    with pytest.raises(ValueError, match="28x28, 32x32 or 64x64"):
        build_models(ModelConfig(arch="dcgan"), (2,))

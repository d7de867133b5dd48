import json

import pytest
import torch
from torch import nn

from ganviz.models.huggan import Generator, config_from_weights


def test_layout_matches_the_huggan_generator():
    g = Generator()
    layers = list(g.model)
    convs = [i for i, m in enumerate(layers) if isinstance(m, nn.ConvTranspose2d)]
    norms = [i for i, m in enumerate(layers) if isinstance(m, nn.BatchNorm2d)]
    assert convs == [0, 3, 6, 9, 12] and norms == [1, 4, 7, 10]
    assert isinstance(layers[-1], nn.Tanh) and len(layers) == 14
    assert all(layers[i].bias is None for i in convs)
    widths = [(layers[i].in_channels, layers[i].out_channels) for i in convs]
    assert widths == [(100, 512), (512, 256), (256, 128), (128, 64), (64, 3)]
    assert (layers[0].stride, layers[0].padding) == ((1, 1), (0, 0))
    assert all((layers[i].stride, layers[i].padding) == ((2, 2), (1, 1)) for i in convs[1:])
    weights = sorted(k for k in g.state_dict() if k.endswith(".weight"))
    assert weights == sorted(f"model.{i}.weight" for i in convs + norms)
    expected = sum(a * b * 16 for a, b in widths) + 2 * sum(layers[i].num_features for i in norms)
    assert sum(p.numel() for p in g.parameters()) == expected


def test_generates_64px_tanh_images_from_4d_noise():
    g = Generator(num_channels=1, latent_dim=16, hidden_size=8).eval()
    x = g(torch.randn(3, 16, 1, 1) * 5)
    assert x.shape == (3, 1, 64, 64)
    assert x.abs().max() <= 1


def test_hub_mixin_round_trip_keeps_the_init_arguments(tmp_path):
    g = Generator(num_channels=1, latent_dim=12, hidden_size=4)
    g.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text()) == {"num_channels": 1, "latent_dim": 12, "hidden_size": 4}
    again = Generator.from_pretrained(tmp_path)
    assert all(torch.equal(a, b) for a, b in zip(g.state_dict().values(), again.state_dict().values()))


def test_config_is_read_off_the_weight_shapes():
    state = Generator(num_channels=1, latent_dim=32, hidden_size=16).state_dict()
    assert config_from_weights(state) == {"num_channels": 1, "latent_dim": 32, "hidden_size": 16}
    with pytest.raises(ValueError, match="not a huggan DCGAN"):
        config_from_weights({"linear.weight": torch.zeros(2, 2)})

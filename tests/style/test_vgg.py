"""VGG19 weights: found, loaded safely, or a clear message — never a hang."""
import time

import pytest
import torch

from ganviz.style import vgg
from ganviz.style.vgg import VGGFeatures, WeightsMissingError, layer_index, load_vgg19


def test_random_weights_are_reproducible_and_untrained(vgg19_random):
    again = load_vgg19("random")
    for a, b in zip(vgg19_random.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)
    assert not any(p.requires_grad for p in vgg19_random.parameters())
    assert not load_vgg19("random", seed=1)[0].weight.equal(vgg19_random[0].weight)


def test_layer_names_follow_the_paper_and_the_tutorial():
    assert layer_index("conv1_1") == 0
    assert layer_index("conv_4") == layer_index("conv2_2")  # the tutorial counts convolutions
    assert layer_index("conv5_1") == 28 and layer_index("pool5") == 36
    with pytest.raises(ValueError, match="unknown VGG19 layer 'conv6_1'"):
        layer_index("conv6_1")


def test_features_stop_at_the_deepest_layer_and_normalise(vgg19_random):
    net = VGGFeatures(vgg19_random, ["conv4_2", "conv1_1"])
    assert len(net.body) == layer_index("conv4_2") + 1
    x = torch.rand(1, 3, 32, 32)
    out = net(x)
    assert set(out) == {"conv4_2", "conv1_1"}
    expected = vgg19_random[0]((x - torch.tensor(vgg.IMAGENET_MEAN).view(1, 3, 1, 1))
                               / torch.tensor(vgg.IMAGENET_STD).view(1, 3, 1, 1))
    torch.testing.assert_close(out["conv1_1"], expected)  # the pre-ReLU activation, kept intact
    assert out["conv1_1"].min() < 0
    assert vgg19_random[0].weight.device.type == "cpu" and net.body[0] is not vgg19_random[0]


def test_offline_without_the_cached_file_says_what_is_missing_fast(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    start = time.monotonic()
    with pytest.raises(WeightsMissingError) as err:
        load_vgg19("imagenet", download=False)
    assert time.monotonic() - start < 30
    text = str(err.value)
    assert str(tmp_path / "hub" / "checkpoints" / "vgg19-dcbb9e9d.pth") in text
    assert vgg.WEIGHTS_URL in text and "GANVIZ_VGG19_WEIGHTS" in text and "--weights" in text


def test_a_missing_local_file_is_named(tmp_path):
    with pytest.raises(WeightsMissingError, match="no file at .*nowhere.pth"):
        load_vgg19(str(tmp_path / "nowhere.pth"))


@pytest.mark.parametrize("layout", ["whole-model.pth", "features.pth", "features.safetensors"])
def test_local_weight_files_load(tmp_path, vgg19_random, layout):
    from safetensors.torch import save_file

    state = {k: v.clone() for k, v in vgg19_random.state_dict().items()}
    path = tmp_path / layout
    if layout.startswith("whole"):
        torch.save({**{f"features.{k}": v for k, v in state.items()}, "classifier.0.weight": torch.zeros(2, 2)}, path)
    elif path.suffix == ".safetensors":
        save_file(state, str(path))
    else:
        torch.save(state, path)
    loaded = load_vgg19(str(path))
    assert torch.equal(loaded[0].weight, vgg19_random[0].weight)


def test_unrelated_or_damaged_files_get_a_clear_message(tmp_path):
    damaged = tmp_path / "vgg19.pth"
    damaged.write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="cannot read .*vgg19.pth"):
        load_vgg19(str(damaged))
    other = tmp_path / "other.pth"
    torch.save({"0.weight": torch.zeros(1)}, other)
    with pytest.raises(ValueError, match="not a VGG19"):
        load_vgg19(str(other))


def test_right_names_wrong_shapes_is_not_a_vgg19(tmp_path, vgg19_random):
    state = {k: torch.zeros(1) for k in vgg19_random.state_dict()}
    torch.save(state, tmp_path / "fake.pth")
    with pytest.raises(ValueError, match="not a VGG19"):
        load_vgg19(str(tmp_path / "fake.pth"))


def test_the_network_is_torchvisions_vgg19_features(vgg19_random):
    from torchvision.models import vgg19

    reference = vgg19(weights=None).features
    assert str(vgg19_random) == str(reference)
    assert {k: v.shape for k, v in vgg19_random.state_dict().items()} == \
        {k: v.shape for k, v in reference.state_dict().items()}

"""Gatys et al. style transfer: the losses mean what they say and the optimisation works."""
import threading

import pytest
import torch

from ganviz.style.transfer import (LAYER_SETS, StyleConfig, StyleObjective, StyleTransfer, gram_matrix,
                                   total_variation)
from ganviz.style.vgg import VGGFeatures


def picture(seed: int, size: int = 32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    smooth = torch.nn.functional.interpolate(torch.rand(1, 3, 4, 4, generator=g), size=(size, size), mode="bilinear")
    return (0.7 * smooth + 0.3 * torch.rand(1, 3, size, size, generator=g)).clamp(0, 1)


def objective(features, content, style, layers="gatys", weights=(1.0, 1e6, 0.0)):
    vgg = VGGFeatures(features, sum(LAYER_SETS[layers], []))
    return StyleObjective(vgg, content, style, *LAYER_SETS[layers], weights=weights)


def test_gram_matrix_is_the_tutorials_and_ignores_memory_layout():
    x = torch.randn(1, 8, 5, 7)
    f = x.view(8, 35)
    torch.testing.assert_close(gram_matrix(x)[0], f @ f.T / (8 * 35))
    torch.testing.assert_close(gram_matrix(x.contiguous(memory_format=torch.channels_last)), gram_matrix(x))


@pytest.mark.parametrize("layers", list(LAYER_SETS))
def test_style_loss_of_a_picture_against_itself_is_zero(vgg19_random, layers):
    a, b = picture(0), picture(1)
    content, style, _ = objective(vgg19_random, b, a, layers)(a)
    assert style.item() == 0.0 and content.item() > 0
    content, style, _ = objective(vgg19_random, a, b, layers)(a)
    assert content.item() == 0.0 and style.item() > 0


def test_style_loss_ignores_where_things_are(vgg19_random):
    """Gram matrices sum over positions: a mirrored picture has (nearly) the same style."""
    a, b = picture(0), picture(1)
    loss = objective(vgg19_random, a, a, "tutorial")
    mirrored, other = loss(a.flip(-1))[1].item(), loss(b)[1].item()
    assert mirrored < 0.05 * other


def test_total_variation_is_zero_only_for_flat_pictures():
    assert total_variation(torch.full((1, 3, 8, 8), 0.3)).item() == 0
    assert total_variation(picture(0)).item() > 0


@pytest.mark.parametrize("optimizer, init, precision", [("lbfgs", "content", "fp32"), ("adam", "noise", "fp32"),
                                                        ("lbfgs", "noise", "bf16")])
def test_the_optimisation_decreases_the_total_loss(vgg19_random, optimizer, init, precision):
    config = StyleConfig(steps=12, size=32, optimizer=optimizer, init=init, layers="tutorial", tv_weight=1.0,
                         precision=precision)
    transfer = StyleTransfer(picture(0)[0], picture(1)[0], config, features=vgg19_random)
    transfer.step(12)
    loss = transfer.history.as_dict()["loss"]
    assert transfer.step_count == len(loss) == 12
    assert loss[-1] < 0.5 * loss[0]
    out = transfer.result()
    assert out.shape == (3, 32, 32) and float(out.min()) >= 0 and float(out.max()) <= 1


def test_size_keeps_the_aspect_ratio_and_run_reports_progress(vgg19_random):
    wide = torch.rand(3, 20, 40)
    transfer = StyleTransfer(wide, picture(1)[0], StyleConfig(steps=6, size=24, layers="tutorial"), features=vgg19_random)
    seen = []
    transfer.run(callback=seen.append, every=4)
    assert [p.step for p in seen] == [4, 6] and seen[-1].total == 6
    assert seen[-1].image.shape == (12, 24, 3) and seen[-1].image.dtype.name == "uint8"
    assert set(seen[-1].losses) >= {"loss", "content", "style", "tv"}


def test_stop_flag_ends_the_run_early(vgg19_random):
    stop = threading.Event()
    transfer = StyleTransfer(picture(0)[0], picture(1)[0], StyleConfig(steps=50, size=24, layers="tutorial"),
                             features=vgg19_random)
    transfer.run(callback=lambda p: stop.set(), every=2, stop=stop)
    assert transfer.step_count == 2


def test_bad_settings_name_the_field():
    with pytest.raises(ValueError, match="style_weight: must be >= 0"):
        StyleConfig(style_weight=-1)
    with pytest.raises(ValueError, match="optimizer: must be one of lbfgs, adam"):
        StyleConfig(optimizer="sgd")
    assert StyleConfig.from_json(StyleConfig(size=64).to_json()) == StyleConfig(size=64)


def test_losses_read_back_in_pieces_are_the_same(vgg19_random, monkeypatch):
    """The per-evaluation losses wait on the device in a ring buffer; a long ``step`` reads it
    back before it wraps."""
    import ganviz.style.transfer as transfer_module

    config = StyleConfig(steps=20, size=24, layers="tutorial")
    whole = StyleTransfer(picture(0)[0], picture(1)[0], config, features=vgg19_random)
    whole.step(20)
    monkeypatch.setattr(transfer_module, "TRACE_ROWS", 7)
    pieces = StyleTransfer(picture(0)[0], picture(1)[0], config, features=vgg19_random)
    pieces.step(20)
    assert pieces.history.as_dict() == whole.history.as_dict()
    assert pieces.history.as_dict()["step"] == list(range(1, 21))


def test_a_picture_too_thin_for_the_layers_is_refused(vgg19_random):
    thin = torch.rand(3, 5, 80)
    with pytest.raises(ValueError, match=r"the content picture becomes 64x4 px at size 64, .* at least 16 px"):
        StyleTransfer(thin, picture(1)[0], StyleConfig(steps=1, size=64), features=vgg19_random)
    # the tutorial's layers stop two pools earlier, so 4 px are enough for them
    StyleTransfer(thin, picture(1)[0], StyleConfig(steps=1, size=64, layers="tutorial"), features=vgg19_random)

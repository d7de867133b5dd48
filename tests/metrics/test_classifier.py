import json

import pytest
import torch
from huggingface_hub import ModelCard

from ganviz.cli import main
from ganviz.metrics.classifier import (SHIPPED, DigitClassifier, accuracy, augment, digit_split, load_digit_classifier,
                                       save_classifier, train_digit_classifier)


@pytest.fixture(scope="module")
def split():
    return digit_split()


def test_split_is_fixed_and_disjoint(split):
    again = digit_split()
    assert torch.equal(split.test_images, again.test_images)
    assert len(split.train_images) + len(split.test_images) == 1797
    assert len(split.test_images) == round(1797 * 0.2)
    train = {tuple(x.flatten()[::7].tolist()) for x in split.train_images}
    overlap = sum(tuple(x.flatten()[::7].tolist()) in train for x in split.test_images)
    assert overlap < 5  # scikit-learn's digits hold a few exact duplicates, nothing more
    assert not torch.equal(digit_split(seed=1).test_labels, split.test_labels)


def test_shipped_classifier_loads_offline_and_is_accurate(split):
    model = load_digit_classifier()
    assert isinstance(model, DigitClassifier) and not model.training
    acc = accuracy(model, split.test_images, split.test_labels)
    assert acc > 0.9, f"held-out accuracy {acc:.3f} (chance is 0.1)"
    # the card states the accuracy the weights really have
    assert f"{acc:.4f}" in (SHIPPED / "README.md").read_text()


def test_shipped_classifier_is_small():
    assert (SHIPPED / "model.safetensors").stat().st_size < 2 * 2**20


def test_any_size_and_colour_is_accepted(split):
    model = load_digit_classifier()
    x = split.test_images[:16]
    up = torch.nn.functional.interpolate(x, size=(32, 32), mode="bilinear")
    rgb64 = torch.nn.functional.interpolate(x, size=(64, 64), mode="bilinear").repeat(1, 3, 1, 1)
    assert model.features(x).shape == (16, 128)
    for images in (up, rgb64):
        assert model(images).shape == (16, 10)
        assert (model.predict(images) == split.test_labels[:16]).float().mean() > 0.8
    with pytest.raises(ValueError, match="images"):
        model(torch.zeros(2, 28, 28))


def test_augment_keeps_background_and_range(split):
    x = split.test_images[:8]
    y = augment(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.min() >= -1 - 1e-5 and y.max() <= 1 + 1e-5
    assert y[:, :, 0, 0].allclose(torch.full_like(y[:, :, 0, 0], -1), atol=1e-3)  # corners stay background
    assert not torch.allclose(x, y)


def test_training_round_trip(tmp_path):
    seen = []
    model, report = train_digit_classifier(epochs=1, width=8, feature_dim=16,
                                           progress=lambda e, n, info: seen.append((e, n, info["loss"])))
    assert seen and seen[-1][:2] == (1, 1)
    assert report["n_train"] + report["n_heldout"] == 1797 and 0 <= report["heldout_accuracy"] <= 1
    folder = save_classifier(model, report, tmp_path / "clf")
    loaded = load_digit_classifier(folder)
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    assert torch.allclose(loaded(x), model(x), atol=1e-6)
    assert "Measured accuracy" in (folder / "README.md").read_text()
    card = ModelCard.load(folder / "README.md")
    assert card.data.license == "mit" and card.data.datasets == ["sklearn-docs/digits"]


def test_missing_checkpoint_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="classifier train"):
        load_digit_classifier(tmp_path / "nothing-here")


def test_cli_accuracy(capsys):
    assert main(["classifier", "accuracy"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["n_heldout"] == 359 and out["heldout_accuracy"] > 0.9

import pytest
import torch

from ganviz.config import DataConfig
from ganviz.data.shapes import ShapesDataset
from ganviz.metrics.evaluation import ImageSource
from ganviz.metrics.relative import relative_quality


def renders(**fields) -> ImageSource:
    """Fresh shapes renders as a "generator" (the real data scored as if it were one)."""
    data = ShapesDataset.from_config(DataConfig(name="shapes", image_size=32, **fields))
    return ImageSource("renders", lambda n, rng: data.sample(n, rng)[0], DataConfig(name="shapes", image_size=32))


def test_real_images_score_about_the_real_floor_and_hold_every_class():
    result = relative_quality(renders(), n=300)
    assert result.modes["num_modes"] == 24 and result.held_share == 1 and result.modes["high_quality"] > 95
    assert 0.5 < result.fd_ratio < 2


def test_a_collapsed_generator_holds_one_class_and_is_far_from_the_floor():
    result = relative_quality(renders(shapes=["star"], colours=["cyan"]), n=300)
    assert result.modes["modes_held"] == 1 and result.held_share == pytest.approx(1 / 24)
    assert result.fd_ratio > 20


def test_digits_are_read_by_the_digit_classifier_over_its_ten_classes(tiny_checkpoint):
    from ganviz.metrics import load_source

    result = relative_quality(load_source(tiny_checkpoint), n=200)
    assert result.dataset == "digits" and result.modes["num_modes"] == 10 and result.fd_real > 0
    assert result.fd_ratio > 5  # an untrained generator


def test_two_disjoint_real_samples_must_fit_in_the_data():
    with pytest.raises(ValueError, match="fewer than two disjoint samples"):
        relative_quality(ImageSource("x", lambda n, rng: torch.zeros(n, 1, 28, 28), DataConfig(name="digits")), n=1000)


def test_the_cli_prints_one_line_per_generator(capsys):
    import json

    from ganviz.cli import main

    assert main(["relative", "shapes-dcgan-collapsed", "digits-dcgan", "--n", "200"]) == 0
    collapsed, digits = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (collapsed["dataset"], collapsed["classes_held"], collapsed["classes"]) == ("shapes", 1, 24)
    assert (digits["dataset"], digits["classes"]) == ("digits", 10) and digits["fd_ratio"] < collapsed["fd_ratio"]
    assert main(["relative", "digits-dcgan", "--n", "1"]) == 2 and "--n: must be >= 2" in capsys.readouterr().err

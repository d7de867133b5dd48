import gc
import json
import math

import pytest
import torch

from ganviz.cli import main
from ganviz.config import DataConfig, TrainConfig
from ganviz.data.shapes import COLOUR_NAMES, SHAPE_NAMES, ShapesDataset
from ganviz.metrics.extractors import build_extractor, default_extractor
from ganviz.metrics.factors import (HELDOUT_SEED, FactorNet, image_coverage, load_factor_net, measure,
                                    rotation_error_degrees, save_factor_net, train_factor_net, visible_angle)


@pytest.fixture(scope="module")
def net():
    return load_factor_net()


def _renders(n, seed=HELDOUT_SEED, **fields):
    return ShapesDataset.from_config(DataConfig(name="shapes", image_size=32, **fields)).sample_with_factors(
        n, torch.Generator().manual_seed(seed))


def test_the_shipped_network_reads_held_out_renders(net):
    report = measure(net, ShapesDataset.from_config(DataConfig(name="shapes", image_size=32)), n=600)
    assert report["joint_accuracy"] >= 0.98 and report["colour_accuracy"] >= 0.99
    assert report["position_error_px"] < 1.0 and report["scale_error_relative"] < 0.1
    assert report["rotation_error_degrees"] < 10


def test_rotation_is_scored_as_the_picture_shows_it():
    shape = torch.tensor([SHAPE_NAMES.index(s) for s in ("square", "triangle", "star", "circle")])
    turned = torch.tensor([90.0, 120.0, 72.0, 45.0])  # one symmetry turn of each
    a, b = visible_angle(torch.full((4,), 10.0), shape), visible_angle(10.0 + turned, shape)
    assert torch.allclose(torch.cos(a[:3]), torch.cos(b[:3]), atol=1e-5)
    assert torch.allclose(torch.sin(a[:3]), torch.sin(b[:3]), atol=1e-5)
    # a prediction 8 degrees off (k x 8 in the regressed angle), a symmetry turn away from the truth
    error = rotation_error_degrees(b + torch.deg2rad(torch.tensor(8.0)) * torch.tensor([4, 3, 5, 0]),
                                   torch.full((4,), 10.0), shape)
    assert error[:3].tolist() == pytest.approx([8.0, 8.0, 8.0], abs=1e-3)
    assert math.isnan(error[3].item())


def test_real_renders_cover_every_mode_with_high_quality(net):
    coverage = image_coverage(_renders(1200).images, DataConfig(name="shapes"), net)
    assert coverage["num_modes"] == 24 and coverage["modes"] == 24 and coverage["modes_held"] == 24
    assert coverage["high_quality"] > 95 and coverage["reverse_kl"] < 0.05
    assert coverage["modes_names"][0] == "red circle"


def test_a_collapsed_generator_holds_one_mode(net):
    only = _renders(300, shapes=["star"], colours=["cyan"]).images
    coverage = image_coverage(only, DataConfig(name="shapes"), net)
    assert coverage["modes"] == 1 and coverage["modes_held"] == 1
    assert coverage["covered"][coverage["modes_names"].index("cyan star")]
    assert coverage["reverse_kl"] == pytest.approx(math.log(24))


def test_a_combination_the_data_lacks_is_never_high_quality(net):
    green = _renders(200, colours=["green"]).images
    data = DataConfig(name="shapes", colours=[c for c in COLOUR_NAMES if c != "green"])
    coverage = image_coverage(green, data, net)
    assert coverage["num_modes"] == 20 and coverage["modes"] == 0 and coverage["high_quality"] == 0


def test_the_extractor_is_chosen_for_shapes_and_labelled():
    assert default_extractor("shapes") == "shape-factors" and default_extractor("digits") == "digit-classifier"
    extractor = build_extractor("shape-factors")
    features, logits = extractor(_renders(8).images)
    assert features.shape == (8, 128) and logits.shape == (8, 24)
    assert extractor.names["fd"] == "Fréchet factor distance (shape factor network features)"
    assert torch.allclose(logits.exp().sum(1), torch.ones(8), atol=1e-4)  # log-probabilities of the 24 combinations
    # other sizes and grey images are converted inside
    assert extractor(torch.zeros(2, 1, 64, 64))[0].shape == (2, 128)


def test_training_writes_a_checkpoint_with_its_card(tmp_path):
    model, report = train_factor_net(steps=3, batch_size=8, heldout=50)
    assert isinstance(model, FactorNet) and report["train_images"] == 24
    assert set(report["defaults"]) >= {"joint_accuracy", "position_error_px", "rotation_error_degrees"}
    folder = save_factor_net(model, report, tmp_path / "net")
    card = (folder / "README.md").read_text()
    assert "license: mit" in card and "python -m ganviz factors train --steps 3 --seed 0" in card
    again = load_factor_net(folder)
    images = _renders(4).images
    assert torch.equal(again.predict(images)["shape"], model.predict(images)["shape"])
    with pytest.raises(ValueError, match="seed"):
        train_factor_net(steps=1, seed=HELDOUT_SEED)


def test_factors_accuracy_command(capsys):
    assert main(["factors", "accuracy", "--n", "200", "--data", '{"colours": ["red", "blue"]}']) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 200 and report["joint_accuracy"] > 0.95
    assert main(["factors", "accuracy", "--data", '{"colours": ["pink"]}']) == 2
    assert "data.colours" in capsys.readouterr().err


@pytest.fixture(scope="module")
def shapes_checkpoint(tmp_path_factory):
    from ganviz.training import Trainer

    torch.manual_seed(0)
    config = TrainConfig.from_dict({"data": {"name": "shapes", "image_size": 32, "colours": ["red", "blue"]},
                                    "model": {"arch": "dcgan", "channels": 8, "latent_dim": 16}, "batch_size": 16})
    trainer = Trainer(config, device="cpu")
    trainer.step(2)
    folder = str(trainer.save(tmp_path_factory.mktemp("ckpt") / "tiny-shapes"))
    del trainer
    gc.collect()  # its memory claim ends now, not in the middle of a test that counts claims
    return folder


def test_evaluate_on_shapes_reports_the_factor_distance_and_mode_coverage(shapes_checkpoint, capsys):
    assert main(["evaluate", shapes_checkpoint, "--n", "120", "--json", "--kid-subsets", "3", "--quiet",
                 "--device", "cpu"]) == 0
    [report] = json.loads(capsys.readouterr().out)
    assert report["extractor"]["key"] == "shape-factors" and report["reference"]["dataset"] == "shapes"
    assert report["scores"]["fd"]["name"] == "Fréchet factor distance (shape factor network features)"
    coverage = report["coverage"]
    assert coverage["num_modes"] == 8 and len(coverage["covered"]) == 8  # 4 shapes x the data's 2 colours
    assert 0 <= coverage["modes"] <= 8 and 0 <= coverage["high_quality"] <= 100
    assert main(["evaluate", shapes_checkpoint, "--n", "60", "--kid-subsets", "3", "--quiet", "--device", "cpu"]) == 0
    assert "modes (shape x colour) covered" in capsys.readouterr().out


def test_fresh_renders_score_far_closer_than_a_collapsed_generator():
    from ganviz.metrics import ImageSource, evaluate

    config = DataConfig(name="shapes", image_size=32)
    real = ShapesDataset.from_config(config)
    collapsed = ShapesDataset.from_config(config.replace(shapes=["circle"], colours=["red"]))
    sources = [ImageSource(name, lambda n, rng, data=data: data.sample(n, rng)[0], config, 32)
               for name, data in (("renders", real), ("red circles", collapsed))]
    fresh, red = evaluate(sources, 400, device="cpu", kid_subsets=3)
    assert fresh.extractor["key"] == "shape-factors"
    assert fresh.coverage["modes"] == 24 and fresh.coverage["high_quality"] > 95
    assert red.coverage["modes"] == 1 and red.coverage["reverse_kl"] == pytest.approx(math.log(24))
    assert fresh.scores["fd"]["value"] < red.scores["fd"]["value"] / 10

"""The generators shipped in checkpoints/: they load offline, draw digits or shapes, stay small, and
their model cards state numbers that the code reproduces."""
import re
import tomllib

import pytest
import torch
from huggingface_hub import ModelCard

from ganviz.config import DataConfig, TrainConfig
from ganviz.hub import CHECKPOINTS, MODEL_ZOO, load_generator
from ganviz.metrics import load_source
from ganviz.metrics.class_accuracy import class_accuracy
from ganviz.metrics.factors import image_coverage
from ganviz.metrics.relative import relative_quality
from ganviz.training.gan import GAN

SHIPPED = [e.source for e in MODEL_ZOO if not e.needs_internet]
SHAPES = [name for name in SHIPPED if name.startswith("shapes-")]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_generator_loads_offline_and_generates(name):
    folder = CHECKPOINTS / name
    assert sum(f.stat().st_size for f in folder.iterdir()) < 10 * 2**20
    card = (folder / "README.md").read_text()
    assert "## How it was trained" in card and f"--out checkpoints/{name}" in card
    g = load_generator(name)
    assert g.kind == "ganviz" and g.is_image
    y = torch.arange(8) % g.num_classes if g.conditional else None
    x = g.generate(torch.randn(8, g.latent_dim), y)
    assert x.shape == (8, *g.out_shape) and torch.isfinite(x).all() and x.abs().max() <= 1
    # different latents give different images, except from the one shipped to show mode collapse
    assert (x.std(0).mean() > 0.05) != name.endswith("-collapsed")


@pytest.mark.parametrize("name", ["digits-dcgan-cond", "shapes-dcgan-cond"])
def test_conditional_generator_draws_the_asked_class_as_its_card_says(name):
    result = class_accuracy(load_generator(name), per_class=100, seed=0)
    assert result.accuracy > result.chance + (1 - result.chance) / 2  # far above chance
    card = (CHECKPOINTS / name / "README.md").read_text()
    stated = float(re.search(r"accuracy: ([0-9.]+) \(chance", card).group(1))
    assert abs(stated - result.accuracy) <= 0.005


@pytest.mark.parametrize("name", SHAPES)
def test_a_shapes_card_states_the_coverage_of_its_seeded_samples(name):
    """The card's "What the shape factor network sees" line, recomputed: 1,000 samples, z from
    torch.randn(1000, 64) seeded with 0 (a conditional generator asked for class i % 24)."""
    g = load_generator(name)
    z = torch.randn(1000, g.latent_dim, generator=torch.Generator().manual_seed(0))
    y = torch.arange(1000) % g.num_classes if g.conditional else None
    measured = image_coverage(g.generate(z, y), DataConfig.from_dict(g.config["train"]["data"]))
    card = (CHECKPOINTS / name / "README.md").read_text()
    stated = re.search(r"covered (\d+)/24, held \(>= 1% of samples\) (\d+)/24, high quality ([0-9.]+)%",
                       card.split("## What the shape factor network sees")[1])
    assert abs(int(stated[1]) - measured["modes"]) <= 1 and abs(int(stated[2]) - measured["modes_held"]) <= 1
    assert abs(float(stated[3]) - measured["high_quality"]) <= 1.0


def test_the_latent_explorers_default_is_shapes_only_where_it_measures_better_than_digits():
    """MODEL_ZOO[0] opens the Latent explorer. A shapes generator takes that place from digits-dcgan
    only by holding at least as large a share of its data's classes and by a smaller Fréchet
    distance relative to two real samples' (ganviz.metrics.relative; numbers in docs/shapes.md)."""
    digits = relative_quality(load_source("digits-dcgan"))
    shapes = min((relative_quality(load_source(name)) for name in ("shapes-dcgan", "shapes-dcgan-cond")),
                 key=lambda r: r.fd_ratio)
    shapes_wins = shapes.held_share >= digits.held_share and shapes.fd_ratio < digits.fd_ratio
    assert MODEL_ZOO[0].source == (shapes.source if shapes_wins else "digits-dcgan")
    assert {"digits-dcgan", "digits-dcgan-cond", "digits-dcgan-early"} <= set(SHIPPED)


@pytest.mark.parametrize("folder", sorted(p.name for p in CHECKPOINTS.iterdir() if (p / "README.md").is_file()))
def test_model_cards_carry_the_license_and_the_dataset_in_their_front_matter(folder):
    card = ModelCard.load(CHECKPOINTS / folder / "README.md")
    license = tomllib.loads((CHECKPOINTS.parent / "pyproject.toml").read_text())["project"]["license"]["text"]
    assert card.data.license == license.lower() == "mit"
    if "ganviz.data.shapes" in card.text:  # rendered on the fly from factors: no Hub dataset to name
        assert card.data.datasets == []
        return
    assert card.data.datasets == ["sklearn-docs/digits"]
    assert "sklearn.datasets.load_digits" in card.text  # what the id stands for, said in the body


@pytest.mark.parametrize("data, shape, datasets", [("digits", [1, 28, 28], ["sklearn-docs/digits"]),
                                                    ("ring8", [2], None)])
def test_a_saved_run_gets_the_same_front_matter(tmp_path, data, shape, datasets):
    model = {"arch": "dcgan" if len(shape) == 3 else "mlp", "channels": 8, "width": 8, "depth": 1}
    GAN(TrainConfig(data=DataConfig(name=data), model=model).to_dict(), shape).save_pretrained(tmp_path)
    card = ModelCard.load(tmp_path / "README.md")
    assert card.data.license == "mit" and card.data.datasets == datasets

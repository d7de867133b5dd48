import gc
import math

import pytest
import torch

from ganviz.config import SHAPE_NAMES, DataConfig, TrainConfig
from ganviz.data import build_dataset
from ganviz.data.shapes import COLOUR_NAMES, POLYGONS, STAR_INNER, ShapesDataset, render, star_distance


def _draw(dataset, n=64, seed=0):
    return dataset.sample_with_factors(n, torch.Generator().manual_seed(seed))


def _one_of_each_shape(size=32, colour=0, rotation=20.0):
    k = len(SHAPE_NAMES)
    factors = {"shape": torch.arange(k), "colour": torch.full((k,), colour), "x": torch.full((k,), 0.5),
               "y": torch.full((k,), 0.5), "scale": torch.full((k,), 0.3), "rotation": torch.full((k,), rotation)}
    return render(factors, size)


def test_the_registry_builds_it_from_the_config():
    data = build_dataset(DataConfig(name="shapes", image_size=32))
    images, labels = data.sample(16, torch.Generator().manual_seed(0))
    assert data.kind == "image" and data.shape == (3, 32, 32) and images.shape == (16, 3, 32, 32)
    assert data.num_classes == len(SHAPE_NAMES) * len(COLOUR_NAMES) == 24
    assert images.min() >= -1 and images.max() <= 1 and labels.dtype == torch.long
    assert ShapesDataset(image_size=64).sample(2, torch.Generator())[0].shape == (2, 3, 64, 64)


def test_the_same_seed_renders_the_same_images_and_another_seed_others():
    data = ShapesDataset()
    first, again, other = _draw(data, seed=3), _draw(data, seed=3), _draw(data, seed=4)
    assert torch.equal(first.images, again.images) and torch.equal(first.labels, again.labels)
    assert all(torch.equal(first.factors[k], again.factors[k]) for k in first.factors)
    assert not torch.equal(first.images, other.images)


def test_the_factors_come_back_with_each_image_and_stay_in_their_ranges():
    config = DataConfig(name="shapes", x_min=0.25, x_max=0.4, y_min=0.6, y_max=0.65, scale_min=0.2, scale_max=0.22,
                        rotation_min=10, rotation_max=30)
    data = ShapesDataset.from_config(config)
    batch = _draw(data, n=500)
    for factor, (lo, hi) in {"x": (0.25, 0.4), "y": (0.6, 0.65), "scale": (0.2, 0.22), "rotation": (10, 30)}.items():
        values = batch.factors[factor]
        assert values.min() >= lo and values.max() <= hi
        assert values.max() - values.min() > 0.8 * (hi - lo)  # the whole range is used
    # each image is its factors' rendering, and its label is its shape x colour combination
    assert torch.equal(render(batch.factors, data.image_size), batch.images)
    assert torch.equal(batch.labels, batch.factors["shape"] * len(COLOUR_NAMES) + batch.factors["colour"])


def test_a_large_batch_is_rendered_in_pieces_of_bounded_size(monkeypatch):
    from ganviz.data import shapes

    batch = _draw(ShapesDataset(), n=50)
    monkeypatch.setattr(shapes, "RENDER_PIXELS", 7 * 32 * 32)  # 7 images at a time
    assert torch.equal(render(batch.factors, 32), batch.images)
    assert render({k: v[:0] for k, v in batch.factors.items()}, 32).shape == (0, 3, 32, 32)


def test_a_colour_left_out_never_appears():
    data = ShapesDataset.from_config(DataConfig(name="shapes", colours=["red", "blue", "magenta"]))
    batch = _draw(data, n=400)
    assert set(batch.factors["colour"].tolist()) == {COLOUR_NAMES.index(c) for c in ("red", "blue", "magenta")}
    assert (batch.images[:, 1] == -1).all()  # none of the three has any green: no yellow, green or cyan pixel
    assert data.num_classes == 12 and batch.labels.max() < 12
    assert [c for _, c in data.modes[:3]] == ["red", "blue", "magenta"]


def test_a_name_listed_twice_is_drawn_twice_as_often():
    data = ShapesDataset(shapes=["circle", "circle", "star"], colours=["red"])
    shapes = _draw(data, n=6000).factors["shape"]
    share = (shapes == SHAPE_NAMES.index("circle")).float().mean().item()
    assert abs(share - 2 / 3) < 0.03 and data.num_classes == 2


def test_the_shapes_are_distinguishable_and_anti_aliased():
    images = _one_of_each_shape()
    masks = (images.amax(1) + 1) / 2  # coverage of each pixel
    for i in range(len(SHAPE_NAMES)):
        for j in range(i + 1, len(SHAPE_NAMES)):
            assert (masks[i] - masks[j]).abs().sum() > 15, (SHAPE_NAMES[i], SHAPE_NAMES[j])
    edge = (masks > 0.05) & (masks < 0.95)
    assert edge.flatten(1).sum(1).min() > 10  # every outline has partly covered pixels
    # the area of each shape is what geometry says (circumradius 0.3 x 32 px)
    r = 0.3 * 32
    expected = {"circle": math.pi * r * r, "square": 2 * r * r, "triangle": 3 * math.sqrt(3) / 4 * r * r}
    for name, area in expected.items():
        assert masks[SHAPE_NAMES.index(name)].sum().item() == pytest.approx(area, rel=0.03)


def test_a_rotation_by_the_shapes_symmetry_draws_the_same_picture():
    for turn, name in ((90.0, "square"), (120.0, "triangle"), (72.0, "star")):
        k = SHAPE_NAMES.index(name)
        a, b = _one_of_each_shape(rotation=15.0)[k], _one_of_each_shape(rotation=15.0 + turn)[k]
        assert (a - b).abs().max() < 1e-3, name
        assert (a - _one_of_each_shape(rotation=15.0 + turn / 2)[k]).abs().sum() > 5, name


def test_the_distance_is_signed_and_exact():
    half = math.sqrt(0.5)  # the upright square of circumradius 1
    u, v = torch.tensor([0.0, 0.5, 3.0, 2.0, 0.0]), torch.tensor([0.0, 0.0, 0.0, 2.0, -0.5])
    points, inner, tip = (torch.tensor(value) for value in POLYGONS["square"])
    assert star_distance(u, v, points, inner, tip).tolist() == pytest.approx(
        [-half, 0.5 - half, 3 - half, math.sqrt(2) * (2 - half), 0.5 - half], abs=1e-6)
    points, inner, tip = (torch.tensor(value) for value in POLYGONS["star"])
    # the top point, above it, and the inner corner between the top two points
    inner_corner = (STAR_INNER * math.cos(math.radians(126)), -STAR_INNER * math.sin(math.radians(126)))
    u, v = torch.tensor([0.0, 0.0, inner_corner[0]]), torch.tensor([-1.0, -2.0, inner_corner[1]])
    assert star_distance(u, v, points, inner, tip).tolist() == pytest.approx([0.0, 1.0, 0.0], abs=1e-6)


@pytest.mark.parametrize("fields, field", [
    ({"colours": ["red", "pink"]}, "colours"), ({"shapes": []}, "shapes"), ({"shapes": ["hexagon"]}, "shapes"),
    ({"x_min": 0.6, "x_max": 0.4}, "x_max"), ({"scale_min": 0.05}, "scale_min"),
    ({"rotation_max": 400}, "rotation_max"),
])
def test_bad_factor_ranges_are_refused_naming_the_field(fields, field):
    with pytest.raises(ValueError, match=rf"^data\.{field}:"):
        TrainConfig.from_dict({"data": {"name": "shapes", **fields}})


def test_a_gan_trains_on_shapes_conditioned_on_shape_and_colour():
    from ganviz.training import Trainer

    config = TrainConfig.from_dict({"data": {"name": "shapes", "image_size": 32, "colours": ["red", "blue"]},
                                    "model": {"arch": "dcgan", "channels": 8, "conditional": True},
                                    "batch_size": 8})
    trainer = Trainer(config, device="cpu")
    trainer.step(2)
    assert trainer.num_classes == 8 and trainer.generate(n=4).shape == (4, 3, 32, 32)
    del trainer
    gc.collect()  # its memory claim ends now, not in the middle of a later test that counts claims

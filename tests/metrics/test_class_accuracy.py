import pytest
import torch
from torch import nn

from ganviz.config import DataConfig
from ganviz.data.shapes import COLOUR_NAMES, SHAPE_NAMES, ShapesDataset, render
from ganviz.hub import LoadedGenerator
from ganviz.metrics.class_accuracy import class_accuracy


class Stencil(nn.Module):
    """Draws class c as a bright pixel at position c; ``ignore_class`` always draws position 0."""

    def __init__(self, ignore_class: bool):
        super().__init__()
        self.ignore_class = ignore_class
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, z, y):
        x = torch.full((len(z), 1, 1, 4), -1.0)
        x[torch.arange(len(z)), 0, 0, 0 if self.ignore_class else y] = self.scale
        return x


class PixelReader(nn.Module):
    """A "classifier" that names the brightest pixel."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def predict(self, x):
        return x.flatten(1).argmax(1)


def generator(ignore_class):
    return LoadedGenerator(Stencil(ignore_class).eval(), "ganviz", 3, 4, (1, 1, 4), "stencil", "stencil")


def test_accuracy_is_perfect_when_the_class_controls_the_image_and_chance_when_ignored():
    good = class_accuracy(generator(False), PixelReader(), per_class=5)
    assert good.accuracy == 1.0 and good.per_class == [1.0] * 4 and good.n == 20
    blind = class_accuracy(generator(True), PixelReader(), per_class=5)
    assert blind.accuracy == pytest.approx(blind.chance) and blind.per_class == [1.0, 0.0, 0.0, 0.0]


def test_unconditional_generators_are_refused():
    g = LoadedGenerator(nn.Linear(3, 4), "ganviz", 3, 0, (4,), "plain", "plain")
    with pytest.raises(ValueError, match="unconditional"):
        class_accuracy(g, PixelReader())


class ModePainter(nn.Module):
    """Renders the ``shapes`` mode it is asked for (class y is ``dataset.modes[y]``), or always mode 0."""

    def __init__(self, dataset: ShapesDataset, ignore_class: bool):
        super().__init__()
        self.dataset, self.ignore_class = dataset, ignore_class
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, z, y):
        modes = [self.dataset.modes[0 if self.ignore_class else int(c)] for c in y]
        n = len(z)
        factors = {"shape": torch.tensor([SHAPE_NAMES.index(s) for s, _ in modes]),
                   "colour": torch.tensor([COLOUR_NAMES.index(c) for _, c in modes]),
                   "x": torch.full((n,), 0.5), "y": torch.full((n,), 0.5), "scale": torch.full((n,), 0.25),
                   "rotation": z[:, 0] * 30}
        return render(factors, 32)


def test_a_shapes_generator_is_read_by_the_shape_factor_network_in_its_datas_class_order():
    data = {"name": "shapes", "image_size": 32, "colours": ["blue", "red"]}  # 8 classes: circle red, circle blue, ...
    dataset = ShapesDataset.from_config(DataConfig.from_dict(data))
    config = {"train": {"data": data}}

    def painter(ignore_class):
        return LoadedGenerator(ModePainter(dataset, ignore_class).eval(), "ganviz", 3, 8, (3, 32, 32), "painter",
                               "painter", config=config)

    good = class_accuracy(painter(False), per_class=5)
    assert good.accuracy == 1.0 and len(good.per_class) == 8
    assert class_accuracy(painter(True), per_class=5).per_class == [1.0] + [0.0] * 7

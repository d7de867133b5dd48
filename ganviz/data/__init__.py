"""The dataset registry: one :class:`DatasetEntry` per name, each built from a :class:`DataConfig`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ganviz.config import DATASETS, DataConfig
from ganviz.data.images import ImageDataset, digits, image_folder, torchvision_mnist
from ganviz.data.shapes import ShapesDataset
from ganviz.data.toy import GaussianMixture, Spiral, ToyDataset, TwoMoons, grid, ring


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset of the registry: how to build it from a :class:`DataConfig`, one line on what it
    is, and the config fields it reads besides ``data.name`` (the app's form shows only these)."""

    build: Callable[[DataConfig], object]
    description: str
    fields: tuple[str, ...] = ()
    toy: bool = True  # a 2D point cloud without class labels; False: images


DATASETS.update({
    "ring8": DatasetEntry(lambda c: ring(8, c.radius, c.std),
                          "8 Gaussians on a circle: the classic mode-collapse demo", ("data.radius", "data.std")),
    "grid25": DatasetEntry(lambda c: grid(5, c.spacing, c.std),
                           "25 Gaussians on a 5x5 grid", ("data.spacing", "data.std")),
    "spiral": DatasetEntry(lambda c: Spiral(c.radius, c.noise),
                           "a continuous spiral arm", ("data.radius", "data.noise")),
    "moons": DatasetEntry(lambda c: TwoMoons(c.radius, c.noise),
                          "two interleaved half circles", ("data.radius", "data.noise")),
    "gaussian": DatasetEntry(lambda c: GaussianMixture([[0.0, 0.0]], c.std),
                             "a single Gaussian blob", ("data.std",)),
    "custom": DatasetEntry(lambda c: GaussianMixture(c.means, c.std),
                           "a mixture whose components you place yourself", ("data.std", "data.means")),
    "digits": DatasetEntry(lambda c: digits(c.image_size),
                           "scikit-learn's 1797 handwritten digits (offline), upscaled", ("data.image_size",),
                           toy=False),
    "mnist": DatasetEntry(lambda c: torchvision_mnist("mnist", c.root, c.image_size, c.download),
                          "MNIST via torchvision (needs its files or internet)",
                          ("data.image_size", "data.root", "data.download"), toy=False),
    "fashion-mnist": DatasetEntry(lambda c: torchvision_mnist("fashion-mnist", c.root, c.image_size, c.download),
                                  "Fashion-MNIST via torchvision (needs its files or internet)",
                                  ("data.image_size", "data.root", "data.download"), toy=False),
    "shapes": DatasetEntry(ShapesDataset.from_config,
                           "coloured shapes rendered from known factors (shape, colour, position, scale, rotation)",
                           ("data.image_size", "data.shapes", "data.colours", "data.x_min", "data.x_max", "data.y_min",
                            "data.y_max", "data.scale_min", "data.scale_max", "data.rotation_min",
                            "data.rotation_max"), toy=False),
    "folder": DatasetEntry(lambda c: image_folder(c.root, c.image_size, c.channels),
                           "any folder of images (root/<class>/<image>)",
                           ("data.image_size", "data.root", "data.channels"), toy=False),
})

# each dataset's description by name, for the pages that show one beside its name
DESCRIPTIONS = {name: entry.description for name, entry in DATASETS.items()}

# Hub dataset ids for the model cards' ``datasets:`` (the Hub links a model to them). ganviz never
# downloads these: "digits" is scikit-learn's load_digits, and sklearn-docs/digits is the Hub's copy
# of the same 1,797 images; the toys are drawn on the fly and a folder is the user's own.
HUB_DATASETS = {"digits": "sklearn-docs/digits", "mnist": "ylecun/mnist",
                "fashion-mnist": "zalando-datasets/fashion_mnist"}

TOY_DATASETS = [name for name, entry in DATASETS.items() if entry.toy]


def build_dataset(config: DataConfig):
    return DATASETS[config.name].build(config)


def is_toy(name: str) -> bool:
    return name in TOY_DATASETS


__all__ = ["DATASETS", "DESCRIPTIONS", "HUB_DATASETS", "TOY_DATASETS", "DatasetEntry", "GaussianMixture",
           "ImageDataset", "ShapesDataset", "Spiral", "ToyDataset", "TwoMoons", "build_dataset", "is_toy"]

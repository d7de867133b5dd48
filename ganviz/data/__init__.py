"""The dataset registry: one name per dataset, each built from a :class:`DataConfig`."""
from __future__ import annotations

from typing import Callable

from ganviz.config import DataConfig
from ganviz.data.images import ImageDataset, digits, image_folder, torchvision_mnist
from ganviz.data.toy import GaussianMixture, Spiral, ToyDataset, TwoMoons, grid, ring

DATASETS: dict[str, Callable[[DataConfig], object]] = {
    "ring8": lambda c: ring(8, c.radius, c.std),
    "grid25": lambda c: grid(5, c.spacing, c.std),
    "spiral": lambda c: Spiral(c.radius, c.noise),
    "moons": lambda c: TwoMoons(c.radius, c.noise),
    "gaussian": lambda c: GaussianMixture([[0.0, 0.0]], c.std),
    "custom": lambda c: GaussianMixture(c.means, c.std),
    "digits": lambda c: digits(c.image_size),
    "mnist": lambda c: torchvision_mnist("mnist", c.root, c.image_size, c.download),
    "fashion-mnist": lambda c: torchvision_mnist("fashion-mnist", c.root, c.image_size, c.download),
    "folder": lambda c: image_folder(c.root, c.image_size, c.channels),
}

# the DataConfig fields each dataset reads (besides ``name``): the app's form shows only these
FIELDS = {
    "ring8": ("radius", "std"),
    "grid25": ("spacing", "std"),
    "spiral": ("radius", "noise"),
    "moons": ("radius", "noise"),
    "gaussian": ("std",),
    "custom": ("std", "means"),
    "digits": ("image_size",),
    "mnist": ("image_size", "root", "download"),
    "fashion-mnist": ("image_size", "root", "download"),
    "folder": ("image_size", "root", "channels"),
}

DESCRIPTIONS = {
    "ring8": "8 Gaussians on a circle: the classic mode-collapse demo",
    "grid25": "25 Gaussians on a 5x5 grid",
    "spiral": "a continuous spiral arm",
    "moons": "two interleaved half circles",
    "gaussian": "a single Gaussian blob",
    "custom": "a mixture whose components you place yourself",
    "digits": "scikit-learn's 1797 handwritten digits (offline), upscaled",
    "mnist": "MNIST via torchvision (needs its files or internet)",
    "fashion-mnist": "Fashion-MNIST via torchvision (needs its files or internet)",
    "folder": "any folder of images (root/<class>/<image>)",
}

# Hub dataset ids for the model cards' ``datasets:`` (the Hub links a model to them). ganviz never
# downloads these: "digits" is scikit-learn's load_digits, and sklearn-docs/digits is the Hub's copy
# of the same 1,797 images; the toys are drawn on the fly and a folder is the user's own.
HUB_DATASETS = {"digits": "sklearn-docs/digits", "mnist": "ylecun/mnist",
                "fashion-mnist": "zalando-datasets/fashion_mnist"}

TOY_DATASETS = [name for name in DATASETS if name not in ("digits", "mnist", "fashion-mnist", "folder")]


def build_dataset(config: DataConfig):
    return DATASETS[config.name](config)


def is_toy(name: str) -> bool:
    return name in TOY_DATASETS


__all__ = ["DATASETS", "DESCRIPTIONS", "FIELDS", "HUB_DATASETS", "TOY_DATASETS", "GaussianMixture", "ImageDataset", "Spiral",
           "ToyDataset", "TwoMoons", "build_dataset", "is_toy"]

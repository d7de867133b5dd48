"""Image datasets held in memory as tensors in [-1, 1], shape (N, C, S, S).

Digits (scikit-learn's 1797 real 8x8 scans) work offline everywhere; MNIST / Fashion-MNIST
load through torchvision when their files are present or may be downloaded; any folder of
images loads through ImageFolder.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


class ImageDataset:
    kind = "image"

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, num_classes: int, name: str):
        self.images = images
        self.labels = labels
        self.num_classes = num_classes
        self.name = name

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])

    def __len__(self) -> int:
        return len(self.images)

    def to(self, device) -> "ImageDataset":
        self.images, self.labels = self.images.to(device), self.labels.to(device)
        return self

    def sample(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.randint(len(self.images), (n,), generator=generator, device=generator.device)
        idx = idx.to(self.images.device)
        return self.images[idx], self.labels[idx]


def _resize_unit(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, H, W) in [0, 1] -> (N, C, size, size) in [-1, 1]."""
    if images.shape[-1] != size:
        images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
    return (images.clamp(0, 1) * 2 - 1).contiguous()


def digits(image_size: int) -> ImageDataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = torch.from_numpy(bunch.images.astype(np.float32) / 16.0).unsqueeze(1)
    return ImageDataset(_resize_unit(images, image_size), torch.from_numpy(bunch.target).long(), 10, "digits")


def torchvision_mnist(kind: str, root: str, image_size: int, download: bool) -> ImageDataset:
    """MNIST or Fashion-MNIST from torchvision, with a clear message when the files are missing."""
    from torchvision import datasets

    cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}[kind]
    folder = root or str(Path.home() / ".cache" / "ganviz" / "torchvision")
    try:
        ds = cls(folder, train=True, download=download)
    except Exception as err:  # torchvision raises RuntimeError offline, URLError/OSError on download
        hint = "set download=true (needs internet)" if not download else "download failed (offline?)"
        raise FileNotFoundError(
            f"{kind}: files not found under {folder!r} and {hint}. Put the raw {kind} files in "
            f"{folder}/{cls.__name__}/raw, or use the offline 'digits' dataset. ({err})") from None
    images = ds.data.float().div(255).unsqueeze(1)
    return ImageDataset(_resize_unit(images, image_size), ds.targets.long(), 10, kind)


def image_folder(root: str, image_size: int, channels: int, max_images: int = 20000) -> ImageDataset:
    """Any folder laid out as ``root/<class>/<image>``, resized to a square, in memory."""
    from torchvision import datasets, transforms

    if not root or not Path(root).is_dir():
        raise FileNotFoundError(f"folder: {root!r} is not a folder (expected root/<class>/<images>)")
    tf = [transforms.Grayscale(1)] if channels == 1 else [transforms.Lambda(lambda im: im.convert("RGB"))]
    tf += [transforms.Resize(image_size), transforms.CenterCrop(image_size), transforms.ToTensor()]
    try:
        ds = datasets.ImageFolder(root, transform=transforms.Compose(tf))
    except (FileNotFoundError, RuntimeError) as err:
        raise FileNotFoundError(f"folder: no images found in {root!r} ({err})") from None
    n = min(len(ds), max_images)
    pairs = [ds[i] for i in range(n)]
    images = torch.stack([p[0] for p in pairs])
    labels = torch.tensor([p[1] for p in pairs], dtype=torch.long)
    return ImageDataset(_resize_unit(images, image_size), labels, len(ds.classes), Path(root).name)

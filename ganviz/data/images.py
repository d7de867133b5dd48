"""Image datasets held in memory as tensors in [-1, 1], shape (N, C, S, S).

Digits (scikit-learn's 1797 real 8x8 scans) work offline everywhere; MNIST / Fashion-MNIST
load through torchvision when their files are present or may be downloaded; a folder of images
(``root/<class>/<image>``) loads from under the allowed roots only.

A folder's path can come from a link that anyone in a class can send, so the server must not
become a way to read or list its own disk: the root must lie under an allowed folder, the scan
stops at a bound on entries and time, and no error names what a folder holds.
"""
from __future__ import annotations

import os
import time
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


DATA_ROOTS_ENV = "GANVIZ_DATA_ROOTS"
PROJECT_DATA = Path(__file__).resolve().parents[2] / "data"
MAX_SCAN_ENTRIES = 200_000
MAX_SCAN_SECONDS = 10.0
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def allowed_roots() -> list[Path]:
    """Folders a ``folder`` dataset may be read from: ``GANVIZ_DATA_ROOTS`` (paths separated by
    ``os.pathsep``), by default the project's ``data/`` folder and the home folder."""
    value = os.environ.get(DATA_ROOTS_ENV, "").strip()
    roots = [Path(p) for p in value.split(os.pathsep) if p.strip()] if value else [PROJECT_DATA, Path.home()]
    return [root.expanduser().resolve() for root in roots]


def image_folder(root: str, image_size: int, channels: int, max_images: int = 20000,
                 max_entries: int = MAX_SCAN_ENTRIES, max_seconds: float = MAX_SCAN_SECONDS) -> ImageDataset:
    """A folder laid out as ``root/<class>/<image>``, resized to a square, in memory (at most
    ``max_images``, taken evenly over the classes' sorted files)."""
    from PIL import Image, UnidentifiedImageError
    from torchvision import transforms

    folder = _allowed_folder(root)
    classes, files = _scan(folder, max_entries, max_seconds)
    step = max(1, len(files) // max_images)
    files = files[::step][:max_images]
    tf = [transforms.Grayscale(1)] if channels == 1 else [transforms.Lambda(lambda im: im.convert("RGB"))]
    tf = transforms.Compose(tf + [transforms.Resize(image_size), transforms.CenterCrop(image_size),
                                  transforms.ToTensor()])
    images, labels = [], []
    for path, label in files:
        try:
            with Image.open(path) as picture:
                images.append(tf(picture))
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError) as err:
            raise ValueError(f"folder: {path.relative_to(folder)} is not a readable image "
                             f"({type(err).__name__})") from None
        labels.append(label)
    return ImageDataset(_resize_unit(torch.stack(images), image_size), torch.tensor(labels, dtype=torch.long),
                        len(classes), folder.name)


def _allowed_folder(root: str) -> Path:
    """``root`` resolved (links followed), if it lies under an allowed root; the error never says
    whether a folder outside them exists."""
    if not root:
        raise FileNotFoundError("folder: data.root is empty (expected root/<class>/<images>)")
    folder = Path(root).expanduser().resolve()
    if not any(folder.is_relative_to(allowed) for allowed in allowed_roots()):
        raise ValueError(f"folder: data.root must be inside a folder this server allows ({DATA_ROOTS_ENV}; by "
                         "default the project's data/ folder and the home folder)")
    if not folder.is_dir():
        raise FileNotFoundError(f"folder: {root!r} is not a folder (expected root/<class>/<images>)")
    return folder


def _scan(folder: Path, max_entries: int, max_seconds: float) -> tuple[list[str], list[tuple[Path, int]]]:
    """The class folders and their image files, visiting at most ``max_entries`` entries for at
    most ``max_seconds``; links are not followed (they could lead outside the allowed roots)."""
    deadline, seen = time.monotonic() + max_seconds, 0

    def visit(entries: list[os.DirEntry]) -> list[os.DirEntry]:
        nonlocal seen
        seen += len(entries)
        if seen > max_entries or time.monotonic() > deadline:
            raise ValueError(f"folder: more than {max_entries:,} entries or {max_seconds:g} s to scan; point "
                             "data.root at a folder with just the class folders and their images")
        return entries

    with os.scandir(folder) as it:
        classes = sorted(e.name for e in visit(list(it)) if e.is_dir(follow_symlinks=False))
    files = []
    for label, name in enumerate(classes):
        pending = [folder / name]
        while pending:
            with os.scandir(pending.pop()) as it:
                entries = sorted(visit(list(it)), key=lambda e: e.name)
            pending += [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
            files += [(Path(e.path), label) for e in entries
                      if e.is_file(follow_symlinks=False) and e.name.lower().endswith(IMAGE_SUFFIXES)]
    if not files:
        raise FileNotFoundError("folder: no images found (expected root/<class>/<images>, "
                                f"with {', '.join(IMAGE_SUFFIXES)} files)")
    return classes, files

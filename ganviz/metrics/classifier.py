"""The shipped digit classifier: a small LeNet-style CNN trained on scikit-learn's digits.

It is the offline feature extractor for digit-scale data: its penultimate activations give a
"Fréchet classifier distance" and its logits an Inception-Score analogue (see
``ganviz.metrics``), and its predictions tell whether a conditional generator draws the digit it
was asked for. Inception-v3 features make little sense on 28x28 grey digits, and its weights
cannot be fetched offline; this network is 0.4 M parameters and trains on CPU in about a minute.

Inputs are (N, 1 or 3, S, S) images in [-1, 1]: colour is averaged to grey and any size is
resized to 28x28 inside, so 32x32 and 64x64 generators can be measured as they are.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ganviz.data import HUB_DATASETS
from ganviz.hub import CHECKPOINTS, load_weights, read_config, read_state_dict, resolve

SHIPPED = CHECKPOINTS / "digit-classifier"
INPUT_SIZE = 28


class DigitClassifier(nn.Module, PyTorchModelHubMixin, library_name="ganviz",
                      tags=["image-classification", "digits", "ganviz"]):
    def __init__(self, num_classes: int = 10, width: int = 32, feature_dim: int = 128, dropout: float = 0.3):
        super().__init__()
        self.num_classes, self.feature_dim = num_classes, feature_dim
        self.body = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(True), nn.MaxPool2d(2),              # 28 -> 14
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(True), nn.MaxPool2d(2),      # 14 -> 7
            nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(2 * width * 7 * 7, feature_dim), nn.ReLU(True),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(feature_dim, num_classes))

    @staticmethod
    def prepare(x: torch.Tensor) -> torch.Tensor:
        """Any (N, C, H, W) image batch in [-1, 1] -> (N, 1, 28, 28): grey, resized with antialiasing."""
        if x.ndim != 4 or x.shape[1] not in (1, 3):
            raise ValueError(f"images: expected (N, 1 or 3, H, W), got shape {tuple(x.shape)}")
        x = x.float()
        if x.shape[1] == 3:
            x = x.mean(1, keepdim=True)
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", antialias=True, align_corners=False)
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations, (N, feature_dim): what the Fréchet classifier distance compares."""
        return self.body(self.prepare(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, (N, num_classes)."""
        return self.head(self.features(x))

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
        """Predicted class per image, in eval mode, batched."""
        device = next(self.parameters()).device
        return torch.cat([self(x[i:i + batch_size].to(device)).argmax(1).cpu()
                          for i in range(0, len(x), batch_size)])


def load_digit_classifier(path: str | Path | None = None, device: str | torch.device | None = None) -> DigitClassifier:
    """The shipped classifier (``checkpoints/digit-classifier``), or one at ``path`` (folder or Hub id),
    in eval mode."""
    source = Path(path).expanduser() if path is not None else SHIPPED
    if source.exists() or source.is_absolute() or str(path or ".").startswith((".", "~")):  # a local folder
        if not (source / "model.safetensors").is_file():
            raise FileNotFoundError(f"digit classifier: no checkpoint at {source}; train one with "
                                    f"`python -m ganviz classifier train --out {source}`")
        config, weights = source / "config.json", source / "model.safetensors"
    else:  # a Hub repo id
        config, weights = resolve(str(path))
    # read here rather than by from_pretrained, which prints a line to stdout for local folders
    # (JSON output would break) and has its own way of reading weights
    model = DigitClassifier(**read_config(config))
    load_weights(model, read_state_dict(weights), f"digit classifier {path or SHIPPED}")
    return model.to(device or "cpu").eval()


# -- data ----------------------------------------------------------------------------------------
@dataclass
class DigitSplit:
    """scikit-learn's digits split once, by a seeded permutation, into train and held-out parts."""
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor


def digit_split(image_size: int = INPUT_SIZE, holdout: float = 0.2, seed: int = 0) -> DigitSplit:
    from ganviz.data.images import digits

    if not 0 < holdout < 1:
        raise ValueError(f"holdout: must be in (0, 1), got {holdout}")
    data = digits(image_size)
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    n_test = round(len(data) * holdout)
    test, train = order[:n_test], order[n_test:]
    return DigitSplit(data.images[train], data.labels[train], data.images[test], data.labels[test])


def augment(x: torch.Tensor, rng: torch.Generator, shift: float = 2.0, degrees: float = 10.0,
            scale: float = 0.1) -> torch.Tensor:
    """Small random affine jitter (shift in pixels, rotation, zoom) so the classifier does not
    depend on the exact placement of scikit-learn's centred digits — GAN samples are not centred."""
    n, size = len(x), x.shape[-1]
    angle = (torch.rand(n, generator=rng) * 2 - 1) * math.radians(degrees)
    zoom = 1 + (torch.rand(n, generator=rng) * 2 - 1) * scale
    offset = (torch.rand(n, 2, generator=rng) * 2 - 1) * (2 * shift / size)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, offset[:, 0]], 1), torch.stack([sin, cos, offset[:, 1]], 1)], 1)
    grid = F.affine_grid(theta.to(x), list(x.shape), align_corners=False)
    # padding with -1 (the background) rather than zeros (mid-grey)
    return F.grid_sample(x + 1, grid, padding_mode="zeros", align_corners=False) - 1


@torch.no_grad()
def accuracy(model: DigitClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    was_training = model.training
    model.eval()
    try:
        return (model.predict(images) == labels.cpu()).float().mean().item()
    finally:
        model.train(was_training)


def train_digit_classifier(epochs: int = 30, batch_size: int = 64, lr: float = 2e-3, seed: int = 0,
                           holdout: float = 0.2, device: str | torch.device | None = None,
                           progress: Callable[[int, int, dict], None] | None = None,
                           **model_kwargs) -> tuple[DigitClassifier, dict]:
    """Train on the 80 % split of the digits with augmentation; report held-out accuracy.

    ``progress(epoch, epochs, info)`` is called after each epoch. Returns the model (eval mode,
    on CPU) and a report: accuracies, the split, settings and time.
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs, batch_size: must be >= 1")
    device = torch.device(device or "cpu")
    split = digit_split(INPUT_SIZE, holdout, seed)
    torch.manual_seed(seed)
    model = DigitClassifier(**model_kwargs).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(split.train_images) / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch)
    rng = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(split.train_images), generator=rng)
        total = 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            x = augment(split.train_images[idx], rng).to(device)
            loss = F.cross_entropy(model(x), split.train_labels[idx].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        if progress is not None:
            progress(epoch, epochs, {"loss": total / len(order)})
    model = model.cpu().eval()
    jittered = augment(split.test_images, torch.Generator().manual_seed(seed + 1))
    report = {
        "heldout_accuracy": accuracy(model, split.test_images, split.test_labels),
        "train_accuracy": accuracy(model, split.train_images, split.train_labels),
        "heldout_augmented_accuracy": accuracy(model, jittered, split.test_labels),
        "n_train": len(split.train_images), "n_heldout": len(split.test_images),
        "holdout": holdout, "seed": seed, "epochs": epochs, "batch_size": batch_size, "lr": lr,
        "parameters": sum(p.numel() for p in model.parameters()),
        "seconds": round(time.perf_counter() - start, 1), "device": str(device),
    }
    return model, report


def model_card(report: dict) -> str:
    """The README.md shipped beside the weights: how the classifier was trained and how well it does."""
    return f"""---
library_name: ganviz
license: mit
datasets: [{HUB_DATASETS['digits']}]
tags: [image-classification, digits, ganviz]
---
# ganviz digit classifier

A small LeNet-style CNN (two 3x3 conv + max-pool blocks, a {report.get('feature_dim', 128)}-unit
penultimate layer, dropout) for 28x28 grey digits in [-1, 1]; other sizes and RGB inputs are
converted inside (`DigitClassifier.prepare`). {report['parameters']:,} parameters.

**Purpose.** The offline feature extractor of `ganviz.metrics`: its penultimate features give the
*Fréchet classifier distance* and its logits the classifier Inception Score on digit data, and its
predictions measure whether a conditional generator draws the class it was asked for. Numbers made
with it are **not** Inception FID/IS and are not comparable with published FIDs.

## Training
- Data: scikit-learn's 1,797 handwritten 8x8 digits (`sklearn.datasets.load_digits`), bilinearly
  upscaled to 28x28 (`ganviz.data.digits`); the front matter names `{HUB_DATASETS['digits']}`, the
  Hub's copy of the same images, which ganviz never downloads. Split by a seeded permutation
  (seed {report['seed']}) into {report['n_train']} training and {report['n_heldout']} held-out images
  (`ganviz.metrics.classifier.digit_split(holdout={report['holdout']}, seed={report['seed']})`).
- Augmentation: random shifts of up to 2 px, rotations of up to 10 degrees, zoom of ±10 %.
- AdamW (weight decay 1e-4), one-cycle learning rate peaking at {report['lr']}, batch
  {report['batch_size']}, {report['epochs']} epochs, cross-entropy; {report['seconds']} s on {report['device']}.
- Reproduce: `python -m ganviz classifier train --epochs {report['epochs']} --seed {report['seed']}`.

## Measured accuracy
| split | accuracy |
|---|---|
| held-out ({report['n_heldout']} images) | {report['heldout_accuracy']:.4f} |
| held-out, augmented (random shift/rotation/zoom) | {report['heldout_augmented_accuracy']:.4f} |
| training ({report['n_train']} images) | {report['train_accuracy']:.4f} |

Check it: `python -m ganviz classifier accuracy`.

## Use
```python
from ganviz.metrics.classifier import load_digit_classifier
clf = load_digit_classifier()          # this folder, eval mode
logits = clf(images)                   # (N, 10)
feats = clf.features(images)           # (N, {report.get('feature_dim', 128)})
```
"""


def save_classifier(model: DigitClassifier, report: dict, folder: str | Path) -> Path:
    folder = Path(folder)
    model.save_pretrained(folder)
    (folder / "README.md").write_text(model_card({**report, "feature_dim": model.feature_dim}))
    return folder

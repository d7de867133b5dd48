"""The shipped shape factor network: reads back the factors a ``shapes`` image was rendered from.

What the digit classifier is to digits (``ganviz.metrics.classifier``), this network is to the
``shapes`` dataset (``ganviz.data.shapes``): its penultimate activations give a "Fréchet factor
distance" and, because it names each image's shape and colour, it tells exactly which of the data's
modes (shape x colour combinations) a generator reaches (:func:`mode_coverage`).

Heads: shape (4 classes), colour (6 classes), and a regression of the centre (x, y), the scale and
the rotation. Rotation is ambiguous for symmetric shapes — a square turned by 10 or by 100 degrees
is the same picture — so the network regresses sin and cos of k x angle, k the shape's symmetry
order (4, 3 and 5 for square, triangle and star), which is the same for every indistinguishable
rotation; a circle's rotation cannot be seen, and it is left out of that loss and of the error.

It trains on renders drawn afresh every step from the full factor limits a config may ask for
(``ganviz.config.SHAPE_FACTOR_LIMITS``), so no image is seen twice and it is measured on renders
from another seed. Inputs are (N, 3, S, S) images in [-1, 1]; other sizes are resized to 32x32
inside and grey images are repeated to RGB.
"""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ganviz.collapse.coverage import assignment_metrics
from ganviz.config import SHAPE_FACTOR_LIMITS, DataConfig
from ganviz.data.shapes import COLOUR_NAMES, SHAPE_NAMES, SYMMETRY, ShapesDataset
from ganviz.hub import CHECKPOINTS, load_weights, read_config, read_state_dict

SHIPPED = CHECKPOINTS / "shape-factors"
INPUT_SIZE = 32
# a sample is high quality when the network gives its shape x colour combination at least this
# probability (the product of the two heads' probabilities): the image analogue of "within 3 std
# of a mixture mean"
HIGH_CONFIDENCE = 0.9
# the continuous factors are regressed centred and on a common scale: (value - centre) x scale, for
# x, y and scale (shares of the side), so that every target starts near the untrained network's 0
REGRESSION_CENTRE = (0.5, 0.5, 0.2)
REGRESSION_SCALE = 10.0
# the seed of the renders the shipped network is measured on; training uses other seeds
HELDOUT_SEED = 10_000


def _block(cin: int, cout: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True),
                         nn.MaxPool2d(2))


class FactorNet(nn.Module, PyTorchModelHubMixin, library_name="ganviz",
                tags=["image-classification", "shapes", "ganviz"]):
    def __init__(self, width: int = 16, feature_dim: int = 128):
        super().__init__()
        self.feature_dim = feature_dim
        self.num_shapes, self.num_colours = len(SHAPE_NAMES), len(COLOUR_NAMES)
        self.num_classes = self.num_shapes * self.num_colours
        self.body = nn.Sequential(
            _block(3, width), _block(width, 2 * width), _block(2 * width, 4 * width),  # 32 -> 16 -> 8 -> 4
            nn.Flatten(), nn.Linear(4 * width * 4 * 4, feature_dim), nn.ReLU(True),
        )
        # shape logits, colour logits, then x, y, scale, sin(k angle), cos(k angle)
        self.head = nn.Linear(feature_dim, self.num_shapes + self.num_colours + 5)

    @staticmethod
    def prepare(x: torch.Tensor) -> torch.Tensor:
        """Any (N, 1 or 3, H, W) batch in [-1, 1] -> (N, 3, 32, 32). A larger image is shrunk by
        averaging over areas, the same box filter the renderer anti-aliases with, so a 64 px render
        shrunk is a 32 px render; a smaller one is enlarged bilinearly."""
        if x.ndim != 4 or x.shape[1] not in (1, 3):
            raise ValueError(f"images: expected (N, 1 or 3, H, W), got shape {tuple(x.shape)}")
        x = x.float().expand(-1, 3, -1, -1)
        if x.shape[-1] > INPUT_SIZE or x.shape[-2] > INPUT_SIZE:
            x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="area")
        elif x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False)
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations, (N, feature_dim): what the Fréchet factor distance compares."""
        return self.body(self.prepare(x))

    def split(self, out: torch.Tensor) -> dict[str, torch.Tensor]:
        """The head's output by name: shape and colour logits, and the regressed factors."""
        s, c = self.num_shapes, self.num_colours
        regressed = out[:, s + c:]
        values = regressed[:, :3] / REGRESSION_SCALE + regressed.new_tensor(REGRESSION_CENTRE)
        return {"shape": out[:, :s], "colour": out[:, s:s + c], "position": values[:, :2], "scale": values[:, 2],
                "angle": torch.atan2(regressed[:, 3], regressed[:, 4]), "raw": regressed}

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.split(self.head(self.features(x)))

    def joint_logits(self, features: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of the 24 shape x colour combinations (shape-major), (N, 24): the two
        heads' log-softmaxes added, as if shape and colour were independent given the image."""
        out = self.split(self.head(features))
        return (F.log_softmax(out["shape"], 1)[:, :, None] + F.log_softmax(out["colour"], 1)[:, None, :]).flatten(1)

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 1024) -> dict[str, torch.Tensor]:
        """Predicted shape and colour indices and their probabilities (``shape_probs``, ``colour_probs``:
        graded, so a latent walk shows a shape turning into another before the index flips), and the
        regressed factors, in eval mode, batched, on the CPU."""
        device = next(self.parameters()).device
        parts = [self(x[i:i + batch_size].to(device)) for i in range(0, len(x), batch_size)]
        out = {k: torch.cat([p[k] for p in parts]).cpu() for k in parts[0]}
        return {"shape": out["shape"].argmax(1), "colour": out["colour"].argmax(1),
                "shape_probs": out["shape"].softmax(1), "colour_probs": out["colour"].softmax(1),
                "x": out["position"][:, 0], "y": out["position"][:, 1], "scale": out["scale"], "angle": out["angle"]}


def load_factor_net(path: str | Path | None = None, device: str | torch.device | None = None) -> FactorNet:
    """The shipped network (``checkpoints/shape-factors``) or one in the folder ``path``, in eval mode."""
    source = Path(path).expanduser() if path is not None else SHIPPED
    if not (source / "model.safetensors").is_file():
        raise FileNotFoundError(f"shape factor network: no checkpoint at {source}; train one with "
                                f"`python -m ganviz factors train --out {source}`")
    model = FactorNet(**read_config(source / "config.json"))
    load_weights(model, read_state_dict(source / "model.safetensors"), f"shape factor network {source}")
    return model.to(device or "cpu").eval()


# -- rotation as the picture shows it ------------------------------------------------------------
def symmetry_order(shape: torch.Tensor) -> torch.Tensor:
    """Each shape index's symmetry order k (``SYMMETRY``: 0 for the circle), as floats."""
    return torch.tensor([SYMMETRY[s] for s in SHAPE_NAMES], device=shape.device, dtype=torch.float32)[shape]


def visible_angle(rotation_degrees: torch.Tensor, shape: torch.Tensor) -> torch.Tensor:
    """k x rotation in radians, k the shape's symmetry order (0 for the circle): equal for every
    rotation that draws the same picture, so it can be regressed."""
    return symmetry_order(shape) * torch.deg2rad(rotation_degrees.float())


def rotation_error_degrees(predicted: torch.Tensor, rotation_degrees: torch.Tensor,
                           shape: torch.Tensor) -> torch.Tensor:
    """|error| of a predicted k x angle (radians), in degrees of the shape's own rotation (at most
    180 / k); NaN for circles, whose rotation cannot be seen."""
    order = symmetry_order(shape)
    wrapped = torch.remainder(predicted - visible_angle(rotation_degrees, shape) + math.pi, 2 * math.pi) - math.pi
    return torch.where(order > 0, torch.rad2deg(wrapped.abs()) / order.clamp(min=1), float("nan"))


# -- training and measuring ----------------------------------------------------------------------
def training_data(image_size: int = INPUT_SIZE) -> ShapesDataset:
    """Every shape and colour over the full factor limits a config may ask for."""
    return ShapesDataset(image_size=image_size, ranges=dict(SHAPE_FACTOR_LIMITS))


def factor_loss(out: dict[str, torch.Tensor], factors: dict[str, torch.Tensor]) -> torch.Tensor:
    """Cross-entropy on shape and colour, squared error on the regressed factors (the rotation's only
    for shapes whose rotation shows)."""
    shape = factors["shape"]
    values = torch.stack([factors["x"], factors["y"], factors["scale"]], 1)
    target = (values - values.new_tensor(REGRESSION_CENTRE)) * REGRESSION_SCALE
    angle = visible_angle(factors["rotation"], shape)
    seen = (symmetry_order(shape) > 0).float()
    rotation = ((out["raw"][:, 3] - torch.sin(angle)) ** 2 + (out["raw"][:, 4] - torch.cos(angle)) ** 2) * seen
    return (F.cross_entropy(out["shape"], shape) + F.cross_entropy(out["colour"], factors["colour"])
            + F.mse_loss(out["raw"][:, :3], target) + rotation.sum() / seen.sum().clamp(min=1))


@torch.no_grad()
def measure(model: FactorNet, data: ShapesDataset, n: int = 5000, seed: int = HELDOUT_SEED) -> dict:
    """Accuracy and regression errors on ``n`` renders of ``data`` drawn from ``seed``: shape and
    colour accuracy, both right, mean absolute position error in pixels of the render, scale error
    as a share of the true scale, and rotation error in degrees (non-circles)."""
    was_training = model.training
    model.eval()
    try:
        batch = data.sample_with_factors(n, torch.Generator().manual_seed(seed))
        f, p = batch.factors, model.predict(batch.images)
    finally:
        model.train(was_training)
    shape_ok, colour_ok = p["shape"] == f["shape"], p["colour"] == f["colour"]
    size = data.image_size
    position = torch.sqrt((p["x"] - f["x"]) ** 2 + (p["y"] - f["y"]) ** 2) * size
    rotation = rotation_error_degrees(p["angle"], f["rotation"], f["shape"])
    return {"n": n, "seed": seed, "image_size": size,
            "shape_accuracy": shape_ok.float().mean().item(), "colour_accuracy": colour_ok.float().mean().item(),
            "joint_accuracy": (shape_ok & colour_ok).float().mean().item(),
            "position_error_px": position.mean().item(),
            "scale_error_relative": ((p["scale"] - f["scale"]).abs() / f["scale"]).mean().item(),
            "rotation_error_degrees": rotation[~rotation.isnan()].mean().item()}


def train_factor_net(steps: int = 1500, batch_size: int = 128, lr: float = 3e-3, seed: int = 0,
                     device: str | torch.device | None = None, heldout: int = 5000,
                     progress: Callable[[int, int, dict], None] | None = None,
                     **model_kwargs) -> tuple[FactorNet, dict]:
    """Train on fresh renders (seed ``seed``) over the full factor limits; measure on renders from
    :data:`HELDOUT_SEED`, both over the limits and over the dataset's default ranges.

    ``progress(step, steps, info)`` is called every 100 steps. Returns the model (eval mode, CPU)
    and a report of the settings, time and measurements."""
    if steps < 1 or batch_size < 1:
        raise ValueError("steps, batch_size: must be >= 1")
    if seed == HELDOUT_SEED:
        raise ValueError(f"seed: {HELDOUT_SEED} is the held-out renders' seed; train with another")
    device = torch.device(device or "cpu")
    torch.manual_seed(seed)
    model = FactorNet(**model_kwargs).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    data, rng = training_data(), torch.Generator(device).manual_seed(seed)
    start, losses = time.perf_counter(), []
    model.train()
    for step in range(1, steps + 1):
        batch = data.sample_with_factors(batch_size, rng)
        loss = factor_loss(model(batch.images), batch.factors)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if progress is not None and (step % 100 == 0 or step == steps):
            progress(step, steps, {"loss": sum(losses) / len(losses)})
            losses.clear()
    seconds = time.perf_counter() - start
    model = model.cpu().eval()
    defaults = DataConfig(name="shapes")
    report = {"limits": measure(model, training_data(), heldout),
              "defaults": measure(model, ShapesDataset.from_config(defaults, INPUT_SIZE), heldout),
              "defaults_64px": measure(model, ShapesDataset.from_config(defaults, 64), heldout),
              "steps": steps, "batch_size": batch_size, "lr": lr, "seed": seed,
              "train_images": steps * batch_size, "parameters": sum(p.numel() for p in model.parameters()),
              "seconds": round(seconds, 1), "device": str(device), "torch": torch.__version__}
    return model, report


# -- modes: which shape x colour combinations a generator draws ----------------------------------
def mode_columns(data: DataConfig) -> list[int]:
    """The columns of :meth:`FactorNet.joint_logits` that are the modes of the ``shapes`` data ``data``."""
    dataset = ShapesDataset.from_config(data)
    return [SHAPE_NAMES.index(s) * len(COLOUR_NAMES) + COLOUR_NAMES.index(c) for s, c in dataset.modes]


def mode_coverage(joint_logits: torch.Tensor, data: DataConfig, confidence: float = HIGH_CONFIDENCE) -> dict:
    """The 2D lab's mode metrics (``ganviz.collapse.coverage``) over the shape x colour modes of ``data``.

    Each sample goes to the data's mode the factor network finds most probable (the image analogue
    of the nearest mixture mean); it is high quality when that probability is at least
    ``confidence``. A sample of a combination the data does not have (a green star when green is
    left out) puts little probability on any mode, so it is never high quality. ``modes_names``
    lists the modes, in the order of the per-mode lists."""
    probs = joint_logits.float().softmax(1)[:, mode_columns(data)]
    best, index = probs.max(1)
    report = assignment_metrics(index.cpu().numpy(), (best >= confidence).cpu().numpy(), probs.shape[1])
    dataset = ShapesDataset.from_config(data)
    return {**report, "confidence": confidence, "modes_names": [f"{c} {s}" for s, c in dataset.modes]}


class ModeReader:
    """The factor network as a classifier of the modes of the ``shapes`` data ``data``: it names
    label i for ``ShapesDataset.modes[i]``, the numbering a conditional generator trained on ``data``
    takes its classes in, so it can check one the way the digit classifier checks digits
    (:func:`ganviz.metrics.class_accuracy.class_accuracy`)."""

    def __init__(self, data: DataConfig, net: FactorNet | None = None):
        self.net = net if net is not None else load_factor_net()
        self.columns = mode_columns(data)

    @torch.no_grad()
    def predict(self, images: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
        device = next(self.net.parameters()).device
        logits = [self.net.joint_logits(self.net.features(images[i:i + batch_size].to(device)))
                  for i in range(0, len(images), batch_size)]
        return torch.cat(logits)[:, self.columns].argmax(1).cpu()


@torch.no_grad()
def image_coverage(images: torch.Tensor, data: DataConfig, net: FactorNet | None = None) -> dict:
    """:func:`mode_coverage` of generated images (N, 3, S, S) in [-1, 1], read by ``net`` (default:
    the shipped network): what a page shows live for a run on ``shapes``."""
    net = net if net is not None else load_factor_net()
    device = next(net.parameters()).device
    return mode_coverage(net.joint_logits(net.features(images.to(device))), data)


# -- the checkpoint --------------------------------------------------------------------------------
def model_card(report: dict) -> str:
    """The README.md shipped beside the weights: how the network was trained and how well it does."""
    rows = "\n".join(
        f"| {label} | {m['shape_accuracy']:.4f} | {m['colour_accuracy']:.4f} | {m['joint_accuracy']:.4f} | "
        f"{m['position_error_px']:.2f} | {m['scale_error_relative']:.3f} | {m['rotation_error_degrees']:.1f} |"
        for label, m in (("full factor limits, 32 px", report["limits"]),
                         ("the dataset's default ranges, 32 px", report["defaults"]),
                         ("the dataset's default ranges, 64 px", report["defaults_64px"])))
    n, seed = report["limits"]["n"], report["limits"]["seed"]
    return f"""---
library_name: ganviz
license: mit
datasets: []
tags: [image-classification, shapes, ganviz]
---
# ganviz shape factor network

A small CNN (three 3x3 conv + batch-norm + max-pool blocks, a {report['feature_dim']}-unit penultimate layer) that
reads back the factors of a `shapes` image (`ganviz.data.shapes`): shape (circle, square, triangle,
star), colour (red, yellow, green, cyan, blue, magenta), centre, scale and rotation. Inputs are
(N, 3, 32, 32) in [-1, 1]; other sizes are resized inside (`FactorNet.prepare`).
{report['parameters']:,} parameters.

**Purpose.** The offline feature extractor of `ganviz.metrics` for the `shapes` dataset: its
penultimate features give the *Fréchet factor distance* (not Inception FID; not comparable with
published FIDs), and its shape and colour heads tell which shape x colour mode each generated image
belongs to, for exact mode coverage (`ganviz.metrics.factors.mode_coverage`).

**Rotation** is regressed as sin and cos of k x angle, k the shape's symmetry order (square 4,
triangle 3, star 5), because rotations 360/k apart draw the same picture; a circle's rotation cannot
be seen and is not scored. The error below is in degrees of the shape's own rotation (at most 180/k).

## Training
- Data: no files — {report['train_images']:,} renders drawn afresh from seed {report['seed']}
  (`ganviz.metrics.factors.training_data()`: every shape and colour over the full factor limits a
  config may ask for, `ganviz.config.SHAPE_FACTOR_LIMITS`), 32x32.
- AdamW (weight decay 1e-4), one-cycle learning rate peaking at {report['lr']}, batch
  {report['batch_size']}, {report['steps']:,} steps; cross-entropy on shape and colour, squared error on
  the rest; {report['seconds']} s on {report['device']} (torch {report['torch']}).
- Reproduce: `python -m ganviz factors train --steps {report['steps']} --seed {report['seed']}`.

## Measured on held-out renders
{n:,} renders from seed {seed} (never a training seed) for each row.

| renders | shape acc. | colour acc. | both | position error (px) | scale error (relative) | rotation error (deg) |
|---|---|---|---|---|---|---|
{rows}

Check it: `python -m ganviz factors accuracy`.

## Use
```python
from ganviz.metrics.factors import load_factor_net
net = load_factor_net()               # this folder, eval mode
out = net.predict(images)             # shape, colour, x, y, scale, angle (= k x rotation)
feats = net.features(images)          # (N, {report['feature_dim']})
```
"""


def save_factor_net(model: FactorNet, report: dict, folder: str | Path) -> Path:
    folder = Path(folder)
    model.save_pretrained(folder)
    (folder / "README.md").write_text(model_card({**report, "feature_dim": model.feature_dim}))
    return folder

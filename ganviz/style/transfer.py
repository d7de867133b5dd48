"""Neural style transfer (Gatys, Ecker & Bethge 2016) on VGG19 features.

The picture itself is the parameter: starting from the content photo (or noise), an optimiser
changes its pixels so that its deep VGG19 activations match the content photo's at one layer
(what is where) while the Gram matrices of its activations — which channels fire together,
wherever they are — match the style picture's at several layers (textures, strokes, palette):

    loss = content_weight · Σ MSE(F_l(x), F_l(content))
         + style_weight   · Σ MSE(G_l(x), G_l(style)),   G_l = F_l F_lᵀ / (C·H·W)
         + tv_weight      · total variation(x)

Pixels stay in [0, 1] (clamped before every evaluation, as in the PyTorch tutorial). The speed
comes from computing the targets once, running VGG only up to the deepest layer used,
channels-last bf16 convolutions on a GPU (Gram matrices and losses stay fp32), an L-BFGS that
never waits for the GPU (:mod:`ganviz.style.lbfgs`), so that on a GPU a whole evaluation plus
update is recorded once as a CUDA graph and replayed, and losses read back once per
``step(n)`` call. Measured speeds: docs/style_transfer.md.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ganviz.config import Config, spec
from ganviz.device import resolve_device
from ganviz.style.images import resize, to_tensor, to_uint8
from ganviz.style.lbfgs import LBFGS
from ganviz.style.vgg import VGGFeatures, load_vgg19, weights_source
from ganviz.training.history import History

# (content layers, style layers)
LAYER_SETS = {
    "gatys": (["conv4_2"], ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]),
    "tutorial": (["conv_4"], ["conv_1", "conv_2", "conv_3", "conv_4", "conv_5"]),
}
METRICS = ("loss", "content", "style", "tv")
DEFAULT_LR = {"lbfgs": 1.0, "adam": 0.02}
LBFGS_MEMORY = 2**30  # bytes for L-BFGS's stored pairs
TRACE_ROWS = 1024  # losses kept on the device between read-backs
GRAPH_WARMUP = 2  # eager iterations before a CUDA graph is captured


@dataclass
class StyleConfig(Config):
    steps: int = spec(300, min=1, max=20000, help="loss evaluations (L-BFGS) or updates (Adam)")
    size: int | None = spec(None, min=16, max=2048, optional=True,
                            help="longer side of the result in pixels (empty: 512 on a GPU, 128 on a CPU)")
    optimizer: str = spec("lbfgs", choices=list(DEFAULT_LR), help="L-BFGS (the paper's) or Adam")
    lr: float | None = spec(None, min=0, min_exclusive=True, max=10, optional=True,
                            help="step size (empty: 1 for L-BFGS, 0.02 for Adam)")
    content_weight: float = spec(1.0, min=0, max=1e12, help="weight of the content loss")
    style_weight: float = spec(1e6, min=0, max=1e12, help="weight of the style (Gram) loss")
    tv_weight: float = spec(0.0, min=0, max=1e12, help="weight of total variation: smooths pixel noise")
    layers: str = spec("gatys", choices=list(LAYER_SETS),
                       help="gatys: content conv4_2, style conv1_1..conv5_1; tutorial: content conv_4, "
                            "style conv_1..conv_5 (the PyTorch tutorial's choice)")
    init: str = spec("content", choices=["content", "noise"], help="start from the content picture or from noise")
    seed: int = spec(0, min=0, max=2**31 - 1, help="seed of the noise start")
    device: str = spec("auto", choices=["auto", "cpu", "cuda"])
    precision: str = spec("auto", choices=["auto", "fp32", "bf16"],
                          help="VGG convolutions in bf16 (auto: on GPUs that support it; losses stay fp32)")

    def default_size(self, device: torch.device) -> int:
        return self.size or (512 if device.type == "cuda" else 128)


def gram_matrix(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) activations -> (N, C, C) fp32 channel co-occurrences divided by C·H·W."""
    n, c, h, w = x.shape
    if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
        f = x.permute(0, 2, 3, 1).reshape(n, h * w, c).float().transpose(1, 2)  # NHWC memory read as is
    else:
        f = x.reshape(n, c, h * w).float()
    g = f[0].mm(f[0].T)[None] if n == 1 else f.bmm(f.transpose(1, 2))  # CPU bmm of one matrix is slow
    return g / (c * h * w)


def total_variation(x: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between neighbouring pixels."""
    return (x[..., 1:, :] - x[..., :-1, :]).pow(2).mean() + (x[..., :, 1:] - x[..., :, :-1]).pow(2).mean()


class StyleObjective(nn.Module):
    """The weighted content, style and TV terms for one content and one style picture.

    The targets (content activations, style Gram matrices) are computed once here. ``forward``
    returns the three weighted terms as a (3,) tensor; their sum is the loss.
    """

    def __init__(self, vgg: VGGFeatures, content: torch.Tensor, style: torch.Tensor,
                 content_layers: list[str], style_layers: list[str],
                 weights: tuple[float, float, float] = (1.0, 1e6, 0.0)):
        super().__init__()
        self.vgg, self.use_tv = vgg, weights[2] > 0
        self.content_layers, self.style_layers = list(content_layers), list(style_layers)
        self.register_buffer("weights", torch.tensor(weights, dtype=torch.float32, device=content.device))
        with torch.no_grad():
            content_features = vgg(content)
            style_features = content_features if style is content else vgg(style)
            self.content_targets = [content_features[n].float() for n in self.content_layers]
            self.style_targets = [gram_matrix(style_features[n]) for n in self.style_layers]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.vgg(x)
        content = sum(F.mse_loss(features[n].float(), t) for n, t in zip(self.content_layers, self.content_targets))
        style = sum(F.mse_loss(gram_matrix(features[n]), t) for n, t in zip(self.style_layers, self.style_targets))
        tv = total_variation(x) if self.use_tv else x.new_zeros(())
        return torch.stack([content, style, tv]) * self.weights


@dataclass
class Progress:
    step: int
    total: int
    losses: dict[str, float]
    elapsed: float
    image: np.ndarray  # (H, W, 3) uint8


def fit(image: Image.Image | torch.Tensor, size: int) -> torch.Tensor:
    """(1, 3, H, W) in [0, 1] with the longer side ``size``, from a picture or a (3, H, W) tensor."""
    if isinstance(image, Image.Image):
        return to_tensor(resize(image, size))[None]
    x = image.detach().float().reshape(1, 3, *image.shape[-2:])
    scale = size / max(x.shape[-2:])
    if scale != 1:
        target = [max(1, round(s * scale)) for s in x.shape[-2:]]
        x = F.interpolate(x, size=target, mode="bicubic", antialias=True, align_corners=False)
    return x.clamp(0, 1)


def _check_sides(what: str, x: torch.Tensor, min_side: int, size: int) -> None:
    """A picture so elongated that, scaled to ``size``, its short side vanishes in VGG19's pooling
    is refused with a message (PyTorch would fail deep inside the network instead)."""
    height, width = x.shape[-2:]
    if min(height, width) < min_side:
        raise ValueError(f"the {what} picture becomes {width}x{height} px at size {size}, and these layers need "
                         f"at least {min_side} px on each side; choose a larger size or a less elongated picture")


class StyleTransfer:
    """One optimisation: ``step(n)`` advances it by n loss evaluations.

    The same object serves the CLI (``run`` with a progress callback and a stop flag) and the
    app (a :class:`~ganviz.training.worker.TrainingWorker` drives ``step`` in a background
    thread and reads ``step_count``, ``history`` and ``preview()`` between chunks).
    ``features`` is a ``load_vgg19()`` network; by default the one ``$GANVIZ_VGG19_WEIGHTS``
    names (ImageNet weights otherwise).
    """

    def __init__(self, content: Image.Image | torch.Tensor, style: Image.Image | torch.Tensor,
                 config: StyleConfig | None = None, *, features: nn.Sequential | None = None,
                 device: str | torch.device | None = None):
        self.config = config = config or StyleConfig()
        self.device = torch.device(device) if device is not None else resolve_device(config.device)
        self.size = config.default_size(self.device)
        content_px = fit(content, self.size).to(self.device)
        style_px = fit(style, self.size).to(self.device)
        content_layers, style_layers = LAYER_SETS[config.layers]
        vgg = VGGFeatures(features if features is not None else load_vgg19(weights_source()),
                          content_layers + style_layers).to(self.device)
        for what, x in (("content", content_px), ("style", style_px)):
            _check_sides(what, x, vgg.min_side, self.size)
        cuda = self.device.type == "cuda"
        bf16 = config.precision == "bf16" or (config.precision == "auto" and cuda and torch.cuda.is_bf16_supported())
        vgg.compute_in(torch.bfloat16 if bf16 else torch.float32, channels_last=cuda)
        self.objective = StyleObjective(vgg, content_px, style_px, content_layers, style_layers,
                                        (config.content_weight, config.style_weight, config.tv_weight))
        self.content = content_px
        if config.init == "noise":
            generator = torch.Generator(self.device).manual_seed(config.seed)
            start = torch.rand(content_px.shape, generator=generator, device=self.device)
        else:
            start = content_px.clone()
        self.image = start.requires_grad_(True)
        self.optimizer = self._make_optimizer()
        # one evaluation as one CUDA graph launch instead of ~300 kernel launches from Python:
        # L-BFGS on a GPU, from the first step on whose kernels are always the same
        self.use_graph = cuda and config.optimizer == "lbfgs"
        self.graph_error: str | None = None
        self._graph = None
        self._trace = torch.zeros(TRACE_ROWS, len(METRICS), device=self.device)  # losses per evaluation
        self._trace_pos = torch.zeros((), dtype=torch.long, device=self.device)  # written on the device
        self._trace_rows = 0  # ring position of the first row not yet read back (host-side)
        self.history = History(capacity=2000)
        self.step_count = 0
        self.elapsed = 0.0
        self._last_good = self.image.detach().clone()

    @property
    def graphed(self) -> bool:
        """True once evaluations run as CUDA graph replays."""
        return self._graph is not None

    def _make_optimizer(self):
        lr = self.config.lr or DEFAULT_LR[self.config.optimizer]
        if self.config.optimizer == "lbfgs":  # torch's 100 pairs, fewer when they would pass ~1 GB
            history = max(10, min(100, self.config.steps, LBFGS_MEMORY // (8 * self.image.numel())))
            return LBFGS(self.image, lr=lr, history_size=history)
        return torch.optim.Adam([self.image], lr=lr)

    def _evaluate(self) -> torch.Tensor:
        with torch.no_grad():
            self.image.clamp_(0, 1)
        self.image.grad = None
        terms = self.objective(self.image)
        loss = terms.sum()
        loss.backward()
        with torch.no_grad():
            self._trace.index_copy_(0, self._trace_pos.view(1), torch.cat([loss.view(1), terms]).view(1, -1))
            self._trace_pos.add_(1).remainder_(TRACE_ROWS)
        return loss

    def _iterate(self) -> None:
        """One evaluation and one update, eagerly."""
        if isinstance(self.optimizer, LBFGS):
            self.optimizer.step(self._evaluate)
        else:
            self._evaluate()
            self.optimizer.step()

    def _capture(self) -> int:
        """Warm up on a side stream (real iterations: cuDNN/cuBLAS set themselves up), then
        record one iteration as a CUDA graph. Returns the iterations run. On failure, the eager
        path carries on and ``graph_error`` says why."""
        stream = torch.cuda.Stream(self.device)
        stream.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(stream):
            for _ in range(GRAPH_WARMUP):
                self._iterate()
        torch.cuda.current_stream(self.device).wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.graph(graph, capture_error_mode="thread_local"):  # other sessions' threads may run
                self._iterate()
            self._graph = graph
        except Exception as err:  # e.g. an op that cannot be captured on this torch/driver
            self.use_graph, self.graph_error = False, f"{type(err).__name__}: {err}"
            torch.cuda.synchronize(self.device)
        return GRAPH_WARMUP

    def step(self, n: int = 1, stop: Callable[[], bool] | None = None) -> dict[str, float]:
        """Run up to ``n`` evaluations (fewer if ``stop()`` turns true); returns the last losses.

        The losses stay on the device until the end of the call: one host sync per call."""
        start = time.perf_counter()
        done = 0
        while done < n and not (stop is not None and stop()):
            if self._graph is not None:
                self._graph.replay()
                done += 1
            elif self.use_graph and self.optimizer.started and n - done > GRAPH_WARMUP:
                done += self._capture()
            else:
                self._iterate()
                done += 1
            if done > TRACE_ROWS - 1 - GRAPH_WARMUP:  # read back before the ring buffer wraps
                self._read_back(done)
                n, done = n - done, 0
        if done:
            self._read_back(done)
        self.elapsed += time.perf_counter() - start
        return self.history.last()

    def _read_back(self, count: int) -> None:
        rows = (np.arange(count) + self._trace_rows) % TRACE_ROWS
        values = self._trace.cpu().numpy()[rows]  # the host sync
        self._trace_rows = (self._trace_rows + count) % TRACE_ROWS
        steps = np.arange(self.step_count + 1, self.step_count + count + 1)
        if not np.isfinite(values).all():
            with torch.no_grad():
                self.image.copy_(self._last_good)
            self.optimizer, self._graph = self._make_optimizer(), None  # its memory holds the bad steps
            raise FloatingPointError(f"the loss stopped being finite within evaluations {steps[0]}-{steps[-1]}; "
                                     "the picture is back at its last good state — lower the weights or the step size")
        self.history.extend(steps, dict(zip(METRICS, values.T)))
        self.step_count += count
        with torch.no_grad():
            self._last_good.copy_(self.image)

    def result(self) -> torch.Tensor:
        """The current picture, (3, H, W) in [0, 1] on the CPU."""
        with torch.no_grad():
            return self.image.detach().clamp(0, 1)[0].cpu()

    def preview(self) -> np.ndarray:
        """The current picture as (H, W, 3) uint8."""
        return to_uint8(self.result())

    def run(self, steps: int | None = None, *, callback: Callable[[Progress], None] | None = None,
            every: int = 20, stop: threading.Event | Callable[[], bool] | None = None) -> torch.Tensor:
        """Optimise until ``steps`` evaluations in all (the config's by default) or ``stop``;
        ``callback`` gets a :class:`Progress` with the picture every ``every`` evaluations."""
        total = steps or self.config.steps
        should_stop = stop.is_set if isinstance(stop, threading.Event) else stop
        while self.step_count < total and not (should_stop and should_stop()):
            losses = self.step(min(every, total - self.step_count), stop=should_stop)
            if callback is not None:
                callback(Progress(self.step_count, total, losses, self.elapsed, self.preview()))
        return self.result()

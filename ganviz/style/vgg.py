"""VGG19 features for style transfer: ImageNet weights found without hanging, or random ones.

The network is torchvision's ``vgg19().features`` (same layers, same state-dict keys, same
weight file), built without importing torchvision.

Where the weights come from (``source``):

* ``"imagenet"`` — torchvision's VGG19 ImageNet weights: the file in the torch hub cache
  (``~/.cache/torch/hub/checkpoints/vgg19-dcbb9e9d.pth``) when it is there, else downloaded
  (548 MB) when ``download`` is allowed. Offline and not cached, :class:`WeightsMissingError`
  says which file is missing and the ways to provide it.
* a path — a local copy of that file (a torchvision state dict, whole-model or ``features``
  only, as ``.pth`` or ``.safetensors``); loaded with ``weights_only=True``.
* ``"random"`` — an untrained network with torchvision's initialisation. The code path is the
  same as with real weights, so tests and demos run anywhere; the pictures are not art.

The environment variable ``GANVIZ_VGG19_WEIGHTS`` picks the source wherever the caller does
not (the app page and the CLI read it), e.g. ``GANVIZ_VGG19_WEIGHTS=/data/vgg19-dcbb9e9d.pth``
or ``GANVIZ_VGG19_WEIGHTS=random`` for the page tests.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Iterable

import torch
from torch import nn

from ganviz.hub import CheckpointError, read_state_dict

WEIGHTS_ENV = "GANVIZ_VGG19_WEIGHTS"
WEIGHTS_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# torchvision's VGG19 layout (``cfgs["E"]``): channels per conv, "M" = 2x2 max pool
VGG19_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]


def _layer_names() -> list[str]:
    """Names of ``vgg19().features`` by index: conv1_1, relu1_1, conv1_2, ..., pool5."""
    names, block, conv = [], 1, 0
    for item in VGG19_CFG:
        if item == "M":
            names.append(f"pool{block}")
            block, conv = block + 1, 0
        else:
            conv += 1
            names += [f"conv{block}_{conv}", f"relu{block}_{conv}"]
    return names


LAYER_NAMES = _layer_names()
CONV_NAMES = [n for n in LAYER_NAMES if n.startswith("conv")]


def layer_index(name: str) -> int:
    """Index in ``vgg19().features`` of ``conv4_2``/``relu3_1``/``pool2``, or of the PyTorch
    tutorial's ``conv_N`` (the N-th convolution: ``conv_4`` is ``conv2_2``)."""
    if name.startswith("conv_") and name[5:].isdigit() and 1 <= int(name[5:]) <= len(CONV_NAMES):
        name = CONV_NAMES[int(name[5:]) - 1]
    if name not in LAYER_NAMES:
        raise ValueError(f"layer: unknown VGG19 layer {name!r}; use names like conv4_2, relu1_1, pool3 "
                         f"or the tutorial's conv_1..conv_{len(CONV_NAMES)}")
    return LAYER_NAMES.index(name)


class WeightsMissingError(FileNotFoundError):
    """The VGG19 weights are not on this machine and could not be fetched; the text says how to fix it."""


def cache_path() -> Path:
    """Where torchvision keeps (and looks for) the downloaded VGG19 weights."""
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_URL.rsplit("/", 1)[1]


def how_to_provide() -> str:
    return (f"Provide them in one of these ways:\n"
            f"1. on a machine with internet, run `python -c \"import torchvision; "
            f"torchvision.models.vgg19(weights='IMAGENET1K_V1')\"` (or download {WEIGHTS_URL}) and copy "
            f"the file to {cache_path()};\n"
            f"2. or keep the file anywhere and point ganviz at it: `--weights PATH` on the command line, "
            f"or the environment variable {WEIGHTS_ENV}=PATH for the app;\n"
            f"3. or, to try the code without the real network, use random weights: `--weights random` / "
            f"{WEIGHTS_ENV}=random (the results will not look like paintings).")


def weights_source(explicit: str | None = None) -> str:
    """The caller's choice, else ``$GANVIZ_VGG19_WEIGHTS``, else ``"imagenet"``."""
    return explicit or os.environ.get(WEIGHTS_ENV) or "imagenet"


def is_available(source: str = "imagenet") -> bool:
    """True when ``load_vgg19(source, download=False)`` would find its weights (no download)."""
    if source == "random":
        return True
    return (cache_path() if source == "imagenet" else Path(source).expanduser()).is_file()


def _vgg19_layers() -> nn.Sequential:
    """The layers of ``torchvision.models.vgg19().features``, index for index (so its state dict
    fits), built here because importing torchvision costs seconds."""
    layers, channels = [], 3
    for item in VGG19_CFG:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, item, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            channels = item
    return nn.Sequential(*layers)


def load_vgg19(source: str = "imagenet", *, download: bool = True, progress: bool = False,
               seed: int = 0) -> nn.Sequential:
    """``torchvision.models.vgg19().features`` with the weights ``source`` names, in eval mode
    with gradients off. Raises :class:`WeightsMissingError` when they cannot be had."""
    with torch.device("meta"):  # shapes only: the values come next, without a throw-away init
        features = _vgg19_layers()
    if source == "random":
        features.to_empty(device="cpu")
        generator = torch.Generator().manual_seed(seed)
        for module in features.modules():  # torchvision's VGG initialisation, made reproducible
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu", generator=generator)
                nn.init.zeros_(module.bias)
    else:
        try:
            features.load_state_dict(_features_state(source, download, progress), assign=True)
        except RuntimeError as err:  # right names, wrong shapes
            raise ValueError(f"VGG19 weights: {source} is not a VGG19 state dict ({str(err).splitlines()[-1].strip()})") from None
    return features.eval().requires_grad_(False)


def _features_state(source: str, download: bool, progress: bool) -> dict[str, torch.Tensor]:
    if source == "imagenet":
        path = cache_path()
        if not path.is_file():
            if not download:
                raise WeightsMissingError(f"VGG19 ImageNet weights are missing: no file at {path} and "
                                          f"downloading is turned off.\n{how_to_provide()}")
            _download(path, progress)
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise WeightsMissingError(f"VGG19 weights are missing: no file at {path}.\n{how_to_provide()}")
    try:
        state = read_state_dict(path, mmap=True)
    except CheckpointError as err:  # a truncated download or an unrelated file: say which file and why
        raise ValueError(f"VGG19 weights: cannot read {path} ({err}); "
                         f"delete it and provide the file again.\n{how_to_provide()}") from None
    if any(k.startswith("features.") for k in state):  # a whole-model checkpoint: keep the conv part
        state = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
    expected = {f"{i}.{p}" for i, n in enumerate(LAYER_NAMES) if n.startswith("conv") for p in ("weight", "bias")}
    if set(state) != expected:
        missing = sorted(expected - set(state), key=lambda k: int(k.split(".")[0]))
        raise ValueError(f"VGG19 weights: {path} is not a VGG19 (no batch norm) state dict"
                         + (f"; missing e.g. {missing[0]!r}" if missing else ""))
    return {k: v.float() for k, v in state.items()}


def _download(path: Path, progress: bool) -> None:
    """The download torchvision does (same URL, same file, SHA-256 prefix checked)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.hub.download_url_to_file(WEIGHTS_URL, str(path), hash_prefix="dcbb9e9d", progress=progress)
    except Exception as err:  # offline: DNS/connection errors arrive within about a second
        raise WeightsMissingError(f"VGG19 ImageNet weights are missing: no file at {path}, and the download "
                                  f"from {WEIGHTS_URL} failed ({type(err).__name__}: {err}).\n"
                                  f"{how_to_provide()}") from None


class VGGFeatures(nn.Module):
    """ImageNet normalisation, then VGG19 up to the deepest requested layer, nothing more.

    ``forward(x)`` takes images in [0, 1] and returns ``{name: activation}`` for every requested
    name. ReLUs are out-of-place so a captured conv output keeps its value. The layers are a
    copy: moving this module to a device or memory format leaves ``features`` untouched.
    """

    def __init__(self, features: nn.Sequential, layers: Iterable[str]):
        super().__init__()
        self.names = list(dict.fromkeys(layers))
        if not self.names:
            raise ValueError("layers: name at least one VGG19 layer")
        self.capture: dict[int, list[str]] = {}
        for name in self.names:
            self.capture.setdefault(layer_index(name), []).append(name)
        body = [nn.ReLU() if isinstance(m, nn.ReLU) else m for m in features[: max(self.capture) + 1]]
        self.body = copy.deepcopy(nn.Sequential(*body)).eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.dtype, self.memory_format = torch.float32, torch.contiguous_format

    @property
    def min_side(self) -> int:
        """The shortest image side that still has a pixel after every max pool up to the deepest layer."""
        return 2 ** sum(isinstance(m, nn.MaxPool2d) for m in self.body)

    def compute_in(self, dtype: torch.dtype = torch.float32, channels_last: bool = False) -> VGGFeatures:
        """Run the convolutions in ``dtype`` (bf16 on tensor-core GPUs) and NHWC layout; the
        input stays fp32 and its gradient comes back fp32."""
        self.dtype = dtype
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.body.to(dtype=dtype, memory_format=self.memory_format)
        return self

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = ((x - self.mean) / self.std).to(dtype=self.dtype, memory_format=self.memory_format)
        out = {}
        for i, layer in enumerate(self.body):
            x = layer(x)
            for name in self.capture.get(i, ()):
                out[name] = x
        return out

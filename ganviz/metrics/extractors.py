"""Feature extractors: the networks whose activations the metrics compare.

A Fréchet distance, an Inception Score or a KID is only defined together with the network that
embeds the images, so every extractor carries the names its numbers must be reported under.
Each maps a batch of images in [-1, 1], shape (N, 1 or 3, H, W), to ``(features, logits)`` in
one pass: the features feed FID/KID/precision/recall, the logits the Inception Score.

- ``digit-classifier``: the shipped digit CNN (``ganviz.metrics.classifier``); works offline. Its
  distance is a *Fréchet classifier distance*, not FID.
- ``shape-factors``: the shipped shape factor network (``ganviz.metrics.factors``), made for the
  ``shapes`` dataset; works offline. Its distance is a *Fréchet factor distance*, not FID, and its
  logits are the 24 shape x colour combinations, which also give exact mode coverage.
- ``inception-v3``: Inception-v3 as FID defines it — torch-fidelity's port of the TensorFlow
  graph (pool3 features, 2048-d; the 1008 "unbiased" logits) — the same network torchmetrics
  uses by default. Needs the ``torch-fidelity`` package and its ~95 MB of weights (cached under
  ``torch.hub.get_dir()``, downloaded once when online); fails fast otherwise.
- :class:`RandomInception`: torchvision's Inception-v3 *architecture* with random weights.
  Its numbers mean nothing; it exists so throughput can be measured where no weights can be had.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import socket
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ganviz.hub import read_state_dict

FID_WEIGHTS_URL = ("https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
                   "weights-inception-2015-12-05-6726825d.pth")
DOWNLOAD_TIMEOUT_S = 15


class ExtractorUnavailable(FileNotFoundError):
    """The package or weights an extractor needs are not here (and cannot be fetched)."""


class FeatureExtractor(nn.Module):
    """Base: ``forward(images) -> (features (N, num_features), logits (N, num_classes))``."""

    key: str                # registry and cache key
    title: str              # what the network is, for people
    names: dict[str, str]   # metric key -> the name a number made with this network goes by
    num_features: int
    num_classes: int
    input_size: int         # the size images are resized to inside

    def fingerprint(self) -> str:
        """A short hash of the weights: cached reference statistics are only valid for these weights."""
        digest = hashlib.sha1()
        for name, tensor in self.state_dict().items():
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
        return digest.hexdigest()[:12]

    def describe(self) -> dict:
        return {"key": self.key, "title": self.title, "num_features": self.num_features,
                "input_size": self.input_size}


def _names(fd: str, score: str, via: str) -> dict[str, str]:
    return {"fd": fd, "is": score, "kid": f"KID, kernel distance ({via} features)",
            "precision": f"precision ({via} features)", "recall": f"recall ({via} features)"}


class DigitClassifierFeatures(FeatureExtractor):
    key = "digit-classifier"
    title = "digit classifier (shipped LeNet-style CNN, 128-d penultimate features)"
    names = _names("Fréchet classifier distance (digit classifier features)",
                   "classifier IS (digit classifier logits)", "digit classifier")
    input_size = 28

    def __init__(self, classifier: nn.Module | None = None):
        super().__init__()
        from ganviz.metrics.classifier import load_digit_classifier

        self.classifier = (classifier if classifier is not None else load_digit_classifier()).eval()
        self.num_features = self.classifier.feature_dim
        self.num_classes = self.classifier.num_classes

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.classifier.features(images)
        return features, self.classifier.head(features)


class ShapeFactorFeatures(FeatureExtractor):
    key = "shape-factors"
    title = "shape factor network (shipped CNN for the shapes dataset, 128-d penultimate features)"
    names = _names("Fréchet factor distance (shape factor network features)",
                   "factor IS (shape x colour of the shape factor network)", "shape factor network")
    input_size = 32

    def __init__(self, net: nn.Module | None = None):
        super().__init__()
        from ganviz.metrics.factors import load_factor_net

        self.net = (net if net is not None else load_factor_net()).eval()
        self.num_features, self.num_classes = self.net.feature_dim, self.net.num_classes

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.net.features(images)
        return features, self.net.joint_logits(features)

    def coverage(self, logits: torch.Tensor, data) -> dict | None:
        """Exact mode coverage of generated images from their logits, against ``shapes`` data only."""
        from ganviz.metrics.factors import mode_coverage

        return mode_coverage(logits, data) if data.name == "shapes" else None


def _to_rgb(images: torch.Tensor) -> torch.Tensor:
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images: expected (N, 1 or 3, H, W), got shape {tuple(images.shape)}")
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


class InceptionFeatures(FeatureExtractor):
    key = "inception-v3"
    title = "Inception-v3, FID weights (torch-fidelity's port of the TensorFlow graph)"
    names = _names("FID (Inception-v3 pool3 features)", "Inception Score (Inception-v3 logits)", "Inception-v3")
    num_features, num_classes, input_size = 2048, 1008, 299

    def __init__(self):
        super().__init__()
        self.net = _fid_inception()

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # torch-fidelity takes uint8 RGB and resizes to 299 itself, exactly as the reference FID code
        uint8 = ((_to_rgb(images).clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        features, logits = self.net(uint8)
        return features, logits


class RandomInception(FeatureExtractor):
    """torchvision's Inception-v3 with random weights: the FID network's cost, none of its meaning."""
    key = "inception-v3-random"
    title = "Inception-v3 architecture with random weights (speed measurements only)"
    names = _names("Fréchet distance (random-weight Inception-v3: meaningless)",
                   "IS (random-weight Inception-v3: meaningless)", "random-weight Inception-v3")
    num_features, num_classes, input_size = 2048, 1000, 299

    def __init__(self, seed: int = 0):
        super().__init__()
        from torchvision.models import inception_v3

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.net = inception_v3(weights=None, aux_logits=False, init_weights=False).eval()
        self.fc, self.net.fc = self.net.fc, nn.Identity()

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.interpolate(_to_rgb(images).float(), size=(299, 299), mode="bilinear", antialias=True,
                          align_corners=False)
        features = self.net(x)
        return features, self.fc(features)


EXTRACTORS: dict[str, type[FeatureExtractor]] = {
    "digit-classifier": DigitClassifierFeatures,
    "shape-factors": ShapeFactorFeatures,
    "inception-v3": InceptionFeatures,
}
# the offline extractor made for a dataset; any other dataset gets the first
MADE_FOR = {"shapes": "shape-factors"}


def default_extractor(dataset: str) -> str:
    """The key of the shipped extractor made for ``dataset`` (the digit classifier for any other)."""
    return MADE_FOR.get(dataset, next(iter(EXTRACTORS)))


def build_extractor(key: str, device: str | torch.device | None = None) -> FeatureExtractor:
    if key not in EXTRACTORS:
        raise ValueError(f"extractor: unknown {key!r}; choose from {', '.join(EXTRACTORS)}")
    return EXTRACTORS[key]().to(device or "cpu").eval().requires_grad_(False)


# -- the FID Inception: torch-fidelity's network, its weights fetched once and loaded safely ------
def fid_weights_path() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / FID_WEIGHTS_URL.rsplit("/", 1)[1]


def _offline() -> bool:
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("HF_HUB_OFFLINE", "GANVIZ_OFFLINE"))


@contextlib.contextmanager
def _socket_timeout(seconds: float):
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(old)


def _fid_inception() -> nn.Module:
    hint = "Offline, use the 'digit-classifier' extractor (a Fréchet classifier distance) instead."
    if importlib.util.find_spec("torch_fidelity") is None:  # checked before the (slow) import
        raise ExtractorUnavailable("Inception-v3 FID needs the torch-fidelity package (`pip install torch-fidelity`) "
                                   f"and its weights (~95 MB, downloaded once). {hint}")
    weights = fid_weights_path()
    if not weights.is_file():
        if _offline():
            raise ExtractorUnavailable(f"Inception-v3 FID weights are not in {weights.parent} and downloads are off "
                                       f"(HF_HUB_OFFLINE/GANVIZ_OFFLINE). Put {FID_WEIGHTS_URL} there. {hint}")
        weights.parent.mkdir(parents=True, exist_ok=True)
        try:
            with _socket_timeout(DOWNLOAD_TIMEOUT_S):
                torch.hub.download_url_to_file(FID_WEIGHTS_URL, str(weights), hash_prefix="6726825d", progress=False)
        except Exception as err:  # URLError, timeout, hash mismatch: all mean "no weights"
            raise ExtractorUnavailable(f"could not download the Inception-v3 FID weights ({err}). {hint}") from None
    from torch_fidelity import feature_extractor_inceptionv3 as tfi

    # torch-fidelity unpickles with weights_only=False; the file is a plain state dict, so load it safely
    state = read_state_dict(weights)
    original = tfi.load_state_dict_from_url
    tfi.load_state_dict_from_url = lambda *args, **kwargs: state
    try:
        return tfi.FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"])
    finally:
        tfi.load_state_dict_from_url = original

"""One way in for every generator: shipped checkpoints, local folders and Hugging Face Hub repos.

``load_generator(source, revision=None)`` takes

- a shipped name (a folder under ``checkpoints/``, e.g. ``"digits-dcgan"``),
- a local folder holding ``config.json`` + ``model.safetensors`` (or ``pytorch_model.bin``),
- a Hub repo id (``"huggan/dcgan-mnist"``) with an optional branch, tag or commit,

and recognises two checkpoint families by their ``config.json``: ganviz runs (``"train"`` and
``"shape"`` keys, written by :meth:`ganviz.training.Trainer.save`) and huggan community DCGANs
(no config, or ``num_channels`` / ``latent_dim`` / ``hidden_size``). Either way the answer is a
:class:`LoadedGenerator` with one calling convention, so pages and commands never care which.

Weights are read from safetensors, or from ``pytorch_model.bin`` with
``torch.load(..., weights_only=True)`` only: a pickle that would construct anything but tensors
is refused. Offline, a Hub request fails in milliseconds with a message that names the shipped
checkpoints, instead of huggingface_hub's ~20 s of connection retries.
"""
from __future__ import annotations

import math
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

import torch
from torch import nn

import ganviz
from ganviz.config import parse_json, shown

CHECKPOINTS = Path(ganviz.__file__).resolve().parents[1] / "checkpoints"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+)")  # the weights-only unpickler's refusal
_REVISION = re.compile(r"^[\w.+/-]{1,255}$")  # git branch and tag names, commit hashes
MAX_REPO_ID = 96  # the Hub's own limit
MAX_OUTPUT_VALUES = 3 * 64 * 64  # the largest sample a generator this app draws produces
MAX_CLASSES = 1000
# huggan DCGAN sizes a config.json may ask for (the community's use 3, 100, 64): at these bounds
# the generator holds ~80 M parameters; an unbounded one could claim all of the server's memory
HUGGAN_LIMITS = {"num_channels": 4, "latent_dim": 1024, "hidden_size": 256}


class CheckpointError(ValueError):
    """A checkpoint that cannot be found, read or matched to a known generator layout."""


class HubUnavailableError(CheckpointError):
    """The Hub cannot be reached (offline) and the repo is not in the local Hub cache."""


@dataclass(frozen=True)
class ZooEntry:
    source: str
    title: str
    description: str
    needs_internet: bool


MODEL_ZOO: list[ZooEntry] = [
    ZooEntry("digits-dcgan", "Digits DCGAN (shipped)",
             "Unconditional DCGAN trained 5,000 steps on scikit-learn's digits, 28x28, z in R^64.", False),
    ZooEntry("digits-dcgan-cond", "Digits DCGAN, class-conditional (shipped)",
             "Conditional DCGAN (one-hot class appended to z, projection discriminator); pick the digit.", False),
    ZooEntry("digits-dcgan-early", "Digits DCGAN after 200 steps (shipped)",
             "The same recipe stopped after 200 steps: blurry strokes, for comparing with the trained one.", False),
    ZooEntry("shapes-dcgan", "Shapes DCGAN (shipped)",
             "Unconditional DCGAN (PacGAN discriminator) trained 5,000 steps on the CPU on rendered shapes, 32x32, "
             "z in R^64: every colour, mostly round or square blobs.", False),
    ZooEntry("shapes-dcgan-cond", "Shapes DCGAN, class-conditional (shipped)",
             "Conditional on shape x colour (one-hot appended to z, projection discriminator); pick the class: "
             "0-5 circles, 6-11 squares, 12-17 triangles, 18-23 stars, each red, yellow, green, cyan, blue, magenta.",
             False),
    ZooEntry("shapes-dcgan-collapsed", "Shapes DCGAN, collapsed (shipped)",
             "A spectral-norm DCGAN stopped at 400 steps: the same checkered lime square for every z (the factor "
             "network reads a yellow square), mode collapse to look at.", False),
    ZooEntry("huggan/dcgan-mnist", "huggan DCGAN on MNIST (Hub)",
             "The HugGAN sprint's DCGAN generator, 64x64, z in R^100 (downloads ~14 MB).", True),
    ZooEntry("huggan/dcgan-celeba-faces", "huggan DCGAN on CelebA faces (Hub)",
             "A huggan DCGAN on 64x64 CelebA faces; an older repo that ships pytorch_model.bin.", True),
]


@dataclass(eq=False)
class LoadedGenerator:
    """A generator in eval mode, whatever checkpoint it came from.

    ``generate(z, y)`` takes z as (N, latent_dim) (or already shaped (N, *latent_shape)) and, for
    conditional models, class labels y (N,) or one int; it returns (N, C, H, W) in [-1, 1] on CPU.
    """
    module: nn.Module
    kind: str  # "ganviz" or "huggan"
    latent_dim: int
    num_classes: int
    out_shape: tuple[int, ...]
    source: str
    description: str
    revision: str | None = None
    config: dict = field(default_factory=dict)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.latent_dim, 1, 1) if self.kind == "huggan" else (self.latent_dim,)

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    @property
    def is_image(self) -> bool:
        return len(self.out_shape) == 3

    @property
    def image_size(self) -> int | None:
        return self.out_shape[-1] if self.is_image else None

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def labels(self, y, n: int) -> torch.Tensor | None:
        """Class labels as a (n,) long tensor (one int is repeated), checked against the model."""
        if not self.conditional:
            if y is not None:
                raise ValueError(f"{self.source}: an unconditional generator takes no class label")
            return None
        if y is None:
            raise ValueError(f"{self.source}: a conditional generator needs class labels y "
                             f"in 0..{self.num_classes - 1}")
        y = torch.as_tensor(y, dtype=torch.long).flatten()
        y = y.expand(n) if y.numel() == 1 else y
        if len(y) != n:
            raise ValueError(f"y: expected {n} labels, got {len(y)}")
        if y.min() < 0 or y.max() >= self.num_classes:
            raise ValueError(f"y: class labels must be in 0..{self.num_classes - 1}")
        return y

    @torch.no_grad()
    def generate(self, z: torch.Tensor, y=None, batch_size: int = 512) -> torch.Tensor:
        z = torch.as_tensor(z, dtype=torch.float32)
        z = z.unsqueeze(0) if z.ndim == 1 else z
        if z[0].numel() != self.latent_dim:
            raise ValueError(f"z: expected {self.latent_dim} values per sample, got shape {tuple(z.shape)}")
        z = z.reshape(len(z), *self.latent_shape)
        y = self.labels(y, len(z))
        device, out = self.device, []
        for i in range(0, len(z), batch_size):
            args = (z[i:i + batch_size].to(device),) + (() if y is None else (y[i:i + batch_size].to(device),))
            out.append(self.module(*args).float().cpu())
        return torch.cat(out)


# -- finding the files --------------------------------------------------------------------------
def hub_reachable(timeout: float = 1.5) -> bool:
    """False when HF_HUB_OFFLINE is set or the Hub's host does not answer within ``timeout``.
    Behind a proxy a direct probe proves nothing, so the Hub client is left to try."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    url = urlparse(constants.ENDPOINT)
    try:
        socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)), timeout).close()
        return True
    except OSError:
        return False


def _local_files(folder: Path) -> tuple[Path | None, Path]:
    config = folder / "config.json"
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return (config if config.is_file() else None), folder / name
    raise CheckpointError(f"{folder}: no {' or '.join(WEIGHT_FILES)} in this folder")


def _hub_files(repo_id: str, revision: str | None, cache_dir: str | None) -> tuple[Path | None, Path]:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (GatedRepoError, HfHubHTTPError, HFValidationError, LocalEntryNotFoundError,
                                        RemoteEntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError)

    offline = not hub_reachable()
    at = f"{repo_id}@{revision}" if revision else repo_id

    def fetch(filename: str) -> Path | None:
        try:
            return Path(hf_hub_download(repo_id, filename, revision=revision, cache_dir=cache_dir,
                                        local_files_only=offline))
        except RemoteEntryNotFoundError:
            return None  # the repo has no such file
        except LocalEntryNotFoundError:
            if offline:
                return None  # not in the cache
            raise HubUnavailableError(f"{at}: the Hub did not answer and {filename} is not in the local "
                                      "Hub cache") from None
        except GatedRepoError:
            raise CheckpointError(f"{at}: the repo is gated; accept its terms on huggingface.co and log in "
                                  "with `hf auth login`") from None
        except RepositoryNotFoundError:
            raise CheckpointError(f"{at}: no such model repo on the Hub (or it is private)") from None
        except RevisionNotFoundError:
            raise CheckpointError(f"{at}: the repo has no revision {revision!r}") from None
        except HFValidationError as err:
            raise CheckpointError(f"{at}: not a valid Hub request ({err})") from None
        except (HfHubHTTPError, OSError) as err:
            raise HubUnavailableError(f"{at}: the Hub request failed ({err})") from None

    weights = next((p for p in map(fetch, WEIGHT_FILES) if p is not None), None)
    if weights is None:
        if offline:
            raise HubUnavailableError(
                f"{at}: the Hugging Face Hub cannot be reached (offline, or HF_HUB_OFFLINE=1) and this repo is "
                f"not in the local Hub cache. Shipped checkpoints work offline: {', '.join(_shipped_generators())}.")
        raise CheckpointError(f"{at}: the repo has neither {WEIGHT_FILES[0]} nor {WEIGHT_FILES[1]}")
    return fetch("config.json"), weights


def _shipped_generators() -> list[str]:
    return [e.source for e in MODEL_ZOO if not e.needs_internet]


def _cut(text: str, limit: int = 100) -> str:
    """``text`` short enough to quote in a message, however long a visitor made it."""
    return text if len(text) <= limit else text[:limit] + "…"


def local_folder(text: str) -> Path | None:
    """The folder ``text`` names, as given or under ``checkpoints/``, if there is one. A name the OS
    or pathlib refuses (too long, a NUL byte, ``~unknown-user``) is simply no folder, so that it
    reaches the repo-id check instead of raising OSError, ValueError or RuntimeError."""
    for folder in (Path(text), CHECKPOINTS / text):
        try:
            folder = folder.expanduser()
            if folder.is_dir():
                return folder
        except (OSError, ValueError, RuntimeError):
            continue
    return None


def _repo_id_problem(text: str) -> str | None:
    """Why ``text`` is not a Hub repo id, or None when it is one. Checked before any Hub call, so
    huggingface_hub's HFValidationError (``a/..``) and a cache path too long for the OS never escape."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    if len(text) > MAX_REPO_ID:
        return f"a Hub repo id has at most {MAX_REPO_ID} characters, this has {len(text):,}"
    if not _REPO_ID.match(text):
        return "a Hub repo id has the form owner/name"
    try:
        validate_repo_id(text)
    except HFValidationError as err:
        return str(err)
    return None


def _check_revision(repo_id: str, revision: str | None) -> None:
    if revision is not None and (not _REVISION.match(revision) or ".." in revision):
        raise CheckpointError(f"{repo_id}: revision {_cut(revision)!r} is not a branch, tag or commit hash "
                              "(letters, digits and - _ . + / only)")


def resolve(source: str | Path, revision: str | None = None, cache_dir: str | None = None) -> tuple[Path | None, Path]:
    """(config.json or None, weights file) for a shipped name, a folder or a Hub repo id."""
    text = str(source).strip()
    if not text:
        raise CheckpointError("source: give a shipped checkpoint name, a folder or a Hub repo id")
    folder = local_folder(text)
    if folder is not None:
        if revision:
            raise CheckpointError(f"{text}: a revision only applies to Hub repos, not to a local folder")
        return _local_files(folder)
    problem = _repo_id_problem(text)
    if problem is not None:
        raise CheckpointError(f"{_cut(text)}: not a folder, a shipped checkpoint "
                              f"({', '.join(_shipped_generators())}) or a Hub repo id ({problem})")
    _check_revision(text, revision)
    return _hub_files(text, revision, cache_dir)


# -- reading them ---------------------------------------------------------------------------------
def read_config(path: Path | None) -> dict:
    if path is None:
        return {}
    try:
        config = parse_json(Path(path).read_bytes(), f"{path}: config.json")
    except OSError as err:
        raise CheckpointError(f"{path}: cannot be read ({err.strerror or err})") from None
    except ValueError as err:  # broken, not UTF-8, or nested too deeply
        raise CheckpointError(str(err)) from None
    if not isinstance(config, dict):
        raise CheckpointError(f"{path}: config.json must hold an object, got {type(config).__name__}")
    return config


def read_state_dict(path: Path, *, mmap: bool = False) -> dict[str, torch.Tensor]:
    """Tensors from safetensors, or from a .bin/.pth through the weights-only unpickler (no code
    runs); every weights file ganviz reads goes through here. ``mmap`` maps a large .pth instead of
    reading it into memory.

    Both parsers read bytes anyone may have written, and on bytes that are no weights file they
    raise nearly anything (a text file as ``pytorch_model.bin`` gives IndexError), so every failure
    becomes a :class:`CheckpointError`.
    """
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file
        try:
            state = load_file(str(path))
        except Exception as err:  # any failure at all: see the docstring
            raise CheckpointError(f"{path.name}: not a readable safetensors file ({_first_line(err)})") from None
    else:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
        except Exception as err:  # any failure at all: see the docstring
            raise CheckpointError(_refused_bin(path, err)) from None
    if not isinstance(state, dict) or not all(isinstance(k, str) and torch.is_tensor(v) for k, v in state.items()):
        raise CheckpointError(f"{path.name}: expected a flat mapping of names to tensors (a state dict)")
    return state


def read_checked(weights_path: Path, build: Callable, where: str):
    """``build(state)`` (a network with its weights loaded, or a tuple that starts with one), done
    first on the weights file's names and shapes alone, on the meta device: a layout that does not
    fit the file, or a network above one run's memory budget, is refused before anything is
    allocated or (for safetensors) the tensors are read. Then done for real."""
    from ganviz.resources import MB, run_memory_budget
    from ganviz.training.memory import weight_bytes

    # a safetensors header holds every shape; other formats are read once, and their shapes taken
    state = None if Path(weights_path).suffix == ".safetensors" else read_state_dict(weights_path)
    header = read_shapes(weights_path) if state is None else _on_meta(state)
    with torch.device("meta"):
        skeleton = build(header)
    size = weight_bytes(skeleton[0] if isinstance(skeleton, tuple) else skeleton)
    if size > run_memory_budget():
        raise CheckpointError(f"{where}: its network would hold {size / MB:,.0f} MB of weights, above the limit of "
                              f"{run_memory_budget() // MB:,} MB per run (GANVIZ_RUN_MEMORY_MB)")
    return build(read_state_dict(weights_path) if state is None else state)


def read_shapes(path: Path) -> dict[str, torch.Tensor]:
    """The tensors' names and shapes, as meta tensors: from a safetensors file's header alone (no
    tensor is read), from other formats through :func:`read_state_dict`."""
    path = Path(path)
    if path.suffix != ".safetensors":
        return _on_meta(read_state_dict(path))
    from safetensors import safe_open
    try:
        with safe_open(str(path), framework="pt") as weights:
            return {k: torch.empty(weights.get_slice(k).get_shape(), device="meta") for k in weights.keys()}
    except Exception as err:  # any failure at all: see read_state_dict
        raise CheckpointError(f"{path.name}: not a readable safetensors file ({_first_line(err)})") from None


def _on_meta(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: torch.empty(v.shape, device="meta") for k, v in state.items()}


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return _cut(lines[0] if lines else type(err).__name__, 300)


def _refused_bin(path: Path, err: Exception) -> str:
    """Why ``torch.load(weights_only=True)`` refused ``path``: a pickle that names code to call (an
    "Unsupported global"), or bytes that are no PyTorch weights at all, on which torch raises
    anything from UnpicklingError (wrapped in its generic weights-only text) to KeyError."""
    code = _GLOBAL.search(str(err))
    if code:
        return (f"{path.name}: refused to unpickle it: it holds objects other than tensors ({code.group(1)}), "
                "which could run code when loaded (only weights_only loading is allowed)")
    generic = "Weights only load failed" in str(err)
    detail = type(err).__name__ if generic else f"{type(err).__name__}: {_first_line(err)}"
    return f"{path.name}: not a readable PyTorch weights file ({detail})"


def load_weights(model: nn.Module, state: dict[str, torch.Tensor], what: str) -> None:
    """load_state_dict with every disagreement spelled out (and nothing loaded partially)."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [f"{k} is {tuple(state[k].shape)} in the file but {tuple(v.shape)} in the model"
             for k, v in expected.items() if k in state and state[k].shape != v.shape]
    listed = lambda what, keys: [f"{what} {', '.join(keys[:4])}{' ...' if len(keys) > 4 else ''}"] if keys else []
    problems = listed("missing", missing) + listed("unexpected", unexpected) + wrong[:4]
    if problems:
        raise CheckpointError(f"{what}: the weights do not fit the layout its config describes: " + "; ".join(problems))
    model.load_state_dict(state)


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _layout(config: dict) -> tuple[list[int], int]:
    """The sample shape and class count a config.json declares, refused before any network is built
    unless small: the layers are sized from them, so huge values would exhaust the server's memory."""
    shape, classes = config["shape"], config.get("num_classes", 0)
    if (not isinstance(shape, list) or not 1 <= len(shape) <= 3 or not all(_count(n) and n >= 1 for n in shape)
            or math.prod(shape) > MAX_OUTPUT_VALUES):
        raise ValueError(f"shape must be 1 to 3 positive integers with at most {MAX_OUTPUT_VALUES:,} values "
                         f"in all, got {shown(shape)}")
    if not _count(classes) or not 0 <= classes <= MAX_CLASSES:
        raise ValueError(f"num_classes must be an integer from 0 to {MAX_CLASSES}, got {shown(classes)}")
    return shape, classes


def build_gan(config: dict, state: dict[str, torch.Tensor], where: str):
    """The :class:`ganviz.training.GAN` a ganviz checkpoint describes, with its weights loaded."""
    from ganviz.training.gan import GAN

    try:
        gan = GAN(config["train"], *_layout(config))
    except (ValueError, TypeError, KeyError) as err:
        raise CheckpointError(f"{where}: config.json is not a valid ganviz run config ({err})") from None
    load_weights(gan, state, where)
    return gan


def _ganviz_generator(config: dict, state: dict, where: str) -> tuple[nn.Module, dict]:
    gan = build_gan(config, state, where)
    model = gan.config.model
    shape = tuple(gan.shape)
    kind = f"{model.arch.upper()} ({'residual, ' if model.residual else ''}{model.channels} channels)" \
        if model.arch == "dcgan" else f"MLP {model.depth}x{model.width}"
    text = f"ganviz {kind} on {gan.config.data.name}, output {'x'.join(map(str, shape))}, z in R^{model.latent_dim}"
    if gan.num_classes:
        text += f", conditional on {gan.num_classes} classes"
    return gan.generator, {"latent_dim": model.latent_dim, "num_classes": gan.num_classes, "out_shape": shape,
                           "description": text}


def _huggan_generator(config: dict, state: dict, where: str) -> tuple[nn.Module, dict]:
    from ganviz.models.huggan import CONFIG_KEYS, Generator, config_from_weights

    if config:
        args = {k: config[k] for k in CONFIG_KEYS if k in config}
        for key, value in args.items():
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= HUGGAN_LIMITS[key]:
                raise CheckpointError(f"{where}: config.json {key} must be a positive integer up to "
                                      f"{HUGGAN_LIMITS[key]}, got {shown(value)}")
    else:
        try:
            args = config_from_weights(state)
        except ValueError as err:
            raise CheckpointError(f"{where}: no config.json and {err}") from None
    generator = Generator(**args)
    load_weights(generator, state, where)
    text = (f"huggan DCGAN generator, output {generator.num_channels}x64x64, z in R^{generator.latent_dim}, "
            f"{sum(p.numel() for p in generator.parameters()) / 1e6:.1f} M parameters")
    return generator, {"latent_dim": generator.latent_dim, "num_classes": 0,
                       "out_shape": (generator.num_channels, 64, 64), "description": text}


def load_generator(source: str | Path, revision: str | None = None, *, device: str | torch.device = "cpu",
                   cache_dir: str | None = None) -> LoadedGenerator:
    """The generator behind ``source`` (shipped name, folder or Hub repo id), in eval mode on ``device``."""
    from ganviz.models.huggan import CONFIG_KEYS

    config_path, weights_path = resolve(source, revision, cache_dir)
    where = f"{source}{'@' + revision if revision else ''}"
    config = read_config(config_path)
    if "train" in config and "shape" in config:
        module, info = read_checked(weights_path, lambda state: _ganviz_generator(config, state, where), where)
        kind = "ganviz"
    elif not config or any(k in config for k in CONFIG_KEYS):
        module, info = read_checked(weights_path, lambda state: _huggan_generator(config, state, where), where)
        kind = "huggan"
    else:
        raise CheckpointError(f"{where}: config.json describes no known generator (keys: {', '.join(sorted(config))}); "
                              "expected a ganviz run (train, shape) or a huggan DCGAN (num_channels, latent_dim, "
                              "hidden_size)")
    module = module.to(device).eval().requires_grad_(False)
    return LoadedGenerator(module, kind, source=str(source), revision=revision, config=config, **info)

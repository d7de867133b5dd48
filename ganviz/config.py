"""Typed, validated, JSON-serialisable configuration.

Every run in ganviz is described by one :class:`TrainConfig`. Constraints live beside the
fields (``spec(...)`` metadata), so validation, the CLI flags and the app's widgets all read
the same source of truth. A field that names a dataset, an architecture, a loss, a remedy or an
optimiser takes its choices from a :class:`Registry`, whose entries each list the fields they
read. A bad value raises ``ValueError`` naming the dotted field, e.g. ``lr_d: must be > 0, got -0.1``.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import math
import reprlib
import typing
from dataclasses import dataclass, field
from typing import Any, Callable


def spec(default: Any = dataclasses.MISSING, *, min: float | None = None, max: float | None = None,
         min_exclusive: bool = False, choices: Registry | Callable[[], list] | list | None = None,
         optional: bool = False, help: str = "", default_factory: Any = dataclasses.MISSING):
    """A dataclass field carrying its own validation rules and help text."""
    meta = {"min": min, "max": max, "min_exclusive": min_exclusive, "choices": choices,
            "optional": optional, "help": help}
    if default_factory is not dataclasses.MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 3, 80, 80


def shown(value: Any) -> str:
    """``value`` as an error message quotes it: cut short, and safe for input nested thousands of
    levels deep, on which a plain ``repr`` raises RecursionError instead of the message."""
    return _SHORT.repr(value)


def parse_json(text: str | bytes, what: str) -> Any:
    """JSON that a person typed, linked or uploaded; any failure is a ValueError naming ``what``.
    The parser raises RecursionError, not ValueError, on input nested too deeply."""
    try:
        return json.loads(text)
    except ValueError as err:
        raise ValueError(f"{what}: not valid JSON ({err})") from None
    except RecursionError:
        raise ValueError(f"{what}: the JSON is nested too deeply") from None


def field_choices(meta: dict) -> list | None:
    """The values a field's spec allows, or None when any value of its type will do."""
    choices = meta.get("choices")
    return choices() if callable(choices) else choices


class Registry(dict):
    """The named building blocks of one kind (datasets, architectures, losses, remedies, optimisers):
    name -> record. A record carries its builder, a ``description`` and the TrainConfig ``fields`` it
    reads (dotted names), so that the forms, the CLI's help and the pages are generated from it.

    Declared here, empty, so that a config field can take the names as its ``choices`` while this
    module stays free of torch and of the registries' modules, which import this one: the module
    ``home`` fills the registry as it is imported, and nothing here imports it at import time. The
    first read of the names imports ``home`` if nothing else has yet, so that a config validates the
    same whatever its caller happened to import before.
    """

    def __init__(self, kind: str, home: str):
        super().__init__()
        self.kind, self.home = kind, home

    def names(self) -> list[str]:
        if not self:
            importlib.import_module(self.home)
        return list(self)

    __call__ = names  # a field's ``choices`` may be a callable that gives them

    def readers(self, field: str) -> list[str]:
        """The entries that read the dotted TrainConfig ``field``."""
        return [name for name in self.names() if field in getattr(self[name], "fields", ())]

    def describe(self) -> str:
        """Each entry with its short name (a label where the record has one), for a flag's help."""
        return "; ".join(f"{name} ({getattr(self[name], 'label', None) or self[name].description})"
                         for name in self.names())


class Config:
    """Base for config dataclasses: validation on construction, dict/JSON round-trip."""

    def __post_init__(self) -> None:
        self.validate()

    # -- validation -------------------------------------------------------------------------
    def validate(self, prefix: str = "") -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            name = prefix + f.name
            value = getattr(self, f.name)
            kind = hints[f.name]
            if isinstance(value, Config):
                value.validate(prefix=name + ".")
                continue
            setattr(self, f.name, _coerce(name, value, kind, f.metadata))

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **({"indent": 2} | kwargs))

    @classmethod
    def from_dict(cls, data: dict, prefix: str = ""):
        if not isinstance(data, dict):
            raise ValueError(f"{prefix.rstrip('.') or cls.__name__}: expected an object, got {type(data).__name__}")
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"{prefix}{unknown[0]}: unknown field (known: {', '.join(sorted(names))})")
        kwargs = {}
        for key, value in data.items():
            kind = hints[key]
            if isinstance(kind, type) and issubclass(kind, Config):
                value = kind.from_dict(value, prefix=f"{prefix}{key}.")
            kwargs[key] = value
        try:
            return cls(**kwargs)
        except ValueError as err:
            if prefix and not str(err).startswith(prefix):
                raise ValueError(prefix + str(err)) from None
            raise

    @classmethod
    def from_json(cls, text: str):
        return cls.from_dict(parse_json(text, "config"))

    def replace(self, **changes):
        """A copy with dotted-key changes, validated: ``cfg.replace(**{"data.name": "grid25"})``."""
        flat = flatten(self.to_dict())
        unknown = sorted(set(changes) - set(flat))
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown field")
        flat.update(changes)
        return type(self).from_dict(unflatten(flat))

    @classmethod
    def parse_field(cls, name: str, value: Any) -> Any:
        """A dotted field's value as a flag or a link gives it: list fields (``data.means``) arrive
        as JSON text and are parsed here; every other value is left for validation to convert."""
        kind = cls.field_specs()[name][0]
        if isinstance(value, str) and typing.get_origin(base_type(kind)[0]) is list:
            return parse_json(value, name)
        return value

    @classmethod
    def field_specs(cls, prefix: str = "") -> dict[str, tuple[Any, Any, dict]]:
        """Flattened ``{dotted_name: (type, default, metadata)}`` for CLIs and forms."""
        out = {}
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            kind = hints[f.name]
            if isinstance(kind, type) and issubclass(kind, Config):
                out.update(kind.field_specs(prefix + f.name + "."))
            else:
                default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
                out[prefix + f.name] = (kind, default, dict(f.metadata))
        return out


def base_type(kind) -> tuple[Any, bool]:
    """(underlying type, is_optional) for hints like ``float | None``."""
    args = typing.get_args(kind)
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return kind, False


def _coerce(name: str, value: Any, kind, meta) -> Any:
    base, optional = base_type(kind)
    if value is None:
        if optional:
            return None
        raise ValueError(f"{name}: a value is required")
    if isinstance(base, type) and issubclass(base, Config):  # a nested section given as a dict
        if not isinstance(value, dict):
            raise ValueError(f"{name}: expected an object of {base.__name__} fields, got {shown(value)}")
        return base.from_dict(value, prefix=name + ".")
    origin = typing.get_origin(base)
    if origin is list:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{name}: expected a list, got {shown(value)}")
        return [list(v) if isinstance(v, (list, tuple)) else v for v in value]
    if base is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            value = value.lower() in ("true", "1")
        if not isinstance(value, bool):
            raise ValueError(f"{name}: expected true or false, got {shown(value)}")
    elif base is int:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"{name}: expected an integer, got {shown(value)}")
        try:
            as_float = float(value)
        except (ValueError, OverflowError):
            raise ValueError(f"{name}: expected an integer, got {shown(value)}") from None
        if not math.isfinite(as_float) or as_float != int(as_float):
            raise ValueError(f"{name}: expected an integer, got {shown(value)}")
        value = int(as_float)
    elif base is float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"{name}: expected a number, got {shown(value)}")
        try:
            value = float(value)
        except (ValueError, OverflowError):
            raise ValueError(f"{name}: expected a number, got {shown(value)}") from None
        if not math.isfinite(value):
            raise ValueError(f"{name}: must be a finite number, got {shown(value)}")
    elif base is str:
        if not isinstance(value, str):
            raise ValueError(f"{name}: expected text, got {shown(value)}")
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and (value <= lo if meta.get("min_exclusive") else value < lo):
        raise ValueError(f"{name}: must be {'>' if meta.get('min_exclusive') else '>='} {lo}, got {shown(value)}")
    if hi is not None and value > hi:
        raise ValueError(f"{name}: must be <= {hi}, got {shown(value)}")
    choices = field_choices(meta)
    if choices is not None and value not in choices:
        raise ValueError(f"{name}: must be one of {', '.join(map(str, choices))}; got {shown(value)}")
    return value


def flatten(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def unflatten(flat: dict) -> dict:
    out: dict = {}
    for key, value in flat.items():
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):  # {"model": 1, "model.width": 64}
                raise ValueError(f"{key}: {shown(part)} is given a value of its own, so it has no fields")
        node[leaf] = value
    return out


# ---------------------------------------------------------------------------------------------
# The run configuration
# ---------------------------------------------------------------------------------------------

# the registries the run configuration names entries of; each is filled by its own module
DATASETS = Registry("dataset", "ganviz.data")
MODELS = Registry("architecture", "ganviz.models")
LOSSES = Registry("loss", "ganviz.training.losses")
REMEDIES = Registry("remedy", "ganviz.training.remedies")
OPTIMIZERS = Registry("optimizer", "ganviz.training.optimizers")
REGISTRIES = (DATASETS, MODELS, LOSSES, REMEDIES, OPTIMIZERS)

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "elu", "gelu"]

# the factors of the ``shapes`` dataset a config may name (geometry and rendering: ganviz/data/shapes.py);
# six hues 60 degrees apart at full saturation and value, so every pair is told apart at a glance
SHAPE_NAMES = ("circle", "square", "triangle", "star")
SHAPE_COLOURS = {"red": (1.0, 0.0, 0.0), "yellow": (1.0, 1.0, 0.0), "green": (0.0, 1.0, 0.0),
                 "cyan": (0.0, 1.0, 1.0), "blue": (0.0, 0.0, 1.0), "magenta": (1.0, 0.0, 1.0)}
# the continuous factors' (lowest, highest) values a config may ask for: the ranges the shipped factor
# network was trained on. Position is the shape's centre as a share of the image side; scale its
# circumradius as a share of the side; rotation in degrees.
SHAPE_FACTOR_LIMITS = {"x": (0.2, 0.8), "y": (0.2, 0.8), "scale": (0.12, 0.3), "rotation": (0.0, 360.0)}


def _finite_number(value: Any) -> bool:
    """True for a number a float can hold: an int past 1e308 makes ``math.isfinite`` overflow."""
    try:
        return isinstance(value, (int, float)) and math.isfinite(value)
    except OverflowError:
        return False


@dataclass
class DataConfig(Config):
    name: str = spec("ring8", choices=DATASETS, help="dataset from the registry")
    radius: float = spec(2.0, min=0, min_exclusive=True, max=100, help="ring radius; scale of a spiral / two moons")
    std: float = spec(0.02, min=0, min_exclusive=True, max=10, help="std of each mixture component")
    spacing: float = spec(2.0, min=0, min_exclusive=True, max=100, help="distance between grid modes")
    noise: float = spec(0.05, min=0, max=10, help="noise of the spiral / two moons")
    means: list[list[float]] = spec(default_factory=list, help="component means of a user-drawn mixture")
    image_size: int = spec(28, choices=[28, 32, 64], help="side of image datasets")
    channels: int = spec(1, choices=[1, 3], help="channels of an image folder dataset")
    root: str = spec("", help="folder of MNIST files or of an image folder")
    download: bool = spec(False, help="allow torchvision to download MNIST / Fashion-MNIST")
    shapes: list[str] = spec(default_factory=lambda: list(SHAPE_NAMES),
                             help="shapes the 'shapes' dataset draws (circle, square, triangle, star); one named twice "
                                  "is drawn twice as often")
    colours: list[str] = spec(default_factory=lambda: list(SHAPE_COLOURS),
                              help="colours the 'shapes' dataset draws (red, yellow, green, cyan, blue, magenta); one "
                                   "named twice is drawn twice as often")
    x_min: float = spec(0.3, min=SHAPE_FACTOR_LIMITS["x"][0], max=SHAPE_FACTOR_LIMITS["x"][1],
                        help="leftmost shape centre, as a share of the image width")
    x_max: float = spec(0.7, min=SHAPE_FACTOR_LIMITS["x"][0], max=SHAPE_FACTOR_LIMITS["x"][1],
                        help="rightmost shape centre, as a share of the image width")
    y_min: float = spec(0.3, min=SHAPE_FACTOR_LIMITS["y"][0], max=SHAPE_FACTOR_LIMITS["y"][1],
                        help="highest shape centre, as a share of the image height from the top")
    y_max: float = spec(0.7, min=SHAPE_FACTOR_LIMITS["y"][0], max=SHAPE_FACTOR_LIMITS["y"][1],
                        help="lowest shape centre, as a share of the image height from the top")
    scale_min: float = spec(0.18, min=SHAPE_FACTOR_LIMITS["scale"][0], max=SHAPE_FACTOR_LIMITS["scale"][1],
                            help="smallest shape: its circumradius as a share of the image side")
    scale_max: float = spec(0.28, min=SHAPE_FACTOR_LIMITS["scale"][0], max=SHAPE_FACTOR_LIMITS["scale"][1],
                            help="largest shape: its circumradius as a share of the image side")
    rotation_min: float = spec(0.0, min=SHAPE_FACTOR_LIMITS["rotation"][0], max=SHAPE_FACTOR_LIMITS["rotation"][1],
                               help="smallest rotation of a shape, in degrees")
    rotation_max: float = spec(360.0, min=SHAPE_FACTOR_LIMITS["rotation"][0],
                               max=SHAPE_FACTOR_LIMITS["rotation"][1], help="largest rotation of a shape, in degrees")

    def validate(self, prefix: str = "") -> None:
        super().validate(prefix)
        for i, m in enumerate(self.means):
            if not isinstance(m, list) or len(m) != 2 or not all(map(_finite_number, m)):
                raise ValueError(f"{prefix}means[{i}]: expected two finite numbers [x, y], got {shown(m)}")
        if self.name == "custom" and not self.means:
            raise ValueError(f"{prefix}means: the 'custom' dataset needs at least one component")
        self._validate_shape_factors(prefix)

    def _validate_shape_factors(self, prefix: str) -> None:
        """The ``shapes`` dataset's factor lists name known values, and each range is ordered."""
        for name, known in (("shapes", SHAPE_NAMES), ("colours", tuple(SHAPE_COLOURS))):
            values = getattr(self, name)
            if not values:
                raise ValueError(f"{prefix}{name}: name at least one of {', '.join(known)}")
            for value in values:
                if value not in known:
                    raise ValueError(f"{prefix}{name}: must name some of {', '.join(known)}; got {shown(value)}")
        for factor in SHAPE_FACTOR_LIMITS:
            lo, hi = getattr(self, f"{factor}_min"), getattr(self, f"{factor}_max")
            if hi < lo:
                raise ValueError(f"{prefix}{factor}_max: must be >= {factor}_min ({lo:g}), got {hi:g}")


@dataclass
class ModelConfig(Config):
    arch: str = spec("mlp", choices=MODELS, help="architecture from the registry")
    latent_dim: int = spec(16, min=1, max=1024, help="size of z")
    width: int = spec(128, min=1, max=4096, help="hidden units per MLP layer")
    depth: int = spec(3, min=1, max=16, help="hidden layers per MLP")
    activation: str = spec("relu", choices=ACTIVATIONS)
    channels: int = spec(64, min=4, max=512, help="base channels of DCGAN nets")
    batchnorm: bool = spec(False, help="batch norm in the generator")
    spectral_norm: bool = spec(False, help="spectral norm on discriminator layers")
    dropout: float = spec(0.0, min=0, max=0.9, help="dropout in the discriminator")
    residual: bool = spec(False, help="residual blocks")
    conditional: bool = spec(False, help="class-conditional G and D (image datasets)")


@dataclass
class RegularizerConfig(Config):
    """The penalties and constraints on the discriminator that a GAN run (:class:`TrainConfig`) and
    the Dirac-GAN (``ganviz.landscape.dirac.DiracConfig``) share, declared once: both inherit these
    flat fields, so their JSON keeps the names ``gp_weight``, ``r1_weight`` and ``weight_clip``.

    The penalty weights go up to 1e4, the run's limit: every run config, link and checkpoint that
    validated keeps validating. The Dirac-GAN gains nothing from a narrower range: there an R1
    weight past 2/lr_d makes each D step overshoot, and the trajectory diverges, which it reports
    (the path ends at its last finite point).
    """

    gp_weight: float | None = spec(None, min=0, max=1e4, optional=True,
                                   help="WGAN-GP penalty weight on (||grad_x D|| - 1)^2 at points between real "
                                        "and fake (empty: the loss's default)")
    r1_weight: float = spec(0.0, min=0, max=1e4, help="R1 penalty weight on 0.5 ||grad_x D(real)||^2")
    weight_clip: float | None = spec(None, min=0, max=100, optional=True,
                                     help="clip D's weights to [-c, c] after each D step (empty: the loss's default)")


@dataclass
class TrainConfig(RegularizerConfig):
    data: DataConfig = spec(default_factory=DataConfig)
    model: ModelConfig = spec(default_factory=ModelConfig)
    loss: str = spec("ns", choices=LOSSES, help="GAN loss from the registry")
    remedy: str = spec("none", choices=REMEDIES, help="mode-collapse remedy")
    lr_g: float = spec(1e-3, min=0, min_exclusive=True, max=1.0, help="generator learning rate")
    lr_d: float = spec(1e-3, min=0, min_exclusive=True, max=1.0, help="discriminator learning rate (TTUR if != lr_g)")
    # each player's optimiser; the settings below are shared by both (why: ganviz/training/optimizers.py)
    optimizer_g: str = spec("adam", choices=OPTIMIZERS, help="generator's optimiser")
    optimizer_d: str = spec("adam", choices=OPTIMIZERS, help="discriminator's optimiser")
    beta1: float = spec(0.5, min=0, max=0.9999, help="Adam beta1")
    beta2: float = spec(0.999, min=0, max=0.99999, help="Adam beta2")
    momentum: float = spec(0.0, min=0, max=0.99, help="momentum of SGD and RMSprop (0: none)")
    rmsprop_alpha: float = spec(0.99, min=0, max=0.9999,
                                help="RMSprop's decay of its running mean of squared gradients")
    rmsprop_centered: bool = spec(False,
                                  help="RMSprop divides by the gradient's running variance, not its mean square")
    batch_size: int = spec(256, min=1, max=65536)
    n_critic: int = spec(1, min=1, max=100, help="discriminator steps per generator step")
    weight_decay: float = spec(0.0, min=0, max=1.0, help="L2 penalty weight on all parameters")
    label_smoothing: float = spec(0.0, min=0, max=0.5, help="one-sided: real label becomes 1 - s")
    seed: int = spec(0, min=0, max=2**31 - 1)
    device: str = spec("auto", choices=["auto", "cpu", "cuda"])
    history_size: int = spec(2000, min=10, max=1_000_000, help="most records kept; older ones are thinned")
    unroll_steps: int = spec(5, min=1, max=50, help="discriminator steps G looks ahead through")
    pack: int = spec(2, min=2, max=16, help="samples packed into one discriminator input")
    n_generators: int = spec(4, min=2, max=64, help="generators in the mixture")
    remedy_weight: float = spec(1.0, min=0, max=1e4,
                                help="weight of the remedy's extra loss term: the generator-identification term "
                                     "of a mixture, the pull towards past parameters in historical averaging")

    def validate(self, prefix: str = "") -> None:
        super().validate(prefix)
        REMEDIES[self.remedy].check(self, prefix)

    @classmethod
    def field_help(cls, name: str) -> str:
        """A dotted field's help as a flag shows it: its own text, then the entries a registry field
        can name, or the registry entries that read the field."""
        meta = cls.field_specs()[name][2]
        text = meta.get("help") or name
        if isinstance(meta.get("choices"), Registry):
            return f"{text}, one of: {meta['choices'].describe()}"
        readers = [f"{registry.kind} {', '.join(names)}" for registry in REGISTRIES
                   if (names := registry.readers(name))]
        return f"{text} — read by {'; '.join(readers)}" if readers else text

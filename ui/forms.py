"""Config widgets, generated from the config's field specs and the registries.

:func:`config_form` is the sidebar form that edits a TrainConfig: a dataset, an architecture, a
remedy or an optimiser brings the widgets of the config fields its registry entry says it reads.
Its widgets are keyed by the config's dotted field names, seeded from the URL, and accept any
value: validation is the config's job, so a bad value (a negative learning rate, a zero batch)
yields the config's own clear message. :func:`bounded_input` is a page's own number box for one
field, limited to the range the field's spec allows and with its help; :func:`choice_input` a
page's choice box for a registry field, and :func:`setting_input` its box for a field that the
chosen entry reads.
"""
from __future__ import annotations

import streamlit as st

from ganviz.config import Registry, TrainConfig, base_type, field_choices, unflatten
from ganviz.data import DATASETS
from ganviz.models import MODELS
from ganviz.training.losses import LOSSES
from ganviz.training.optimizers import OPTIMIZERS
from ganviz.training.remedies import REMEDIES

SPECS = TrainConfig.field_specs()
# the form's wording; a field without one here is shown by its dotted name
LABELS = {
    "data.name": "Dataset", "data.radius": "Radius / scale", "data.spacing": "Grid spacing",
    "data.std": "Std of each mode", "data.noise": "Noise", "data.image_size": "Image size", "data.root": "Folder",
    "data.download": "Allow download", "data.channels": "Channels",
    "data.x_min": "Centre x from", "data.x_max": "Centre x to", "data.y_min": "Centre y from",
    "data.y_max": "Centre y to", "data.scale_min": "Scale from", "data.scale_max": "Scale to",
    "data.rotation_min": "Rotation from (°)", "data.rotation_max": "Rotation to (°)",
    "model.arch": "Architecture", "model.latent_dim": "Latent size (z)", "model.width": "Width",
    "model.depth": "Hidden layers", "model.activation": "Activation", "model.batchnorm": "Batch norm in G",
    "model.channels": "Base channels", "model.spectral_norm": "Spectral norm in D", "model.dropout": "Dropout in D",
    "model.residual": "Residual blocks", "model.conditional": "Class-conditional",
    "loss": "Loss", "remedy": "Mode-collapse remedy", "unroll_steps": "Unrolled steps k", "pack": "PacGAN pack m",
    "n_generators": "Generators", "remedy_weight": "Remedy weight",
    "lr_g": "G learning rate", "lr_d": "D learning rate", "beta1": "Adam β1", "beta2": "Adam β2",
    "optimizer_g": "G optimiser", "optimizer_d": "D optimiser", "momentum": "Momentum", "rmsprop_alpha": "RMSprop α",
    "rmsprop_centered": "Centred RMSprop",
    "batch_size": "Batch size", "n_critic": "D steps per G step",
    "gp_weight": "Gradient penalty λ", "weight_clip": "Weight clip c", "r1_weight": "R1 γ",
    "weight_decay": "L2 weight decay", "label_smoothing": "One-sided label smoothing",
    "seed": "Seed", "device": "Device",
}
SMALL_NUMBERS = {"lr_g", "lr_d", "weight_decay"}  # shown as 1.00e-04, not 0.0001


def _key(name: str, prefix: str) -> str:
    return f"{prefix}{name}"


def _widget(name: str, prefix: str, **options):
    """The widget of a dotted config field, chosen by its spec: a choice box, a checkbox, a text box,
    or a number box with no bounds of its own (out-of-range values reach the config's validation;
    an optional number left empty takes its default).

    The value lives in the session state (seeded from the link); it is also the widget's default, so
    that a browser that lost a widget's state (seen under load: every number box sent back 0.0, the
    widgets' built-in default) sends the value it showed, not an invalid setting."""
    kind, _, meta = SPECS[name]
    base, optional = base_type(kind)
    key = _key(name, prefix)
    current = st.session_state.get(key)
    common = {"label": LABELS.get(name, name), "key": key, "help": meta.get("help") or None}
    choices = field_choices(meta)
    if choices is not None:
        return st.selectbox(options=choices, index=list(choices).index(current) if current in choices else 0,
                            **common, **options)
    if base is bool:
        return st.checkbox(value=bool(current), **common)
    if base is str:
        return st.text_input(value="" if current is None else str(current), **common)
    if base is int:
        return st.number_input(step=1, value=None if current is None else int(current), **common)
    return st.number_input(value=None if current is None else float(current),
                           format="%.2e" if name in SMALL_NUMBERS else "%.4g",
                           placeholder="default" if optional else None, **common)


def _fields_of(entry, prefix: str, hidden: frozenset = frozenset()) -> None:
    """The widgets of the fields a registry entry reads; list fields (``data.means``) have none."""
    for name in entry.fields:
        if name not in hidden and not isinstance(SPECS[name][1], list):
            _widget(name, prefix)


def seed_widgets(flat: dict, prefix: str) -> None:
    """Give every widget its starting value once per session (from the URL or the defaults)."""
    for name, value in flat.items():
        key = _key(name, prefix)
        if key not in st.session_state and not isinstance(value, list):  # list fields have no widget
            st.session_state[key] = value


def config_form(flat: dict, prefix: str = "cfg:") -> tuple[dict, TrainConfig | None, str | None]:
    """Draw the form in the sidebar; return (flat values, validated config or None, error)."""
    seed_widgets(flat, prefix)
    sb = st.sidebar
    with sb.expander("Data", expanded=True):
        dataset = _widget("data.name", prefix, format_func=lambda n: f"{n} — {DATASETS[n].description}")
        _fields_of(DATASETS[dataset], prefix)
    with sb.expander("Networks", expanded=False):
        arch = _widget("model.arch", prefix, format_func=lambda n: f"{n} — {MODELS[n].description}")
        # a toy dataset has no class labels to condition on
        _fields_of(MODELS[arch], prefix, frozenset({"model.conditional"}) if DATASETS[dataset].toy else frozenset())
    with sb.expander("Loss and optimiser", expanded=True):
        _widget("loss", prefix, format_func=lambda n: LOSSES[n].label)
        remedy = _widget("remedy", prefix, format_func=lambda n: REMEDIES[n].label)
        _fields_of(REMEDIES[remedy], prefix)
        chosen = []
        for column, player in zip(st.columns(2), "gd"):
            with column:
                chosen.append(_widget(f"optimizer_{player}", prefix, format_func=lambda n: OPTIMIZERS[n].label))
                _widget(f"lr_{player}", prefix)
        for names in (read_by(OPTIMIZERS, chosen), ["batch_size", "n_critic"]):  # the chosen optimisers' settings
            for column, half in zip(st.columns(2), (names[::2], names[1::2])):
                with column:
                    for name in half:
                        _widget(name, prefix)
    with sb.expander("Regularisers", expanded=False):
        for name in ("gp_weight", "weight_clip", "r1_weight", "weight_decay", "label_smoothing"):
            _widget(name, prefix)
    with sb.expander("Run", expanded=False):
        for name in ("seed", "device"):
            _widget(name, prefix)

    values = dict(flat)
    for name in flat:
        if _key(name, prefix) in st.session_state:
            values[name] = st.session_state[_key(name, prefix)]
    try:
        return values, TrainConfig.from_dict(unflatten(values)), None
    except ValueError as err:
        return values, None, str(err)


def bounded_input(container, name: str, label: str, value, *, key: str, **layout):
    """A page's number box for the dotted TrainConfig field ``name``, in ``container`` (a column, the
    sidebar): its limits and help come from the field's spec, the page gives the label, the starting
    ``value``, the key and the ``layout`` (``format``, ``step``). An exclusive lower limit (a learning
    rate > 0) is the box's lowest value, which the config then refuses with its own message. Returns
    an int for an integer field."""
    kind, _, meta = SPECS[name]
    number = int if base_type(kind)[0] is int else float
    low, high = meta.get("min"), meta.get("max")
    return container.number_input(label, min_value=None if low is None else number(low),
                                  max_value=None if high is None else number(high), value=number(value), key=key,
                                  help=meta.get("help") or None, **layout)


def read_by(registry: Registry, chosen) -> list[str]:
    """The config fields the ``chosen`` entries of ``registry`` read, each once, in entry order."""
    return list(dict.fromkeys(name for entry in chosen for name in registry[entry].fields))


def choice_input(container, name: str, label: str, value, *, key: str, **layout):
    """A page's choice box for the dotted TrainConfig field ``name``: its options and help come from
    the field's spec, each option shown by its registry entry's label where it has one."""
    meta = SPECS[name][2]
    options, registry = field_choices(meta), meta.get("choices")
    shown = (lambda n: getattr(registry[n], "label", n)) if isinstance(registry, Registry) else str
    return container.selectbox(label, options, index=options.index(value), key=key, format_func=shown,
                               help=meta.get("help") or None, **layout)


def setting_input(container, name: str, value, *, key: str, label: str | None = None):
    """A page's box for the dotted TrainConfig field ``name`` (a setting that a chosen registry entry
    reads, see :func:`read_by`): a checkbox for a switch, else a :func:`bounded_input`; labelled
    as the sidebar form labels it unless the page says otherwise."""
    label = label or LABELS.get(name, name)
    if base_type(SPECS[name][0])[0] is bool:
        return container.checkbox(label, value, key=key, help=SPECS[name][2].get("help") or None)
    return bounded_input(container, name, label, value, key=key, format="%.4g")

"""The sidebar form that edits a TrainConfig. Widgets are keyed by the config's dotted field
names, seeded from the URL, and accept any number: validation is the config's job, so a bad
value (a negative learning rate, a zero batch) yields the config's own clear message."""
from __future__ import annotations

import streamlit as st

from ganviz import data, models
from ganviz.config import ACTIVATIONS, TrainConfig, unflatten
from ganviz.data import DATASETS, DESCRIPTIONS, is_toy
from ganviz.models import MODELS
from ganviz.training.losses import LOSSES
from ganviz.training.remedies import REMEDIES

HELP = {name: meta.get("help", "") for name, (_, _, meta) in TrainConfig.field_specs().items()}


def _key(name: str, prefix: str) -> str:
    return f"{prefix}{name}"


def _number(name: str, label: str, prefix: str, *, integer: bool = False, fmt: str | None = None,
            placeholder: str | None = None):
    """A number box with no bounds of its own: out-of-range values reach the config's validation."""
    kwargs = {"step": 1} if integer else {"format": fmt or "%.4g"}
    return st.number_input(label, key=_key(name, prefix), help=HELP.get(name), placeholder=placeholder, **kwargs)


def seed_widgets(flat: dict, prefix: str) -> None:
    """Give every widget its starting value once per session (from the URL or the defaults)."""
    for name, value in flat.items():
        key = _key(name, prefix)
        if key not in st.session_state and not isinstance(value, list):  # list fields have no widget
            st.session_state[key] = value


def config_form(flat: dict, prefix: str = "cfg:") -> tuple[dict, TrainConfig | None, str | None]:
    """Draw the form in the sidebar; return (flat values, validated config or None, error)."""
    seed_widgets(flat, prefix)
    k = lambda name: _key(name, prefix)  # noqa: E731
    sb = st.sidebar
    with sb.expander("Data", expanded=True):
        dataset = st.selectbox("Dataset", list(DATASETS), key=k("data.name"),
                               format_func=lambda n: f"{n} — {DESCRIPTIONS[n]}")
        uses = data.FIELDS[dataset]
        if "radius" in uses:
            _number("data.radius", "Radius / scale", prefix)
        if "spacing" in uses:
            _number("data.spacing", "Grid spacing", prefix)
        if "std" in uses:
            _number("data.std", "Std of each mode", prefix)
        if "noise" in uses:
            _number("data.noise", "Noise", prefix)
        if "image_size" in uses:
            st.selectbox("Image size", [28, 32], key=k("data.image_size"))
        if "root" in uses:
            st.text_input("Folder", key=k("data.root"), help=HELP["data.root"])
        if "download" in uses:
            st.checkbox("Allow download", key=k("data.download"))
        if "channels" in uses:
            st.selectbox("Channels", [1, 3], key=k("data.channels"))
    with sb.expander("Networks", expanded=False):
        arch = st.selectbox("Architecture", list(MODELS), key=k("model.arch"))
        uses = models.FIELDS[arch]
        if "latent_dim" in uses:
            _number("model.latent_dim", "Latent size (z)", prefix, integer=True)
        if "width" in uses:
            _number("model.width", "Width", prefix, integer=True)
        if "depth" in uses:
            _number("model.depth", "Hidden layers", prefix, integer=True)
        if "activation" in uses:
            st.selectbox("Activation", ACTIVATIONS, key=k("model.activation"))
        if "batchnorm" in uses:
            st.checkbox("Batch norm in G", key=k("model.batchnorm"))
        if "channels" in uses:
            _number("model.channels", "Base channels", prefix, integer=True)
        if "spectral_norm" in uses:
            st.checkbox("Spectral norm in D", key=k("model.spectral_norm"))
        if "dropout" in uses:
            _number("model.dropout", "Dropout in D", prefix)
        if "residual" in uses:
            st.checkbox("Residual blocks", key=k("model.residual"))
        if "conditional" in uses and not is_toy(dataset):  # only image datasets have classes
            st.checkbox("Class-conditional", key=k("model.conditional"))
    with sb.expander("Loss and optimiser", expanded=True):
        st.selectbox("Loss", list(LOSSES), key=k("loss"), format_func=lambda n: LOSSES[n].label)
        if len(REMEDIES) > 1:
            st.selectbox("Mode-collapse remedy", list(REMEDIES), key=k("remedy"))
        c1, c2 = st.columns(2)
        with c1:
            _number("lr_g", "G learning rate", prefix, fmt="%.2e")
            _number("beta1", "Adam β1", prefix)
            _number("batch_size", "Batch size", prefix, integer=True)
        with c2:
            _number("lr_d", "D learning rate", prefix, fmt="%.2e")
            _number("beta2", "Adam β2", prefix)
            _number("n_critic", "D steps per G step", prefix, integer=True)
    with sb.expander("Regularisers", expanded=False):
        _number("gp_weight", "Gradient penalty λ", prefix, placeholder="loss default")
        _number("weight_clip", "Weight clip c", prefix, placeholder="loss default")
        _number("r1_weight", "R1 γ", prefix)
        _number("weight_decay", "L2 weight decay", prefix, fmt="%.2e")
        _number("label_smoothing", "One-sided label smoothing", prefix)
    with sb.expander("Run", expanded=False):
        _number("seed", "Seed", prefix, integer=True)
        st.selectbox("Device", ["auto", "cpu", "cuda"], key=k("device"))

    values = dict(flat)
    for name in flat:
        if _key(name, prefix) in st.session_state:
            values[name] = st.session_state[_key(name, prefix)]
    try:
        return values, TrainConfig.from_dict(unflatten(values)), None
    except ValueError as err:
        return values, None, str(err)

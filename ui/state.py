"""Per-session state: the run configuration mirrored in the URL, and the session's worker."""
from __future__ import annotations

import json

import streamlit as st

from ganviz.config import TrainConfig, flatten, unflatten

DEFAULTS = flatten(TrainConfig().to_dict())


def config_from_url() -> tuple[dict, str | None]:
    """The flat config the URL asks for (defaults elsewhere), and an error text if it is invalid."""
    flat = dict(DEFAULTS)
    try:
        for key, value in st.query_params.items():
            if key in DEFAULTS:
                flat[key] = TrainConfig.parse_field(key, value)
        return flatten(TrainConfig.from_dict(unflatten(flat)).to_dict()), None
    except ValueError as err:
        return dict(DEFAULTS), f"The link's settings were ignored: {err}"


def config_to_url(flat: dict) -> None:
    """Write only the fields that differ from the defaults, so links stay short and readable."""
    wanted = {k: (json.dumps(v) if isinstance(v, list) else str(v))
              for k, v in flat.items() if v != DEFAULTS.get(k) and v is not None}
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)

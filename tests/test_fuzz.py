"""Fuzzing what a visitor of a shared server can send: config JSON, links (URL parameters) to every
page, uploads and checkpoint folders. Whatever comes in, the answer is a working object or a clear
error of the kinds the pages and the CLI report (``ValueError`` and its subclasses, a missing file,
a refused resource), never another exception, and nothing is allocated above the memory budget.
The inputs tried and their outcomes are summarised in docs/reliability.md."""
from __future__ import annotations

import io
import json
import resource
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ganviz.config import TrainConfig, unflatten
from ganviz.resources import ResourceError, run_memory_budget
from ganviz.style.images import ImageError, load_image

SPECS = TrainConfig.field_specs()
CLEAR = (ValueError, FileNotFoundError, ResourceError)  # what a page shows in a box and the CLI as `error:`

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12)
field_names = st.sampled_from(sorted(SPECS)) | st.text(max_size=12)


def _in_limits(name: str) -> st.SearchStrategy:
    """Values a form would accept for field ``name``: its choices, or numbers within its limits."""
    kind, default, meta = SPECS[name]
    choices = meta.get("choices")
    if callable(choices):
        choices = choices()
    if choices:
        return st.sampled_from(list(choices))
    if kind is bool or isinstance(default, bool):
        return st.booleans()
    low, high = meta.get("min"), meta.get("max")
    if isinstance(default, int):
        return st.integers(int(low if low is not None else -10), int(high if high is not None else 10 ** 6))
    if isinstance(default, float):
        return st.floats(low if low is not None else -1e3, high if high is not None else 1e3)
    return st.just(default)


SIZE_FIELDS = ["model.width", "model.depth", "model.channels", "model.latent_dim", "batch_size", "remedy",
               "n_generators", "pack", "unroll_steps", "model.arch", "data.name", "model.conditional"]


@given(st.dictionaries(field_names, json_values, max_size=5))
@settings(max_examples=300, deadline=None)
def test_any_config_json_is_a_config_or_a_clear_error(flat):
    try:
        TrainConfig.from_json(json.dumps(unflatten(flat), default=str))
    except ValueError:
        pass


@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
@settings(max_examples=200, deadline=None)
def test_any_text_as_a_config_file_is_a_config_or_a_clear_error(text):
    try:
        TrainConfig.from_json(text)
    except ValueError:
        pass


@given(st.fixed_dictionaries({}, optional={name: _in_limits(name) for name in SIZE_FIELDS if name in SPECS}))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_settings_inside_their_limits_train_or_are_refused_before_allocation(changes):
    from ganviz.training import Trainer

    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    try:
        trainer = Trainer(TrainConfig().replace(**changes, history_size=10), device="cpu")
    except CLEAR:
        return
    trainer.step(1)
    # nothing that was accepted raised the process's peak by more than one run's budget
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak_before
    assert grown < run_memory_budget() + 512 * 2 ** 20


# -- uploads ----------------------------------------------------------------------------------------
def _encoded(fmt: str) -> bytes:
    out = io.BytesIO()
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 255, (12, 9, 3), dtype=np.uint8))
    picture.save(out, format=fmt)
    return out.getvalue()


VALID = [_encoded(fmt) for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")]


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (and holds almost none)."""
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


@st.composite
def uploads(draw) -> bytes:
    kind = draw(st.sampled_from(["random", "mutated", "truncated", "claimed"]))
    if kind == "random":
        return draw(st.binary(max_size=300))
    if kind == "claimed":
        return _png_claiming(draw(st.integers(0, 2 ** 31 - 1)), draw(st.integers(0, 2 ** 31 - 1)))
    data = bytearray(draw(st.sampled_from(VALID)))
    if kind == "truncated":
        return bytes(data[:draw(st.integers(0, len(data)))])
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@given(uploads())
@settings(max_examples=300, deadline=None)
def test_any_upload_is_a_picture_or_a_clear_error(data):
    try:
        image = load_image(data, name="upload.png")
    except ImageError as err:
        assert str(err) and "Traceback" not in str(err)
        return
    assert image.mode == "RGB" and image.width >= 1 and image.height >= 1


# -- links to every page --------------------------------------------------------------------------
PAGES = ["pages/train.py", "pages/mode_collapse.py", "pages/image_collapse.py", "pages/phase_diagram.py",
         "pages/landscape.py", "pages/latent.py", "pages/evaluate.py", "pages/style_transfer.py"]
# the pages' own link names (ui/links.py) besides the config's dotted ones
link_names = st.sampled_from(["present", "page", "source", "dataset", "remedy", "seed", "steps", "means", "preset",
                              "x", "xs", "y", "ys", "mode", "momentum", "clip", "shift", "checkpoint", "class", "n",
                              "seed_b", "extractor", "reference", "kid_subsets", "size", "style", "content"])
link_values = st.text(max_size=30) | st.integers(-2 ** 70, 2 ** 70).map(str) | st.sampled_from(
    ["nan", "inf", "-1", "1e308", "[[1,", "[" * 50, "/", "/etc", "a/..", "x" * 500, "true", ""])


@pytest.mark.parametrize("page", PAGES)
def test_any_link_to_a_page_opens_it_or_explains(page, open_app_page):
    @given(st.dictionaries(field_names | link_names, link_values, max_size=4))
    @settings(max_examples=4 if page != "pages/train.py" else 12, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    def opens(params):
        at = open_app_page(page, params)
        assert not at.exception, (params, [e.value for e in at.exception])

    opens()


# -- checkpoint folders ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def checkpoint_files(tmp_path_factory) -> dict:
    """A real small ganviz checkpoint's files, as bytes, for the fuzzer to break."""
    from ganviz.training import Trainer

    folder = tmp_path_factory.mktemp("run")
    Trainer(TrainConfig(batch_size=8, model=dict(width=8, depth=1)), device="cpu").save(folder)
    return {"config": json.loads((folder / "config.json").read_text()),
            "weights": (folder / "model.safetensors").read_bytes()}


@st.composite
def checkpoint_folders(draw, files: dict) -> tuple[dict | str, str, bytes]:
    """(config.json content, weights file name, weights bytes): a real checkpoint with its config's
    values replaced by any JSON, or a huggan-style config, or no config; its weights cut short, with
    bytes changed, or random."""
    config = json.loads(json.dumps(files["config"]))
    kind = draw(st.sampled_from(["train field", "shape", "huggan", "none", "text"]))
    if kind == "train field":
        name = draw(st.sampled_from(sorted(SPECS)))
        section, _, field_name = name.rpartition(".")
        (config["train"][section] if section else config["train"])[field_name] = draw(json_values)
    elif kind == "shape":
        config[draw(st.sampled_from(["shape", "num_classes"]))] = draw(json_values)
    elif kind == "huggan":
        config = draw(st.dictionaries(st.sampled_from(["num_channels", "latent_dim", "hidden_size"]), json_values,
                                      min_size=1))
    elif kind == "none":
        config = None
    else:
        config = draw(st.text(max_size=40))
    weights = bytearray(files["weights"])
    damage = draw(st.sampled_from(["intact", "truncated", "mutated", "random"]))
    if damage == "truncated":
        weights = weights[:draw(st.integers(0, len(weights)))]
    elif damage == "mutated":
        for _ in range(draw(st.integers(1, 6))):
            weights[draw(st.integers(0, len(weights) - 1))] = draw(st.integers(0, 255))
    elif damage == "random":
        weights = bytearray(draw(st.binary(max_size=200)))
    return config, draw(st.sampled_from(["model.safetensors", "pytorch_model.bin"])), bytes(weights)


def test_any_checkpoint_folder_loads_or_is_a_checkpoint_error(checkpoint_files, tmp_path_factory):
    from ganviz.hub import CheckpointError, load_generator

    @given(checkpoint_folders(checkpoint_files))
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def loads(case):
        config, name, weights = case
        folder = tmp_path_factory.mktemp("fuzzed")
        if config is not None:
            (folder / "config.json").write_text(config if isinstance(config, str) else json.dumps(config, default=str))
        (folder / name).write_bytes(weights)
        try:
            loaded = load_generator(str(folder))
        except CheckpointError as err:
            assert str(err) and "Traceback" not in str(err)
            return
        assert loaded.latent_dim >= 1

    loads()

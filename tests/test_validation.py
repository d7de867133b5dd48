"""Bad input everywhere gets a clear message naming what is wrong, and nothing runs from a file:
hyperparameters, the Train page's fields and link, checkpoints, and uploaded pictures."""
import io
import json
import math
import os
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganviz.config import DataConfig, TrainConfig
from ganviz.data import build_dataset
from ganviz.hub import CheckpointError, load_generator
from ganviz.style.images import ImageError, load_image, to_tensor
from ganviz.training import Trainer


# -- hyperparameters --------------------------------------------------------------------------------
@pytest.mark.parametrize("field, value", [
    ("lr_g", -0.1), ("lr_d", 0.0), ("lr_g", 1e9), ("lr_d", float("nan")), ("lr_g", float("inf")),
    ("lr_d", "fast"), ("lr_g", None), ("lr_d", True),
    ("batch_size", 0), ("batch_size", -5), ("batch_size", 2.5), ("batch_size", 10**12), ("batch_size", "many"),
    ("n_critic", 0), ("beta1", 1.5), ("beta2", -0.1), ("seed", -1), ("history_size", 5),
    ("gp_weight", -1.0), ("weight_clip", float("nan")), ("label_smoothing", 0.9),
    ("loss", "nope"), ("remedy", "magic"), ("device", "tpu"),
    ("model.width", 0), ("model.latent_dim", 100_000), ("model.dropout", 1.0), ("model.arch", "transformer"),
    ("data.name", "imagenet"), ("data.std", 0.0), ("data.radius", -2.0), ("data.image_size", 48),
    ("data.means", [[1.0]]), ("data.means", [[0.0, float("nan")]]), ("data.means", "here"),
])
def test_a_bad_setting_raises_value_error_naming_the_field(field, value):
    with pytest.raises(ValueError) as info:
        TrainConfig().replace(**{field: value})
    message = str(info.value)
    assert message.startswith(field), message


@pytest.mark.parametrize("data, field", [
    ({"lr_g": -1}, "lr_g"),
    ({"model": {"width": 0}}, "model.width"),
    ({"model": 5}, "model"),
    ({"data": {"name": "ring8", "bogus": 1}}, "data.bogus"),
    ({"bogus": 1}, "bogus"),
])
def test_from_dict_names_the_nested_field(data, field):
    with pytest.raises(ValueError) as info:
        TrainConfig.from_dict(data)
    assert str(info.value).startswith(field), str(info.value)


def test_a_nested_section_given_as_a_dict_is_validated_too():
    assert TrainConfig(model={"width": 8}).model.width == 8
    with pytest.raises(ValueError, match=r"^model\.width: must be >= 1"):
        TrainConfig(model={"width": 0})


def test_malformed_json_config_is_a_clear_error():
    with pytest.raises(ValueError, match="config: not valid JSON"):
        TrainConfig.from_json("{lr_g: 1")


@pytest.mark.parametrize("data, expected", [
    (dict(name="folder", root=str(Path.home() / "no-such-ganviz-images")), "is not a folder"),  # an allowed root
    (dict(name="mnist", root="/nonexistent/mnist"), "files not found"),
])
def test_missing_dataset_files_are_named(data, expected):
    with pytest.raises(FileNotFoundError, match=expected):
        build_dataset(DataConfig(**data))


# -- the Train page -------------------------------------------------------------------------------------
@pytest.fixture
def train_page(open_app_page):
    return lambda query=None: open_app_page("pages/train.py", query, timeout=90)


def test_bad_values_on_the_train_page_show_an_error_not_a_traceback(train_page):
    at = train_page()
    assert not at.exception
    for key, value, field in [("cfg:lr_d", -0.1, "lr_d"), ("cfg:lr_g", 50.0, "lr_g"),
                              ("cfg:batch_size", 0, "batch_size"), ("cfg:beta1", 2.0, "beta1")]:
        original = at.number_input(key=key).value
        at.number_input(key=key).set_value(value).run()
        assert not at.exception, at.exception
        errors = " ".join(e.value for e in at.error)
        assert field in errors, (key, errors)
        at.number_input(key=key).set_value(original).run()
        assert not at.error and not at.exception


def test_a_nonsense_link_is_ignored_with_a_warning(train_page):
    at = train_page({"lr_g": "banana", "data.means": "[[1,", "batch_size": "-3"})
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "The link's settings were ignored" in warnings


# -- checkpoints ----------------------------------------------------------------------------------------
def _load_trainer(folder):
    return Trainer.from_checkpoint(str(folder), device="cpu")


def _load_generator(folder):
    return load_generator(str(folder))


LOADERS = pytest.mark.parametrize("load", [_load_trainer, _load_generator], ids=["Trainer", "hub"])


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ckpt") / "good"
    Trainer(TrainConfig(batch_size=8, model=dict(width=8, depth=1)), device="cpu").save(folder)
    return folder


def _copy(checkpoint: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    shutil.copytree(checkpoint, folder)
    return folder


@LOADERS
def test_a_good_checkpoint_loads(load, checkpoint):
    assert load(checkpoint) is not None


@LOADERS
def test_a_missing_folder_is_named(load, tmp_path):
    with pytest.raises(CheckpointError, match="not a folder"):
        load(tmp_path / "nowhere")


@LOADERS
def test_missing_weights_are_named(load, checkpoint, tmp_path):
    folder = _copy(checkpoint, tmp_path)
    (folder / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="no model.safetensors or pytorch_model.bin"):
        load(folder)


@LOADERS
@pytest.mark.parametrize("text, expected", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must hold an object"),
])
def test_a_malformed_config_json_is_named(load, checkpoint, tmp_path, text, expected):
    folder = _copy(checkpoint, tmp_path)
    (folder / "config.json").write_text(text)
    with pytest.raises(CheckpointError, match=expected):
        load(folder)


@LOADERS
def test_an_invalid_value_in_config_json_names_the_field(load, checkpoint, tmp_path):
    folder = _copy(checkpoint, tmp_path)
    config = json.loads((folder / "config.json").read_text())
    config["train"]["lr_d"] = -1
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="lr_d: must be > 0"):
        load(folder)


@LOADERS
def test_weights_of_another_shape_are_named(load, checkpoint, tmp_path):
    folder = _copy(checkpoint, tmp_path)
    config = json.loads((folder / "config.json").read_text())
    config["train"]["model"]["width"] = 16
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"weight is \(8, 16\) in the file but \(16, 16\) in the model"):
        load(folder)


@LOADERS
def test_a_corrupted_weights_file_is_named(load, checkpoint, tmp_path):
    folder = _copy(checkpoint, tmp_path)
    (folder / "model.safetensors").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load(folder)


class _RunsCode:
    """Unpickling this calls a function: exactly what a malicious checkpoint would do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@LOADERS
def test_a_pickle_that_would_run_code_is_refused_and_nothing_runs(load, checkpoint, tmp_path):
    folder = _copy(checkpoint, tmp_path)
    (folder / "model.safetensors").unlink()
    marker = tmp_path / "code-ran"
    torch.save({"generator.weight": _RunsCode(marker)}, folder / "pytorch_model.bin")
    with pytest.raises(CheckpointError, match="refused to unpickle"):
        load(folder)
    assert not marker.exists()


# -- uploaded pictures ------------------------------------------------------------------------------
def _png_header(width: int, height: int) -> bytes:
    """A PNG claiming width x height RGB pixels, with a few KB of zlib data: a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = zlib.compress(b"\x00" * (1 + 3 * width) * 64, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def _encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("data, expected", [
    (b"", "not an image"),
    (b"%PDF-1.4 this is a document, not a picture", "not an image"),
    (os.urandom(2048), "not an image"),
    (_encoded(Image.effect_noise((64, 64), 50))[:2000], "cannot be decoded"),  # cut short
    (_png_header(60_000, 60_000), "too large|megapixels"),
])
def test_bad_uploads_raise_a_readable_image_error(data, expected):
    with pytest.raises(ImageError, match=expected):
        load_image(data, name="upload.png")


def test_an_image_above_the_pixel_limit_is_refused_before_decoding():
    with pytest.raises(ImageError, match="megapixels"):
        load_image(_encoded(Image.new("RGB", (300, 200))), name="big.png", max_pixels=50_000)


@pytest.mark.parametrize("image, fmt", [
    (Image.new("RGBA", (9, 7), (255, 0, 0, 0)), "PNG"),
    (Image.new("LA", (9, 7), (80, 128)), "PNG"),
    (Image.new("P", (9, 7), 3), "GIF"),
    (Image.new("1", (9, 7), 1), "BMP"),
    (Image.new("CMYK", (9, 7), (0, 255, 0, 0)), "JPEG"),
    (Image.fromarray(np.full((7, 9), 40000, dtype=np.uint16)), "PNG"),
    (Image.fromarray(np.full((7, 9), 0.5, dtype=np.float32)), "TIFF"),
])
def test_odd_image_modes_become_rgb(image, fmt):
    picture = load_image(_encoded(image, fmt), name=f"odd.{fmt.lower()}")
    tensor = to_tensor(picture)
    assert picture.mode == "RGB" and tensor.shape == (3, 7, 9)
    assert 0.0 <= float(tensor.min()) and float(tensor.max()) <= 1.0 and not math.isnan(float(tensor.sum()))

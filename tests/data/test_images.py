import numpy as np
import pytest
import torch
from PIL import Image

from ganviz.config import DataConfig
from ganviz.data import build_dataset


@pytest.mark.parametrize("size", [28, 32])
def test_digits_are_real_images_in_minus_one_one(size):
    data = build_dataset(DataConfig(name="digits", image_size=size))
    assert len(data) == 1797 and data.shape == (1, size, size) and data.num_classes == 10
    assert data.images.min() >= -1 and data.images.max() <= 1
    assert data.images.min() == -1 and data.images.max() > 0.9  # background black, strokes bright
    assert sorted(data.labels.unique().tolist()) == list(range(10))
    x, y = data.sample(16, torch.Generator().manual_seed(0))
    assert x.shape == (16, 1, size, size) and y.shape == (16,)


def test_mnist_without_files_fails_fast_with_a_clear_message(tmp_path):
    with pytest.raises(FileNotFoundError, match="mnist.*digits"):
        build_dataset(DataConfig(name="mnist", root=str(tmp_path)))


def test_image_folder_loads_resizes_and_labels(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.fromarray(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(tmp_path / cls / f"{i}.png")
    data = build_dataset(DataConfig(name="folder", root=str(tmp_path), image_size=32, channels=3))
    assert data.images.shape == (6, 3, 32, 32) and data.num_classes == 2
    assert data.images.min() >= -1 and data.images.max() <= 1


def test_image_folder_missing_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        build_dataset(DataConfig(name="folder", root=str(tmp_path / "missing")))

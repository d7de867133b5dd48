import numpy as np
import pytest
import torch
from PIL import Image

from ganviz.config import DataConfig
from ganviz.data import build_dataset
from ganviz.data.images import DATA_ROOTS_ENV, allowed_roots, image_folder


def _pictures(root, classes=("cats", "dogs"), per_class=3):
    rng = np.random.default_rng(0)
    for cls in classes:
        (root / cls).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(root / cls / f"{i}.png")


@pytest.mark.parametrize("size", [28, 32, 64])
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


def test_image_folder_loads_resizes_and_labels(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ROOTS_ENV, str(tmp_path))
    _pictures(tmp_path)
    data = build_dataset(DataConfig(name="folder", root=str(tmp_path), image_size=32, channels=3))
    assert data.images.shape == (6, 3, 32, 32) and data.num_classes == 2
    assert data.images.min() >= -1 and data.images.max() <= 1


def test_image_folder_missing_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ROOTS_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not a folder"):
        build_dataset(DataConfig(name="folder", root=str(tmp_path / "missing")))


def test_folders_are_read_only_under_the_allowed_roots_and_errors_list_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ROOTS_ENV, raising=False)
    assert len(allowed_roots()) == 2  # the project's data/ and the home folder
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    _pictures(outside, classes=("secret-a", "secret-b"))
    allowed.mkdir()
    (allowed / "escape").symlink_to(outside, target_is_directory=True)
    monkeypatch.setenv(DATA_ROOTS_ENV, str(allowed))
    for root in ("/", "/etc", str(outside), str(allowed / "escape"), str(allowed / ".." / "outside")):
        with pytest.raises(ValueError, match="data.root must be inside a folder this server allows") as err:
            build_dataset(DataConfig(name="folder", root=root, image_size=32))
        assert "secret" not in str(err.value) and "passwd" not in str(err.value)


def test_links_inside_a_folder_are_not_followed(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ROOTS_ENV, str(tmp_path / "allowed"))
    _pictures(tmp_path / "outside", classes=("secret",))
    _pictures(tmp_path / "allowed", classes=("cats",), per_class=2)
    (tmp_path / "allowed" / "linked").symlink_to(tmp_path / "outside" / "secret", target_is_directory=True)
    (tmp_path / "allowed" / "cats" / "linked.png").symlink_to(tmp_path / "outside" / "secret" / "0.png")
    data = image_folder(str(tmp_path / "allowed"), 16, 3)
    assert len(data) == 2 and data.num_classes == 1


def test_the_scan_stops_at_its_bounds_and_says_so_without_listing(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ROOTS_ENV, str(tmp_path))
    _pictures(tmp_path, classes=[f"class-{i}" for i in range(5)], per_class=4)
    with pytest.raises(ValueError, match=r"more than 10 entries or 10 s to scan") as err:
        image_folder(str(tmp_path), 16, 3, max_entries=10)
    assert "class-" not in str(err.value)
    with pytest.raises(ValueError, match=r"0 s to scan"):
        image_folder(str(tmp_path), 16, 3, max_seconds=0)
    assert len(image_folder(str(tmp_path), 16, 3, max_images=10)) == 10  # spread over the classes
    assert len(set(image_folder(str(tmp_path), 16, 3, max_images=10).labels.tolist())) == 5


def test_a_folder_without_images_or_with_a_broken_one_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ROOTS_ENV, str(tmp_path))
    (tmp_path / "empty" / "only-text").mkdir(parents=True)
    (tmp_path / "empty" / "only-text" / "notes.txt").write_text("hello")
    with pytest.raises(FileNotFoundError, match="no images found") as err:
        image_folder(str(tmp_path / "empty"), 16, 3)
    assert "only-text" not in str(err.value)
    _pictures(tmp_path / "broken", classes=("cats",), per_class=1)
    (tmp_path / "broken" / "cats" / "bad.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"cats/bad.png is not a readable image"):
        image_folder(str(tmp_path / "broken"), 16, 3)

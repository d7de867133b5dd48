"""GIF and MP4 files and bytes: read back with Pillow and with imageio's ffmpeg, and the paths
that are refused before anything is trained."""
import io

import numpy as np
import pytest
from PIL import Image

from ganviz.animation import writers
from ganviz.animation.writers import ExportError, check_target, encode, write


def pictures(n: int = 5, height: int = 50, width: int = 70) -> list[np.ndarray]:
    """Frames that differ: a bar that moves right, on a colour that changes."""
    out = []
    for i in range(n):
        p = np.full((height, width, 3), (20 * i, 100, 200), dtype=np.uint8)
        p[:, i * 5:i * 5 + 5] = 0
        out.append(p)
    return out


def test_gif_has_every_frame_at_its_size_and_speed(tmp_path):
    path = write(pictures(5), tmp_path / "run.gif", fps=20)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 5 and gif.size == (70, 50)
        assert gif.info["duration"] == 50 and gif.info["loop"] == 0
        gif.seek(3)
        frame = np.asarray(gif.convert("RGB"))
    assert (frame[:, 15:20] == 0).all() and tuple(frame[0, 0]) == (60, 100, 200)  # the fourth frame, no dithering


def test_frames_of_different_sizes_are_padded_white_not_scaled():
    data = encode([pictures(1, 40, 60)[0], pictures(1, 50, 70)[0]], "gif")
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.size == (70, 50)
        first = np.asarray(gif.convert("RGB"))
    assert (first[45, :] == 255).all() and (first[:, 65] == 255).all() and tuple(first[0, 30]) == (0, 100, 200)


needs_ffmpeg = pytest.mark.skipif(writers.mp4_unavailable() is not None, reason=str(writers.mp4_unavailable()))


@needs_ffmpeg
def test_mp4_reads_back_through_ffmpeg_with_every_frame(tmp_path):
    import imageio.v3 as iio

    path = write(pictures(7), tmp_path / "run.mp4", fps=10)
    video = iio.imread(path)
    assert video.shape == (7, 64, 80, 3)  # padded to whole 16 x 16 blocks, never resized
    assert np.abs(video[3, :50, :70].astype(int) - pictures(7)[3].astype(int)).mean() < 8  # lossy, but the picture
    assert iio.immeta(path)["fps"] == 10


@needs_ffmpeg
def test_mp4_bytes_are_a_playable_file(tmp_path):
    import imageio.v3 as iio

    data = encode(pictures(3), "mp4")
    assert data[4:8] == b"ftyp"  # an ISO media file
    (tmp_path / "x.mp4").write_bytes(data)
    assert iio.imread(tmp_path / "x.mp4").shape[0] == 3


def test_mp4_without_ffmpeg_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(writers, "mp4_unavailable", lambda: "MP4 needs imageio and imageio-ffmpeg (pip install ...)")
    with pytest.raises(ExportError, match="imageio-ffmpeg"):
        check_target(tmp_path / "x.mp4")
    with pytest.raises(ExportError, match="imageio-ffmpeg"):
        encode(pictures(2), "mp4")


def test_nothing_recorded_is_an_error_not_an_empty_file(tmp_path):
    with pytest.raises(ExportError, match="no frames"):
        write([], tmp_path / "x.gif")
    assert not (tmp_path / "x.gif").exists()


@pytest.mark.parametrize("name, fmt, message", [
    ("x.png", None, "written as .gif or .mp4"),
    ("noext", None, "no suffix"),
    ("x.gif", "mp4", "must end in .mp4"),
    ("missing/x.gif", None, "does not exist"),
    ("folder.gif", None, "is a folder"),
])
def test_bad_targets_are_refused(tmp_path, name, fmt, message):
    (tmp_path / "folder.gif").mkdir()
    with pytest.raises(ExportError, match=message):
        check_target(tmp_path / name, fmt)


@pytest.mark.parametrize("fps", [0, -1, 1000])
def test_fps_is_validated(fps):
    with pytest.raises(ExportError, match="fps"):
        encode(pictures(2), "gif", fps=fps)

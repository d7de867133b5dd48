"""``--gif`` / ``--mp4`` on ``toy``, ``train`` and ``landscape dirac``: the file holds a frame every
``--frame-every`` updates from start to end, and a path that cannot be written is refused before
anything trains."""
import argparse
import json

import pytest
from PIL import Image

from ganviz.animation import MAX_FRAMES, writers
from ganviz.animation.cli import frame_every
from ganviz.cli import main

SMALL = ["--model.width", "8", "--batch_size", "16", "--quiet"]


def gif_frames(path) -> tuple[int, tuple[int, int]]:
    with Image.open(path) as gif:
        return gif.n_frames, gif.size


def test_toy_writes_the_plane_as_it_trains(tmp_path, capsys):
    gif = tmp_path / "ring.gif"
    assert main(["toy", "--steps", "5", "--eval-samples", "300", "--gif", str(gif), "--frame-every", "2",
                 "--json", *SMALL]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["gif"] == str(gif)
    assert gif_frames(gif)[0] == 4  # steps 0, 2, 4 and the end, 5


def test_frames_and_metrics_keep_their_own_cadence(tmp_path, capsys):
    gif = tmp_path / "ring.gif"
    assert main(["toy", "--steps", "8", "--eval-every", "4", "--eval-samples", "300", "--gif", str(gif),
                 "--frame-every", "3", "--json", *SMALL]) == 0
    assert json.loads(capsys.readouterr().out)["timeline"]["step"] == [4, 8]
    assert gif_frames(gif)[0] == 4  # steps 0, 3, 6 and the end, 8


def test_train_writes_gif_and_mp4_of_the_samples(tmp_path, capsys):
    gif, mp4 = tmp_path / "s.gif", tmp_path / "s.mp4"
    flags = ["--mp4", str(mp4)] if writers.mp4_unavailable() is None else []
    assert main(["train", "--data.name", "ring8", "--steps", "6", "--chunk", "4", "--frame-every", "3",
                 "--out", str(tmp_path / "run"), "--gif", str(gif), *flags, *SMALL]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["gif"] == str(gif) and report["steps"] == 6
    frames, size = gif_frames(gif)
    assert frames == 3  # steps 0, 3, 6: the frame cadence cuts the chunks of 4
    if flags:
        import imageio.v3 as iio

        video = iio.imread(mp4)
        assert video.shape[0] == 3 and video.shape[1] >= size[1] and video.shape[2] >= size[0]


def test_landscape_dirac_animates_the_trajectory(tmp_path, capsys):
    gif = tmp_path / "d.gif"
    assert main(["landscape", "dirac", "--steps", "200", "--resolution", "21", "--frame-every", "50",
                 "--gif", str(gif)]) == 0
    assert f"GIF written to {gif}" in capsys.readouterr().out
    assert gif_frames(gif)[0] == 5  # steps 0, 50, 100, 150, 200


@pytest.mark.parametrize("steps", [10, 99, 1000, 123_457])
def test_the_default_cadence_spreads_about_max_frames_over_the_run(steps):
    every = frame_every(argparse.Namespace(frame_every=None), steps)
    kept = len(range(0, steps + 1, every))
    assert kept <= MAX_FRAMES and (kept >= 0.9 * MAX_FRAMES or every == 1)


@pytest.mark.parametrize("flag, name, message", [
    ("--gif", "missing/x.gif", "does not exist"),
    ("--gif", "x.png", "written as .gif or .mp4"),
    ("--mp4", "x.gif", "must end in .mp4"),
])
def test_a_bad_path_is_refused_before_training(tmp_path, capsys, flag, name, message):
    out = tmp_path / "run"
    assert main(["train", "--steps", "2", "--out", str(out), flag, str(tmp_path / name), *SMALL]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert not out.exists()  # nothing was trained or written


def test_mp4_without_imageio_ffmpeg_is_refused_with_the_fix(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(writers, "mp4_unavailable", lambda: "MP4 needs imageio and imageio-ffmpeg (pip install "
                                                            "imageio imageio-ffmpeg): not installed")
    assert main(["toy", "--steps", "2", "--mp4", str(tmp_path / "x.mp4"), *SMALL]) == 2
    assert "pip install imageio imageio-ffmpeg" in capsys.readouterr().err


@pytest.mark.parametrize("flags, message", [(["--frame-every", "0"], "frame-every"), (["--fps", "0"], "fps")])
def test_export_settings_are_validated(tmp_path, capsys, flags, message):
    assert main(["landscape", "dirac", "--gif", str(tmp_path / "x.gif"), *flags]) == 2
    assert message in capsys.readouterr().err

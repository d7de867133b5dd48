"""``python -m ganviz``: every bad input and every failed run is one ``error: ...`` line on stderr
and a non-zero exit, never a traceback; only a bug keeps its traceback."""
import argparse
import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from ganviz.cli import MAX_STEPS, main
from ganviz.collapse import cli as toy_cli
from ganviz.hub import CheckpointError
from ganviz.resources import OutOfMemory
from ganviz.training import DivergenceError

SMALL_TRAIN = ["--batch_size", "8", "--model.width", "8", "--model.depth", "1", "--device", "cpu", "--quiet"]
# LSGAN's quadratic loss with Adam at the largest allowed learning rate blows up within a few steps
DIVERGING = ["--loss", "lsgan", "--lr_g", "1", "--lr_d", "1", "--batch_size", "32", "--model.width", "128",
             "--model.depth", "3", "--chunk", "1", "--device", "cpu", "--quiet"]


def fails(capsys, argv: list[str], code: int = 2) -> str:
    """Run ``argv``; assert it fails with ``code`` and one clean error report; return stderr."""
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err, err
    return err


def nested(depth: int) -> str:
    return "[" * depth + "0" + "]" * depth


@pytest.mark.parametrize("steps", ["1e21", "2.5", "ten", str(MAX_STEPS + 1), "0", "9" * 5000])
def test_steps_must_be_a_bounded_whole_number(capsys, tmp_path, steps):
    err = fails(capsys, ["train", "--steps", steps, "--out", str(tmp_path), *SMALL_TRAIN])
    assert "--steps" in err and len(err) < 400


def test_every_command_bounds_its_steps(capsys, tmp_path):
    assert "--steps" in fails(capsys, ["toy", "--steps", "1e21", "--quiet"])
    assert "--steps" in fails(capsys, ["phase", "--x", "lr_d=1e-3", "--y", "seed=0", "--steps", "1e21"])
    assert "--steps" in fails(capsys, ["landscape", "slice", "--steps", "1e21"])


def test_bad_flags_and_commands(capsys):
    assert "invalid choice: 'spiral'" in fails(capsys, ["toy", "--dataset", "spiral"])
    assert "unknown command 'bogus'" in fails(capsys, ["bogus"])
    assert "required" in fails(capsys, ["sample", "digits-dcgan"])  # -o is missing


def test_bad_values_and_files(capsys, tmp_path):
    assert "lr_d: must be > 0" in fails(capsys, ["train", "--lr_d", "-1", "--out", str(tmp_path), *SMALL_TRAIN])
    assert "data.means: the JSON is nested too deeply" in fails(
        capsys, ["train", "--data.name", "custom", "--data.means", nested(1100), "--out", str(tmp_path), *SMALL_TRAIN])
    assert "missing.json: No such file" in fails(capsys, ["train", "--config", str(tmp_path / "missing.json")])
    (tmp_path / "deep.json").write_text(json.dumps({"data": {"name": "custom"}})[:-2] + ', "means": '
                                        + nested(1100) + "}}")
    assert "nested too deeply" in fails(capsys, ["train", "--config", str(tmp_path / "deep.json")])


def test_an_out_folder_that_cannot_be_written_fails_before_training(capsys, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    err = fails(capsys, ["train", "--steps", "1", "--out", str(tmp_path / "file" / "x"), *SMALL_TRAIN])
    assert "file/x: Not a directory" in err


def test_divergence_names_the_step_and_the_metric(capsys, tmp_path):
    err = fails(capsys, ["train", "--steps", "50", "--out", str(tmp_path), *DIVERGING], code=1)
    assert "training diverged" in err
    assert any(f"({metric}) became" in err for metric in ("d_loss", "g_loss", "grad_norm_d", "grad_norm_g",
                                                          "d_real", "d_fake"))
    assert " at step " in err


@pytest.mark.parametrize("source", ["a/..", "x" * 5000, "owner/name--x", "bad\x00id"])
def test_bad_checkpoint_sources(capsys, tmp_path, source):
    err = fails(capsys, ["sample", source, "-o", str(tmp_path / "x.png")])
    assert "not a folder, a shipped checkpoint" in err and len(err) < 600


def test_a_text_file_as_weights(capsys, tmp_path):
    (tmp_path / "pytorch_model.bin").write_text("these are not weights\n" * 10)
    assert "not a readable PyTorch weights file" in fails(capsys, ["sample", str(tmp_path), "-o",
                                                                   str(tmp_path / "x.png")])


def test_an_absurdly_thin_style_image(capsys, tmp_path):
    Image.fromarray(np.zeros((1, 50000, 3), np.uint8)).save(tmp_path / "strip.png")
    Image.new("RGB", (32, 32)).save(tmp_path / "ok.png")
    err = fails(capsys, ["style", str(tmp_path / "strip.png"), str(tmp_path / "ok.png"), "--weights", "random",
                         "--quiet", "-o", str(tmp_path / "out.png")])
    assert "strip.png is 50000x1" in err


@pytest.mark.parametrize("error, code, text", [
    (CheckpointError("x: no such model repo"), 2, "error: x: no such model repo"),
    (FileNotFoundError(2, "No such file or directory", "/nowhere/a.png"), 2,
     "error: /nowhere/a.png: No such file or directory"),
    (PermissionError(13, "Permission denied", "/root/out"), 2, "error: /root/out: Permission denied"),
    (DivergenceError("D loss (d_loss) became nan at step 7: training diverged", 7), 1,
     "error: D loss (d_loss) became nan at step 7"),
    (OutOfMemory("Out of memory while training. Try a smaller batch size"), 1, "error: Out of memory"),
    (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB"), 1, "error: Out of GPU memory"),
])
def test_each_failure_class_is_one_line_and_an_exit_code(capsys, monkeypatch, error, code, text):
    def run(args: argparse.Namespace) -> int:
        raise error
    monkeypatch.setattr(toy_cli, "run", run)
    assert main(["toy"]) == code
    err = capsys.readouterr().err
    assert err.startswith(text) and "Traceback" not in err, err


def test_a_bug_keeps_its_traceback(monkeypatch):
    def run(args: argparse.Namespace) -> int:
        raise KeyError("a bug")
    monkeypatch.setattr(toy_cli, "run", run)
    with pytest.raises(KeyError):
        main(["toy"])


def test_a_run_above_the_memory_budget_is_refused_before_it_starts(capsys, tmp_path, monkeypatch):
    from ganviz.resources import RUN_MEMORY_ENV

    monkeypatch.setenv(RUN_MEMORY_ENV, "1536")  # restored after the test: --memory-budget sets it
    hostile = ["--model.width", "4096", "--model.depth", "16", "--remedy", "mixture", "--n_generators", "64"]
    err = fails(capsys, ["train", "--steps", "1", "--out", str(tmp_path), *hostile, "--device", "cpu", "--quiet"])
    assert "503,533,571 parameters" in err and "limit of 1,536 MB per run" in err
    assert "limit of 1 MB per run" in fails(capsys, ["--memory-budget", "1", "train", "--steps", "1",  # ~6 MB
                                                     "--out", str(tmp_path), "--device", "cpu", "--quiet"])
    assert main(["--memory-budget=64", "train", "--steps", "2", "--out", str(tmp_path / "ok"), *SMALL_TRAIN]) == 0
    assert "--memory-budget: must be a whole number" in fails(capsys, ["--memory-budget", "lots", "train"])
    assert os.environ[RUN_MEMORY_ENV] == "64"  # a refused budget leaves the one before it in place
    assert "--memory-budget: expected a number" in fails(capsys, ["--memory-budget"])

import json
import os
import subprocess
import sys

from ganviz.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL = ["--model.width", "8", "--batch_size", "16", "--quiet"]


def test_the_issue_command_prints_final_mode_metrics_as_json():
    # the exact command of the issue, only with fewer steps
    cmd = [sys.executable, "-m", "ganviz", "toy", "--dataset", "ring8", "--loss", "ns", "--remedy", "unrolled",
           "--steps", "2", "--seed", "0", "--json", "--quiet"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": ROOT})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    m = result["metrics"]
    assert m["num_modes"] == 8 and 0 <= m["modes"] <= 8 and 0 <= m["high_quality"] <= 100
    assert {"modes_strict", "reverse_kl", "kl", "js", "mass", "covered"} <= set(m)
    assert result["config"]["remedy"] == "unrolled" and result["config"]["loss"] == "ns"
    assert result["config"]["data"]["name"] == "ring8" and result["steps"] == 2


def test_metrics_over_time_and_config_flags(capsys):
    assert main(["toy", "--dataset", "grid25", "--steps", "4", "--eval-every", "2", "--eval-samples", "300",
                 "--remedy", "pacgan", "--pack", "4", "--seed", "3", "--json", *SMALL]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["timeline"]["step"] == [2, 4]
    assert len(result["timeline"]["modes"]) == 2 and result["metrics"]["num_modes"] == 25
    assert result["config"]["pack"] == 4 and result["config"]["seed"] == 3
    assert result["config"]["model"]["width"] == 8


def test_steps_default_to_the_benchmark_length_of_each_dataset(capsys, monkeypatch):
    from ganviz.collapse import experiment as collapse

    monkeypatch.setitem(collapse.STEPS, "grid25", 3)
    assert main(["toy", "--dataset", "grid25", "--json", *SMALL]) == 0
    assert json.loads(capsys.readouterr().out)["steps"] == 3


def test_custom_mixture_and_human_readable_report(capsys, tmp_path):
    assert main(["toy", "--dataset", "custom", "--data.means", "[[0, 0], [3, 3]]", "--steps", "2",
                 "--save", str(tmp_path / "ckpt"), *SMALL]) == 0
    text = capsys.readouterr().out
    assert "modes covered:" in text and "/2" in text and "high quality" in text
    assert (tmp_path / "ckpt" / "model.safetensors").exists()


def test_bad_settings_fail_with_a_message(capsys):
    assert main(["toy", "--remedy", "pacgan", "--pack", "3", "--steps", "2", *SMALL]) == 2
    assert "batch_size" in capsys.readouterr().err
    assert main(["toy", "--steps", "0", *SMALL]) == 2
    assert capsys.readouterr().err.startswith("error: argument --steps: must be from 1")
    assert main(["toy", "--dataset", "spiral"]) == 2
    assert capsys.readouterr().err.startswith("error: argument --dataset: invalid choice")


def test_shapes_images_report_their_shape_and_colour_modes_and_animate_as_pictures(capsys, tmp_path):
    from PIL import Image

    gif = tmp_path / "shapes.gif"
    assert main(["toy", "--dataset", "shapes", "--steps", "2", "--eval-samples", "120", "--model.channels", "8",
                 "--batch_size", "16", "--remedy", "pacgan", "--quiet", "--gif", str(gif), "--frame-every", "1"]) == 0
    text = capsys.readouterr().out
    assert "shapes · loss ns · remedy pacgan" in text and "/24 (>= 1 high-quality sample" in text
    assert "grid JS" not in text  # 2D only
    animation = Image.open(gif)
    assert animation.n_frames == 3 and animation.width > 8 * 34  # steps 0, 1, 2: the 64-picture grid, titled

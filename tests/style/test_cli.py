"""``python -m ganviz style``: pictures in, a PNG out; bad input gives a one-line error."""
import json

from PIL import Image

from ganviz.cli import main


def test_writes_the_stylized_png(tmp_path, capsys):
    Image.effect_noise((40, 30), 60).convert("RGB").save(tmp_path / "content.png")
    Image.new("RGBA", (20, 20), (200, 30, 30, 128)).save(tmp_path / "style.png")
    out = tmp_path / "out" / "result.png"
    code = main(["style", str(tmp_path / "content.png"), str(tmp_path / "style.png"), "-o", str(out),
                 "--steps", "3", "--size", "32", "--layers", "tutorial", "--weights", "random", "--quiet"])
    assert code == 0
    assert Image.open(out).size == (32, 24)
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["evaluations"] == 3 and report["loss"] > 0


def test_bad_inputs_are_one_line_errors(tmp_path, capsys, monkeypatch):
    (tmp_path / "notes.png").write_text("not a picture")
    Image.new("RGB", (8, 8)).save(tmp_path / "ok.png")
    assert main(["style", str(tmp_path / "notes.png"), str(tmp_path / "ok.png"), "--weights", "random"]) == 2
    assert "notes.png is not an image" in capsys.readouterr().err
    assert main(["style", str(tmp_path / "ok.png"), str(tmp_path / "ok.png"), "--size", "8"]) == 2
    assert "size: must be >= 16" in capsys.readouterr().err
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    assert main(["style", str(tmp_path / "ok.png"), str(tmp_path / "ok.png"), "--no-download"]) == 2
    assert "VGG19 ImageNet weights are missing" in capsys.readouterr().err

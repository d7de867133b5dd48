"""``python -m ganviz directions --factors`` and ``fit-direction`` on the hand-made shapes generator
(tests/latent/conftest.py), whose z[0] moves the shape right."""
import json

import numpy as np
import pytest
from PIL import Image

from ganviz.cli import main
from ganviz.latent import cli


@pytest.fixture
def hand_made(monkeypatch, shapes_generator):
    monkeypatch.setattr(cli, "load", lambda args: shapes_generator)


def test_directions_name_what_each_moves(hand_made, capsys):
    assert main(["directions", "hand-made", "--k", "3", "--factors", "--paths", "8"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("PC")]
    assert len(rows) == 3
    assert "mostly x: moves it right" in rows[0] and "mostly y: moves it down" in rows[1]
    assert "mostly scale: makes it larger" in rows[2]

    assert main(["directions", "hand-made", "--k", "2", "--factors", "--paths", "8", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [d["top"] for d in report["directions"]] == ["x", "y"]
    assert report["directions"][0]["correlations"]["x"] > 0.8 and 0 < report["directions"][0]["explained"] < 1


def test_fit_direction_prints_the_fit_and_draws_samples_along_it(hand_made, tmp_path, capsys):
    out = tmp_path / "ladder.png"
    assert main(["fit-direction", "hand-made", "--factor", "x", "--n", "400", "--json",
                 "--rows", "2", "--scale", "1", "-o", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["metric"] == "R²" and report["quality"] > 0.9
    vector = np.array(report["vector"])
    assert vector[0] > 0.95 and np.linalg.norm(vector) == pytest.approx(1, abs=1e-3)
    ladder = np.asarray(Image.open(out))
    assert ladder.shape[:2] == (2 * 32 + 3 * 2, 7 * 32 + 8 * 2)  # 2 samples x 7 amounts
    light = ladder[2:34].astype(float).sum(axis=(0, 2))  # the first sample's row, summed down each column
    centres = [np.average(np.arange(32), weights=light[2 + 34 * j: 34 + 34 * j]) for j in range(7)]
    assert np.all(np.diff(centres) > 0)  # the shape moves right from -3 to +3

    assert main(["fit-direction", "hand-made", "--factor", "star", "--n", "400"]) == 0
    assert "makes it a star (star): balanced accuracy" in capsys.readouterr().out


def test_grey_generators_cannot_be_named(capsys):
    assert main(["directions", "digits-dcgan", "--k", "2", "--factors"]) == 2
    assert "3-channel" in capsys.readouterr().err

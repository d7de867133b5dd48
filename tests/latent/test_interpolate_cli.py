import numpy as np
from PIL import Image

from ganviz.cli import main


def test_strip_starts_and_ends_at_the_seeded_samples(tmp_path):
    strip, grid = tmp_path / "strip.png", tmp_path / "grid.png"
    assert main(["interpolate", "digits-dcgan", "--seed-a", "3", "--seed-b", "4", "--steps", "5", "--slerp",
                 "--scale", "1", "-o", str(strip)]) == 0
    assert main(["sample", "digits-dcgan", "--n", "2", "--seed", "3", "--nrow", "2", "--scale", "1", "-o", str(grid)]) == 0
    strip, grid = np.asarray(Image.open(strip)), np.asarray(Image.open(grid))
    assert strip.shape[1] == 5 * 28 + 6 * 2
    cell = lambda image, i: image[2:30, 2 + 30 * i:30 + 30 * i]
    assert np.array_equal(cell(strip, 0), cell(grid, 0)) and np.array_equal(cell(strip, 4), cell(grid, 1))


def test_gif_goes_there_and_back(tmp_path):
    out = tmp_path / "walk.gif"
    assert main(["interpolate", "digits-dcgan-cond", "--class", "7", "--steps", "4", "-o", str(out)]) == 0
    assert Image.open(out).n_frames == 6  # 4 forward, 2 back


def test_conditional_model_needs_a_class(tmp_path, capsys):
    assert main(["interpolate", "digits-dcgan-cond", "-o", str(tmp_path / "x.png")]) == 2
    assert "--class" in capsys.readouterr().err

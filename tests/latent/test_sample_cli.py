import numpy as np
from PIL import Image

from ganviz.cli import main


def test_sample_grid_png(tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["sample", "digits-dcgan", "--n", "6", "--nrow", "3", "--seed", "5", "--scale", "1", "-o", str(out)]) == 0
    image = np.asarray(Image.open(out))
    assert image.shape[:2] == (2 * 28 + 3 * 2, 3 * 28 + 4 * 2)  # 2 rows x 3 columns, 2 px padding
    assert "seeds 5..10" in capsys.readouterr().out


def test_conditional_sample_defaults_to_one_class_per_column(tmp_path):
    out = tmp_path / "cond.png"
    assert main(["sample", "digits-dcgan-cond", "--n", "20", "--scale", "1", "-o", str(out)]) == 0
    assert np.asarray(Image.open(out)).shape[1] == 10 * 28 + 11 * 2


def test_offline_hub_source_is_a_clear_error(tmp_path, capsys):
    assert main(["sample", "huggan/dcgan-mnist", "-o", str(tmp_path / "x.png")]) == 2
    assert "cannot be reached" in capsys.readouterr().err

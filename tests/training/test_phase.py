"""Phase diagrams: axes parse and validate, the grid is row-major, scores fill in, the CLI prints."""
import json

import numpy as np
import pytest

from ganviz.cli import main
from ganviz.config import TrainConfig
from ganviz.training.phase import PhaseDiagram, axis_range, grid_configs, parse_axis

BASE = TrainConfig().replace(**{"model.width": 8, "model.depth": 1, "batch_size": 16, "device": "cpu"})


def test_axes_parse_lists_and_ranges():
    assert parse_axis("lr_d=1e-4:1e-2:3") == ("lr_d", [1e-4, 1e-3, 1e-2])
    assert parse_axis("n_critic=1,2,5") == ("n_critic", [1, 2, 5])
    assert parse_axis("loss=ns, hinge") == ("loss", ["ns", "hinge"])
    assert axis_range("seed", 0, 3, 4) == [0, 1, 2, 3]
    for bad in ("speed=1,2", "lr_d", "n_critic=one", "lr_d=0:1e-2:3"):
        with pytest.raises(ValueError):
            parse_axis(bad)


def test_grid_is_row_major_and_validated():
    configs = grid_configs(BASE, "lr", [1e-4, 1e-3], "n_critic", [1, 2, 3])
    assert len(configs) == 6
    assert [(c.lr_d, c.lr_g, c.n_critic) for c in configs[:3]] == [(1e-4, 1e-4, 1), (1e-3, 1e-3, 1), (1e-4, 1e-4, 2)]
    with pytest.raises(ValueError, match="differ"):
        grid_configs(BASE, "seed", [0, 1], "seed", [2, 3])
    with pytest.raises(ValueError, match="lr_d"):
        grid_configs(BASE, "lr", [1e-3], "lr_d", [1e-3])
    with pytest.raises(ValueError, match="loss"):
        grid_configs(BASE, "loss", ["ns", "nonsense"], "seed", [0])
    with pytest.raises(ValueError, match="distinct"):
        grid_configs(BASE, "seed", [0, 0], "lr", [1e-3])


def test_cells_fill_in_as_they_are_scored():
    diagram = PhaseDiagram(BASE, "lr_d", [1e-3, 1e-2], "loss", ["ns", "hinge", "wgan-gp"])
    assert diagram.shape == (3, 2) and np.isnan(diagram.modes).all()
    assert diagram.cell(3) == {"loss": "hinge", "lr_d": 1e-2}
    diagram.population.step(3)
    diagram.refresh()
    assert diagram.scored_step == 3 and diagram.samples.shape == (6, 1000, 2)
    assert ((diagram.modes >= 0) & (diagram.modes <= 8)).all()
    result = json.loads(json.dumps(diagram.result()))
    assert result["modes"] == diagram.modes.tolist() and result["num_modes"] == 8
    with pytest.raises(ValueError, match="Gaussian mixture"):
        PhaseDiagram(BASE.replace(**{"data.name": "spiral"}), "seed", [0], "lr", [1e-3])


def test_cli_prints_the_grid(capsys):
    args = ["phase", "--x", "lr_d=1e-3,1e-2", "--y", "seed=0,1", "--steps", "2", "--quiet",
            "--model.width", "8", "--model.depth", "1", "--batch_size", "16", "--device", "cpu"]
    assert main(args + ["--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["step"] == 2 and np.array(result["modes"]).shape == (2, 2)
    assert main(args) == 0
    assert "modes covered of 8" in capsys.readouterr().out
    assert main(["phase", "--x", "bogus=1", "--y", "seed=0", "--quiet"]) == 2


def test_an_axis_asking_for_a_billion_values_is_refused_before_they_are_made():
    from ganviz.training.phase import MAX_CELLS, parse_axis

    with pytest.raises(ValueError, match=r"lr_d: 1,000,000,000 values; a diagram has at most 1,024 cells"):
        parse_axis("lr_d=1e-4:1e-2:1000000000")
    assert len(parse_axis(f"lr_d=1e-4:1e-2:{MAX_CELLS}")[1]) == MAX_CELLS

import json
import subprocess
import sys

from ganviz.cli import main


def test_train_cli_writes_checkpoint_and_metrics(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--steps", "12", "--chunk", "5", "--out", str(out), "--quiet",
                 "--model.width", "16", "--batch_size", "32", "--data.name", "grid25"])
    assert code == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["steps"] == 12
    config = json.loads((out / "config.json").read_text())
    assert config["train"]["data"]["name"] == "grid25" and config["train"]["model"]["width"] == 16
    assert len(json.loads((out / "metrics.json").read_text())["history"]["step"]) == 12


def test_train_cli_replays_a_config_file_and_flags_override(tmp_path, capsys):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"loss": "hinge", "batch_size": 16, "model": {"width": 8, "depth": 1}}))
    assert main(["train", "--config", str(cfg), "--steps", "3", "--out", str(tmp_path / "a"), "--quiet",
                 "--seed", "4"]) == 0
    config = json.loads((tmp_path / "a" / "config.json").read_text())["train"]
    assert config["loss"] == "hinge" and config["seed"] == 4
    # the checkpoint's own config.json replays the run
    assert main(["train", "--config", str(tmp_path / "a" / "config.json"), "--steps", "2",
                 "--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert json.loads((tmp_path / "b" / "config.json").read_text())["train"] == config


def test_train_cli_rejects_bad_values_with_a_message(tmp_path, capsys):
    assert main(["train", "--lr_d", "-1", "--out", str(tmp_path), "--quiet"]) == 2
    assert "lr_d: must be > 0" in capsys.readouterr().err


def test_module_entry_point_lists_commands():
    result = subprocess.run([sys.executable, "-m", "ganviz", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "train" in result.stdout


def test_the_optimiser_flags_are_generated_from_the_config(tmp_path, capsys):
    for command in ("train", "toy"):
        try:
            main([command, "--help"])
        except SystemExit:
            pass
        text = capsys.readouterr().out
        assert all(f"--{flag}" in text for flag in ("optimizer_g", "optimizer_d", "momentum", "rmsprop_alpha",
                                                     "rmsprop_centered", "beta1")), command
    out = tmp_path / "run"
    assert main(["train", "--steps", "3", "--out", str(out), "--quiet", "--model.width", "8", "--batch_size", "16",
                 "--optimizer_g", "sgd", "--momentum", "0.9", "--optimizer_d", "rmsprop"]) == 0
    config = json.loads((out / "config.json").read_text())["train"]
    assert (config["optimizer_g"], config["optimizer_d"], config["momentum"]) == ("sgd", "rmsprop", 0.9)
    assert main(["train", "--optimizer_d", "lbfgs", "--out", str(tmp_path), "--quiet"]) == 2
    assert "optimizer_d: must be one of adam, sgd, rmsprop" in capsys.readouterr().err

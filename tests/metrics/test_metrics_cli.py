import json

from ganviz.cli import main


def test_evaluate_json(tiny_checkpoint, capsys):
    assert main(["evaluate", tiny_checkpoint, "--n", "150", "--json", "--kid-subsets", "3", "--quiet",
                 "--device", "cpu"]) == 0
    [report] = json.loads(capsys.readouterr().out)
    assert report["source"] == tiny_checkpoint and report["n"] == 150
    assert set(report["scores"]) == {"fd", "is", "kid", "precision", "recall"}
    assert report["scores"]["fd"]["name"] == "Fréchet classifier distance (digit classifier features)"


def test_evaluate_table_and_bad_input(tiny_checkpoint, tmp_path, capsys):
    assert main(["evaluate", tiny_checkpoint, "--n", "100", "--kid-subsets", "3", "--quiet", "--device", "cpu"]) == 0
    assert "Fréchet classifier distance" in capsys.readouterr().out
    assert main(["evaluate", str(tmp_path / "missing"), "--quiet"]) == 2
    assert "missing" in capsys.readouterr().err
    assert main(["evaluate", tiny_checkpoint, "--extractor", "inception-v3", "--n", "10", "--quiet",
                 "--device", "cpu"]) == 2
    assert "digit-classifier" in capsys.readouterr().err

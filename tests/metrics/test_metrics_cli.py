import json

from ganviz.cli import main


def test_evaluate_json(tiny_checkpoint, capsys):
    assert main(["evaluate", tiny_checkpoint, "--n", "150", "--json", "--kid-subsets", "3", "--quiet",
                 "--device", "cpu"]) == 0
    [report] = json.loads(capsys.readouterr().out)
    assert report["source"] == tiny_checkpoint and report["n"] == 150
    assert set(report["scores"]) == {"fd", "is", "kid", "precision", "recall"}
    assert report["scores"]["fd"]["name"] == "Fréchet classifier distance (digit classifier features)"
    kid = report["scores"]["kid"]  # n = 150 < 1,000: subsets of 75, and the report says how many differed
    assert kid["subset_size"] == 75 and kid["subsets"] == 3 and kid["distinct_subsets"] == 3
    assert "ddof=0" in report["scores"]["is"]["std_over"]


def test_evaluate_table_and_bad_input(tiny_checkpoint, tmp_path, capsys):
    assert main(["evaluate", tiny_checkpoint, "--n", "100", "--kid-subsets", "3", "--quiet", "--device", "cpu"]) == 0
    text = capsys.readouterr().out
    assert "Fréchet classifier distance" in text
    assert "± of the KID, kernel distance (digit classifier features): std over 3 random subsets of 50 of the " in text
    assert "(3 distinct; shrunk from 1,000: n <= subset size)" in text
    assert main(["evaluate", str(tmp_path / "missing"), "--quiet"]) == 2
    assert "missing" in capsys.readouterr().err
    assert main(["evaluate", tiny_checkpoint, "--extractor", "inception-v3", "--n", "10", "--quiet",
                 "--device", "cpu"]) == 2
    assert "digit-classifier" in capsys.readouterr().err

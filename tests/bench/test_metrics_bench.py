import argparse

from ganviz.bench import DEFAULT, SUITES
from ganviz.bench.metrics import add_arguments, run


def test_suite_is_registered_and_reports_each_stage(monkeypatch, tmp_path):
    monkeypatch.setenv("GANVIZ_CACHE", str(tmp_path))
    assert "metrics" in SUITES and "metrics" in DEFAULT
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--metrics-n", "80", "--metrics-batch", "40", "--metrics-extractors", "digit-classifier"])
    report = run(args)
    row = report["runs"]["digit-classifier"]
    assert row["n"] == 80 and row["real_n"] == 80
    assert set(row["seconds"]) == {"real_features", "sampling", "features", "scores"}
    assert row["features_img_per_s"] > 0 and row["fd_name"].startswith("Fréchet classifier distance")
    assert not list(tmp_path.rglob("*.safetensors"))  # timings never come from the cache

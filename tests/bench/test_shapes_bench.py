import argparse

from ganviz.bench import SUITES
from ganviz.bench.shapes import add_arguments, run


def test_suite_is_registered_and_reports_images_per_second_per_size():
    assert "shapes" in SUITES
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    report = run(parser.parse_args(["--shapes-batch", "8", "--shapes-repeats", "1", "--shapes-sizes", "32,64"]))
    assert set(report["render"]) == {"32px", "64px"} and report["batch"] == 8
    for row in [*report["render"].values(), report["dcgan_step_32px"], report["factor_features_32px"]]:
        assert row["best_img_per_s"] >= row["median_img_per_s"] > 0

"""Benchmarks: ``python -m ganviz.bench [SUITE ...] [--json report.json]``.

Speed goals and reproduced paper tables live here, never in timed tests. Each suite is a
module with ``add_arguments(parser)`` and ``run(args) -> dict`` (its JSON report); it is
imported only when it runs.
"""
from __future__ import annotations

SUITES: dict[str, tuple[str, str]] = {
    "training": ("ganviz.bench.training", "toy GAN tutorial loop vs Trainer plain/fast, populations, DCGAN, UI polling, remedies"),
    "landscape": ("ganviz.bench.landscape", "Dirac-GAN 200x200 surface + vector field, trajectory, network slice"),
    "style": ("ganviz.bench.style", "style transfer 512 px x 300 L-BFGS evaluations: PyTorch tutorial vs ganviz"),
    "metrics": ("ganviz.bench.metrics", "FID/IS/KID of 10,000 samples: digit classifier vs Inception-v3 features"),
    "classroom": ("ganviz.bench.classroom", "the Mode collapse page in Chromium: frames drawn, page vs engine updates/s, seconds to the punchline"),
    "lesson": ("ganviz.bench.lesson", "the Mode collapse page's defaults on declared seeds: plain collapsed, remedy covering, punchline"),
    "shapes": ("ganviz.bench.shapes", "shapes dataset: rendered images/s at 32 and 64 px vs a DCGAN step's need, factor network features/s"),
    "modes": ("ganviz.bench.modes", "mode coverage on ring8 / grid25 over seeds: plain GAN vs remedies (VEEGAN/PacGAN table)"),
}

# the suites `python -m ganviz.bench` runs when none is named: the speed comparisons
DEFAULT: list[str] = ["training", "landscape", "style", "metrics"]

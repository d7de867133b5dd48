from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path

from ganviz import sweeps
from ganviz.bench import DEFAULT, SUITES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganviz.bench", description=__doc__)
    parser.add_argument("suites", nargs="*", metavar="SUITE",
                        help=f"any of: {', '.join(SUITES)} (default: {', '.join(DEFAULT)})")
    parser.add_argument("--json", help="write the whole report to this file")
    sweeps.add_arguments(parser)  # --ray: the suites that run many runs (modes, lesson) send them to Ray
    modules = {}
    args, rest = parser.parse_known_args(argv)
    names = args.suites or DEFAULT
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        parser.error(f"unknown suite {unknown[0]!r}; choose from {', '.join(SUITES)}")
    for name in names:
        modules[name] = importlib.import_module(SUITES[name][0])
        modules[name].add_arguments(parser)
    args = parser.parse_args(argv)

    import torch

    from ganviz.device import describe_device

    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "device": describe_device(),
              "torch": torch.__version__, "python": platform.python_version(), "suites": {}}
    for name, module in modules.items():
        print(f"== {name}: {SUITES[name][1]}", file=sys.stderr)
        report["suites"][name] = module.run(args)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

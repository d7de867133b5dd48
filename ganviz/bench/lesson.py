"""Does the classroom lesson hold? A Mode collapse page's defaults, trained headless on seeds
declared beforehand: is the plain GAN collapsed at (nearly) every evaluation point from update
1,000 (250 on images) to the page's end, does the remedy cover the data at the end, and at which
update do both show (the punchline)?

    python -m ganviz.bench lesson --lesson-seeds 200-219 --lesson-log lesson.jsonl
    python -m ganviz.bench lesson --lesson-dataset shapes --lesson-seeds 300-309

Each arm is trained as the page trains it (one CPU thread, metrics on ``LIVE_SAMPLES`` samples
every ``LIVE_EVERY`` updates); the seeds must never have been used to choose the defaults (docs/mode_collapse.md
lists the tuning seeds). Arms run in local processes or, with ``--ray ADDRESS``, as Ray tasks
(:mod:`ganviz.sweeps`); a log that already holds some arms is resumed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ganviz.sweeps import Sweep, executor, parse_seeds, run_sweep

# the lesson is judged from this update to the page's end: a plain DCGAN on shapes has collapsed
# within a few hundred updates (docs/shapes.md)
FROM_STEP = {"ring8": 1000, "grid25": 1000, "shapes": 250}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("lesson suite")
    group.add_argument("--lesson-dataset", default="ring8", help="ring8, grid25 or shapes")
    group.add_argument("--lesson-seeds", default="200-219", help="seeds, e.g. 200-219 or 3,5,8")
    group.add_argument("--lesson-steps", type=int, default=None, help="default: the page's end (PAGE_STEPS)")
    group.add_argument("--lesson-workers", type=int, default=os.cpu_count() or 1, help="parallel processes")
    group.add_argument("--lesson-log", metavar="FILE",
                       help="append each finished arm to this JSON-lines file; arms it already holds are not run again")


def _one_arm(dataset: str, seed: int, arm: str, steps: int) -> dict:
    from ganviz.collapse.experiment import LIVE_EVERY, LIVE_SAMPLES, SHOWCASE, lesson, train, treated

    config = lesson(dataset, seed)
    if arm == "treated":
        config = treated(config, SHOWCASE[dataset])
    result = train(config, steps, eval_every=LIVE_EVERY, eval_samples=LIVE_SAMPLES)
    line = result["timeline"]
    return {"dataset": dataset, "seed": seed, "arm": arm, "remedy": config.remedy, "steps": steps,
            "num_modes": result["final"]["num_modes"], "seconds": result["seconds"],
            "timeline": {k: line[k] for k in ("step", "modes", "modes_held", "high_quality")}}


def judge(plain: dict, treated_: dict) -> dict:
    """One seed's verdict from the two arms' timelines."""
    from ganviz.collapse.experiment import COLLAPSED_HELD, COVERING, COVERING_ON, is_punchline

    dataset, num_modes = plain["dataset"], plain["num_modes"]
    steps = plain["timeline"]["step"]
    held = plain["timeline"]["modes_held"]
    covered = treated_["timeline"]["modes"]
    late = [h <= COLLAPSED_HELD for s, h in zip(steps, held) if s >= FROM_STEP[dataset]]
    both = [s for s, h, c in zip(steps, held, covered) if is_punchline(h, c, num_modes, dataset)]
    return {"seed": plain["seed"], "collapsed_share": sum(late) / len(late) if late else float("nan"),
            "remedy_covers_end": covered[-1] >= COVERING_ON.get(dataset, COVERING) * num_modes, "remedy_modes_end": covered[-1], "remedy_hq_end": treated_["timeline"]["high_quality"][-1],
            "plain_held_end": held[-1], "punchline_step": both[0] if both else None}


def run(args: argparse.Namespace) -> dict:
    from ganviz.collapse.experiment import PAGE_STEPS, SHOWCASE

    if args.lesson_dataset not in FROM_STEP:
        raise ValueError(f"--lesson-dataset: {', '.join(FROM_STEP)}, got {args.lesson_dataset!r}")
    seeds = parse_seeds(args.lesson_seeds, "--lesson-seeds")
    steps = args.lesson_steps or PAGE_STEPS[args.lesson_dataset]
    if steps < FROM_STEP[args.lesson_dataset]:
        raise ValueError(f"--lesson-steps: the lesson is judged from update {FROM_STEP[args.lesson_dataset]}; "
                         f"got {steps}")
    jobs = [{"dataset": args.lesson_dataset, "seed": seed, "arm": arm, "steps": steps}
            for seed in seeds for arm in ("plain", "treated")]
    start = time.perf_counter()
    sweep = Sweep(_one_arm, jobs, ("dataset", "seed", "arm", "steps"), label=lambda r: f"seed {r['seed']} {r['arm']}")
    outcome = run_sweep(sweep, executor(args.ray, args.lesson_workers), args.lesson_log)
    arms = {(row["seed"], row["arm"]): row for row in outcome.rows}
    judged = [s for s in seeds if (s, "plain") in arms and (s, "treated") in arms]  # a failed arm drops its seed
    seeds_table = [judge(arms[(s, "plain")], arms[(s, "treated")]) for s in judged]
    summary = {
        "seeds": judged, "steps": steps, "remedy": SHOWCASE[args.lesson_dataset],
        "plain_collapsed_at_90pct_of_points": sum(r["collapsed_share"] >= 0.9 for r in seeds_table),
        "mean_collapsed_share": (sum(r["collapsed_share"] for r in seeds_table) / len(seeds_table)
                                 if seeds_table else float("nan")),
        "remedy_covers_at_end": sum(r["remedy_covers_end"] for r in seeds_table),
        "punchline_steps": sorted(r["punchline_step"] for r in seeds_table if r["punchline_step"] is not None),
    }
    print(json.dumps(summary, indent=1), file=sys.stderr)
    return {"summary": summary, "per_seed": seeds_table, "failed": outcome.failed,
            "wall_seconds": time.perf_counter() - start}

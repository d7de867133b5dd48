"""The classroom demo as a teacher gives it: the real server, headless Chromium on a freshly
opened Mode collapse page, ▶ Train pressed, the page watched by screenshots.

    python -m ganviz.bench classroom --classroom-runs 3

Reports, per run and as medians: the share of frames in which every live chart is drawn (judged
by pixels: the generated samples' violet in both planes, ink in every other chart), the page's
training speed against the engine's for the same two runs outside Streamlit (measured in this
process between the page runs, each page run against the two around it; timed on a second fresh
page that is read but not screenshotted), and the seconds from the click to
the punchline (the plain GAN holding at most 2 modes while the remedy covers at least 7 of 8).
Needs Debian's chromium and the dev requirements (playwright).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

PLANES = ("mc_plane_plain", "mc_plane_treated")
VIEWPORT = {"width": 1400, "height": 3200}  # every live chart on screen at once


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("classroom suite")
    group.add_argument("--classroom-runs", type=int, default=3, help="fresh pages watched (median reported)")
    group.add_argument("--classroom-seconds", type=float, default=35.0, help="how long each page is watched")
    group.add_argument("--classroom-interval", type=float, default=1.0, help="seconds between screenshots")
    group.add_argument("--classroom-dataset", default="ring8", help="ring8 or grid25")


def engine_rate(dataset: str, seconds: float, threads: int) -> float:
    """Updates per second of both arms together (the page's defaults, seed 0), trained by the
    engine alone in this process: no Streamlit, no browser, no metrics."""
    import torch

    from ganviz.collapse.experiment import SHOWCASE, lesson, treated
    from ganviz.training import Trainer

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        config = lesson(dataset, 0)
        arms = [Trainer(config), Trainer(treated(config, SHOWCASE[dataset]))]
        for trainer in arms:
            trainer.step(25)  # warm-up
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for trainer in arms:
                trainer.step(25)
            steps += 25
        return 2 * steps / (time.perf_counter() - start)
    finally:
        torch.set_num_threads(previous)


def watch(tab, seconds: float, interval: float = 1.0, planes: tuple[str, ...] = PLANES,
          screenshots: bool = True) -> dict:
    """Press ▶ Train on an opened Mode collapse page and watch it: every ``interval`` seconds the
    step and the metrics that make the punchline, and (``screenshots``) the charts' pixels, judged
    afterwards. Screenshots cost the browser CPU the training shares, so speed is measured
    without them."""
    from ganviz.bench import browser

    tab.get_by_role("button", name="▶ Train").click()
    start = time.monotonic()
    shots, steps, punchline = [], [], None
    while (now := time.monotonic()) - start < seconds:
        state = browser.page_state(tab)
        shots.append((now - start, state["step"], browser.capture_charts(tab, state["charts"]) if screenshots else None))
        metrics = state["metrics"]
        if state["step"] is not None:
            steps.append((now - start, state["step"]))
        if punchline is None and _punchline(metrics.get("Modes held", []), metrics.get("Modes covered", [])):
            punchline = {"seconds": round(now - start, 1), "step": state["step"]}
        time.sleep(max(0.0, interval - (time.monotonic() - now)))
    frames = [{"t": round(t, 2), "step": step,
               **(browser.charts_drawn(capture, planes) if screenshots else {"drawn": None})}
              for t, step, capture in shots]
    gaps = [b["t"] - a["t"] for a, b in zip(frames, frames[1:])]
    return {"frames": len(frames), "drawn": sum(bool(f["drawn"]) for f in frames),
            "drawn_share": sum(bool(f["drawn"]) for f in frames) / max(len(frames), 1) if screenshots else None,
            "mean_interval": statistics.fmean(gaps) if gaps else None, "max_interval": max(gaps, default=None),
            "updates_per_second": _page_rate(steps), "punchline": punchline,
            "seen": [(f["t"], f["step"], f["drawn"]) for f in frames],
            "undrawn": [f for f in frames if not f["drawn"]][:5]}


def _punchline(held: list[str], covered: list[str]) -> bool:
    """The lesson's punchline (:func:`ganviz.collapse.experiment.is_punchline`) read off the page's metrics:
    the plain arm's (first) modes held and the remedy's (second) modes covered, as "k/K"."""
    from ganviz.collapse.experiment import is_punchline

    if len(held) < 2 or len(covered) < 2:
        return False
    remedy, total = (int(v) for v in covered[1].split("/"))
    return is_punchline(int(held[0].split("/")[0]), remedy, total)


def _page_rate(steps: list[tuple[float, int]]) -> float | None:
    """Both arms' updates per second while the page trained, from the steps it showed: between the
    first step above 0 and the last one short of the run's end. The page shows a step up to one
    refresh late; that lag is alike at both ends, but not once the run has stopped."""
    last = max((s for _, s in steps), default=0)
    moving = [(t, s) for t, s in steps if 0 < s < last]
    if len(moving) < 2 or moving[-1][0] <= moving[0][0]:
        return None
    (t0, s0), (t1, s1) = moving[0], moving[-1]
    return 2 * (s1 - s0) / (t1 - t0)


def _fresh_page(chromium, url: str, dataset: str, look):
    """``look(tab)`` on a Mode collapse page opened in a new browser context (a new visitor)."""
    from ganviz.bench import browser

    context = chromium.new_context(viewport=VIEWPORT)
    try:
        tab = context.new_page()
        tab.goto(f"{url}/mode_collapse")
        browser.settle(tab)
        if dataset != "ring8":
            tab.get_by_text("Grid of 25", exact=True).click()
            browser.settle(tab)
        return look(tab)
    finally:
        context.close()


def run(args: argparse.Namespace) -> dict:
    from playwright.sync_api import sync_playwright

    from ganviz.bench import browser

    if args.classroom_runs < 1 or args.classroom_seconds <= 0 or args.classroom_interval <= 0:
        raise ValueError("--classroom-runs, --classroom-seconds, --classroom-interval: must be > 0")
    dataset = args.classroom_dataset
    # the engine is timed between the page runs (one thread: the faster on this machine's CPU, and
    # the page's own setting), so that each page run has a baseline from minutes, not hours, away
    engine = [engine_rate(dataset, 8.0, 1)]
    engine_two_threads = engine_rate(dataset, 8.0, 2)
    server = browser.start_server(Path("artifacts") / "streamlit-classroom.log", {"OMP_NUM_THREADS": "1"})
    runs = []
    try:
        with sync_playwright() as playwright:
            chromium = browser.launch(playwright)
            for i in range(args.classroom_runs):
                drawn = _fresh_page(chromium, server.url, dataset,
                                    lambda tab: watch(tab, args.classroom_seconds, args.classroom_interval))
                timed = _fresh_page(chromium, server.url, dataset,
                                    lambda tab: watch(tab, args.classroom_seconds, args.classroom_interval,
                                                      screenshots=False))
                engine.append(engine_rate(dataset, 8.0, 1))
                rate, baseline = timed["updates_per_second"], statistics.fmean(engine[-2:])
                runs.append({"drawn_run": drawn, "timed_run": timed, "engine_updates_per_second": baseline,
                             "page_over_engine": rate / baseline if rate else None})
                print(f"run {i + 1}: {drawn['drawn']}/{drawn['frames']} frames drawn; page {rate} vs engine "
                      f"{baseline:.0f} updates/s; punchline {timed['punchline']}", file=sys.stderr, flush=True)
    finally:
        server.stop()
    ratios = [r["page_over_engine"] for r in runs if r["page_over_engine"]]
    summary = {"dataset": dataset,
               "frames_drawn_share": statistics.fmean(r["drawn_run"]["drawn_share"] for r in runs),
               "page_updates_per_second": statistics.median(r["timed_run"]["updates_per_second"] or 0 for r in runs),
               "engine_updates_per_second": statistics.median(engine),
               "engine_updates_per_second_two_threads": engine_two_threads,
               "page_over_engine": statistics.median(ratios) if ratios else None,
               "seconds_to_punchline_median": statistics.median(
                   r["timed_run"]["punchline"]["seconds"] if r["timed_run"]["punchline"] else float("inf")
                   for r in runs)}
    print(summary, file=sys.stderr)
    return {"summary": summary, "engine": engine, "runs": runs}

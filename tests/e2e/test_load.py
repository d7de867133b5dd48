"""A classroom on one server: N browser sessions each train a toy GAN at the same time. All make
progress, none shows an error, and once the tabs close the server's trainings end and its
memory comes back near where it started. The numbers go to ``artifacts/load.json``."""
from __future__ import annotations

import json
import os
import time

import psutil
import pytest

pytestmark = pytest.mark.browser

SESSIONS = int(os.environ.get("GANVIZ_LOAD_SESSIONS", "10"))
HOLD_S = 10          # every session trains at once for this long
GRACE_S = 3          # how long a closed tab's training waits for the tab to come back
IDLE_CPU_PERCENT = 10  # an idle Streamlit server uses ~1% of a core
# A small toy GAN per student: the Train page's defaults with a narrower MLP.
TRAIN_URL = "train?model.width=64&batch_size=128"


def _rss_mb(process: psutil.Process) -> float:
    return process.memory_info().rss / 2**20


def _open_training(chromium, server):
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(240_000)
    tab.goto(f"{server.url}/{TRAIN_URL}", wait_until="commit")
    return context, tab


def _start(tab) -> None:
    start = tab.get_by_role("button", name="▶ Start")
    start.wait_for()
    tab.wait_for_function("() => !!document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')")
    start.click()


def _step(tab, web) -> int:
    return web.progress_step(tab) or 0


def test_many_sessions_train_at_once_and_release_everything(launch_chromium, start_app, web):
    server = start_app("load", {"OMP_NUM_THREADS": "1", "GANVIZ_SESSION_GRACE_S": str(GRACE_S)})
    # This measures the server. Ten pages redrawing WebGL charts in software (no GPU here) would
    # measure the test machine's CPU instead, so the clients skip WebGL (Plotly says so in place
    # of the charts); everything else on the page runs as usual.
    chromium = launch_chromium("--disable-webgl", "--disable-3d-apis")
    process = psutil.Process(server.pid)

    # Warm up (imports, first trainer, compiled page): one session trains, closes, is released.
    context, tab = _open_training(chromium, server)
    _start(tab)
    web.until(lambda: _step(tab, web) > 0, timeout=240, what="the warm-up session to train")
    context.close()
    time.sleep(GRACE_S + 2)
    web.until(lambda: process.cpu_percent(interval=2) < IDLE_CPU_PERCENT, timeout=GRACE_S + 60,
              what="the warm-up session to be released")
    baseline_threads, baseline_mb = process.num_threads(), _rss_mb(process)

    # N students at once.
    began = time.monotonic()
    sessions = [_open_training(chromium, server) for _ in range(SESSIONS)]
    for _, tab in sessions:
        _start(tab)
    started_s = time.monotonic() - began
    web.until(lambda: all(_step(tab, web) > 0 for _, tab in sessions), timeout=240,
              what="every session to make progress")
    first = [_step(tab, web) for _, tab in sessions]
    all_training_s = time.monotonic() - began
    peak_mb, peak_threads = _rss_mb(process), process.num_threads()
    hold_until, busy_cpu = time.monotonic() + HOLD_S, []
    while time.monotonic() < hold_until:
        busy_cpu.append(process.cpu_percent(interval=1))
        peak_mb, peak_threads = max(peak_mb, _rss_mb(process)), max(peak_threads, process.num_threads())
    web.until(lambda: all(_step(tab, web) > step for (_, tab), step in zip(sessions, first)), timeout=120,
              what="every session to keep making progress")
    last = [_step(tab, web) for _, tab in sessions]
    errors = [web.exceptions_on(tab) + tab.locator('[data-testid="stAlertContentError"]').all_inner_texts()
              for _, tab in sessions]
    held_s = time.monotonic() - began

    # Everyone leaves: trainings pause at once, are released after the grace period.
    for context, _ in sessions:
        context.close()
    closed = time.monotonic()
    web.until(lambda: process.cpu_percent(interval=2) < IDLE_CPU_PERCENT, timeout=GRACE_S + 60,
              what="the server to stop computing")
    idle_s = time.monotonic() - closed
    time.sleep(max(0.0, closed + GRACE_S + 3 - time.monotonic()))  # the grace period, then the release
    after_mb, after_threads = _rss_mb(process), process.num_threads()

    numbers = {"sessions": SESSIONS, "all_started_s": round(started_s, 1), "all_training_s": round(all_training_s, 1),
               "held_s": round(held_s, 1), "steps_first": first, "steps_last": last,
               "baseline_mb": round(baseline_mb), "peak_mb": round(peak_mb), "after_mb": round(after_mb),
               "baseline_threads": baseline_threads, "peak_threads": peak_threads, "after_threads": after_threads,
               "idle_after_close_s": round(idle_s, 1), "busy_cpu_percent": round(sum(busy_cpu) / len(busy_cpu)),
               "grace_s": GRACE_S, "cpu_count": psutil.cpu_count(),
               "load_avg_1m": round(os.getloadavg()[0], 1)}
    print(json.dumps(numbers))
    (server.log.parent / "load.json").write_text(json.dumps(numbers, indent=2))

    assert not any(errors), errors
    assert not server.tracebacks(), server.log_text()[-3000:]
    assert all(b > a > 0 for a, b in zip(first, last)), (first, last)
    assert peak_threads >= baseline_threads + SESSIONS  # one training thread per session at least
    assert after_threads <= peak_threads - SESSIONS  # ... and they have ended
    # Back near the baseline: most of what the sessions took has been handed back.
    assert after_mb - baseline_mb <= max(0.5 * (peak_mb - baseline_mb), 50), numbers


HOSTILE_URL = "train?model.width=4096&model.depth=16&remedy=mixture&n_generators=64"  # the shared-server issue's link


def test_a_link_too_large_is_refused_on_a_3gb_server_while_another_session_trains(launch_chromium, start_app, web):
    """Every value of the link is inside its field's limits; together they ask for 16 billion
    parameters. On a server capped at 3 GB the link is refused from its estimate, and the other
    visitor's run trains throughout. The refusal's time goes to ``artifacts/refusal.json``."""
    server = start_app("capped", {"OMP_NUM_THREADS": "1"}, memory_cap=3 * 2**30)
    chromium = launch_chromium("--disable-webgl", "--disable-3d-apis")
    context, tab = _open_training(chromium, server)
    _start(tab)
    web.until(lambda: _step(tab, web) > 0, timeout=240, what="the first visitor to train")
    hostile_context = chromium.new_context(viewport={"width": 1200, "height": 900})
    hostile = hostile_context.new_page()
    hostile.goto(f"{server.url}/{HOSTILE_URL}")
    web.settle(hostile)
    before = _step(tab, web)
    clicked = time.monotonic()
    hostile.get_by_role("button", name="▶ Start").click()
    alert = hostile.locator('[data-testid="stAlertContentError"]').filter(has_text="Cannot build this GAN")
    alert.wait_for(timeout=60_000)
    refused_s = time.monotonic() - clicked
    text = alert.inner_text()
    assert "503,533,571 parameters" in text and "GANVIZ_RUN_MEMORY_MB" in text, text
    assert not web.exceptions_on(hostile)
    web.until(lambda: _step(tab, web) > before + 100, timeout=60, what="the first visitor's run to go on")
    assert server.process.poll() is None  # the server is alive
    (server.log.parent / "refusal.json").write_text(json.dumps({"refused_seconds": refused_s, "message": text}))
    hostile_context.close()
    context.close()

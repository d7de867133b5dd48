"""The real app under ``streamlit run``, driven by Debian's headless Chromium: shared by the
browser tests and the ``classroom`` benchmark, so both judge the page the same way.

Never ``playwright install``: the browser is the system's ``/usr/bin/chromium`` (``make browser``
installs it). Streamlit runs as a separate process (``python -m streamlit``), so this module
imports neither streamlit nor playwright itself.
"""
from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SETTLE_MS = 180_000
IDLE = """() => !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
             && !document.querySelector('[data-testid="stSkeleton"]')
             && !!document.querySelector('[data-testid="stMain"] h1')"""
# the generated samples' violet (ui.plotly_charts.FAKE, #7c3aed, at opacity 0.8): over white, over D's
# pale heatmap, over one another or under G's dark strokes, it stays a saturated blue-red mix
VIOLET_MIN_BLUE = 110
PLANE_MIN_VIOLET_PIXELS = 5  # a collapsed lump can be a dozen pixels wide; a blank plane has none
CHART_MIN_INK = 0.01  # share of a chart's pixels that are not background when it is drawn


CLOSING_TAB_RACE = 'WebSocketDisconnected: Cannot call "send" once a close message has been sent.'


class ServerError(RuntimeError):
    """The app server did not start (its log's tail is in the message)."""


@dataclass
class AppServer:
    process: subprocess.Popen
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tracebacks(self) -> list[str]:
        """The tracebacks in the server's log, less Streamlit's own race on a closing tab (its
        websocket handler sends a close after the browser's: starlette's WebSocketDisconnected),
        which no code of this project runs in."""
        blocks = self.log_text().split("Traceback (most recent call last):")[1:]
        return [block for block in blocks if CLOSING_TAB_RACE not in block]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log: Path, env: dict | None = None, timeout: float = 180,
                 memory_cap: int | None = None, address: str = "127.0.0.1", port: int | None = None) -> AppServer:
    """``streamlit run app.py`` on ``address`` and a free port (or ``port``), offline; returns once
    /_stcore/health answers. ``memory_cap`` (bytes) caps the server's heap (``RLIMIT_DATA``): past
    it an allocation fails instead of the kernel killing the process, as on a server with that much
    memory."""
    port = port or _free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    environment = os.environ | {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
                                "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                                "PYTHONPATH": str(ROOT)} | (env or {})
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", address,
               "--server.fileWatcherType", "none"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT,
                                   preexec_fn=None if memory_cap is None else _capped(memory_cap))
    server = AppServer(process, f"http://{address}:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"streamlit exited with {process.returncode}:\n{server.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return server
        except OSError:
            pass
        time.sleep(0.5)
    server.stop()
    raise ServerError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s:\n{server.log_text()[-3000:]}")


def _capped(memory_cap: int):
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_DATA, (memory_cap, memory_cap))


def launch(playwright, *extra_args: str):
    """Debian's headless Chromium with the flags this machine needs."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + list(extra_args))


# -- driving a page -------------------------------------------------------------------------------
def settle(tab, timeout_ms: int = SETTLE_MS) -> None:
    """Wait until the last script run has finished and drawn everything (twice in a row, since a
    new run can start right after one ends)."""
    for _ in range(2):
        tab.wait_for_function(IDLE, timeout=timeout_ms, polling=100)
        tab.wait_for_timeout(300)


def progress_step(tab) -> int | None:
    """The step a page's progress bar shows ("step 1,250 / 5,000 ..."), or None."""
    text = " ".join(tab.locator('[data-testid="stProgress"]').all_inner_texts())
    match = re.search(r"step ([\d,]+)", text)
    return int(match.group(1).replace(",", "")) if match else None


# -- judging a screenshot -------------------------------------------------------------------------
def violet_pixels(image) -> int:
    """How many pixels of a PIL image have the generated samples' violet: blue well above green,
    red in between (the pale heatmap violet and the teal of real samples are not)."""
    import numpy as np

    r, g, b = np.moveaxis(np.asarray(image.convert("RGB")).astype(int), -1, 0)
    violet = (b >= VIOLET_MIN_BLUE) & (b - g >= 70) & (r >= 0.35 * b) & (r <= 0.85 * b) & (g <= 0.6 * b)
    return int(violet.sum())


def ink(image) -> float:
    """Share of a chart's pixels that differ from its background (its most common colour)."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB")).astype(int)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    colour = int(np.bincount(packed.ravel()).argmax())
    background = np.array([colour >> 16, (colour >> 8) & 255, colour & 255])
    return float((np.abs(rgb - background).sum(-1) > 30).mean())


PAGE_STATE = """() => ({
  charts: [...document.querySelectorAll('[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"]')].map(chart => {
    const box = chart.getBoundingClientRect();
    const keyed = chart.closest('[class*="st-key-"]');
    const key = keyed ? [...keyed.classList].find(c => c.startsWith("st-key-")).slice(7) : null;
    return {key, x: box.x, y: box.y, width: box.width, height: box.height};
  }),
  progress: [...document.querySelectorAll('[data-testid="stProgress"]')].map(p => p.innerText).join(" "),
  metrics: [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => [
    (m.querySelector('[data-testid="stMetricLabel"]') || {}).innerText || "",
    (m.querySelector('[data-testid="stMetricValue"]') || {}).innerText || ""]),
})"""


def page_state(tab) -> dict:
    """In one round trip: the keyed charts' boxes, the progress bar's step and every metric
    (``{label: [values in page order]}``)."""
    state = tab.evaluate(PAGE_STATE)
    match = re.search(r"step ([\d,]+)", state["progress"])
    metrics: dict[str, list[str]] = {}
    for label, value in state["metrics"]:
        metrics.setdefault(label.strip(), []).append(value.strip())
    return {"charts": [c for c in state["charts"] if c["key"]], "metrics": metrics,
            "step": int(match.group(1).replace(",", "")) if match else None}


def capture_charts(tab, charts: list[dict]) -> tuple[bytes, list[dict]] | None:
    """A JPEG of the charts' area and the charts' boxes inside it (judged later: on a busy 2-core
    machine a full 1400 x 3200 PNG, judged on the spot, took seconds per frame)."""
    if not charts:
        return None
    left, top = min(b["x"] for b in charts), min(b["y"] for b in charts)
    right, bottom = max(b["x"] + b["width"] for b in charts), max(b["y"] + b["height"] for b in charts)
    clip = {"x": left, "y": top, "width": max(right - left, 1), "height": max(bottom - top, 1)}
    boxes = [{**box, "x": box["x"] - left, "y": box["y"] - top} for box in charts]
    return tab.screenshot(clip=clip, type="jpeg", quality=90), boxes


def charts_drawn(capture: tuple[bytes, list[dict]] | None, planes: tuple[str, ...]) -> dict:
    """Judge a :func:`capture_charts` by its pixels: the charts inside the containers keyed
    ``planes`` (the sample planes) must show the violet of generated samples, every other chart
    must not be blank. Returns ``drawn`` and the per-chart numbers behind it."""
    from PIL import Image

    if capture is None:
        return {"drawn": False, "violet": {}, "ink": {}}
    shot = Image.open(io.BytesIO(capture[0]))
    violet, inks = {}, {}
    for box in capture[1]:
        crop = shot.crop((box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]))
        inks[box["key"]] = round(ink(crop), 3) if box["width"] > 10 else 0.0
        if box["key"] in planes:
            violet[box["key"]] = violet_pixels(crop) if box["width"] > 10 else 0
    drawn = (sorted(violet) == sorted(planes) and min(violet.values()) >= PLANE_MIN_VIOLET_PIXELS
             and bool(inks) and min(inks.values()) >= CHART_MIN_INK)
    return {"drawn": drawn, "violet": violet, "ink": inks}

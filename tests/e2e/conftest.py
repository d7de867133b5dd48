"""The real app under ``streamlit run`` and Debian's Chromium, for the browser tests.

Never ``playwright install``: the browser is the system's ``/usr/bin/chromium`` (``make browser``
installs it); without it these tests skip and say why. Screenshots and server logs go to
``artifacts/`` (gitignored), for a person to look at after a CI run.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SETTLE_MS = 180_000
IDLE = """() => !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
             && !document.querySelector('[data-testid="stSkeleton"]')
             && !!document.querySelector('[data-testid="stMain"] h1')"""


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


def start_server(name: str, env: dict | None = None, timeout: float = 180) -> AppServer:
    """``streamlit run app.py`` on a free port, offline; returns once /_stcore/health answers."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"streamlit-{name}.log"
    environment = os.environ | {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
                                "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                                "PYTHONPATH": str(ROOT)} | (env or {})
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--server.fileWatcherType", "none"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT)
    server = AppServer(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{server.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return server
        except OSError:
            pass
        time.sleep(0.5)
    server.stop()
    pytest.fail(f"streamlit did not answer /_stcore/health within {timeout:.0f} s:\n{server.log_text()[-3000:]}")


def app_pages() -> list[tuple[str, str]]:
    """(title, url path) of every page in app.py's PAGES, read from the source (importing app.py
    would run Streamlit). The default page lives at the root URL."""
    tree = ast.parse((ROOT / "app.py").read_text())
    pages = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page":
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            path = ast.literal_eval(node.args[0])
            url = "" if kwargs.get("default") else kwargs.get("url_path", Path(path).stem)
            pages.append((kwargs.get("title", Path(path).stem), url))
    return pages


@pytest.fixture(scope="session")
def launch_chromium():
    """``launch_chromium(*extra_args)`` -> a headless Debian Chromium (skips without one)."""
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (run `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browsers = []

        def launch(*extra_args: str):
            browsers.append(playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                       args=CHROMIUM_ARGS + list(extra_args)))
            return browsers[-1]

        yield launch
        for browser in browsers:
            browser.close()


@pytest.fixture(scope="session")
def chromium(launch_chromium):
    return launch_chromium()


@pytest.fixture(scope="session")
def app_server(chromium):
    # Random VGG19 weights: the style page runs offline without the 548 MB download.
    server = start_server("browser", {"GANVIZ_VGG19_WEIGHTS": "random", "OMP_NUM_THREADS": "1"})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pages_in_app() -> list[tuple[str, str]]:
    return app_pages()


@pytest.fixture
def start_app():
    """``start_app(name, env)`` -> a fresh server of its own, stopped after the test."""
    servers = []

    def start(name: str, env: dict | None = None) -> AppServer:
        servers.append(start_server(name, env))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# -- driving a page -------------------------------------------------------------------------------
def settle(tab, timeout_ms: int = SETTLE_MS) -> None:
    """Wait until the last script run has finished and drawn everything (twice in a row, since a
    new run can start right after one ends)."""
    for _ in range(2):
        tab.wait_for_function(IDLE, timeout=timeout_ms, polling=100)
        tab.wait_for_timeout(300)


def until(predicate, timeout: float = 120, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def progress_step(tab) -> int | None:
    """The step a page's progress bar shows ("step 1,250 / 5,000 ..."), or None."""
    text = " ".join(tab.locator('[data-testid="stProgress"]').all_inner_texts())
    match = re.search(r"step ([\d,]+)", text)
    return int(match.group(1).replace(",", "")) if match else None


def exceptions_on(tab) -> list[str]:
    return tab.locator('[data-testid="stException"]').all_inner_texts()


@pytest.fixture(scope="session")
def web() -> SimpleNamespace:
    """The page-driving helpers above, for the test modules (which cannot import conftest)."""
    return SimpleNamespace(settle=settle, until=until, progress_step=progress_step, exceptions_on=exceptions_on)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, so a fixture can tell that its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)

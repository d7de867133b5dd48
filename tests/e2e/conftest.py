"""The real app under ``streamlit run`` and Debian's Chromium, for the browser tests.

Never ``playwright install``: the browser is the system's ``/usr/bin/chromium`` (``make browser``
installs it); without it these tests skip and say why. Screenshots and server logs go to
``artifacts/`` (gitignored), for a person to look at after a CI run.
"""
from __future__ import annotations

import ast
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from ganviz.bench import browser
from ganviz.bench.browser import CHROMIUM, ROOT, AppServer, progress_step, settle

ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


def start_server(name: str, env: dict | None = None, timeout: float = 180, memory_cap: int | None = None) -> AppServer:
    """``streamlit run app.py`` on a free port, offline; its log goes to ``artifacts/``."""
    try:
        return browser.start_server(ARTIFACTS / f"streamlit-{name}.log", env, timeout, memory_cap)
    except browser.ServerError as err:
        pytest.fail(str(err))


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
            browsers.append(browser.launch(playwright, *extra_args))
            return browsers[-1]

        yield launch
        for launched in browsers:
            launched.close()


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
    """``start_app(name, env, memory_cap)`` -> a fresh server of its own, stopped after the test."""
    servers = []

    def start(name: str, env: dict | None = None, memory_cap: int | None = None) -> AppServer:
        servers.append(start_server(name, env, memory_cap=memory_cap))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# -- driving a page -------------------------------------------------------------------------------
def until(predicate, timeout: float = 120, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def exceptions_on(tab) -> list[str]:
    return tab.locator('[data-testid="stException"]').all_inner_texts()


@pytest.fixture(scope="session")
def web() -> SimpleNamespace:
    """The page-driving helpers above, for the test modules (which cannot import conftest)."""
    return SimpleNamespace(settle=settle, until=until, progress_step=progress_step, exceptions_on=exceptions_on,
                           page_state=browser.page_state)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, so a fixture can tell that its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)

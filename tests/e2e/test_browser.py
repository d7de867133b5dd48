"""The real app in a real browser: every page opens, a training starts and stops, a latent
slider moves the picture, an uploaded picture is accepted (and a broken one refused), an
evaluation runs. Screenshots of each land in ``artifacts/screenshots/``."""
from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image

pytestmark = pytest.mark.browser
SETTLE_MS = 180_000


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(SETTLE_MS)
    yield tab
    context.close()


IDLE = """() => !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
             && !document.querySelector('[data-testid="stSkeleton"]')
             && !!document.querySelector('[data-testid="stMain"] h1')"""


def settle(tab) -> None:
    """Wait until the last script run has finished and drawn everything (twice in a row, since a
    new run can start right after one ends)."""
    for _ in range(2):
        tab.wait_for_function(IDLE, timeout=SETTLE_MS, polling=100)
        tab.wait_for_timeout(300)


def open_page(tab, server, url_path: str) -> None:
    tab.goto(f"{server.url}/{url_path}")
    settle(tab)


def assert_healthy(tab, server) -> None:
    exceptions = tab.locator('[data-testid="stException"]').all_inner_texts()
    assert not exceptions, exceptions
    assert "Traceback" not in server.log_text(), server.log_text()[-3000:]


def shot(tab, screenshots, name: str) -> None:
    tab.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def until(predicate, timeout: float = 120, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def test_every_page_opens(page, app_server, screenshots, pages_in_app):
    pages = pages_in_app
    open_page(page, app_server, "")
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    for title, _ in pages:
        assert title in nav, (title, nav)
    for title, url in pages:
        open_page(page, app_server, url)
        assert page.locator('[data-testid="stMain"] h1').first.is_visible()
        shot(page, screenshots, f"page-{url or 'home'}")
        assert_healthy(page, app_server)


def _progress_step(tab) -> int | None:
    text = " ".join(tab.locator('[data-testid="stProgress"]').all_inner_texts())
    match = re.search(r"step ([\d,]+)", text)
    return int(match.group(1).replace(",", "")) if match else None


def test_train_start_and_stop(page, app_server, screenshots):
    open_page(page, app_server, "train")
    page.get_by_role("button", name="▶ Start").click()
    first = until(lambda: (_progress_step(page) or 0) > 0, what="training to make progress")
    until(lambda: _progress_step(page) > first, what="more progress")
    shot(page, screenshots, "train-running")
    page.get_by_role("button", name="⏸ Pause").click()
    until(lambda: "paused" in " ".join(page.locator('[data-testid="stProgress"]').all_inner_texts()),
          what="the paused state")
    settle(page)
    stopped_at = _progress_step(page)
    time.sleep(2)
    page.get_by_role("button", name="⏭ Step").click()  # one more update, by hand
    until(lambda: _progress_step(page) == stopped_at + 1, what="exactly one more step")
    settle(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2
    shot(page, screenshots, "train-paused")
    assert_healthy(page, app_server)


def test_latent_slider_moves_the_picture(page, app_server, screenshots):
    open_page(page, app_server, "latent")
    page.get_by_role("tab", name=re.compile("Sliders")).click()
    settle(page)
    panel = page.get_by_role("tabpanel").filter(has=page.locator('[data-testid="stSlider"]')).last
    edited = panel.locator('[data-testid="stImage"] img').first
    before = edited.get_attribute("src")
    thumb = panel.locator('[data-testid="stSlider"] [role="slider"]').first
    thumb.focus()
    for _ in range(10):
        thumb.press("ArrowRight")
    settle(page)
    until(lambda: edited.get_attribute("src") != before, what="the edited picture to change")
    shot(page, screenshots, "latent-slider")
    assert_healthy(page, app_server)


def _png(color: str, size=(48, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def test_style_transfer_upload(page, app_server, screenshots):
    open_page(page, app_server, "style-transfer")
    content = page.locator('[data-testid="stColumn"]').filter(has_text="Content from").first
    content.get_by_text("Upload").click()
    settle(page)
    uploader = content.locator('input[type="file"]')
    uploader.set_input_files(files=[{"name": "broken.png", "mimeType": "image/png", "buffer": b"not a picture"}])
    until(lambda: "not an image" in " ".join(content.locator('[data-testid="stAlertContentError"]').all_inner_texts()),
          what="the upload to be refused")
    shot(page, screenshots, "style-upload-refused")
    uploader.set_input_files(files=[{"name": "content.png", "mimeType": "image/png", "buffer": _png("teal")}])
    until(lambda: "48×40" in content.inner_text(), what="the uploaded picture to show")
    settle(page)
    shot(page, screenshots, "style-upload-accepted")
    assert_healthy(page, app_server)


def test_evaluation_runs(page, app_server, screenshots):
    open_page(page, app_server, "evaluate")
    chosen = page.locator('[data-testid="stMultiSelect"]').first
    while chosen.locator('[data-baseweb="tag"]').count() > 1:  # keep one checkpoint: a short run
        chosen.locator('[data-baseweb="tag"] [role="presentation"]').last.click()
        settle(page)
    samples = page.locator('[data-testid="stSlider"]').filter(has_text="Samples per checkpoint")
    samples.locator('[role="slider"]').focus()
    samples.locator('[role="slider"]').press("Home")  # the fewest samples
    settle(page)
    page.get_by_role("button", name="▶ Evaluate").click()
    page.get_by_role("heading", name="Results").wait_for(timeout=SETTLE_MS)
    settle(page)
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    shot(page, screenshots, "evaluate-results")
    assert_healthy(page, app_server)

"""The real app in a real browser: every page opens, a training starts and stops, the
mode-collapse lab trains its two GANs and steps by hand, a latent slider moves the picture, an
uploaded picture is accepted (and a broken one refused), an evaluation runs. Screenshots of each land in ``artifacts/screenshots/``."""
from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image

from ganviz.bench import browser

pytestmark = pytest.mark.browser


@pytest.fixture
def page(chromium, request, screenshots):
    """A fresh browser context per test: a new Streamlit session, as a new visitor gets. A failed
    test leaves a screenshot of the page as it was, and prints what the page said."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(180_000)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        tab.screenshot(path=str(screenshots / f"FAILED-{request.node.name}.png"))
        print("page text at the failure:\n" + tab.locator('[data-testid="stMain"]').inner_text(timeout=10_000)[:3000])
    context.close()


@pytest.fixture
def visit(page, app_server, web, screenshots):
    """visit(url_path) opens a page and waits for it; check(name) screenshots and checks health."""
    def open_page(url_path: str) -> None:
        page.goto(f"{app_server.url}/{url_path}")
        web.settle(page)

    def check(name: str) -> None:
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        assert not web.exceptions_on(page), web.exceptions_on(page)
        assert not app_server.tracebacks(), app_server.log_text()[-3000:]

    open_page.check = check
    return open_page


def test_every_page_opens(page, visit, pages_in_app):
    visit("")
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    for title, _ in pages_in_app:
        assert title in nav, (title, nav)
    for title, url in pages_in_app:
        visit(url)
        assert page.locator('[data-testid="stMain"] h1').first.is_visible()
        visit.check(f"page-{url or 'home'}")


def test_a_shared_link_is_a_fresh_servers_first_request(page, start_app, web):
    server = start_app("first-request", {"OMP_NUM_THREADS": "1"})
    page.goto(f"{server.url}/mode_collapse")
    web.settle(page)
    assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "Mode collapse"
    assert page.get_by_role("dialog").count() == 0, page.get_by_role("dialog").all_inner_texts()
    assert page.locator('[data-testid="stSidebarNav"]').is_visible()  # app.py's navigation, not the page alone


def test_train_start_and_stop(page, visit, web):
    visit("train")
    page.get_by_role("button", name="▶ Start").click()
    first = web.until(lambda: (web.progress_step(page) or 0) > 0, what="training to make progress")
    web.until(lambda: web.progress_step(page) > first, what="more progress")
    visit.check("train-running")
    page.get_by_role("button", name="⏸ Pause").click()
    web.until(lambda: "paused" in " ".join(page.locator('[data-testid="stProgress"]').all_inner_texts()),
              what="the paused state")
    web.settle(page)
    stopped_at = web.progress_step(page)
    time.sleep(2)
    assert web.progress_step(page) == stopped_at  # paused means paused
    page.get_by_role("button", name="⏭ Step").click()  # one more update, by hand
    web.until(lambda: web.progress_step(page) == stopped_at + 1, what="exactly one more step")
    web.settle(page)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() == 3  # losses, what D says, real vs generated
    for i in range(3):  # drawn on screen, not only present in the page
        assert browser.ink(Image.open(io.BytesIO(charts.nth(i).screenshot()))) > 0.02, i
    visit.check("train-paused")


def test_mode_collapse_trains_both_gans_and_steps_by_hand(page, visit, web):
    visit("mode_collapse")
    page.get_by_text("Grid of 25", exact=True).click()
    web.until(lambda: "of 10,000" in " ".join(page.locator('[data-testid="stProgress"]').all_inner_texts()),
              what="the grid's own run length")
    web.settle(page)
    page.get_by_role("button", name="▶ Train").click()
    web.until(lambda: (web.progress_step(page) or 0) > 20, what="both GANs to make progress")
    covered = page.locator('[data-testid="stMetric"]').filter(has_text="Modes covered")
    assert covered.count() == 2
    assert all(v.strip().endswith("/25") for v in covered.locator('[data-testid="stMetricValue"]').all_inner_texts())
    visit.check("mode-collapse-running")
    page.get_by_role("button", name="⏸ Pause").click()
    one_step = page.get_by_role("button", name="One full step")
    web.until(one_step.is_enabled, what="the paused state")
    web.settle(page)
    stopped_at = web.progress_step(page)
    one_step.click()
    web.until(lambda: web.progress_step(page) == stopped_at + 1, what="exactly one more update")
    web.settle(page)
    visit.check("mode-collapse-stepped")


def test_mode_collapse_in_images_draws_both_dcgans_pictures_and_coverage(page, visit, web):
    """Both DCGANs train on shapes to the end of a short run: on screen (pixels), each arm's grid of
    pictures and every chart; each arm's coverage counted over the 24 shape x colour modes."""
    visit("image_collapse?steps=100")
    page.get_by_role("button", name="▶ Train").click()
    web.until(lambda: web.progress_step(page) == 100, timeout=400, what="both DCGANs to reach step 100")
    web.until(lambda: page.get_by_role("button", name="▶ Train").count() == 1, what="the run to end")
    web.settle(page)
    held = page.locator('[data-testid="stMetric"]').filter(has_text="Modes held")
    assert [v.strip()[-3:] for v in held.locator('[data-testid="stMetricValue"]').all_inner_texts()] == ["/24"] * 2
    pictures = page.locator('[data-testid="stImage"] img')
    assert pictures.count() == 2
    for i in range(2):
        assert browser.ink(Image.open(io.BytesIO(pictures.nth(i).screenshot()))) > 0.02, i  # shapes, not a blank
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() == 8  # per arm coverage and occupancy; modes held, covered, high quality, reverse KL
    for i in range(charts.count()):
        charts.nth(i).scroll_into_view_if_needed()
        assert browser.ink(Image.open(io.BytesIO(charts.nth(i).screenshot()))) > 0.01, i
    visit.check("image-collapse-trained")


def test_divergence_is_explained_on_the_page(page, visit, web):
    visit("train?loss=lsgan&lr_g=1.0&lr_d=1.0&batch_size=32")  # blows up at step 2
    page.get_by_role("button", name="▶ Start").click()
    alert = page.locator('[data-testid="stAlertContentError"]').filter(has_text="training diverged")
    alert.wait_for()
    assert re.search(r"became (nan|inf|-inf) at step \d+", alert.inner_text()), alert.inner_text()
    web.settle(page)
    assert page.get_by_role("button", name="▶ Start").is_enabled()  # paused, ready for new settings
    visit.check("train-diverged")


def test_latent_slider_moves_the_picture(page, visit, web):
    visit("latent")
    page.get_by_role("tab", name=re.compile("Sliders")).click()
    web.settle(page)
    edited = page.locator('[data-testid="stImage"]:visible img').first  # "seed 0, edited"
    before = edited.get_attribute("src")
    thumb = page.locator('[data-testid="stSlider"]:visible').filter(has_text="PC1").locator('input[type="range"]')
    thumb.focus()
    for _ in range(10):
        thumb.press("ArrowRight")
    web.settle(page)
    web.until(lambda: edited.get_attribute("src") != before, what="the edited picture to change")
    visit.check("latent-slider")


def _png(color: str, size=(48, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def test_style_transfer_upload(page, visit, web):
    visit("style_transfer")
    content = page.locator('[data-testid="stColumn"]').filter(has_text="Content from").first
    content.get_by_text("Upload").click()
    web.settle(page)
    uploader = content.locator('input[type="file"]')
    uploader.set_input_files(files=[{"name": "broken.png", "mimeType": "image/png", "buffer": b"not a picture"}])
    web.until(lambda: "not an image" in " ".join(content.locator('[data-testid="stAlertContentError"]').all_inner_texts()),
              what="the upload to be refused")
    visit.check("style-upload-refused")
    uploader.set_input_files(files=[{"name": "content.png", "mimeType": "image/png", "buffer": _png("teal")}])
    web.until(lambda: "48×40" in content.inner_text(), what="the uploaded picture to show")
    web.settle(page)
    visit.check("style-upload-accepted")


def test_evaluation_runs(page, visit, web):
    visit("evaluate")
    chosen = page.locator('[data-testid="stMultiSelect"]').first
    remove = chosen.get_by_role("button", name=re.compile("^Remove "))
    assert remove.count() >= 1
    while remove.count() > 1:  # keep one checkpoint: a short run
        remove.last.click()
        web.settle(page)
    samples = page.locator('[data-testid="stSlider"]').filter(has_text="Samples per checkpoint")
    samples.locator('input[type="range"]').focus()
    samples.locator('input[type="range"]').press("Home")  # the fewest samples
    web.settle(page)
    page.get_by_role("button", name="▶ Evaluate").click()
    page.get_by_role("heading", name="Results").wait_for()
    web.settle(page)
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    assert "500 generated samples" in page.locator('[data-testid="stMain"]').inner_text()
    visit.check("evaluate-results")



def test_mode_collapse_live_view_stays_drawn_while_training(chromium, app_server, web, screenshots):
    """Every live chart on screen in >= 95% of frames, judged by pixels: screenshots every second
    over 30 s of training, the generated samples' violet in both planes, ink in every other chart."""
    from ganviz.bench.classroom import VIEWPORT, watch

    context = chromium.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(180_000)
    try:
        tab.goto(f"{app_server.url}/mode_collapse")
        web.settle(tab)
        tab.get_by_text("Networks and remedy settings").click()
        stop_at = tab.get_by_label("stop at step")
        stop_at.fill("100000")  # still training when the watch ends, on any machine
        stop_at.press("Enter")
        web.settle(tab)
        seen = watch(tab, seconds=31, interval=1.0)
        tab.screenshot(path=str(screenshots / "mode-collapse-live.png"))
    finally:
        context.close()
    assert seen["frames"] >= 25 and seen["mean_interval"] <= 1.25, seen
    assert seen["drawn_share"] >= 0.95, seen["undrawn"]
    assert seen["updates_per_second"] and seen["updates_per_second"] > 0, seen


def test_a_changed_page_is_a_link_to_the_same_setup(page, visit, web, chromium, app_server):
    """Change the Mode collapse setup, take the address bar's URL to a new visitor (a fresh browser
    context: a new session), and see the same setup there; leaving the page leaves its link behind."""
    visit("mode_collapse")
    page.get_by_text("Grid of 25", exact=True).click()
    web.settle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Remedy on the right").click()
    page.get_by_role("option", name="unrolled GAN").click()
    web.settle(page)
    seed = page.get_by_label("Seed")
    seed.fill("3")
    seed.press("Enter")
    web.settle(page)
    link = web.until(lambda: "seed=3" in page.url and page.url, what="the settings in the address bar")
    assert "dataset=grid25" in link and "remedy=unrolled" in link, link

    visitor = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab = visitor.new_page()
        tab.set_default_timeout(180_000)
        tab.goto(link)
        web.settle(tab)
        assert tab.get_by_role("radio", name="Grid of 25").is_checked()
        remedy = tab.locator('[data-testid="stSelectbox"]').filter(has_text="Remedy on the right")
        assert remedy.locator("input").input_value() == "unrolled GAN"
        assert tab.get_by_label("Seed").input_value() == "3"
        assert tab.get_by_role("heading", name="With unrolled GAN").count() == 1
        assert "of 10,000" in " ".join(tab.locator('[data-testid="stProgress"]').all_inner_texts())
        assert tab.locator('[data-testid="stAlertContentWarning"]').count() == 0
        tab.locator('[data-testid="stSidebarNav"]').get_by_text("Phase diagram").click()
        web.settle(tab)
        assert "seed=" not in tab.url and "remedy=" not in tab.url, tab.url
        assert not web.exceptions_on(tab), web.exceptions_on(tab)
    finally:
        visitor.close()


# every label-like element of the page (of the parts named, default the main area) whose text is
# wider than its box (cut, usually with an ellipsis)
CUT_LABELS = """(parts = ['[data-testid="stMain"]']) => ['[data-testid="stWidgetLabel"]', '[data-testid="stMetricLabel"]',
                       '[data-testid="stMetricValue"]', 'button', '[data-baseweb="select"]',
                       '[data-testid="stMultiSelect"]', 'label']
  .flatMap(css => parts.flatMap(part => [...document.querySelectorAll(part + ' ' + css)]))
  .flatMap(e => [e, ...e.querySelectorAll('*')])
  .filter(e => e.offsetParent && e.innerText.trim() && e.scrollWidth > e.clientWidth + 1
               && getComputedStyle(e).overflowX !== 'visible')
  .map(e => e.innerText.trim())"""
TEXT_SIZES = """() => Object.fromEntries(Object.entries({
    heading: '[data-testid="stMain"] h1', subheading: '[data-testid="stMain"] h3',
    metric: '[data-testid="stMetricLabel"] p', progress: '[data-testid="stProgress"] p'})
  .map(([name, css]) => [name, parseFloat(getComputedStyle(document.querySelector(css)).fontSize)]))"""


def test_presentation_mode_enlarges_the_text_and_no_label_is_cut(chromium, app_server, web, screenshots):
    """Mode collapse at a projector's 1280 x 800, in both modes: no control or metric label is cut;
    ``?present=1`` makes the text larger and hides the setup, leaving the controls."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(180_000)
    sizes = {}
    try:
        for presenting in (False, True):
            tab.goto(f"{app_server.url}/mode_collapse" + ("?present=1" if presenting else ""))
            web.settle(tab)
            tab.get_by_role("button", name="One full step").click()  # the live view, metrics and all
            web.until(lambda: web.progress_step(tab) == 1, what="one update")
            web.settle(tab)
            assert tab.evaluate(CUT_LABELS, ['[data-testid="stMain"]']) == [], presenting
            sizes[presenting] = tab.evaluate(TEXT_SIZES)
            assert tab.get_by_text("Networks and remedy settings").is_visible() != presenting
            assert tab.get_by_role("button", name="▶ Train").is_visible()
            tab.screenshot(path=str(screenshots / f"mode-collapse-{'presenting' if presenting else 'normal'}.png"))
    finally:
        context.close()
    for element, normal in sizes[False].items():
        assert sizes[True][element] >= 1.15 * normal, (element, sizes)


LABELLED_PAGES = {"train": (), "evaluate": (), "phase_diagram": (), "latent": ("Samples", "Interpolation", "Sliders"),
                  "style_transfer": (), "landscape": ("Dirac-GAN", "Optimal D", "Slice"), "image_collapse": ()}
TABLE_OVERFLOW = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')]
  .map(e => e.scrollWidth - e.clientWidth)"""


def test_no_control_label_is_cut_at_1280_px(chromium, app_server, web, screenshots):
    """Train, Evaluate, Phase diagram, Latent explorer, Style transfer and Minimax landscape at a
    laptop's 1280 x 800, every sidebar section and tab open: no label, metric or chip is cut, and
    the Evaluate table fits the page."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(180_000)
    everywhere = ['[data-testid="stSidebar"]', '[data-testid="stMain"]']
    cut = {}
    try:
        for url, tabs in LABELLED_PAGES.items():
            tab.goto(f"{app_server.url}/{url}")
            web.settle(tab)
            closed = tab.locator('[data-testid="stSidebar"] details:not([open]) > summary')
            while closed.count():
                closed.first.click()
                web.settle(tab)
            for name in tabs or (None,):
                if name:
                    tab.get_by_role("tab", name=name).click()
                    web.settle(tab)
                found = tab.evaluate(CUT_LABELS, everywhere)
                if found:
                    cut[f"{url} {name or ''}".strip()] = found
            tab.screenshot(path=str(screenshots / f"labels-1280-{url}.png"))
        tab.goto(f"{app_server.url}/evaluate?n=500")  # the Evaluate table, measured with the fewest samples
        web.settle(tab)
        tab.get_by_role("button", name="▶ Evaluate").click()
        tab.get_by_role("heading", name="Results").wait_for()
        web.settle(tab)
        overflow = tab.evaluate(TABLE_OVERFLOW)
        tab.screenshot(path=str(screenshots / "labels-1280-evaluate-results.png"))
    finally:
        context.close()
    assert cut == {}, cut
    assert overflow and max(overflow) <= 1, overflow


def test_a_discriminator_that_wins_outright_is_said_and_one_click_switches_to_dcgan(page, visit, web):
    """The saturating loss on the digits' MLP: D wins within a few hundred updates, the page says
    so, and the suggestion's button restarts with DCGAN, the sidebar and the link showing it."""
    visit("train?data.name=digits&loss=minimax")
    page.get_by_role("button", name="▶ Start").click()
    switch = page.get_by_role("button", name="↻ DCGAN architecture")
    switch.wait_for()
    assert "winning outright" in " ".join(page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts())
    switch.click()
    link = lambda: page.evaluate("location.search")  # noqa: E731  (page.url can lag behind replaceState)
    web.until(lambda: "model.arch=dcgan" in link() and "batch_size=64" in link(), what="the link to change")
    web.settle(page)
    page.get_by_text("Networks", exact=True).click()
    assert page.get_by_text("Base channels").is_visible()  # DCGAN's fields in the sidebar, not the MLP's
    assert page.locator('[data-testid="stAlertContentInfo"]').filter(has_text="Settings changed").count() == 0
    visit.check("train-dcgan-applied")


def test_what_mode_collapse_showed_downloads_as_a_gif_and_an_mp4(page, visit, web):
    """Train a short run, then take it into slides: the GIF is the recorded frames of both planes,
    the MP4 a real MP4 (ffmpeg's, from the imageio-ffmpeg wheel)."""
    visit("mode_collapse?steps=300")
    page.get_by_role("button", name="▶ Train").click()
    web.until(lambda: web.progress_step(page) == 300, what="the run to end at step 300")
    web.settle(page)
    files = {}
    for fmt in ("GIF", "MP4"):
        with page.expect_download() as download:
            page.get_by_role("button", name=f"⬇ Download {fmt}").click()
        files[fmt] = (download.value.suggested_filename, open(download.value.path(), "rb").read())
    name, gif = files["GIF"]
    assert name.endswith(".gif")
    animation = Image.open(io.BytesIO(gif))
    assert animation.format == "GIF" and animation.n_frames >= 3, animation.n_frames
    first = animation.convert("RGB")
    animation.seek(animation.n_frames - 1)
    assert first.tobytes() != animation.convert("RGB").tobytes()  # the planes changed as G learned
    name, mp4 = files["MP4"]
    assert name.endswith(".mp4") and mp4[4:8] == b"ftyp" and len(mp4) > 10_000, (name, mp4[:16], len(mp4))
    visit.check("mode-collapse-exported")


# the editor's plot area on screen and its axes' ranges, to turn a pixel into data coordinates
PLOT_AREA = """(chart) => { const gd = chart.querySelector('.js-plotly-plot'), box = gd.querySelector('.nsewdrag')
  .getBoundingClientRect(); return {left: box.left, top: box.top, width: box.width, height: box.height,
  x: gd._fullLayout.xaxis.range, y: gd._fullLayout.yaxis.range}; }"""


def test_draw_your_own_adds_a_component_where_the_click_lands(page, visit, web):
    """Clicks between the lattice's faint spots, not on them: each adds one component within half a
    lattice step of where it landed."""
    visit("mode_collapse")
    page.get_by_text("Draw your own", exact=True).click()
    web.settle(page)
    components = page.get_by_label("Components, one 'x, y' per line")
    lines = lambda: [tuple(map(float, line.split(","))) for line in components.input_value().splitlines()]  # noqa: E731
    for fx, fy in ((0.37, 0.29), (0.713, 0.822)):
        before = lines()
        chart = page.locator('[data-testid="stPlotlyChart"]').first
        area = chart.evaluate(PLOT_AREA)
        page.mouse.click(area["left"] + fx * area["width"], area["top"] + fy * area["height"])
        web.until(lambda: len(lines()) == len(before) + 1, what="a component added by the click")
        web.settle(page)
        (x, y), = set(lines()) - set(before)
        want_x = area["x"][0] + fx * (area["x"][1] - area["x"][0])
        want_y = area["y"][1] - fy * (area["y"][1] - area["y"][0])
        assert abs(x - want_x) <= 0.13 and abs(y - want_y) <= 0.13, ((x, y), (want_x, want_y))
    visit.check("mode-collapse-drawn")

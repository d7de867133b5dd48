from PIL import Image, ImageDraw

from ganviz.bench.browser import ink, violet_pixels
from ganviz.bench.classroom import _page_rate, _punchline


def test_violet_is_found_over_white_and_the_heatmap_but_not_in_teal_or_pale_violet():
    image = Image.new("RGB", (60, 20), "#ddd6fe")  # the heatmap's pale violet: not a sample
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 9, 9), fill=(150, 97, 241))   # a generated sample over white
    draw.rectangle((20, 0, 29, 9), fill=(110, 52, 200))  # samples stacked under a dark stroke
    draw.rectangle((40, 0, 49, 9), fill="#0d9488")       # a real sample (teal)
    assert violet_pixels(image) == 200
    assert violet_pixels(Image.new("RGB", (30, 30), "white")) == 0


def test_ink_is_the_share_of_pixels_off_the_background():
    image = Image.new("RGB", (10, 10), "white")
    ImageDraw.Draw(image).rectangle((0, 0, 1, 9), fill="black")
    assert ink(image) == 0.2
    assert ink(Image.new("RGB", (10, 10), "#fafafa")) == 0.0


def test_punchline_needs_the_plain_arm_collapsed_and_the_remedy_covering():
    assert _punchline(["1/8", "8/8"], ["0/8", "7/8"])
    assert not _punchline(["3/8", "8/8"], ["0/8", "8/8"])
    assert not _punchline(["1/8", "8/8"], ["0/8", "6/8"])
    assert not _punchline([], [])


def test_page_rate_counts_both_arms_while_the_step_moves():
    steps = [(0.0, 0), (1.0, 0), (2.0, 100), (3.0, 150), (4.0, 250), (5.0, 300), (6.0, 300)]  # ended at 300
    assert _page_rate(steps) == 2 * (250 - 100) / 2.0  # neither the start-up nor the stop counts
    assert _page_rate([(0.0, 5)]) is None


def test_server_tracebacks_leave_out_only_streamlits_closing_tab_race(tmp_path):
    from ganviz.bench.browser import CLOSING_TAB_RACE, AppServer

    log = tmp_path / "server.log"
    log.write_text(f"starting\nTraceback (most recent call last):\n  File \"x\"\nstarlette.websockets.{CLOSING_TAB_RACE}\n"
                   "Traceback (most recent call last):\n  File \"pages/train.py\"\nValueError: boom\n")
    server = AppServer(process=None, url="", log=log)
    assert [t.splitlines()[-1] for t in server.tracebacks()] == ["ValueError: boom"]
    log.write_text(f"Traceback (most recent call last):\nstarlette.websockets.{CLOSING_TAB_RACE}\n")
    assert server.tracebacks() == []

"""The Phase diagram page under AppTest: a small grid trains in the background, its cells fill in,
a cell's samples show, Stop stops, and a bad axis gets a clear message."""
import time

import pytest
from streamlit.testing.v1 import AppTest

SMALL = {"Steps": 6, "Batch size": 16, "Units per layer": 8}


@pytest.fixture
def open_page(open_app_page):
    def open_small_grid() -> AppTest:
        at = open_app_page("pages/phase_diagram.py")
        for label, value in SMALL.items():
            next(n for n in at.number_input if n.label == label).set_value(value)
        next(t for t in at.text_input if t.label == "x values").set_value("1e-3,1e-2")
        next(t for t in at.text_input if t.label == "y values").set_value("1e-3,1e-2")
        return at.run()

    return open_small_grid


def button(at: AppTest, label: str):
    return next(b for b in at.button if label in b.label)


def wait_until_done(at: AppTest, timeout: float = 60) -> None:
    worker = at.session_state["phase_worker"]
    deadline = time.monotonic() + timeout
    while worker.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not worker.running


def test_a_grid_trains_and_its_cells_fill_in(open_page, close_worker_after):
    at = open_page()
    close_worker_after(at, "phase_worker")
    assert not at.exception and not at.error
    assert any("Compute" in i.value for i in at.info)
    button(at, "Compute").click()
    at.run()
    wait_until_done(at)
    at.run()
    assert not at.exception and not at.error
    diagram = at.session_state["phase_diagram"]
    assert diagram.population.size == 4 and diagram.population.step_count == 6
    assert diagram.scored_step == 6 and diagram.modes.shape == (2, 2)
    charts = at.get("plotly_chart")
    assert len(charts) == 1 and "after 6 steps" in charts[0].proto.spec  # the grid
    assert len(at.container("phase_samples").get("vega_lite_chart")) == 1  # the selected cell's samples
    cell = next(s for s in at.selectbox if s.label == "Cell")
    cell.set_value(3)
    at.run()
    assert not at.exception
    assert at.session_state["phase_selected"] == 3


def test_stop_pauses_a_long_grid(open_page, close_worker_after):
    at = open_page()
    close_worker_after(at, "phase_worker")
    next(n for n in at.number_input if n.label == "Steps").set_value(100_000)
    at.run()
    button(at, "Compute").click()
    at.run()
    worker = at.session_state["phase_worker"]
    assert worker.running
    button(at, "Stop").click()
    at.run()
    assert not worker.running and worker.trainer.step_count < 100_000


def test_a_bad_axis_is_explained(open_page, close_worker_after):
    at = open_page()
    close_worker_after(at, "phase_worker")
    next(t for t in at.text_input if t.label == "x values").set_value("fast,slow")
    at.run()
    button(at, "Compute").click()
    at.run()
    assert not at.exception
    assert any("Invalid grid" in e.value and "lr_d" in e.value for e in at.error)


def test_a_link_opens_the_same_grid_and_follows_every_change(open_app_page, url, state_warnings):
    link = {"preset": "loss × seed", "x": "lr", "xs": "1e-3,1e-2", "ys": "ns,hinge", "dataset": "grid25",
            "steps": "50", "lr": "0.002"}
    at = open_app_page("pages/phase_diagram.py", link)
    assert not at.exception and not at.warning and not state_warnings
    assert at.sidebar.selectbox(key="phase_preset").value == "loss × seed"
    assert at.sidebar.selectbox(key="phase_x_loss × seed").value == "lr"
    assert at.sidebar.text_input(key="phase_xv_loss × seed_lr").value == "1e-3,1e-2"
    assert at.sidebar.text_input(key="phase_yv_loss × seed_loss").value == "ns,hinge"
    assert at.sidebar.radio(key="phase_data").value == "grid25"
    assert at.sidebar.number_input(key="phase_steps").value == 50
    assert at.sidebar.number_input(key="phase_lr").value == 2e-3
    assert url(at) == link

    at.sidebar.number_input(key="phase_width").set_value(16).run()
    at.sidebar.radio(key="phase_data").set_value("ring8").run()  # the default again: out of the link
    assert url(at) == {**{k: v for k, v in link.items() if k != "dataset"}, "model.width": "16"}
    assert not state_warnings


def test_a_bad_link_value_is_named_and_the_default_stands(open_app_page, url):
    at = open_app_page("pages/phase_diagram.py", {"x": "model.width", "xs": "1," * 200, "steps": "1e308",
                                                  "batch_size": "64"})
    assert not at.exception
    assert len(at.warning) == 1 and all(f"**{n}**" in at.warning[0].value for n in ("x", "xs", "steps"))
    assert at.sidebar.selectbox(key="phase_x_D vs G learning rate").value == "lr_d"
    assert at.sidebar.number_input(key="phase_batch").value == 64
    assert url(at) == {"batch_size": "64"}

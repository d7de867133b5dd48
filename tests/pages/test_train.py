"""The Train page under Streamlit's AppTest: start, live history, step, bad values, URL state."""
import json
import time

import pytest
from streamlit.testing.v1 import AppTest

SMALL = {"model.width": "16", "model.depth": "1", "batch_size": "32"}


@pytest.fixture
def open_train(open_app_page):
    return lambda params=None: open_app_page("pages/train.py", params)


def button(at: AppTest, label: str):
    return next(b for b in at.button if label in b.label)


def test_start_trains_in_the_background_and_shows_charts(open_train, close_worker_after):
    at = open_train(SMALL)
    close_worker_after(at, "train_worker")
    assert not at.exception and not at.error
    button(at, "Start").click()
    at.run()
    worker = at.session_state["train_worker"]
    deadline = time.monotonic() + 60
    while worker.trainer.step_count < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    first = len(worker.trainer.history)
    time.sleep(0.5)
    at.run()
    assert not at.exception and not at.error
    assert len(worker.trainer.history) > first > 0  # keeps growing while the page is idle
    assert len(at.metric) == 4 and all(m.help for m in at.metric)  # each says what it means
    charts = at.get("vega_lite_chart")  # drawn in the browser, keyed: new data, the same element
    assert len(charts) == 3  # losses, D outputs, samples
    assert [json.loads(c.proto.spec)["title"]["text"] for c in charts] == [
        "Losses", "What the discriminator says", "Real vs generated"]
    assert not at.get("plotly_chart")
    button(at, "Pause").click()
    at.run()
    assert not worker.running


def test_step_runs_exactly_one_update(open_train, close_worker_after):
    at = open_train(SMALL)
    close_worker_after(at, "train_worker")
    button(at, "Step").click()
    at.run()
    worker = at.session_state["train_worker"]
    assert worker.trainer.step_count == 1 and len(worker.trainer.history) == 1
    button(at, "Step").click()
    at.run()
    assert worker.trainer.step_count == 2


def test_a_worker_released_in_the_middle_of_a_run_is_said_not_a_traceback(open_train, close_worker_after):
    """A closed tab's last queued run can meet its worker released after the grace period: the
    run is redone as a full page, which says that the training was closed."""
    at = open_train(SMALL)
    close_worker_after(at, "train_worker")
    button(at, "Step").click()
    at.run()
    worker = at.session_state["train_worker"]
    sample = worker.call

    def released_between_check_and_call(fn):
        worker.close(release=True)  # as the reaper does, after the page found the worker alive
        return sample(fn)

    worker.call = released_between_check_and_call
    at.run()
    assert not at.exception
    assert "closed to free memory" in " ".join(i.value for i in at.info)
    assert "train_worker" not in at.session_state


@pytest.mark.parametrize("field, value, message", [
    ("cfg:lr_d", -0.01, "lr_d: must be > 0"),
    ("cfg:batch_size", 0, "batch_size: must be >= 1"),
])
def test_bad_hyperparameters_show_a_clear_error_not_a_traceback(open_train, field, value, message):
    at = open_train()
    at.sidebar.number_input(key=field).set_value(value).run()
    assert not at.exception
    assert any(message in e.value for e in at.error)
    assert "train_worker" not in at.session_state


def test_configuration_is_mirrored_in_the_url_and_restored_from_it(open_train):
    at = open_train()
    at.sidebar.selectbox(key="cfg:loss").set_value("hinge").run()
    assert at.query_params["loss"] in ("hinge", ["hinge"])
    shared = open_train({"loss": "lsgan", "data.name": "grid25", "lr_g": "0.0003"})
    assert shared.sidebar.selectbox(key="cfg:loss").value == "lsgan"
    assert shared.sidebar.selectbox(key="cfg:data.name").value == "grid25"
    assert shared.sidebar.number_input(key="cfg:lr_g").value == pytest.approx(3e-4)


def test_a_broken_link_falls_back_to_defaults_with_a_warning(open_train):
    at = open_train({"lr_g": "-5"})
    assert not at.exception
    assert any("lr_g" in w.value for w in at.warning)
    assert at.sidebar.number_input(key="cfg:lr_g").value > 0


def test_a_link_too_large_for_the_server_is_refused_while_another_visitor_trains_on(open_train, close_worker_after):
    """The shared-server issue's link: every value inside its field's limits, 16 billion parameters
    together. It is refused from its estimate before anything is allocated, and a run that another
    visitor has going keeps training."""
    other = open_train(SMALL)
    close_worker_after(other, "train_worker")
    button(other, "Start").click()
    other.run()
    running = other.session_state["train_worker"]
    hostile = open_train({"model.width": "4096", "model.depth": "16", "remedy": "mixture", "n_generators": "64"})
    assert not hostile.exception
    before = running.trainer.step_count
    button(hostile, "Start").click()
    hostile.run()
    assert not hostile.exception
    assert any("Cannot build this GAN" in e.value and "503,533,571 parameters" in e.value
               and "GANVIZ_RUN_MEMORY_MB" in e.value for e in hostile.error)
    assert "train_worker" not in hostile.session_state
    deadline = time.monotonic() + 60
    while running.trainer.step_count <= before + 25 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running.running and running.trainer.step_count > before + 25


def test_a_discriminator_that_wins_outright_is_said_and_one_click_applies_the_dcgan_fix(open_train, close_worker_after):
    import numpy as np

    at = open_train({**SMALL, "data.name": "digits", "loss": "minimax"})
    close_worker_after(at, "train_worker")
    button(at, "Step").click()
    at.run()
    assert not at.warning  # one update: nothing to say yet
    history = at.session_state["train_worker"].trainer.history
    steps = np.arange(2, 602)  # D at its floor, D(x) = 1 and D(G(z)) = 0, for 600 updates
    history.extend(steps, {"d_loss": np.full(600, 1e-5), "d_real": np.ones(600), "d_fake": np.zeros(600),
                           "g_loss": np.zeros(600)})
    at.run()
    assert not at.exception
    assert any("winning outright" in w.value and "DCGAN architecture" in w.value for w in at.warning)
    button(at, "DCGAN architecture").click()
    at.run()
    assert not at.exception
    fresh = at.session_state["train_worker"]
    assert fresh.trainer.config.model.arch == "dcgan" and fresh.running  # a new run, started
    assert not any("winning outright" in w.value for w in at.warning)
    # A live-panel poll the browser sent before it drew the new values brings the old ones back
    # (seen on a slow machine): they must not undo the suggestion.
    for key, stale in (("cfg:model.arch", "mlp"), ("cfg:batch_size", 32)):
        at.session_state[key] = stale
    at.run()
    shown = {w.label: w.value for w in [*at.sidebar.selectbox, *at.sidebar.number_input]}
    assert (shown["Architecture"], shown["Base channels"], shown["Batch size"]) == ("dcgan", 16, 64)
    assert not any("Settings changed" in i.value for i in at.info)


def test_a_shapes_run_shows_its_exact_mode_coverage(open_train, close_worker_after):
    """On ``shapes`` the modes are known (shape x colour): the samples come with the 2D lab's
    cards, read by the shape factor network, each saying so in its help."""
    at = open_train({"data.name": "shapes", "data.image_size": "32", "model.arch": "dcgan",
                     "model.channels": "8", "batch_size": "16"})
    close_worker_after(at, "train_worker")
    button(at, "Step").click()
    at.run()
    assert not at.exception and not at.error
    cards = {m.label: m for m in at.metric}
    assert cards["Modes covered"].value.endswith("/24") and cards["Modes held"].value.endswith("/24")
    assert "shape factor network" in cards["Modes covered"].help
    assert {"High quality", "Reverse KL"} <= set(cards)

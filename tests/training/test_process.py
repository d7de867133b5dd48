"""The training process a page polls: frames, manual steps, targets, errors, a killed child."""
import os
import signal
import time

import pytest

from ganviz.collapse.experiment import lab_frame, open_lab, preset
from ganviz.training.process import ProcessWorker


def _config(**changes) -> dict:
    return preset("ring8", "none", 3, batch_size=64, **changes).to_dict()


def _until(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def lab():
    worker = ProcessWorker(open_lab, (_config(), "pacgan"), view=lab_frame, chunk=10)
    yield worker
    worker.close()


def test_a_lab_trains_in_its_own_process_and_sends_frames(lab):
    snap = lab.wait_ready()
    assert lab._process.pid != os.getpid() and snap.step == 0 and not snap.running
    assert set(snap.extra) == {"plain", "treated"} and snap.extra["plain"]["view"]["fake"].shape[1] == 2
    lab.step(1, train_d=True, train_g=False)  # returns once the step's frame is here
    assert lab.snapshot().step == 1
    lab.start(41)
    _until(lambda: lab.step_count == 41 and not lab.running)
    snap = lab.snapshot()
    assert snap.history["step"][-1] == 41 and snap.target == 41
    assert snap.extra["treated"]["metrics"]["num_modes"] == 8


def test_the_view_changes_on_request(lab):
    lab.wait_ready()
    assert "manifold" not in lab.snapshot().extra["plain"]["view"]
    lab.set_view(manifold=True)
    assert lab.snapshot().extra["plain"]["view"]["manifold"].shape[-1] == 2


def test_pause_stops_training_between_chunks(lab):
    lab.wait_ready()
    lab.start(None)
    _until(lambda: lab.step_count >= 20)
    lab.pause()
    _until(lambda: not lab.running)
    stopped = lab.step_count
    time.sleep(0.5)
    assert lab.step_count == stopped


def test_bad_settings_come_back_as_an_error_frame():
    worker = ProcessWorker(open_lab, (_config(), "no-such-remedy"), view=lab_frame)
    try:
        snap = worker.wait_ready()
        assert "treatment" in snap.error
    finally:
        worker.close()


def test_a_killed_training_process_costs_only_its_run_and_says_why(lab):
    lab.wait_ready()
    os.kill(lab._process.pid, signal.SIGKILL)
    _until(lambda: lab.snapshot().error is not None)
    assert "killed" in lab.snapshot().error and lab.released
    other = ProcessWorker(open_lab, (_config(), "pacgan"), view=lab_frame)
    try:
        other.step(2)
        assert other.snapshot().step == 2  # the server (this process) and new runs carry on
    finally:
        other.close()


def test_closing_ends_the_process(lab):
    lab.wait_ready()
    process = lab._process
    lab.close()
    assert not process.is_alive() and lab.closed
    with pytest.raises(RuntimeError, match="closed"):
        lab.start(10)

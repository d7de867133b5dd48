"""Resources: running out of memory is reported with advice and recovered from; a session's
worker ends with the session (no leaked threads, memory handed back); histories stay bounded;
concurrent trainings do not see each other; the server caps how many run at once."""
import gc
import os
import threading
import time

import numpy as np
import pytest
import torch

from ganviz import resources
from ganviz.config import TrainConfig
from ganviz.resources import OutOfMemory, TooManyWorkers, out_of_memory_guard
from ganviz.training import History, Trainer
from ganviz.training.worker import TrainingWorker

SMALL = dict(batch_size=16, model=dict(width=16, depth=1))



def _trainer(**overrides) -> Trainer:
    return Trainer(TrainConfig(**(SMALL | overrides)), device="cpu")


def _wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ganviz-trainer"]


# -- out of memory ----------------------------------------------------------------------------------
def test_a_real_failed_allocation_becomes_advice_and_the_next_one_works():
    with pytest.raises(OutOfMemory) as info:
        with out_of_memory_guard("sampling a huge batch", "Ask for fewer samples."):
            torch.empty(1 << 50, dtype=torch.uint8)  # 1 PiB: the allocator refuses at once
    message = str(info.value)
    assert message.startswith("Out of memory while sampling a huge batch")
    assert "can't allocate memory" in message and message.endswith("Ask for fewer samples.")
    assert "enforce fail" not in message
    assert torch.ones(1000).sum().item() == 1000  # the process carries on


def test_other_errors_pass_through_the_guard_unchanged():
    with pytest.raises(ValueError, match="not memory"):
        with out_of_memory_guard("anything"):
            raise ValueError("not memory")


def test_simulated_gpu_oom_in_training_pauses_with_advice_restores_and_recovers(monkeypatch):
    trainer = _trainer()
    trainer.step(5)
    before = {k: v.clone() for k, v in trainer.gan.state_dict().items()}
    real_d_step, calls = trainer.d_step, []

    def d_step_that_runs_out_of_memory():
        calls.append(1)
        if len(calls) == 3:  # in the middle of the worker's first chunk
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return real_d_step()

    monkeypatch.setattr(trainer, "d_step", d_step_that_runs_out_of_memory)
    worker = TrainingWorker(trainer, chunk=5)
    try:
        worker.start(target=20)
        _wait(lambda: not worker.running)
        snap = worker.snapshot()
        assert snap.error.startswith("Out of GPU memory while training (CUDA out of memory")
        assert "smaller batch size (now 16)" in snap.error
        # The half-done chunk was undone: the networks are exactly as before it.
        assert snap.step == 5
        for k, v in trainer.gan.state_dict().items():
            assert torch.equal(v, before[k]), k
        worker.start(target=20)  # the allocation would now fit: training carries on
        _wait(lambda: not worker.running)
        assert worker.snapshot().step == 20 and worker.snapshot().error is None
    finally:
        worker.close()


# -- worker lifetime --------------------------------------------------------------------------------
def test_a_forgotten_worker_ends_its_thread():
    worker = TrainingWorker(_trainer(), chunk=2)
    worker.start()  # forever
    _wait(lambda: worker.snapshot().step > 0)
    thread = worker._thread
    assert thread.is_alive() and worker in resources.live_workers()
    del worker  # what happens when Streamlit drops a session's state
    gc.collect()
    thread.join(10)
    assert not thread.is_alive()
    assert all(w.released or not w.running for w in resources.live_workers())


def test_close_with_release_drops_the_trainer_and_keeps_the_last_snapshot():
    worker = TrainingWorker(_trainer(), chunk=5)
    worker.step(5)
    trainer_ref = __import__("weakref").ref(worker.trainer)
    worker.close(release=True)
    gc.collect()
    assert not worker.alive and worker.closed and worker.released
    assert trainer_ref() is None  # nothing else kept it: its memory is free
    snap = worker.snapshot()
    assert snap.step == 5 and not snap.running and "closed" in snap.error
    assert len(snap.history["step"]) == 5
    with pytest.raises(RuntimeError, match="closed"):
        worker.start(10)
    with pytest.raises(RuntimeError, match="closed"):
        worker.call(lambda t: t.generate(n=2))
    assert worker not in resources.live_workers()


def test_the_server_caps_concurrent_trainings(monkeypatch):
    gc.collect()
    monkeypatch.setenv(resources.MAX_WORKERS_ENV, str(len(resources.live_workers()) + 2))
    first, second = TrainingWorker(_trainer()), TrainingWorker(_trainer())
    try:
        with pytest.raises(TooManyWorkers, match=r"already running \d+ trainings.*GANVIZ_MAX_WORKERS"):
            TrainingWorker(_trainer())
        first.close()
        third = TrainingWorker(_trainer())  # a closed worker frees its slot
        third.close()
    finally:
        first.close()
        second.close()


def test_a_closed_browser_session_pauses_then_releases_its_workers(monkeypatch):
    """ui.session's clean-up path, as Streamlit's on_release would run it when a tab closes."""
    from ui import session

    monkeypatch.setenv(session.GRACE_ENV, "0")
    owner = session._Owner(session_id=None)
    worker = TrainingWorker(_trainer(), chunk=2)
    worker.start()
    owner.workers["train_worker"] = worker
    session._claims[worker] = owner
    session._session_ended(owner)
    assert not worker.running  # paused at once: an empty tab costs no CPU
    _wait(lambda: worker.released, timeout=30)
    assert not worker.alive and worker.snapshot().error == session.CLOSED_REASON
    assert not owner.workers


def test_a_session_that_has_not_come_back_is_closed_on_the_servers_event_loop(monkeypatch):
    """After the grace period Streamlit is asked to close the session itself (its state and last
    page), on the thread that runs its event loop; a session that came back is left alone."""
    import asyncio

    from ui import session

    class FakeRuntime:
        active: set = set()
        closed: list = []

        @staticmethod
        def exists():
            return True

        @classmethod
        def instance(cls):
            return cls

        @classmethod
        def is_active_session(cls, session_id):
            return session_id in cls.active

        @classmethod
        def close_session(cls, session_id):
            cls.closed.append((session_id, threading.get_ident()))

    monkeypatch.setattr(session, "Runtime", FakeRuntime)
    monkeypatch.setenv(session.GRACE_ENV, "0.2")

    async def two_tabs_close(loop_thread: list) -> None:
        loop_thread.append(threading.get_ident())
        FakeRuntime.active = {"came-back"}
        for session_id in ("gone", "came-back"):
            session._session_ended(session._Owner(session_id))  # Streamlit calls it on its event loop
        await asyncio.sleep(1.0)  # the grace period passes; the loop runs what the timer scheduled

    loop_thread = []
    # Its own thread, like Streamlit's server loop: the browser tests' sync Playwright keeps a loop
    # running on the main thread for the whole session.
    server = threading.Thread(target=asyncio.run, args=(two_tabs_close(loop_thread),))
    server.start()
    server.join()
    assert FakeRuntime.closed == [("gone", loop_thread[0])]


# -- bounded history and isolation ------------------------------------------------------------------
def test_history_stays_bounded_and_spans_the_whole_run():
    history = History(capacity=100)
    steps = np.arange(1, 1_000_001)
    for chunk in np.array_split(steps, 40):
        history.extend(chunk, {"d_loss": chunk.astype(float)})
    recorded = history.as_dict()["step"]
    assert 50 <= len(recorded) <= 100
    assert recorded[0] <= 1_000_000 // 50 and recorded[-1] >= 1_000_000 - history.stride
    assert recorded == sorted(recorded)


def test_a_long_worker_run_keeps_a_bounded_history():
    worker = TrainingWorker(_trainer(history_size=10), chunk=20)
    try:
        worker.start(target=100)
        _wait(lambda: not worker.running)
        steps = worker.snapshot().history["step"]
        assert worker.snapshot().step == 100 and len(steps) <= 10 and steps[-1] > 60
    finally:
        worker.close()


def test_concurrent_workers_are_isolated_and_match_solo_runs():
    configs = [dict(seed=s, loss=loss) for s, loss in [(1, "ns"), (2, "hinge"), (3, "lsgan")]]
    workers = [TrainingWorker(_trainer(**c), chunk=3) for c in configs]
    try:
        for w in workers:
            w.start(target=12)
        _wait(lambda: not any(w.running for w in workers))
        for config, worker in zip(configs, workers):
            solo = _trainer(**config)
            solo.step(12)
            assert worker.snapshot().step == 12 and worker.snapshot().error is None
            assert worker.trainer.config.loss == config["loss"]
            for k, v in solo.gan.state_dict().items():
                assert torch.equal(worker.trainer.gan.state_dict()[k], v), (config, k)
    finally:
        for w in workers:
            w.close()


def test_an_evaluation_that_runs_out_of_memory_says_what_to_shrink():
    from ganviz.metrics.job import Job

    def evaluation(progress):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    job = Job(evaluation)
    job.join(30)
    assert job.error.startswith("Out of GPU memory while evaluating (CUDA out of memory")
    assert "fewer samples" in job.error


def _page_that_runs_out_of_memory():
    import streamlit as st
    import torch

    from ui.session import user_errors

    with user_errors("drawing 10 million samples", "Ask for fewer samples."):
        torch.empty(1 << 50, dtype=torch.uint8)
    st.write("the page goes on")


def test_a_page_shows_out_of_memory_as_an_error_and_carries_on():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_page_that_runs_out_of_memory, default_timeout=60).run()
    assert not at.exception
    assert at.error[0].value.startswith("Out of memory while drawing 10 million samples")
    assert at.error[0].value.endswith("Ask for fewer samples.")
    assert at.markdown[0].value == "the page goes on"


def test_live_panels_poll_less_often_on_a_busy_server(monkeypatch):
    from ui import live

    monkeypatch.setattr(live, "live_workers", lambda: [object()] * 3)
    assert live.poll_seconds() == live.POLL_SECONDS and live.poll_seconds(0.7) == 0.7
    monkeypatch.setattr(live, "live_workers", lambda: [object()] * (4 * live.POLLS_AT_FULL_RATE))
    assert live.poll_seconds() == 4 * live.POLL_SECONDS


@pytest.mark.parametrize("files, limit", [
    ({"memory.max": "2147483648\n"}, 2 * 2**30),  # cgroup v2, as Docker's --memory 2g writes it
    ({"memory.max": "max\n"}, None),
    ({"memory/memory.limit_in_bytes": "3221225472\n"}, 3 * 2**30),  # cgroup v1
    ({"memory/memory.limit_in_bytes": "9223372036854771712\n"}, None),  # v1's "no limit"
    ({}, None),  # no cgroup file system
])
def test_a_containers_memory_limit_is_read_from_its_cgroup(tmp_path, files, limit):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert resources.container_memory_limit(tmp_path) == limit


def test_the_server_budget_is_half_of_a_containers_limit_below_the_machines_memory(monkeypatch):
    monkeypatch.delenv(resources.SERVER_MEMORY_ENV, raising=False)
    monkeypatch.setattr(resources, "container_memory_limit", lambda: 4 * 2**30)
    assert resources.server_memory_budget() == 2 * 2**30
    monkeypatch.setattr(resources, "container_memory_limit", lambda: 2**50)  # above the machine's: no effect
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert resources.server_memory_budget() == physical // resources.MB // 2 * resources.MB

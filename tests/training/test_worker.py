import time

from ganviz.config import TrainConfig
from ganviz.training import Trainer
from ganviz.training.worker import TrainingWorker


def make_worker(**changes):
    config = TrainConfig().replace(**({"model.width": 16, "model.depth": 1, "batch_size": 32} | changes))
    return TrainingWorker(Trainer(config, device="cpu"), chunk=5)


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def test_worker_trains_to_its_target_then_pauses():
    worker = make_worker()
    try:
        worker.start(target=23)
        assert wait_for(lambda: not worker.running)
        snap = worker.snapshot()
        assert snap.step == 23 and len(snap.history["step"]) == 23 and snap.error is None
    finally:
        worker.close()
    assert not worker.alive


def test_pause_stops_training_and_manual_steps_still_work():
    worker = make_worker()
    try:
        worker.start()
        assert wait_for(lambda: worker.snapshot().step >= 10)
        worker.pause()
        time.sleep(0.3)
        frozen = worker.snapshot().step
        time.sleep(0.3)
        assert worker.snapshot().step == frozen
        worker.step(1)
        assert worker.snapshot().step == frozen + 1
    finally:
        worker.close()


def test_an_error_pauses_the_worker_and_is_reported():
    worker = make_worker(lr_d=1.0, lr_g=1.0, loss="wgan", weight_clip=0.0)
    try:
        import torch
        with torch.no_grad():
            worker.trainer.generator.out.weight.fill_(float("inf"))
        worker.start()
        assert wait_for(lambda: worker.snapshot().error is not None)
        assert not worker.running and "step 1" in worker.snapshot().error
    finally:
        worker.close()


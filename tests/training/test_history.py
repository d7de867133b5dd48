import numpy as np

from ganviz.training.history import History


def test_history_keeps_everything_until_full():
    history = History(capacity=100)
    history.extend(np.arange(1, 51), {"loss": np.arange(50.0)})
    assert len(history) == 50 and history.as_dict()["step"] == list(range(1, 51))


def test_history_stays_bounded_and_spans_the_whole_run():
    history = History(capacity=100)
    for start in range(0, 100_000, 1000):
        steps = np.arange(start + 1, start + 1001)
        history.extend(steps, {"loss": steps.astype(float)})
    record = history.as_dict()
    assert len(history) <= 100
    assert record["step"][0] <= 2048 and record["step"][-1] >= 100_000 - 2048
    assert record["loss"] == [float(s) for s in record["step"]]
    assert np.all(np.diff(record["step"]) == history.stride)


def test_last_and_clear():
    history = History(10)
    history.extend(np.array([1, 2]), {"a": np.array([0.5, 0.7])})
    assert history.last() == {"step": 2, "a": 0.7}
    history.clear()
    assert len(history) == 0 and history.last() == {}

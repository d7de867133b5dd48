"""FrameRecorder: a fixed cadence, a hard bound on the frames kept, and a span from start to end."""
import threading

import numpy as np
import pytest

from ganviz.animation import FrameRecorder


def picture(step: int, frame) -> np.ndarray:
    return np.full((4, 4, 3), frame % 256, dtype=np.uint8)


def steps_of(recorder: FrameRecorder) -> list[int]:
    return [step for step, _ in recorder.frames()]


def test_keeps_a_frame_every_n_updates_and_the_latest():
    recorder = FrameRecorder(picture, every=10, max_frames=100)
    for step in range(0, 46):
        recorder.offer(step, step)
    assert steps_of(recorder) == [0, 10, 20, 30, 40, 45]  # 45: the latest, so the export ends where the run is
    assert [f for _, f in recorder.frames()] == steps_of(recorder)
    assert recorder.due(50) and not recorder.due(49)


def test_when_full_drops_every_other_frame_and_doubles_the_cadence():
    recorder = FrameRecorder(picture, every=1, max_frames=8)
    for step in range(9):
        recorder.offer(step, step)
    assert steps_of(recorder) == [0, 2, 4, 6, 8] and recorder.every == 2
    for step in range(9, 10_001):
        recorder.offer(step, step)
        assert len(recorder.frames()) <= 8 + 1  # the bound (plus the latest) holds all the way
    kept = steps_of(recorder)
    assert kept[0] == 0 and kept[-1] == 10_000  # a long run still spans start -> end
    gaps = np.diff(kept[:-1])
    assert (gaps == recorder.every).all() and recorder.every == 2048  # a fixed cadence, doubled each time
    assert len(kept) - 1 > 8 // 2  # thinning halves, it does not empty


def test_a_step_before_the_last_kept_one_starts_a_new_run():
    recorder = FrameRecorder(picture, every=5)
    for step in range(0, 400, 5):
        recorder.offer(step, step)
    before = recorder.every
    recorder.offer(0, 7)
    assert recorder.frames() == [(0, 7)] and recorder.every == 5 and before == 5


def test_the_same_step_again_adds_nothing():
    recorder = FrameRecorder(picture, every=3)
    recorder.offer(0, 1)
    recorder.offer(0, 2)
    assert recorder.frames() == [(0, 1)] and len(recorder) == 1


def test_images_renders_every_frame_with_its_step():
    seen = []
    recorder = FrameRecorder(lambda step, frame: seen.append((step, frame)) or picture(step, frame), every=2)
    for step in range(5):
        recorder.offer(step, step * 10)
    images = recorder.images()
    assert seen == [(0, 0), (2, 20), (4, 40)] and [im[0, 0, 0] for im in images] == [0, 20, 40]


def test_offers_from_one_thread_while_another_reads():
    recorder = FrameRecorder(picture, every=1, max_frames=16)

    def offer():
        for step in range(20_000):
            recorder.offer(step, step)

    writer = threading.Thread(target=offer)
    writer.start()
    while writer.is_alive():
        steps = steps_of(recorder)
        assert steps == sorted(steps) and len(steps) <= 17
    writer.join()


@pytest.mark.parametrize("kwargs, field", [({"every": 0}, "every"), ({"max_frames": 1}, "max_frames")])
def test_settings_are_validated(kwargs, field):
    with pytest.raises(ValueError, match=field):
        FrameRecorder(picture, **kwargs)

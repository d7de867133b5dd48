"""The pages' GIF / MP4 download buttons (ui/export.py): on the Minimax landscape page under
AppTest, the file they serve, and the per-run recording the live pages keep."""
import io
import weakref

import numpy as np
from PIL import Image

from ganviz.animation import frames, mp4_unavailable
from ui import export


def download_buttons(at) -> dict[str, object]:
    return {b.proto.label: b.proto for b in at.get("download_button")}


def test_the_landscape_page_offers_its_trajectory_as_gif_and_mp4(open_app_page):
    at = open_app_page("pages/landscape.py")
    assert not at.exception and not at.error
    buttons = download_buttons(at)
    assert set(buttons) == {"⬇ Download GIF", "⬇ Download MP4"}
    gif = buttons["⬇ Download GIF"]
    assert not gif.disabled and gif.ignore_rerun  # a download does not rerun the page
    assert "frames, steps 0 to 1,000" in gif.help  # the page's default run: 1,000 steps, start to end
    assert buttons["⬇ Download MP4"].disabled == (mp4_unavailable() is not None)


def test_the_button_serves_the_recorded_frames_as_a_gif():
    recorder = frames.recorder(every=2)
    for step in range(7):
        recorder.offer(step, frames.image_frame(np.full((40, 40, 3), 30 * step, dtype=np.uint8)))
    data = export.encoder(recorder, "gif")()
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.n_frames == 4 and gif.size == recorder.images()[0].shape[1::-1]  # steps 0, 2, 4, 6


class Run:
    """Stands in for a worker: the recording belongs to one run object."""


def test_a_new_run_gets_a_new_recording(monkeypatch):
    state = {}
    monkeypatch.setattr(export.st, "session_state", state)
    first, second = Run(), Run()
    frame = frames.image_frame(np.zeros((4, 4, 3), dtype=np.uint8))
    for step in (0, 10, 20):
        recorder = export.record("k", first, step, frame)
    assert [s for s, _ in recorder.frames()] == [0, 10, 20]
    again = export.record("k", second, 30, frame)
    assert again is not recorder and [s for s, _ in again.frames()] == [30]
    assert isinstance(state["k"][0], weakref.ref)  # the recording does not keep an old worker alive

"""Download what a page showed as an animated GIF or an MP4: the frames it drew, recorded in
this session as the run went (bounded, see :class:`ganviz.animation.FrameRecorder`), written only
when a button is pressed."""
from __future__ import annotations

import weakref
from typing import Callable

import streamlit as st

from ganviz.animation import FORMATS, FrameRecorder, encode, mp4_unavailable
from ganviz.animation import frames as animation_frames


def record(key: str, run: object, step: int, frame: dict, *, every: int = 1) -> FrameRecorder:
    """This session's recorder of ``run`` (a worker) under ``key``, with ``frame`` at ``step``
    offered to it; a new run gets a new recorder."""
    held = st.session_state.get(key)
    if held is None or held[0]() is not run:
        held = (weakref.ref(run), animation_frames.recorder(every=every))
        st.session_state[key] = held
    held[1].offer(step, frame)
    return held[1]


def encoder(recorder: FrameRecorder, fmt: str) -> Callable[[], bytes]:
    """The file's bytes, drawn from the recorder's frames when the download is asked for."""
    return lambda: encode(recorder.images(), fmt)


def export_buttons(recorder: FrameRecorder, name: str) -> None:
    """GIF and MP4 download buttons for what ``recorder`` holds, saved as ``name.gif`` / ``name.mp4``."""
    steps = [step for step, _ in recorder.frames()]
    shown = f"{len(steps)} frames, steps {steps[0]:,} to {steps[-1]:,}" if steps else "nothing recorded yet"
    why_no_mp4 = mp4_unavailable()
    row = st.container(horizontal=True)
    for fmt, mime in FORMATS.items():
        unavailable = why_no_mp4 if fmt == "mp4" else None
        row.download_button(f"⬇ Download {fmt.upper()}", encoder(recorder, fmt), file_name=f"{name}.{fmt}",
                            mime=mime, key=f"export_{name}_{fmt}", on_click="ignore",
                            disabled=not steps or unavailable is not None,
                            help=unavailable or f"What was shown, as an animation: {shown}")

"""What every live page shares: how often it polls its worker, the session keys its worker is kept
under, and the head of its live panel (the run's error, then its progress bar)."""
from __future__ import annotations

import streamlit as st

from ganviz.resources import live_workers

POLL_SECONDS = 0.5        # how often a live panel asks its worker for news
PHASE_POLL_SECONDS = 0.7  # the phase diagram's panel, which redraws its whole grid of runs each time
POLLS_AT_FULL_RATE = 8    # live trainings on the server up to which every panel polls at its own rate


def poll_seconds(base: float = POLL_SECONDS) -> float:
    """``base``, stretched when the server is busy: with 30 trainings on one server every panel
    polls 30/8 times less often, so the pages' reruns do not take the cores from the trainings
    they report on. One student alone, or a small group, sees the full rate."""
    return base * max(1.0, len(live_workers()) / POLLS_AT_FULL_RATE)

# the session-state keys the pages keep their workers under (see ui.session)
TRAIN_WORKER = "train_worker"  # the Train page's; the Landscape and Evaluate pages use it too
PHASE_WORKER = "phase_worker"
STYLE_WORKER = "style_worker"
COLLAPSE_WORKER = "mc_worker"
IMAGE_COLLAPSE_WORKER = "ic_worker"


def goal(snap) -> int:
    """The step a run is heading for: its target, or where it is when it has none."""
    return snap.target or max(snap.step, 1)


def progress(snap, text: str, target: int | None = None) -> None:
    """The head of a live panel: the run's error, if it has one, then its progress towards
    ``target`` (default: :func:`goal`) with ``text`` on the bar."""
    if snap.error:
        st.error(snap.error)
    st.progress(min(snap.step / (target or goal(snap)), 1.0), text=text)

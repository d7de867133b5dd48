"""Presentation mode: the app as a projector shows it to a class.

One switch, in the sidebar of every page and in the URL (``?present=1``, so a teacher can bookmark
the lesson ready to project). While it is on, the charts draw with the :data:`PROJECTOR` style
(larger text, markers and lines, a stronger D heatmap), the page's text is larger, and the setup
expanders that pages open with :func:`setup` are hidden, leaving the controls a teacher uses
during the lesson (train, pause, step, slow motion, what to show). Hidden, not removed: their
widgets keep their values, and switching the mode off shows them as they were.

The chart builders read :func:`style` themselves, so a page needs no change to project well.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

KEY = "present"     # the sidebar toggle's Session State key
PARAM = "present"   # the URL's query parameter: ?present=1
ON = ("1", "true", "yes", "on")
SETUP_PREFIX = "present_setup_"  # container keys (CSS class st-key-<key>) that presentation mode hides


@dataclass(frozen=True)
class Style:
    """How large and how strong the charts draw. ``font`` and ``title`` are pixel sizes of chart
    text and chart titles; ``scale`` multiplies marker sizes and line widths; ``height`` the
    charts' heights (room for their larger text); ``verdict`` is D's heatmap from "generated"
    through ½ to "real"; ``outline`` is the width of the white ring round each sample, which keeps
    samples apart from a strong heatmap."""
    font: int
    title: int
    scale: float
    height: float
    verdict: tuple[str, str, str]
    outline: float = 0.0

    @property
    def font_ratio(self) -> float:
        """Text size relative to the normal look (for text whose size a chart library chose)."""
        return self.font / NORMAL.font


# The normal look: GAN Lab's pale heatmap, under which the samples carry the picture on a laptop.
NORMAL = Style(font=12, title=14, scale=1.0, height=1.0, verdict=("#ddd6fe", "#ffffff", "#99f6e4"))
# Read from the back of a classroom: a pale violet/teal vanishes on a washed-out projector, so
# D's verdict takes the 300 shades and every sample gets a white ring to stand out against it.
PROJECTOR = Style(font=17, title=22, scale=1.7, height=1.25, verdict=("#a78bfa", "#ffffff", "#2dd4bf"), outline=1.0)

# The text the audience reads grows (headings, prose, captions, metric labels, the progress line);
# widgets keep their size, so that a row of controls still fits its labels at 1280 px. Less space
# above the title, the setup hidden: more of the live view on the first screen.
CSS = f"""<style>
[data-testid="stMainBlockContainer"] {{ padding-top: 2.5rem; }}
[data-testid="stMain"] h1 {{ font-size: 3.2rem; }}
[data-testid="stMain"] h3 {{ font-size: 2.1rem; }}
[data-testid="stMarkdown"] p, [data-testid="stMarkdown"] li, [data-testid="stCaptionContainer"],
[data-testid="stProgress"] p, [data-testid="stMetricLabel"] p {{ font-size: 1.2rem; }}
[class*="st-key-{SETUP_PREFIX}"] {{ display: none; }}
</style>"""


def presenting() -> bool:
    """Whether this session presents (False outside a Streamlit run: chart builders called from
    tests or scripts draw the normal look)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return False
    return bool(st.session_state.get(KEY, False))


def style() -> Style:
    """The chart style of this session."""
    return PROJECTOR if presenting() else NORMAL


def from_url() -> bool:
    """Whether the URL asks for presentation mode."""
    return st.query_params.get(PARAM, "").strip().lower() in ON


def sidebar_toggle() -> bool:
    """The switch in the sidebar (app.py draws it before every page). It starts from the URL on a
    session's first run, keeps ``?present=1`` in the URL while it is on (page changes clear the
    query string), and emits the presentation CSS. Returns whether the session presents."""
    st.session_state.setdefault(KEY, from_url())
    on = st.sidebar.toggle("Presentation mode", key=KEY,
                           help="For a projector: larger text, markers and lines, a stronger D heatmap, the setup "
                                "hidden. Share it as a link with ?present=1.")
    if on and st.query_params.get(PARAM) != "1":
        st.query_params[PARAM] = "1"
    elif not on and PARAM in st.query_params:
        del st.query_params[PARAM]
    if on:
        st.html(CSS)
    return on


@contextmanager
def setup(label: str, key: str, expanded: bool = False) -> Iterator[None]:
    """An expander of settings that presentation mode hides (``key``: a name unique on the page)."""
    with st.container(key=SETUP_PREFIX + key), st.expander(label, expanded=expanded):
        yield

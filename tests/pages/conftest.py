"""Helpers for the page tests: what a page wrote in its URL, and Streamlit's warnings about a
widget given both a default and a Session State value."""
import logging
import time

import pytest


@pytest.fixture
def url():
    """``url(at)``: the page's query parameters as a plain dict (a repeated one as a list)."""
    def plain(at) -> dict:
        return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in at.query_params.items()}

    return plain


@pytest.fixture
def state_warnings(monkeypatch):
    """The "created with a default value but also had its value set via the Session State API"
    warnings Streamlit logs during the test (it logs only the first in a process: reset here)."""
    from streamlit.elements.lib import policies

    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    seen = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "default value" in record.getMessage():
                seen.append(record.getMessage())

    handler = Collect()
    logger = logging.getLogger(policies.__name__)
    logger.addHandler(handler)
    yield seen
    logger.removeHandler(handler)


@pytest.fixture
def ran_to():
    """``ran_to(worker, step, timeout)``: wait until a page's worker has reached ``step`` and stopped."""
    def wait(worker, step: int, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while (worker.step_count < step or worker.running) and time.time() < deadline:
            time.sleep(0.2)
    return wait

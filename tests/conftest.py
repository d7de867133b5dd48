"""Test-wide settings: offline Hub (a miss fails in ms instead of ~23 s of retries), a fixed
thread count, and small helpers shared by the test modules."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")

import pytest  # noqa: E402
import torch  # noqa: E402

# Every test uses tiny networks: one intra-op thread is fastest (and, on a busy machine, far
# faster than two fighting over the cores).
torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def app_path() -> str:
    return os.path.join(ROOT, "app.py")


@pytest.fixture
def open_app_page(app_path):
    """Open ``page`` through app.py (as a shared link would, with ``params`` in the URL) under AppTest."""
    from streamlit.testing.v1 import AppTest

    def open_page(page: str, params: dict | None = None, timeout: float = 120):
        at = AppTest.from_file(app_path, default_timeout=timeout)
        for key, value in (params or {}).items():
            at.query_params[key] = value
        at.run()
        at.switch_page(page)
        return at.run()

    return open_page


@pytest.fixture
def close_worker_after():
    """``close_worker_after(at, key)``: when the test ends, close the worker that the page under
    AppTest left in its session state at ``key`` (if any), and release what it holds."""
    opened = []
    yield lambda at, key: opened.append((at, key))
    for at, key in opened:
        if key in at.session_state and at.session_state[key] is not None:
            at.session_state[key].close(release=True)

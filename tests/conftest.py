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

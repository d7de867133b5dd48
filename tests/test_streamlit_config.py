"""The app's .streamlit/config.toml: an error that no page caught reaches the browser as a short
generic message, without its traceback (which would show server paths)."""
import tomllib
from pathlib import Path

from streamlit import config
from streamlit.elements.exception import marshall
from streamlit.proto.Exception_pb2 import Exception as ExceptionProto

ROOT = Path(__file__).resolve().parents[1]


def test_uncaught_errors_reach_the_browser_without_their_traceback():
    value = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"]["showErrorDetails"]
    assert value == config.ShowErrorDetailsConfigOptions.NONE
    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", value)
    try:
        try:
            raise RecursionError("maximum recursion depth exceeded in /srv/ganviz/ui/state.py")
        except RecursionError as err:
            proto = ExceptionProto()
            marshall(proto, err, apply_show_error_details=True)
    finally:
        config.set_option("client.showErrorDetails", before)
    assert not proto.stack_trace and "/srv/ganviz" not in proto.message and not proto.type
    assert "error" in proto.message

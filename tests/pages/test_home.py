from streamlit.testing.v1 import AppTest


def test_home_explains_the_pages_and_names_the_device(app_path):
    at = AppTest.from_file(app_path, default_timeout=60).run()
    assert not at.exception
    assert "CPU" in " ".join(c.value for c in at.caption) or "CUDA" in " ".join(c.value for c in at.caption)
    assert any("Train" in m.value for m in at.markdown)

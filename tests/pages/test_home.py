from streamlit.testing.v1 import AppTest


def test_home_explains_the_pages_and_names_the_device(app_path):
    at = AppTest.from_file(app_path, default_timeout=60).run()
    assert not at.exception
    assert "CPU" in " ".join(c.value for c in at.caption) or "CUDA" in " ".join(c.value for c in at.caption)
    assert any("Train" in m.value for m in at.markdown)


def test_memory_budgets_can_come_from_the_servers_secrets(app_path, monkeypatch):
    import os

    from ganviz.resources import RUN_MEMORY_ENV, SERVER_MEMORY_ENV, run_memory_budget

    monkeypatch.setenv(RUN_MEMORY_ENV, "1")
    monkeypatch.delenv(RUN_MEMORY_ENV)  # absent now, and absent again after the test
    monkeypatch.setenv(SERVER_MEMORY_ENV, "9000")  # the environment wins over the secrets
    at = AppTest.from_file(app_path, default_timeout=60)
    at.secrets["ganviz"] = {"run_memory_mb": 640, "server_memory_mb": 10}
    at.run()
    assert not at.exception
    assert os.environ[RUN_MEMORY_ENV] == "640" and run_memory_budget() == 640 * 2 ** 20
    assert os.environ[SERVER_MEMORY_ENV] == "9000"

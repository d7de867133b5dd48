"""The Style transfer page under AppTest, with an untrained VGG19 injected through the
``GANVIZ_VGG19_WEIGHTS=random`` environment variable (the page's documented test hook)."""
import io
import time

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

PAGE = "pages/style_transfer.py"


@pytest.fixture
def open_page(open_app_page):
    return lambda: open_app_page(PAGE)


def button(at: AppTest, key: str):
    return at.button(key=key)


def start_64px_run(at: AppTest, steps: int):
    """Start a 64 px run of ``steps`` L-BFGS steps (a preview every 5) and return its worker."""
    at.sidebar.select_slider(key="style_size").set_value(64)
    at.sidebar.slider(key="style_steps").set_value(steps)
    at.sidebar.slider(key="style_every").set_value(5)
    at.run()
    button(at, "style_start").click()
    at.run()
    return at.session_state["style_worker"]


@pytest.fixture
def random_vgg(monkeypatch):
    monkeypatch.setenv("GANVIZ_VGG19_WEIGHTS", "random")


def test_runs_in_the_background_and_offers_the_result(open_page, random_vgg):
    at = open_page()
    assert not at.exception and not at.error
    assert any("random weights" in w.value for w in at.warning)
    assert len(at.get("image")) == 2  # the two chosen example pictures
    at.sidebar.radio(key="style_layers").set_value("tutorial")
    worker = start_64px_run(at, steps=10)
    try:
        deadline = time.monotonic() + 90
        while worker.running and time.monotonic() < deadline:
            time.sleep(0.1)
        at.run()
        assert not at.exception and not at.error
        assert worker.snapshot().step == 10
        assert len(at.metric) == 3 and all(m.help for m in at.metric)  # each says what it means
        assert "done" in at.get("progress")[0].proto.text
        assert len(at.get("download_button")) == 1
        assert len(at.container("style_losses").get("vega_lite_chart")) == 1
        loss = worker.snapshot().history["loss"]
        assert loss[-1] < loss[0]
        before, after = worker.call(lambda t: (t.content, t.preview()))
        assert before.shape[-2:] == (64, 64) and after.shape == (64, 64, 3)
    finally:
        worker.close()


def test_stop_pauses_the_run(open_page, random_vgg):
    at = open_page()
    worker = start_64px_run(at, steps=1000)
    try:
        assert worker.running
        button(at, "style_stop").click()
        at.run()
        assert not worker.running and worker.snapshot().step < 1000
        assert not button(at, "style_resume").disabled
    finally:
        worker.close()


def test_a_bad_upload_gets_a_clear_message(open_page, random_vgg):
    at = open_page()
    at.radio(key="style_content_mode").set_value("Upload").run()
    at.file_uploader(key="style_content_upload").set_value(("holiday.png", b"not a picture at all", "image/png")).run()
    assert not at.exception
    assert any("holiday.png is not an image" in e.value for e in at.error)
    assert button(at, "style_start").disabled
    strip = io.BytesIO()
    Image.new("RGB", (50000, 1)).save(strip, "PNG")
    at.file_uploader(key="style_content_upload").set_value(("strip.png", strip.getvalue(), "image/png")).run()
    assert not at.exception
    assert any("strip.png is 50000x1, more than 20 times longer" in e.value for e in at.error)
    assert button(at, "style_start").disabled
    rgba = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 128, 255, 100)).save(rgba, "PNG")
    at.file_uploader(key="style_content_upload").set_value(("ok.png", rgba.getvalue(), "image/png")).run()
    assert not at.error and not button(at, "style_start").disabled


def test_missing_weights_say_what_is_missing_and_how_to_provide_them(open_page, monkeypatch, tmp_path):
    monkeypatch.delenv("GANVIZ_VGG19_WEIGHTS", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    at = open_page()
    assert not at.exception
    text = " ".join(e.value for e in at.error)
    assert "weights are missing" in text and "vgg19-dcbb9e9d.pth" in text and "GANVIZ_VGG19_WEIGHTS" in text
    assert any("Download" in b.label for b in at.button)
    assert not any(b.key == "style_start" for b in at.button)
    at.text_input(key="style_weights_file").set_value(str(tmp_path / "elsewhere.pth")).run()
    assert not at.exception
    assert any("elsewhere.pth" in e.value for e in at.error)


def test_a_link_opens_the_same_settings_and_follows_every_change(open_app_page, random_vgg, url, state_warnings):
    link = {"size": "64", "steps": "50", "optimizer": "adam", "lr": "0.05", "content": "Spheres", "style": "Waves"}
    at = open_app_page(PAGE, link)
    assert not at.exception and not state_warnings
    assert [w for w in at.warning if "link" in w.value] == []
    assert (at.sidebar.select_slider(key="style_size").value, at.sidebar.slider(key="style_steps").value) == (64, 50)
    assert (at.sidebar.radio(key="style_optimizer").value, at.sidebar.select_slider(key="style_lr").value) == \
        ("adam", 0.05)
    assert (at.selectbox(key="style_content_example").value, at.selectbox(key="style_style_example").value) == \
        ("Spheres", "Waves")
    assert url(at) == link

    at.sidebar.select_slider(key="style_tv_weight").set_value(10.0).run()
    at.sidebar.radio(key="style_optimizer").set_value("lbfgs").run()
    assert url(at) == {**{k: v for k, v in link.items() if k != "optimizer"}, "tv_weight": "10.0"}
    assert not state_warnings


def test_a_bad_link_value_is_named_and_the_default_stands(open_app_page, random_vgg, url):
    at = open_app_page(PAGE, {"size": "100000", "style": "../../etc/passwd", "steps": "40"})
    assert not at.exception
    notes = [w.value for w in at.warning if "link" in w.value]
    assert len(notes) == 1 and "**size**" in notes[0] and "**style**" in notes[0]
    assert at.selectbox(key="style_style_example").value == "Swirls"
    assert at.sidebar.slider(key="style_steps").value == 40
    assert url(at) == {"steps": "40"}

"""The Minimax landscape page under Streamlit's AppTest: it renders, its controls change the figures,
and it slices the networks of the Train page's worker."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from ganviz.config import TrainConfig
from ganviz.training import Trainer
from ganviz.training.worker import TrainingWorker



@pytest.fixture
def open_page(open_app_page):
    return lambda: open_app_page("pages/landscape.py")


def chart(at: AppTest, key: str) -> dict:
    found = [c for c in at.get("plotly_chart") if key in c.proto.id]
    assert found, f"no chart {key}"
    return json.loads(found[0].proto.spec)


def metric(at: AppTest, label: str) -> str:
    """The value of the metric labelled ``label`` (after an icon, if it has one)."""
    return next(m.value for m in at.metric if m.label.split(" ")[-1] == label or m.label == label)


def test_renders_the_game_and_controls_change_the_figures(open_page):
    at = open_page()
    assert not at.exception and not at.error
    assert "orbiting" in metric(at, "Verdict")  # plain simultaneous GDA, non-saturating loss: a limit cycle
    assert len(at.metric) == 6 and all(m.help for m in at.metric)  # both tabs' metrics say what they mean
    assert any("orbiting: bounded and not falling, distance 0.63" in i.value for i in at.info)
    flow = chart(at, "ls_flow")
    names = [t.get("name") for t in flow["data"]]
    assert {"gradient flow", "trajectory", "equilibrium"} <= set(names)
    assert len(flow["frames"]) > 10  # the trajectory is animated step by step
    path_before = flow["data"][names.index("trajectory")]["x"]

    at.radio(key="ls_reg").set_value("R1").run()
    assert "converging" in metric(at, "Verdict")
    assert chart(at, "ls_flow")["data"][names.index("trajectory")]["x"] != path_before

    surface_before = chart(at, "ls_surface")["data"][0]["z"]
    at.selectbox(key="ls_loss").set_value("lsgan").run()
    assert chart(at, "ls_surface")["data"][0]["z"] != surface_before

    at.selectbox(key="ls_preset").set_value("Negative momentum, alternating (Gidel et al. 2019): converges").run()
    assert at.slider(key="ls_momentum").value == pytest.approx(-0.5)
    assert at.radio(key="ls_mode").value == "alternating" and at.session_state["ls_loss"] == "wgan-gp"
    assert "converging" in metric(at, "Verdict")
    assert not at.exception


def test_instance_noise_control_damps_the_game(open_page):
    at = open_page()
    at.select_slider(key="ls_noise").set_value(0.5).run()
    assert not at.exception and not at.error
    assert "converging" in metric(at, "Verdict")
    assert any("halves every" in i.value for i in at.info)
    at.selectbox(key="ls_preset").set_value(
        "Original WGAN, weight clipping at 0.01: oscillates at the clip, no convergence").run()
    assert at.select_slider(key="ls_noise").value == 0.0  # a preset resets the knobs it does not name
    assert "orbiting" in metric(at, "Verdict")
    assert any("between 0.01 and 0.01139" in i.value for i in at.info)


def test_optimal_discriminator_panel_and_the_note_when_nothing_trains(open_page):
    at = open_page()
    v, two_jsd = float(metric(at, "V(D*, G)")), float(metric(at, "2·JSD − log 4"))
    assert v == pytest.approx(two_jsd, abs=1e-5)
    at.slider(key="ls_generated_loc").set_value(0.0)
    at.slider(key="ls_generated_scale").set_value(1.0).run()  # now p_g = p_data
    assert float(metric(at, "JSD")) == pytest.approx(0, abs=1e-4)
    assert float(metric(at, "V(D*, G)")) == pytest.approx(-1.386294, abs=1e-5)
    # no Train-page worker in this session: a clear note and a way to build a GAN here
    assert any("No GAN is training" in i.value for i in at.info)
    assert at.button(key="ls_build").label.startswith("Build")
    assert not any("ls_slice_fig" in c.proto.id for c in at.get("plotly_chart"))


def test_slices_the_model_of_the_train_page(app_path):
    config = TrainConfig().replace(**{"model.width": 8, "model.depth": 1, "batch_size": 16, "device": "cpu"})
    worker = TrainingWorker(Trainer(config))
    try:
        worker.step(3)
        at = AppTest.from_file(app_path, default_timeout=120)
        at.session_state["train_worker"] = worker
        at.run()
        at.switch_page("pages/landscape.py")
        at.run()
        assert any("Train page (step 3" in s.value for s in at.success)
        at.select_slider(key="ls_res").set_value(11)
        at.select_slider(key="ls_batch").set_value(64)
        at.button(key="ls_compute").click().run()
        assert not at.exception and not at.error
        fig = chart(at, "ls_slice_fig")
        surface = next(t for t in fig["data"] if t["type"] == "surface")
        assert surface["z"]["shape"].replace(" ", "") == "11,11"  # Plotly ships it as a typed array
        assert any("Current loss on this batch" in c.value for c in at.caption)
    finally:
        worker.close()


def test_a_link_opens_the_same_game_and_follows_every_change(open_app_page, url, state_warnings):
    link = {"loss": "wgan", "mode": "alternating", "lr": "0.5", "momentum": "-0.3", "steps": "600", "clip": "0.05",
            "shift": "-1.5"}
    at = open_app_page("pages/landscape.py", link)
    assert not at.exception and not at.warning and not state_warnings
    assert (at.selectbox(key="ls_loss").value, at.radio(key="ls_mode").value) == ("wgan", "alternating")
    assert (at.select_slider(key="ls_lr").value, at.slider(key="ls_momentum").value) == (0.5, -0.3)
    assert (at.slider(key="ls_steps").value, at.number_input(key="ls_clip").value) == (600, 0.05)
    assert at.slider(key="ls_shift").value == -1.5
    assert url(at) == link

    at.selectbox(key="ls_preset").set_value(next(p for p in at.selectbox(key="ls_preset").options
                                                 if p.startswith("R1 penalty"))).run()
    assert url(at) == {"reg": "R1", "lr": "0.1", "steps": "300", "shift": "-1.5"}  # what the preset set
    assert not state_warnings


def test_a_bad_link_value_is_named_and_the_default_stands(open_app_page, url):
    at = open_app_page("pages/landscape.py", {"lr": "0.25", "momentum": "5", "reg": "R1"})
    assert not at.exception
    assert len(at.warning) == 1 and all(f"**{n}**" in at.warning[0].value for n in ("lr", "momentum"))
    assert (at.select_slider(key="ls_lr").value, at.slider(key="ls_momentum").value) == (0.2, 0.0)
    assert at.radio(key="ls_reg").value == "R1"
    assert url(at) == {"reg": "R1"}


def test_while_presenting_the_figures_draw_larger_text_lines_and_markers(open_page, monkeypatch):
    from ui import present

    at = open_page()
    normal = chart(at, "ls_flow")
    monkeypatch.setattr(present, "presenting", lambda: True)  # what the sidebar switch or ?present=1 sets
    at.run()
    assert not at.exception
    big = chart(at, "ls_flow")
    trace = lambda fig, name: next(t for t in fig["data"] if t.get("name") == name)  # noqa: E731
    assert big["layout"]["xaxis"]["tickfont"]["size"] == present.PROJECTOR.font > present.NORMAL.font
    assert big["layout"]["title"]["font"]["size"] > 17 and big["layout"]["height"] > normal["layout"]["height"]
    assert trace(big, "trajectory")["line"]["width"] > trace(normal, "trajectory")["line"]["width"]
    assert trace(big, "equilibrium")["marker"]["size"] > trace(normal, "equilibrium")["marker"]["size"]
    # the legend sits under the title, in the figure's own coordinates, however many rows it takes
    assert big["layout"]["legend"]["yref"] == "container" and big["layout"]["legend"]["y"] < 1


def test_restyle_leaves_the_normal_look_and_scales_the_projectors():
    import plotly.graph_objects as go

    from ui.plotly_charts import restyle
    from ui.present import NORMAL, PROJECTOR

    def figure() -> go.Figure:
        return go.Figure([go.Scatter(x=[0, 1], y=[0, 1], line=dict(width=2.5), marker=dict(size=10)),
                          go.Scatter(x=[0], y=[1]),  # plotly.js's own default sizes
                          go.Contour(z=[[0, 1], [1, 0]], line=dict(width=0.5)), go.Surface(z=[[0, 1], [1, 0]])],
                         layout=dict(height=300, title="t"))

    assert restyle(figure(), NORMAL) == figure()
    big = restyle(figure(), PROJECTOR)
    assert (big.data[0].line.width, big.data[0].marker.size) == (2.5 * PROJECTOR.scale, 10 * PROJECTOR.scale)
    assert (big.data[1].line.width, big.data[1].marker.size) == (2 * PROJECTOR.scale, 6 * PROJECTOR.scale)
    assert big.data[2].line.width == 0.5 * PROJECTOR.scale and big.data[2].colorbar.tickfont.size == PROJECTOR.font
    assert big.layout.font.size == big.layout.xaxis.tickfont.size == big.layout.legend.font.size == PROJECTOR.font
    assert big.layout.height == 300 * PROJECTOR.height

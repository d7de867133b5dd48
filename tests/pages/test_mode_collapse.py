import json

import pytest

PAGE = "pages/mode_collapse.py"


@pytest.fixture
def open_page(open_app_page):
    return lambda: open_app_page(PAGE, timeout=90)


def progress_text(at) -> str:
    return at.get("progress")[0].proto.text


def coverage(at) -> list[str]:
    return [m.value for m in at.metric if m.label == "Modes covered"]


def test_page_steps_one_update_at_a_time_and_trains_to_a_target(open_page, ran_to):
    at = open_page()
    assert not at.exception
    assert coverage(at) == [coverage(at)[0]] * 2 and coverage(at)[0].endswith("/8")
    assert [h.value for h in at.subheader] == ["Plain GAN", "With PacGAN"]

    at.button(key="mc_only_d").click().run()
    at.button(key="mc_only_g").click().run()
    at.button(key="mc_one").click().run()
    assert progress_text(at).startswith("step 3 of")

    at.number_input(key="mc_target_ring8").set_value(30).run()  # a new stop target keeps the run
    assert progress_text(at).startswith("step 3 of 30")
    at.button(key="mc_play").click().run()
    worker = at.session_state["mc_worker"]
    assert not worker.released
    ran_to(worker, 30)
    at.run()
    assert not at.exception
    assert progress_text(at).startswith("step 30 of 30")
    snap = worker.snapshot()
    for arm, shown in zip(("plain", "treated"), coverage(at)):
        assert shown == f"{snap.extra[arm]['metrics']['modes']}/8"
    assert snap.history["step"][-1] == 30
    assert len(snap.history["plain.mass.0"]) == len(snap.history["step"])  # the occupancy chart's rows


def test_the_grid_starts_from_its_own_benchmark_settings(open_page):
    at = open_page()
    at.radio(key="mc_dataset").set_value("grid25").run()
    assert not at.exception
    assert coverage(at)[0].endswith("/25")
    assert progress_text(at).startswith("step 0 of 10,000")
    assert at.number_input(key="mc_ngen_grid25").value == 25
    assert at.number_input(key="mc_pack_grid25").value == 4
    assert at.subheader[1].value == "With mixture of generators"  # PacGAN stays a blur on the grid
    assert at.number_input(key="mc_weight_grid25_mixture").value == 3.0
    config = json.loads(at.session_state["mc_lab_key"][0])
    assert (config["n_generators"], config["remedy_weight"]) == (25, 3.0)
    components = at.session_state["mc_worker"].snapshot().extra["treated"]["view"]["component"]
    assert len(set(components.tolist())) == 25  # the treated arm samples from 25 generators


def test_slow_motion_advances_one_update_per_frame(open_page):
    at = open_page()
    at.toggle(key="mc_slow").set_value(True).run()
    at.button(key="mc_play").click().run()
    first = at.session_state["mc_worker"].step_count
    at.run()
    assert at.session_state["mc_worker"].step_count == first + 1
    assert not at.session_state["mc_worker"].running  # the page steps, not the training loop


def test_users_place_their_own_components_and_switch_remedy(open_page):
    at = open_page()
    at.radio(key="mc_dataset").set_value("custom").run()
    at.text_area(key="mc_means_text").set_value("0, 0\n3, 3\n-3, 2").run()
    assert not at.exception
    assert coverage(at)[0].endswith("/3")
    assert at.session_state["mc_worker"].snapshot().extra["plain"]["means"].tolist() == [
        [0, 0], [3, 3], [-3, 2]]
    at.text_area(key="mc_means_text").set_value("0, 0\nthree, 3").run()
    assert any("line 2" in e.value for e in at.error)
    at.selectbox(key="mc_treatment_custom").set_value("mixture").run()
    assert at.subheader[1].value == "With mixture of generators"


def test_editor_clicks_toggle_components_and_typed_lines_parse():
    from ui.mode_collapse import apply_click, format_means, parse_means

    means = [[-2.0, 0.0], [2.0, 0.0]]
    added = apply_click(means, [{"curve_number": 0, "x": 4, "y": 4.5}])
    assert added == [[-2.0, 0.0], [2.0, 0.0], [4.0, 4.5]]
    # a click on a component removes it, whether Plotly reports the component or the spot under it
    assert apply_click(added, [{"curve_number": 1, "x": 2.0, "y": 0.0}]) == [[-2.0, 0.0], [4.0, 4.5]]
    assert apply_click(added, [{"curve_number": 0, "x": 2, "y": 0}]) == [[-2.0, 0.0], [4.0, 4.5]]
    assert parse_means(format_means(added)) == added
    assert parse_means("1 2; 3,4\n\n") == [[1.0, 2.0], [3.0, 4.0]]
    for bad in ("1, 2, 3", "1, nan", "x, 1"):
        with pytest.raises(ValueError, match="line 1"):
            parse_means(bad)


def test_live_charts_keep_their_spec_while_their_data_changes():
    """Streamlit keeps a keyed Vega-Lite chart's element when only its datasets change (a Plotly
    chart's id is hashed from its figure, so every refresh replaced it: blank planes), and draws
    it on a canvas."""
    from ganviz.collapse.experiment import SideBySide, lab_frame, lesson
    from ui import mode_collapse as ui

    lab = SideBySide(lesson("ring8", 0).replace(batch_size=64), "mixture")
    names = {"plain": "Plain GAN", "treated": "With mixture"}

    def specs():
        frame = lab_frame(lab)["treated"]
        charts = [ui.plane(frame["view"], frame["means"], "t", manifold=True),
                  ui.coverage(frame["metrics"], "t"), ui.occupancy(lab.history.as_dict(), "treated", 8, "t"),
                  ui.timeline(lab.history.as_dict(), "modes_held", "t", names)]
        return ([{k: v for k, v in c.items() if k != "datasets"} for c in charts],
                [c["datasets"] for c in charts])

    before, data_before = specs()
    lab.step(5)
    after, data_after = specs()
    assert before == after
    # drawn on a canvas: Vega's SVG renderer made a DOM node per mark, thousands per refresh
    assert all(spec["usermeta"]["embedOptions"]["renderer"] == "canvas" for spec in after)
    assert not data_before[0]["fake"].equals(data_after[0]["fake"])
    assert len(data_after[2]["cells"]) == 8 * 2 and len(data_after[3]["series"]) == 2 * 2
    assert set(data_after[0]["fake"]["g"]) <= set(range(len(ui.COMPONENT_COLORS)))


def test_the_settings_take_their_limits_and_help_from_the_config(open_page):
    from ganviz.config import TrainConfig

    at = open_page()
    specs = TrainConfig.field_specs()
    boxes = {"mc_seed": "seed", "mc_lr_g": "lr_g", "mc_latent": "model.latent_dim", "mc_batch": "batch_size",
             "mc_std_ring8": "data.std", "mc_unroll": "unroll_steps", "mc_pack_ring8": "pack",
             "mc_ngen_ring8": "n_generators", "mc_weight_ring8_none": "remedy_weight"}
    for key, field in boxes.items():
        box, meta = at.number_input(key=key), specs[field][2]
        assert (box.min, box.max) == (meta["min"], meta["max"]), key
        assert box.help == meta["help"], key


def test_each_player_trains_with_the_optimiser_chosen_for_it(open_page):
    at = open_page()
    shown = lambda: {w.key for w in [*at.number_input, *at.checkbox]}  # noqa: E731
    assert (at.selectbox(key="mc_opt_g").value, at.selectbox(key="mc_opt_d").value) == ("adam", "adam")
    assert at.selectbox(key="mc_opt_g").options == ["Adam", "SGD", "RMSprop"]  # the registry's labels
    assert {"mc_beta1", "mc_beta2"} <= shown() and "mc_momentum" not in shown()
    at.selectbox(key="mc_opt_g").set_value("sgd").run()
    at.selectbox(key="mc_opt_d").set_value("rmsprop").run()
    assert not at.exception
    assert {"mc_momentum", "mc_rmsprop_alpha", "mc_rmsprop_centered"} <= shown() and "mc_beta1" not in shown()
    at.number_input(key="mc_momentum").set_value(0.5).run()
    at.button(key="mc_one").click().run()
    assert not at.exception and progress_text(at).startswith("step 1 of")
    trained = json.loads(at.session_state["mc_lab_key"][0])  # the config both arms train with
    assert (trained["optimizer_g"], trained["optimizer_d"], trained["momentum"]) == ("sgd", "rmsprop", 0.5)


LINK = {"dataset": "grid25", "remedy": "unrolled", "loss": "hinge", "seed": "3", "lr_g": "0.0003", "steps": "500",
        "means": "-1.0,0.0;1.0,0.5"}


def test_a_link_opens_the_same_setup_and_follows_every_change(open_app_page, close_worker_after, url,
                                                              state_warnings):
    at = open_app_page(PAGE, LINK, timeout=90)
    close_worker_after(at, "mc_worker")
    assert not at.exception and not at.warning and not state_warnings
    assert at.radio(key="mc_dataset").value == "grid25"
    assert at.selectbox(key="mc_treatment_grid25").value == "unrolled"
    assert at.selectbox(key="mc_loss").value == "hinge"
    assert (at.number_input(key="mc_seed").value, at.number_input(key="mc_lr_g").value) == (3, 3e-4)
    assert at.session_state["mc_means"] == [[-1.0, 0.0], [1.0, 0.5]]
    assert progress_text(at).startswith("step 0 of 500")
    trained = json.loads(at.session_state["mc_lab_key"][0])
    assert (trained["seed"], trained["loss"], trained["lr_g"], trained["data"]["name"]) == (3, "hinge", 3e-4, "grid25")
    assert url(at) == LINK  # nothing dropped, nothing added

    at.number_input(key="mc_seed").set_value(5).run()
    at.number_input(key="mc_width").set_value(32).run()
    at.selectbox(key="mc_loss").set_value("ns").run()  # back to the default: no longer in the link
    assert url(at) == {**{k: v for k, v in LINK.items() if k != "loss"}, "seed": "5", "model.width": "32"}
    assert not state_warnings


def test_a_link_value_the_widget_would_refuse_is_named_and_the_default_stands(open_app_page, close_worker_after,
                                                                               url):
    at = open_app_page(PAGE, {"dataset": "grid25", "remedy": "bogus", "seed": "-1", "model.width": "1e9",
                              "steps": "nan", "lr_d": "0.002"}, timeout=90)
    close_worker_after(at, "mc_worker")
    assert not at.exception
    assert len(at.warning) == 1
    assert all(f"**{name}**" in at.warning[0].value for name in ("remedy", "seed", "model.width", "steps"))
    assert at.selectbox(key="mc_treatment_grid25").value == "mixture"  # the grid's own default
    assert (at.number_input(key="mc_seed").value, at.number_input(key="mc_width").value) == (0, 128)
    assert at.number_input(key="mc_lr_d").value == 0.002  # the good values still apply
    assert url(at) == {"dataset": "grid25", "lr_d": "0.002"}


# -- presentation mode, labels and help (issue 14) ---------------------------------------------------
def vega_spec(at, key: str) -> dict:
    """The Vega-Lite spec of the live chart in the container ``key`` (see the page's live_chart)."""
    return json.loads(at.container(key).get("vega_lite_chart")[0].proto.spec)


def presentation_css(at) -> str:
    return " ".join(h.proto.body for h in at.get("html") if "st-key-present_setup_" in h.proto.body)


def test_present_1_in_a_link_or_the_sidebar_switch_turns_presentation_on(app_path, url, state_warnings):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(app_path, default_timeout=60)  # app.py draws the switch, before every page
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception and not state_warnings
    assert at.toggle(key="present").value and url(at) == {"present": "1"}
    assert "display: none" in presentation_css(at)  # the CSS that hides the pages' setup containers

    def sidebar():  # the switch alone: AppTest reruns a multipage app's page without app.py
        from ui import present

        present.sidebar_toggle()

    at = AppTest.from_function(sidebar).run()
    assert not at.toggle(key="present").value and "present" not in url(at) and not presentation_css(at)
    at.toggle(key="present").set_value(True).run()
    assert url(at) == {"present": "1"} and presentation_css(at)  # a link to share, ready to project
    at.toggle(key="present").set_value(False).run()
    assert "present" not in url(at) and not presentation_css(at)
    assert not state_warnings


def test_while_presenting_the_setup_is_hideable_and_the_charts_are_larger(open_page, monkeypatch):
    from ui import present

    at = open_page()
    assert vega_spec(at, "mc_plane_plain")["title"]["fontSize"] == present.NORMAL.title
    monkeypatch.setattr(present, "presenting", lambda: True)
    at.run()
    assert not at.exception
    # the setup expanders sit in the containers that the presentation CSS hides; the controls stay
    assert [e.label for e in at.container("present_setup_mc").expander] == ["Setup"]
    assert [e.label for e in at.container("present_setup_mc_networks").expander] == ["Networks and remedy settings"]
    assert {"mc_play", "mc_only_d", "mc_only_g", "mc_one", "mc_reset"} <= {b.key for b in at.button}
    assert at.toggle(key="mc_slow") and at.checkbox(key="mc_show_heatmap")
    plane = vega_spec(at, "mc_plane_plain")
    assert plane["title"]["fontSize"] == present.PROJECTOR.title > present.NORMAL.title
    assert plane["config"]["axis"]["labelFontSize"] == present.PROJECTOR.font
    assert at.radio(key="mc_dataset").value == "ring8"  # the hidden settings keep their widgets


def test_the_projector_style_draws_larger_marks_and_a_stronger_heatmap():
    from ganviz.collapse.experiment import SideBySide, lab_frame, lesson
    from ui import mode_collapse as ui
    from ui.present import NORMAL, PROJECTOR

    lab = SideBySide(lesson("ring8", 0).replace(batch_size=64), "pacgan")
    frame = lab_frame(lab)["treated"]
    normal, big = (ui.plane(frame["view"], frame["means"], "t", style=s) for s in (NORMAL, PROJECTOR))
    marks = lambda spec: {layer["data"]["name"]: layer["mark"] for layer in spec["layer"]}  # noqa: E731
    for name in ("fake", "real", "centres"):
        assert marks(big)[name]["size"] > marks(normal)[name]["size"], name
    assert marks(big)["strokes"]["strokeWidth"] > marks(normal)["strokes"]["strokeWidth"]
    assert marks(big)["fake"]["stroke"] == "white"  # samples stay apart from the stronger heatmap

    def ink(spec) -> int:  # how far D's two verdict colours are from white
        colours = spec["layer"][0]["encoding"]["color"]["scale"]["range"]
        return sum(765 - sum(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in (colours[0], colours[-1]))

    assert ink(big) > 1.5 * ink(normal)
    history = lab.history.as_dict()
    for chart in (lambda s: ui.coverage(frame["metrics"], "t", style=s),
                  lambda s: ui.occupancy(history, "treated", 8, "t", style=s),
                  lambda s: ui.timeline(history, "modes", "t", {"plain": "a", "treated": "b"}, style=s)):
        assert chart(PROJECTOR)["config"]["axis"]["labelFontSize"] > chart(NORMAL)["config"]["axis"]["labelFontSize"]


def test_every_metric_says_what_it_means_and_the_grey_bars_are_in_the_legend(open_page):
    at = open_page()
    helps = {m.label: m.help for m in at.metric}
    assert set(helps) == {"Modes held", "Modes covered", "High quality", "Reverse KL"}
    assert "at least 1% of the generated samples" in helps["Modes held"]
    assert "within 3 std" in helps["Modes covered"] and "within 3 std" in helps["High quality"]
    assert "step 0" in helps["Reverse KL"] and "'–'" in helps["Reverse KL"]
    legend = vega_spec(at, "mc_cov_plain")["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert any(entry.startswith("not covered: no sample within 3 std") for entry in legend)
    assert at.toggle(key="mc_slow").label == "Slow motion" and at.toggle(key="mc_slow").help


def test_slow_motion_after_the_last_update_says_the_run_has_ended(open_page):
    at = open_page()
    at.number_input(key="mc_target_ring8").set_value(10).run()
    at.toggle(key="mc_slow").set_value(True).run()
    at.session_state["mc_worker"].step(10)
    at.button(key="mc_play").click().run()
    assert not at.exception
    assert "the run has ended at step 10" in progress_text(at)
    assert at.button(key="mc_play").label == "▶ Train"  # stopped, not playing on past the end


def test_progress_line_and_a_click_anywhere_on_the_custom_plane():
    import numpy as np

    from ui.mode_collapse import EDITOR_STEP, apply_click, editor, progress_text

    assert progress_text(250, 3000, 812.4) == "step 250 of 3,000 · 812 steps/s"
    assert "the run has ended at step 3,000" in progress_text(3000, 3000)
    # Plotly reports the lattice spot nearest a click: the component lands there
    assert apply_click([[0.0, 0.0]], [{"curve_number": 0, "x": 1.25, "y": -2.5}]) == [[0.0, 0.0], [1.25, -2.5]]
    fig = editor([[0.0, 0.0]], 0.05)
    spots = np.stack([fig.data[0].x, fig.data[0].y], 1)
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert axis.constrain == "domain"  # the plane shows its ranges, no empty band beside them
    grid = np.stack(np.meshgrid(np.linspace(*fig.layout.xaxis.range, 41), np.linspace(*fig.layout.yaxis.range, 41)),
                    -1).reshape(-1, 2)
    reach = np.linalg.norm(grid[:, None] - spots[None], axis=-1).min(1)
    assert reach.max() <= EDITOR_STEP / 2 * 2 ** 0.5 + 1e-9  # the plane is the lattice's cells: every click meets a spot

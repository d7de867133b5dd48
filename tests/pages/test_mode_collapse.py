import json
import time

import pytest

PAGE = "pages/mode_collapse.py"


@pytest.fixture
def open_page(open_app_page):
    return lambda: open_app_page(PAGE, timeout=90)


def progress_text(at) -> str:
    return at.get("progress")[0].proto.text


def coverage(at) -> list[str]:
    return [m.value for m in at.metric if m.label == "Modes covered"]


def test_page_steps_one_update_at_a_time_and_trains_to_a_target(open_page):
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
    deadline = time.time() + 60
    while (worker.step_count < 30 or worker.running) and time.time() < deadline:
        time.sleep(0.2)
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

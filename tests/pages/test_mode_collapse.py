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
    deadline = time.time() + 60
    while worker.trainer.step_count < 30 and time.time() < deadline:
        time.sleep(0.2)
    at.run()
    assert not at.exception
    assert progress_text(at).startswith("step 30 of 30")
    lab = worker.trainer
    for arm, shown in zip(("plain", "treated"), coverage(at)):
        assert shown == f"{lab.latest[arm]['modes']}/8"
    assert lab.history.as_dict()["step"][-1] == 30


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
    treated = at.session_state["mc_worker"].trainer.trainers["treated"]
    assert (treated.config.n_generators, treated.config.remedy_weight) == (25, 3.0)
    assert len(treated.generator.components) == 25


def test_slow_motion_advances_one_update_per_frame(open_page):
    at = open_page()
    at.toggle(key="mc_slow").set_value(True).run()
    at.button(key="mc_play").click().run()
    first = at.session_state["mc_worker"].trainer.step_count
    at.run()
    assert at.session_state["mc_worker"].trainer.step_count == first + 1
    assert not at.session_state["mc_worker"].running  # the page steps, not the background thread


def test_users_place_their_own_components_and_switch_remedy(open_page):
    at = open_page()
    at.radio(key="mc_dataset").set_value("custom").run()
    at.text_area(key="mc_means_text").set_value("0, 0\n3, 3\n-3, 2").run()
    assert not at.exception
    assert coverage(at)[0].endswith("/3")
    assert at.session_state["mc_worker"].trainer.trainers["plain"].dataset.means.tolist() == [
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

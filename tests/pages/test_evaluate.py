"""The Evaluate page under AppTest: choose checkpoints, run in the background, read table, chart and grids."""
import json

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture
def page(app_path, tmp_path, monkeypatch):
    monkeypatch.setenv("GANVIZ_CACHE", str(tmp_path / "cache"))
    at = AppTest.from_file(app_path, default_timeout=120)
    at.run()
    at.switch_page("pages/evaluate.py")
    at.run()
    yield at
    job = at.session_state["evaluate_job"] if "evaluate_job" in at.session_state else None
    if job is not None:
        job.stop()
        job.join(30)


def evaluate_button(at):
    return next(b for b in at.button if "Evaluate" in b.label)


def test_compare_two_shipped_checkpoints(page):
    at = page
    assert not at.exception
    at.multiselect(key="eval_chosen").set_value(["digits-dcgan", "digits-dcgan-early"])
    at.select_slider(key="eval_n").set_value(500)
    at.number_input(key="eval_kid_subsets").set_value(5)
    at.run()
    evaluate_button(at).click()
    at.run()
    job = at.session_state["evaluate_job"]
    job.join(120)
    assert job.error is None and len(job.result) == 2
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table["checkpoint"]) == ["digits-dcgan", "digits-dcgan-early"]
    # short headings that fit the page; each one's help names the metric and the network behind it
    assert {"FD ↓", "KID ↓", "IS ↑", "precision ↑", "recall ↑"} <= set(table.columns)
    helps = {name: column.get("help", "") for name, column in json.loads(at.dataframe[0].proto.columns).items()}
    assert helps["FD ↓"] == "Fréchet classifier distance (digit classifier features): lower is better"
    assert len(at.get("plotly_chart")) == 1
    assert [image.captions[0] for image in at.get("image")] == ["digits-dcgan", "digits-dcgan-early"]
    assert any("never with published FIDs" in i.value for i in at.info)
    # what each ± is: IS over disjoint splits (ddof=0), KID over 5 subsets of half the 500 samples, all different
    notes = next(c.value for c in at.caption if "± of the KID" in c.value)
    assert "5 random subsets of 250" in notes and "(5 distinct; shrunk from 1,000" in notes and "ddof=0" in notes


def test_bad_checkpoint_is_a_clear_error(page):
    at = page
    at.multiselect(key="eval_chosen").set_value([])
    at.text_area(key="eval_extra").input("/no/such/folder")
    at.run()
    evaluate_button(at).click()
    at.run()
    assert not at.exception
    assert any("Cannot evaluate" in e.value and "/no/such/folder" in e.value for e in at.error)
    assert "evaluate_job" not in at.session_state


def test_a_link_opens_the_same_measurement_and_follows_every_change(open_app_page, url, state_warnings):
    link = {"checkpoint": ["digits-dcgan-early", "digits-dcgan-cond"], "n": "500", "reference": "digits",
            "seed": "7"}
    at = open_app_page("pages/evaluate.py", link)
    assert not at.exception and not at.warning and not state_warnings
    assert at.multiselect(key="eval_chosen").value == ["digits-dcgan-early", "digits-dcgan-cond"]
    assert (at.select_slider(key="eval_n").value, at.selectbox(key="eval_reference").value) == (500, "digits")
    assert at.number_input(key="eval_seed").value == 7
    assert url(at) == link

    at.multiselect(key="eval_chosen").set_value(["digits-dcgan"]).run()
    at.number_input(key="eval_kid_subsets").set_value(10).run()
    assert url(at) == {**link, "checkpoint": "digits-dcgan", "kid_subsets": "10"}
    at.multiselect(key="eval_chosen").set_value([]).run()  # none chosen differs from the default choice
    assert url(at)["checkpoint"] == ""
    assert open_app_page("pages/evaluate.py", url(at)).multiselect(key="eval_chosen").value == []
    assert not state_warnings


def test_a_link_names_checkpoints_only_among_the_choices(open_app_page, url):
    at = open_app_page("pages/evaluate.py", {"checkpoint": ["digits-dcgan", "/etc"], "extractor": "x", "n": "700"})
    assert not at.exception
    assert len(at.warning) == 1 and all(f"**{n}**" in at.warning[0].value for n in ("checkpoint", "extractor", "n"))
    assert at.multiselect(key="eval_chosen").value == ["digits-dcgan", "digits-dcgan-cond", "digits-dcgan-early"]
    assert url(at) == {}

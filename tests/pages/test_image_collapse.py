"""The Mode collapse in images page under AppTest: both arms on shapes, live coverage, links."""
import json

import pytest

PAGE = "pages/image_collapse.py"


@pytest.fixture
def open_page(open_app_page, close_worker_after):
    def opened(params=None):
        at = open_app_page(PAGE, params, timeout=120)
        close_worker_after(at, "ic_worker")
        return at
    return opened


def progress_text(at) -> str:
    return at.get("progress")[0].proto.text


def test_both_dcgans_train_to_the_target_with_their_shape_and_colour_coverage(open_page, ran_to):
    at = open_page({"steps": "50"})
    assert not at.exception and not at.error
    assert [h.value for h in at.subheader] == ["Plain DCGAN", "With PacGAN"]
    assert progress_text(at).startswith("step 0 of 50")
    assert [m.value.endswith("/24") for m in at.metric if m.label == "Modes covered"] == [True, True]
    assert len(at.get("image")) == 2  # each arm's pictures of the same latent vectors

    at.button(key="ic_one").click().run()
    assert progress_text(at).startswith("step 1 of 50")
    at.button(key="ic_play").click().run()
    worker = at.session_state["ic_worker"]
    ran_to(worker, 50, timeout=240)
    at.run()
    assert not at.exception
    assert progress_text(at).startswith("step 50 of 50 · the run has ended")
    assert at.button(key="ic_play").label == "▶ Train"  # the end stops playing
    snap = worker.snapshot()
    assert snap.history["step"][-1] == 50
    for arm, shown in zip(("plain", "treated"), [m.value for m in at.metric if m.label == "Modes held"]):
        assert shown == f"{snap.extra[arm]['metrics']['modes_held']}/24"
    titles = [json.loads(c.proto.spec)["title"]["text"] for c in at.get("vega_lite_chart")]
    assert titles.count("Samples per shape x colour") == 2
    assert {"Modes held", "Modes covered", "High quality %", "Reverse KL"} <= set(titles)
    assert "Grid JS (bits)" not in titles  # 2D only


def test_a_link_opens_the_same_lab_and_reset_starts_it_again(open_page, url):
    link = {"remedy": "minibatch", "seed": "7", "steps": "500"}
    at = open_page(link)
    assert not at.exception and not at.warning
    assert at.selectbox(key="ic_treatment").value == "minibatch" and at.number_input(key="ic_seed").value == 7
    assert at.subheader[1].value == "With minibatch discrimination"
    assert url(at) == link
    config = json.loads(at.session_state["ic_lab_key"][0])
    assert (config["seed"], config["data"]["name"], config["model"]["arch"]) == (7, "shapes", "dcgan")

    at.button(key="ic_one").click().run()
    first = at.session_state["ic_worker"]
    at.button(key="ic_reset").click().run()
    assert not at.exception and at.session_state["ic_worker"] is not first
    assert progress_text(at).startswith("step 0 of 500")

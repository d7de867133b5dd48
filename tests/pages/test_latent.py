import gc
import json

import pytest
import torch
from streamlit.testing.v1 import AppTest


def image_url(at: AppTest, caption_part: str) -> str:
    urls = [e.proto.imgs[0].url for e in at.get("image") if caption_part in e.proto.imgs[0].caption]
    assert len(urls) == 1, f"expected one image captioned {caption_part!r}"
    return urls[0]


def test_latent_explorer_sliders_class_and_offline_hub(app_path):
    at = AppTest.from_file(app_path, default_timeout=120).run()
    at.switch_page("pages/latent.py")
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="lat_zoo").value.source == "digits-dcgan"
    grid, edited = image_url(at, "sample i has seed"), image_url(at, "edited")

    # a digits generator: no factor network, so no names, bars or fitted direction
    assert not at.get("vega_lite_chart") and "lat_fit_factor" not in [s.key for s in at.selectbox]
    assert at.slider(key="lat_pc_0").label.endswith("of feature variance")

    at.slider(key="lat_pc_0").set_value(2.5).run()
    assert not at.exception
    moved = image_url(at, "edited")
    assert moved != edited
    assert image_url(at, "sample i has seed") == grid  # the grid does not depend on the sliders

    at.slider(key="lat_z_0_0").set_value(-3.0).run()
    assert image_url(at, "edited") != moved

    at.button(key="lat_reset").click().run()
    assert at.slider(key="lat_pc_0").value == 0.0
    assert image_url(at, "edited") == edited

    # a conditional checkpoint brings a class control that redraws the image
    at.selectbox(key="lat_zoo").set_value(next(e for e in at.selectbox(key="lat_zoo").options
                                               if "conditional" in e)).run()
    assert not at.exception and at.selectbox(key="lat_zoo").value.source == "digits-dcgan-cond"
    before = image_url(at, "edited")
    at.selectbox(key="lat_class").set_value(7).run()
    assert image_url(at, "edited") != before

    # offline, a Hub repo gives a clear message instead of a traceback
    at.radio(key="lat_origin").set_value("Hugging Face Hub").run()
    assert not at.exception
    assert "cannot be reached" in at.error[0].value
    assert "Model zoo" in at.info[0].value


def test_a_bad_hub_id_or_revision_is_a_message_not_a_traceback(open_app_page):
    at = open_app_page("pages/latent.py")
    at.radio(key="lat_origin").set_value("Hugging Face Hub").run()
    for repo, revision, message in [("a/..", "", "Repo id must use alphanumeric chars"),
                                    ("x" * 5000, "", "at most 96 characters"),
                                    ("someone/repo", "../../etc", "not a branch, tag or commit hash")]:
        at.text_input(key="lat_repo").set_value(repo)
        at.text_input(key="lat_revision").set_value(revision).run()
        assert not at.exception, at.exception
        errors = " ".join(e.value for e in at.error)
        assert "Could not load this checkpoint" in errors and message in errors, errors
        assert len(errors) < 800


def test_a_link_opens_the_same_view_and_follows_every_change(open_app_page, url, state_warnings):
    link = {"checkpoint": "digits-dcgan-cond", "class": "7", "seed": "12", "n": "20", "seed_b": "40",
            "animate": "linear"}
    at = open_app_page("pages/latent.py", link)
    assert not at.exception and not at.warning and not state_warnings
    assert at.selectbox(key="lat_zoo").value.source == "digits-dcgan-cond"
    assert (at.selectbox(key="lat_class").value, at.number_input(key="lat_seed").value) == (7, 12)
    assert at.select_slider(key="lat_n").value == 20
    assert (at.number_input(key="lat_seed_a").value, at.number_input(key="lat_seed_b").value) == (12, 40)
    assert at.radio(key="lat_animate").value == "linear"
    assert image_url(at, "Linear: seed 12 → seed 40")
    assert url(at) == link

    at.number_input(key="lat_seed_a").set_value(3).run()
    at.selectbox(key="lat_class").set_value(0).run()
    assert url(at) == {**{k: v for k, v in link.items() if k != "class"}, "seed_a": "3"}
    assert not state_warnings


def test_a_link_cannot_name_a_folder_and_a_bad_value_is_named(open_app_page, url):
    at = open_app_page("pages/latent.py", {"checkpoint": "/etc", "seed": "-4", "steps": "12"})
    assert not at.exception
    assert len(at.warning) == 1 and all(f"**{n}**" in at.warning[0].value for n in ("checkpoint", "seed"))
    assert at.selectbox(key="lat_zoo").value.source == "digits-dcgan"
    assert (at.number_input(key="lat_seed").value, at.slider(key="lat_steps").value) == (0, 12)
    assert url(at) == {"steps": "12"}


# -- a generator trained on shapes: named directions (issue 18) -----------------------------------
@pytest.fixture(scope="module")
def shapes_checkpoint(tmp_path_factory) -> str:
    """A tiny ganviz run on shapes after one step: its pictures are smudges, but its config says
    shapes, which is what the page goes by."""
    from ganviz.config import TrainConfig
    from ganviz.training import Trainer

    torch.manual_seed(0)
    config = TrainConfig.from_dict({"data": {"name": "shapes", "image_size": 32}, "batch_size": 16,
                                    "model": {"arch": "dcgan", "channels": 8, "latent_dim": 16}})
    trainer = Trainer(config, device="cpu")
    trainer.step(1)
    folder = str(trainer.save(tmp_path_factory.mktemp("latent") / "tiny-shapes"))
    del trainer
    gc.collect()
    return folder


def bar_spec(at, i: int) -> dict:
    return json.loads(at.container(f"lat_bars_{i}").get("vega_lite_chart")[0].proto.spec)


def test_a_shapes_generator_names_its_directions_and_fits_one(open_app_page, shapes_checkpoint):
    at = open_app_page("pages/latent.py")
    at.radio(key="lat_origin").set_value("Local folder").run()
    at.text_input(key="lat_folder").set_value(shapes_checkpoint).run()
    assert not at.exception and not at.error

    # each principal direction: named in its label, its factors charted beside it
    for i in range(8):
        label = at.slider(key=f"lat_pc_{i}").label
        assert label.startswith(f"PC{i + 1} · ") and (" — mostly " in label or " — no single factor" in label)
        assert bar_spec(at, i)["title"]["text"] == f"What PC{i + 1} moves"
    assert "correlation r" in at.slider(key="lat_pc_0").help

    # the interpolation strips: shape and colour under each, x, y and scale along the animated path
    assert len([c for c in at.caption if c.value.startswith("Shape factor network, step by step: ")]) == 2
    assert at.container("lat_path_factors").get("vega_lite_chart")

    # find the direction that moves the shape right: a slider along it, and how well it fits
    edited = image_url(at, "edited")
    at.selectbox(key="lat_fit_factor").set_value("x").run()
    assert not at.exception and not at.warning
    assert at.slider(key="lat_fitted_x").label == "Along the fitted direction: moves it right"
    assert any(c.value.startswith("Fitted direction: R² ") for c in at.caption)
    assert image_url(at, "edited") == edited  # at 0 it changes nothing
    at.slider(key="lat_fitted_x").set_value(3.0).run()
    assert image_url(at, "edited") != edited
    assert any("the fitted direction at the bottom" in e.proto.imgs[0].caption for e in at.get("image"))

    at.button(key="lat_reset").click().run()
    assert at.slider(key="lat_fitted_x").value == 0.0 and image_url(at, "edited") == edited


def test_a_conditional_shapes_generator_names_its_classes(open_app_page):
    """The class picker of the shipped conditional shapes generator says what each class is; the
    link still holds the class's number."""
    at = open_app_page("pages/latent.py", {"checkpoint": "shapes-dcgan-cond", "class": "23"})
    assert not at.exception and not at.error
    picker = at.selectbox(key="lat_class")
    assert picker.options[:2] == ["0: red circle", "1: yellow circle"] and len(picker.options) == 24
    assert picker.value == 23 and picker.options[23] == "23: magenta star"

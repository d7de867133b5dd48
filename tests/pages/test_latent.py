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

"""The shared live charts: valid Vega-Lite, a spec that stays while the data changes (so Streamlit
keeps the chart's element), the data in named datasets, and presentation mode's larger look."""
import altair as alt
import numpy as np
import pytest

from ui import present, vega_charts as vc


def history(n: int) -> dict[str, list[float]]:
    rng = np.random.default_rng(n)
    return {"step": list(range(n)), **{k: rng.random(n).tolist() for k in ("d_loss", "g_loss", "d_real", "d_fake")}}


def samples(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(100, 2)), rng.normal(size=(80, 2))


EXTENT = (-3.0, 3.0, -2.0, 2.0)
BUILDERS = {
    "losses": lambda n: vc.loss_curves(history(n)),
    "discriminator": lambda n: vc.discriminator_curves(history(n), probabilistic=True),
    "critic": lambda n: vc.discriminator_curves(history(n), probabilistic=False),
    "scatter": lambda n: vc.scatter(*samples(n), EXTENT),
    "log curves": lambda n: vc.curves(history(n), {"d_loss": ("D", "red")}, "t", log=True),
}


def without_data(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k != "datasets"}


@pytest.mark.parametrize("name", BUILDERS)
def test_the_spec_is_valid_vega_lite_and_stays_while_the_data_changes(name):
    before, after = BUILDERS[name](5), BUILDERS[name](50)
    assert without_data(before) == without_data(after)
    assert before["usermeta"]["embedOptions"]["renderer"] == "canvas"
    records = {k: v.to_dict("records") for k, v in after["datasets"].items()}
    alt.Chart.from_dict({**without_data(after), "datasets": records})  # raises on a schema error


def test_curves_carry_every_series_and_name_it_in_the_legend():
    spec = vc.loss_curves(history(7))
    lines = spec["datasets"]["lines"]
    assert list(lines.columns) == ["step", "d_loss", "g_loss"] and len(lines) == 7
    assert lines["g_loss"].tolist() == history(7)["g_loss"]
    layer = spec["layer"][0]
    assert layer["transform"][0] == {"fold": ["d_loss", "g_loss"], "as": ["column", "value"]}
    assert layer["encoding"]["color"]["scale"]["domain"] == ["D loss", "G loss"]
    assert '"g_loss": "G loss"' in layer["transform"][1]["calculate"]  # each column drawn under its name


def test_only_a_probabilistic_discriminator_gets_the_equilibrium_line():
    def rules(spec):
        return [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    probabilistic = vc.discriminator_curves(history(3), probabilistic=True)
    assert rules(probabilistic)[0]["encoding"]["y"]["datum"] == 0.5
    assert not rules(vc.discriminator_curves(history(3), probabilistic=False))
    assert "critic(x) on real" in vc.discriminator_curves(history(3), False)["layer"][0]["encoding"]["color"]["scale"][
        "domain"]


def test_scatter_holds_both_sets_on_the_data_extent_to_scale():
    real, fake = samples(0)
    spec = vc.scatter(real, fake, EXTENT)
    np.testing.assert_array_equal(spec["datasets"]["real"][["x", "y"]].to_numpy(), real)
    np.testing.assert_array_equal(spec["datasets"]["fake"][["x", "y"]].to_numpy(), fake)
    assert [layer["transform"][0]["calculate"] for layer in spec["layer"]] == ["'real'", "'generated'"]
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["real", "generated"]
    encoding = spec["layer"][0]["encoding"]
    assert encoding["x"]["scale"]["domain"] == [-3.0, 3.0] and encoding["y"]["scale"]["domain"] == [-2.0, 2.0]
    assert spec["width"] == spec["height"]


def test_presentation_mode_draws_larger_text_lines_and_points():
    normal, projector = present.NORMAL, present.PROJECTOR
    curves = [vc.loss_curves(history(3), style=s) for s in (normal, projector)]
    assert [c["title"]["fontSize"] for c in curves] == [normal.title, projector.title]
    assert [c["config"]["axis"]["labelFontSize"] for c in curves] == [normal.font, projector.font]
    assert curves[1]["layer"][0]["mark"]["strokeWidth"] > curves[0]["layer"][0]["mark"]["strokeWidth"]
    assert curves[1]["height"] > curves[0]["height"]
    points = [vc.scatter(*samples(0), EXTENT, style=s)["layer"][0]["mark"]["size"] for s in (normal, projector)]
    assert points[1] == pytest.approx(points[0] * projector.scale ** 2)

"""The Latent explorer's factor charts: valid Vega-Lite, the named factor highlighted, and the
shape and colour along a path told in runs of equal steps."""
import altair as alt
import numpy as np

from ganviz.latent.naming import PROFILE_FACTORS, FactorProfile
from ui import latent


def valid(spec: dict) -> None:
    records = {k: v.to_dict("records") for k, v in spec["datasets"].items()}
    alt.Chart.from_dict({**spec, "datasets": records})  # raises on a schema error


def test_the_bars_show_every_factor_and_highlight_the_one_named():
    correlations = np.array([[0.2, -0.9, 0.1, 0.0, 0.3, 0.0]])
    profile = FactorProfile(correlations, [{"shape": "star", "colour": ""}], np.linspace(-3, 3, 9), 32)
    spec = latent.factor_bars(profile, 0)
    valid(spec)
    bars = spec["datasets"]["bars"]
    assert bars["factor"].tolist() == list(PROFILE_FACTORS) and bars["value"].tolist() == correlations[0].tolist()
    assert bars.loc[bars["top"], "factor"].tolist() == ["y"]
    assert bars["label"].tolist()[4:] == ["shape: star", "colour"] and bars["text"][4] == "+30% of images"
    assert profile.phrase(0) == "mostly y: moves it up (r = -0.90)"


def test_factors_along_a_path_chart_and_caption():
    along = {"x": np.array([0.3, 0.4, 0.5]), "y": np.full(3, 0.5), "scale": np.full(3, 0.2),
             "rotation": np.zeros(3), "shape": ["star", "star", "square"], "colour": ["red", "red", "red"]}
    spec = latent.factor_curves(along, "Factors")
    valid(spec)
    assert spec["datasets"]["lines"]["x"].tolist() == [0.3, 0.4, 0.5]
    assert latent.factor_runs(along) == "red star (steps 1–2) → red square (step 3)"
    assert latent.factor_runs({**along, "shape": ["circle"] * 3}) == "red circle (steps 1–3)"

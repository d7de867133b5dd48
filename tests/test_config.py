import json
import math

import pytest

from ganviz.config import DataConfig, ModelConfig, TrainConfig, flatten, unflatten


def test_defaults_are_valid_and_round_trip_through_json():
    config = TrainConfig()
    again = TrainConfig.from_json(config.to_json())
    assert again == config
    assert json.loads(config.to_json())["data"]["name"] == "ring8"


@pytest.mark.parametrize("changes, field", [
    ({"lr_d": -0.1}, "lr_d"),
    ({"lr_g": 0}, "lr_g"),
    ({"lr_g": float("nan")}, "lr_g"),
    ({"lr_g": 1e9}, "lr_g"),
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 2.5}, "batch_size"),
    ({"n_critic": "many"}, "n_critic"),
    ({"loss": "nope"}, "loss"),
    ({"data": {"name": "nope"}}, "data.name"),
    ({"data": {"std": -1}}, "data.std"),
    ({"model": {"depth": 0}}, "model.depth"),
    ({"model": {"activation": "swish"}}, "model.activation"),
    ({"label_smoothing": 0.7}, "label_smoothing"),
    ({"unknown": 1}, "unknown"),
])
def test_bad_values_raise_value_error_naming_the_field(changes, field):
    with pytest.raises(ValueError) as err:
        TrainConfig.from_dict(changes)
    assert str(err.value).startswith(field + ":"), str(err.value)


def test_strings_from_urls_and_flags_are_coerced():
    config = TrainConfig.from_dict({"lr_d": "0.0002", "batch_size": "64", "model": {"batchnorm": "true"}})
    assert config.lr_d == pytest.approx(2e-4) and config.batch_size == 64 and config.model.batchnorm is True


def test_replace_uses_dotted_names_and_validates():
    config = TrainConfig().replace(**{"data.name": "grid25", "lr_g": 1e-4})
    assert config.data.name == "grid25" and config.lr_g == 1e-4
    with pytest.raises(ValueError, match="data.std"):
        TrainConfig().replace(**{"data.std": 0})


def test_custom_mixture_needs_valid_means():
    assert DataConfig(name="custom", means=[[0, 1], [2, 3]]).means == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match="means"):
        DataConfig(name="custom")
    with pytest.raises(ValueError, match=r"means\[0\]"):
        DataConfig(name="custom", means=[[0, math.inf]])


def test_optional_fields_accept_none_and_numbers():
    assert TrainConfig(gp_weight=None).gp_weight is None
    assert TrainConfig(gp_weight=5).gp_weight == 5.0
    with pytest.raises(ValueError, match="gp_weight"):
        TrainConfig(gp_weight=-1)


def test_flatten_unflatten_inverse():
    nested = TrainConfig(model=ModelConfig(width=64)).to_dict()
    assert unflatten(flatten(nested)) == nested
    assert flatten(nested)["model.width"] == 64


def test_field_specs_cover_every_leaf():
    specs = TrainConfig.field_specs()
    assert set(specs) == set(flatten(TrainConfig().to_dict()))


def deeply_nested(depth: int, leaf=0.0):
    for _ in range(depth):
        leaf = [leaf]
    return leaf


@pytest.mark.parametrize("means", [
    [deeply_nested(5000)],                 # a list 5,000 deep where an [x, y] pair belongs
    [[deeply_nested(5000), 1.0]],          # ... or where one coordinate belongs
    deeply_nested(5000),
    [[10**400, 0.0]],                      # past what a float holds
    [5],                                   # a number, not a pair
])
def test_means_deeper_or_odder_than_pairs_name_the_field(means):
    with pytest.raises(ValueError, match=r"^data\.means\[0\]: expected two finite numbers \[x, y\]") as info:
        TrainConfig().replace(**{"data.name": "custom", "data.means": means})
    assert len(str(info.value)) < 300


def test_a_deeply_nested_value_anywhere_is_a_short_message():
    with pytest.raises(ValueError, match=r"^lr_d: expected a number, got \[\[\[\[\.\.\.\]\]\]\]") as info:
        TrainConfig.from_dict({"lr_d": deeply_nested(5000)})
    assert len(str(info.value)) < 100
    with pytest.raises(ValueError, match=r"^batch_size: expected an integer"):
        TrainConfig.from_dict({"batch_size": 10**400})


def test_json_nested_too_deeply_is_a_value_error():
    with pytest.raises(ValueError, match="^config: the JSON is nested too deeply"):
        TrainConfig.from_json('{"data": {"means": ' + "[" * 100_000 + "]" * 100_000 + "}}")

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from ganviz.config import DATASETS, MODELS, REMEDIES, DataConfig, ModelConfig, TrainConfig, flatten, unflatten


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


def test_the_config_imports_no_registry_and_still_validates_their_names():
    """ganviz.config stays free of the engine (torch): the registries fill themselves when their
    modules are imported, and a config that names an entry imports its registry on first use."""
    script = ("import sys, ganviz.config as c\n"
              "print(sorted(m for m in sys.modules if m.startswith('ganviz')), 'torch' in sys.modules)\n"
              "try:\n    c.TrainConfig(remedy='nope')\nexcept ValueError as err:\n    print(err)\n"
              "print(c.TrainConfig().remedy)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1]).stdout.splitlines()
    assert out[0] == "['ganviz', 'ganviz.config'] False"
    assert out[1].startswith("remedy: must be one of none, unrolled") and out[2] == "none"


@pytest.mark.parametrize("registry, section", [(DATASETS, "data."), (MODELS, "model."), (REMEDIES, "")])
def test_every_registry_entry_describes_itself_and_reads_real_config_fields(registry, section):
    specs = TrainConfig.field_specs()
    for name in registry.names():
        entry = registry[name]
        assert entry.description and callable(getattr(entry, "build", entry))
        assert set(entry.fields) <= set(specs), (name, entry.fields)
        assert all(field.startswith(section) for field in entry.fields), (name, entry.fields)


def test_flag_help_lists_a_registrys_entries_and_names_who_reads_a_field():
    assert all(f"{name} (" in TrainConfig.field_help("data.name") for name in DATASETS.names())
    assert TrainConfig.field_help("pack").endswith("read by remedy pacgan")
    assert TrainConfig.field_help("remedy_weight").endswith("read by remedy historical-averaging, mixture")
    assert "dataset ring8, spiral, moons" in TrainConfig.field_help("data.radius")
    assert TrainConfig.field_help("lr_g") == TrainConfig.field_specs()["lr_g"][2]["help"]



@pytest.mark.parametrize("changes, field", [
    ({"optimizer_g": "lbfgs"}, "optimizer_g"), ({"optimizer_d": ""}, "optimizer_d"), ({"momentum": 1.5}, "momentum"),
    ({"momentum": -0.1}, "momentum"), ({"rmsprop_alpha": 1.0}, "rmsprop_alpha"),
    ({"rmsprop_centered": "maybe"}, "rmsprop_centered")])
def test_optimiser_fields_are_validated_with_the_field_named(changes, field):
    with pytest.raises(ValueError) as err:
        TrainConfig.from_dict(changes)
    assert str(err.value).startswith(field + ":"), str(err.value)


def test_optimiser_choices_round_trip_and_older_configs_keep_adam():
    from ganviz.config import OPTIMIZERS

    config = TrainConfig(optimizer_g="sgd", optimizer_d="rmsprop", momentum=0.9, rmsprop_alpha=0.9,
                         rmsprop_centered=True)
    assert TrainConfig.from_json(config.to_json()) == config
    older = json.loads(TrainConfig().to_json())  # a link or checkpoint from before the choice existed
    for name in ("optimizer_g", "optimizer_d", "momentum", "rmsprop_alpha", "rmsprop_centered"):
        older.pop(name)
    assert TrainConfig.from_dict(older) == TrainConfig() and TrainConfig().optimizer_d == "adam"
    specs = TrainConfig.field_specs()
    for name in OPTIMIZERS.names():
        assert OPTIMIZERS[name].description and set(OPTIMIZERS[name].fields) <= set(specs)
    assert "sgd (SGD)" in TrainConfig.field_help("optimizer_g")
    assert TrainConfig.field_help("momentum").endswith("read by optimizer sgd, rmsprop")


def test_a_flat_config_whose_group_also_has_a_value_is_refused_by_name():
    from ganviz.config import unflatten

    with pytest.raises(ValueError, match=r"model.width: 'model' is given a value of its own"):
        unflatten({"model": 1, "model.width": 64})
    with pytest.raises(ValueError, match=r"\.: '' is given a value of its own"):
        unflatten({"": None, ".": None})

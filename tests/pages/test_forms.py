"""The sidebar config form (ui/forms.py): generated from the registries, so a dataset, an
architecture or a remedy brings the widgets of exactly the config fields its entry reads."""
from streamlit.testing.v1 import AppTest

from ganviz.config import TrainConfig
from ganviz.data import DATASETS
from ganviz.models import MODELS
from ganviz.training.remedies import REMEDIES

REGISTRY_FIELDS = {name for registry in (DATASETS, MODELS, REMEDIES) for entry in registry.values()
                   for name in entry.fields}


def form():
    from ui import forms
    from ui.state import DEFAULTS

    forms.config_form(DEFAULTS)


def shown(at: AppTest) -> set[str]:
    """The registry-read fields that have a widget in the sidebar now."""
    widgets = [*at.sidebar.number_input, *at.sidebar.selectbox, *at.sidebar.checkbox, *at.sidebar.text_input]
    return {w.key.removeprefix("cfg:") for w in widgets} & REGISTRY_FIELDS


def wanted(dataset: str, arch: str, remedy: str) -> set[str]:
    fields = {*DATASETS[dataset].fields, *MODELS[arch].fields, *REMEDIES[remedy].fields} - {"data.means"}
    return fields - {"model.conditional"} if DATASETS[dataset].toy else fields


def test_the_form_shows_the_fields_the_chosen_entries_read():
    at = AppTest.from_function(form).run()
    assert not at.exception
    assert shown(at) == wanted("ring8", "mlp", "none")
    at.sidebar.selectbox(key="cfg:data.name").set_value("grid25").run()
    at.sidebar.selectbox(key="cfg:remedy").set_value("mixture").run()
    assert shown(at) == wanted("grid25", "mlp", "mixture")
    at.sidebar.selectbox(key="cfg:data.name").set_value("digits").run()
    at.sidebar.selectbox(key="cfg:model.arch").set_value("dcgan").run()
    at.sidebar.selectbox(key="cfg:remedy").set_value("unrolled").run()
    assert shown(at) == wanted("digits", "dcgan", "unrolled")
    assert "cfg:model.conditional" in {w.key for w in at.sidebar.checkbox}  # digits have classes


def test_each_widget_carries_its_fields_help():
    at = AppTest.from_function(form).run()
    specs = TrainConfig.field_specs()
    for box in at.sidebar.number_input:
        assert box.help == (specs[box.key.removeprefix("cfg:")][2]["help"] or ""), box.key


def test_the_form_shows_each_players_optimiser_and_the_settings_the_chosen_ones_read():
    from ganviz.training.optimizers import OPTIMIZERS

    at = AppTest.from_function(form).run()
    keys = lambda: {w.key.removeprefix("cfg:") for w in [*at.sidebar.number_input, *at.sidebar.checkbox]}  # noqa: E731
    settings = {name for entry in OPTIMIZERS.values() for name in entry.fields}
    assert keys() & settings == set(OPTIMIZERS["adam"].fields)
    at.sidebar.selectbox(key="cfg:optimizer_g").set_value("sgd").run()
    assert keys() & settings == {*OPTIMIZERS["adam"].fields, *OPTIMIZERS["sgd"].fields}
    at.sidebar.selectbox(key="cfg:optimizer_d").set_value("rmsprop").run()
    assert keys() & settings == {*OPTIMIZERS["sgd"].fields, *OPTIMIZERS["rmsprop"].fields}
    assert at.sidebar.selectbox(key="cfg:optimizer_d").options == [OPTIMIZERS[n].label for n in OPTIMIZERS]
    assert not at.exception


def test_every_widget_defaults_to_the_value_it_shows():
    """A browser that loses a widget's state falls back to the widget's default: under load the
    number boxes sent 0.0 back (an invalid radius); with the shown value as the default they send
    what the page showed."""
    at = AppTest.from_function(form).run()
    at.sidebar.selectbox(key="cfg:data.name").set_value("grid25").run()
    at.sidebar.number_input(key="cfg:data.std").set_value(0.07).run()
    widgets = [*at.sidebar.number_input, *at.sidebar.checkbox, *at.sidebar.text_input]
    assert widgets and all(w.proto.default == w.value for w in widgets if w.value is not None), \
        [(w.key, w.proto.default, w.value) for w in widgets if w.proto.default != w.value]
    assert all(w.index == w.proto.default for w in at.sidebar.selectbox), \
        [(w.key, w.proto.default, w.index) for w in at.sidebar.selectbox if w.index != w.proto.default]

"""The Evaluate page on a generator trained on ``shapes``: the factor network's numbers, labelled as
such, and the exact mode coverage under the table."""
import gc
import json

import torch
from streamlit.testing.v1 import AppTest

from ganviz.config import TrainConfig


def test_a_shapes_generator_is_measured_by_the_factor_network(app_path, tmp_path, monkeypatch):
    from ganviz.training import Trainer

    monkeypatch.setenv("GANVIZ_CACHE", str(tmp_path / "cache"))
    torch.manual_seed(0)
    config = TrainConfig.from_dict({"data": {"name": "shapes", "image_size": 32}, "batch_size": 16,
                                    "model": {"arch": "dcgan", "channels": 8, "latent_dim": 16}})
    trainer = Trainer(config, device="cpu")
    trainer.step(1)
    folder = str(trainer.save(tmp_path / "tiny-shapes"))
    del trainer
    gc.collect()  # its memory claim ends now, not while the page's evaluation counts claims

    at = AppTest.from_file(app_path, default_timeout=120)
    at.run()
    at.switch_page("pages/evaluate.py")
    at.run()
    at.multiselect(key="eval_chosen").set_value([])
    at.text_area(key="eval_extra").input(folder)
    at.radio(key="eval_extractor").set_value("shape-factors")
    at.select_slider(key="eval_n").set_value(500)
    at.number_input(key="eval_kid_subsets").set_value(5)
    at.run()
    next(b for b in at.button if "Evaluate" in b.label).click()
    at.run()
    job = at.session_state["evaluate_job"]
    job.join(120)
    assert job.error is None
    at.run()
    assert not at.exception and not at.error
    helps = {name: column.get("help", "") for name, column in json.loads(at.dataframe[0].proto.columns).items()}
    assert helps["FD ↓"] == "Fréchet factor distance (shape factor network features): lower is better"
    assert any("shape factor network's features" in i.value and "never with published FIDs" in i.value
               for i in at.info)
    assert any("modes (shape x colour) covered" in m.value and "/24" in m.value for m in at.markdown)

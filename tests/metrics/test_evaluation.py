import json

import pytest
import torch

from ganviz.config import DataConfig, TrainConfig
from ganviz.hub import MODEL_ZOO
from ganviz.metrics import evaluate, load_source, source_from_gan, write_quality_section
from ganviz.metrics.evaluation import ImageSource
from ganviz.training import GAN

FAST = {"kid_subsets": 5}


def test_evaluate_a_checkpoint(tiny_checkpoint):
    stages = []
    [result] = evaluate([tiny_checkpoint], 200, device="cpu", keep_samples=16,
                        progress=lambda stage, done, total: stages.append((stage, done, total)), **FAST)
    assert result.n == 200 and result.samples.shape == (16, 1, 28, 28)
    assert result.reference["dataset"] == "digits" and result.reference["n"] == 200
    assert 9 < result.reference["is"] <= 10  # real digits: nearly the 10 classes
    assert {"real data", f"sampling {tiny_checkpoint}"} <= {s for s, _, _ in stages}
    assert (f"sampling {tiny_checkpoint}", 200, 200) in stages
    report = json.loads(json.dumps(result.to_dict()))  # JSON-ready
    assert report["extractor"]["key"] == "digit-classifier"
    assert report["scores"]["fd"]["name"].startswith("Fréchet classifier distance")
    assert report["scores"]["fd"]["value"] > 0 and 1 <= report["scores"]["is"]["value"] <= 10


def test_same_seed_same_numbers_and_reference_reused(tiny_checkpoint):
    a, b = evaluate([tiny_checkpoint, tiny_checkpoint], 100, device="cpu", **FAST)
    assert a.scores == b.scores
    assert not a.reference["cached"] and b.reference["cached"] is False  # one computation, shared in the call
    [c] = evaluate([tiny_checkpoint], 100, device="cpu", **FAST)
    assert c.reference["cached"] and c.scores == a.scores


def test_real_data_scores_better_than_an_untrained_generator(tiny_checkpoint, split):
    """The ranking works: real digits (as a 'generator') beat an untrained DCGAN on FD, IS, KID and recall.

    Not on precision: the untrained G draws nearly one grey blob, and one point inside the real
    data's k-NN manifold is all precision asks for (the pitfall the Evaluate page warns about)."""
    images = split.test_images

    def draw(n, rng):
        return images[torch.randint(len(images), (n,), generator=rng, device=rng.device)]

    real = ImageSource("held-out real digits", draw, DataConfig(name="digits"))
    untrained, held_out = evaluate([tiny_checkpoint, real], 300, device="cpu", **FAST)
    for key in ("fd", "is", "kid", "recall"):
        score = held_out.scores[key]
        worse = untrained.scores[key]["value"]
        assert score["value"] < worse if score["better"] == "lower" else score["value"] > worse, key


def test_toy_checkpoints_and_missing_ones_are_refused(tmp_path):
    toy = GAN(TrainConfig().to_dict(), [2])
    with pytest.raises(ValueError, match="toy"):
        source_from_gan(toy, "toy")
    with pytest.raises(ValueError, match="no-such"):
        load_source(str(tmp_path / "no-such"))
    with pytest.raises(ValueError, match="n"):
        evaluate([source_from_gan(toy, "x")], 1)


def test_a_live_gan_is_measured_from_a_snapshot(tiny_checkpoint):
    gan = GAN.from_pretrained(tiny_checkpoint).train()
    source = source_from_gan(gan, "live")
    before = source.draw(4, torch.Generator().manual_seed(0))
    with torch.no_grad():
        for p in gan.generator.parameters():
            p.zero_()  # training goes on...
    assert gan.generator.training  # ...untouched by the measurement, which keeps its own copy
    assert torch.equal(before, source.draw(4, torch.Generator().manual_seed(0)))
    assert source.data.name == "digits" and before.shape == (4, 1, 28, 28)


def test_a_source_without_training_data_needs_a_reference():
    blank = ImageSource("blank", lambda n, rng: -torch.ones(n, 1, 28, 28, device=rng.device))
    with pytest.raises(ValueError, match="reference"):
        evaluate([blank], 50, device="cpu")
    [result] = evaluate([blank], 50, device="cpu", reference="digits", **FAST)
    assert result.reference["dataset"] == "digits"


def test_quality_section_is_appended_once_and_replaced(tiny_checkpoint, tmp_path):
    import shutil

    folder = tmp_path / "card"
    shutil.copytree(tiny_checkpoint, folder)
    (folder / "README.md").write_text("# my gan\n\nHow it was trained.\n\n## Usage\n\nload it\n")
    [result] = evaluate([str(folder)], 100, device="cpu", **FAST)
    write_quality_section(folder, result, date="2026-11-23")
    write_quality_section(folder, result, date="2026-11-24")
    text = (folder / "README.md").read_text()
    assert text.count("## Measured quality") == 1 and "2026-11-24" in text and "2026-11-23" not in text
    assert text.startswith("# my gan") and "## Usage\n\nload it" in text
    assert "Fréchet classifier distance (digit classifier features)" in text and "not** Inception FID" in text


def test_shipped_generators_load_as_sources():
    drawn = {"digits": (2, 1, 28, 28), "shapes": (2, 3, 32, 32)}
    for entry in [e for e in MODEL_ZOO if not e.needs_internet]:
        source = load_source(entry.source)
        data = entry.source.split("-")[0]  # digits-dcgan, shapes-dcgan-cond, ...
        assert source.data is not None and source.data.name == data
        assert source.draw(2, torch.Generator().manual_seed(0)).shape == drawn[data]


def test_shipped_checkpoints_rank_as_trained():
    """The fully trained shipped generators beat the one stopped after 200 steps."""
    trained, conditional, early = evaluate(["digits-dcgan", "digits-dcgan-cond", "digits-dcgan-early"], 400,
                                           device="cpu", **FAST)
    for good in (trained, conditional):
        assert good.scores["fd"]["value"] < early.scores["fd"]["value"]
        assert good.scores["kid"]["value"] < early.scores["kid"]["value"]
        assert good.scores["is"]["value"] > early.scores["is"]["value"]
        assert good.scores["recall"]["value"] > early.scores["recall"]["value"]


def test_shipped_shapes_generators_rank_as_trained():
    """On shapes the factor network decides: the trained generators beat the collapsed one on the
    Fréchet factor distance and on the modes they cover."""
    trained, conditional, collapsed = evaluate(["shapes-dcgan", "shapes-dcgan-cond", "shapes-dcgan-collapsed"],
                                               400, device="cpu", **FAST)
    assert collapsed.coverage["modes_held"] == 1
    for good in (trained, conditional):
        assert good.scores["fd"]["value"] < collapsed.scores["fd"]["value"]
        assert good.coverage["modes"] > 10 * collapsed.coverage["modes"]

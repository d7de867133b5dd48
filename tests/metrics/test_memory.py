import pytest
import torch

from ganviz import resources
from ganviz.metrics import evaluate
from ganviz.metrics.memory import FLOAT_BYTES, plan_evaluation_memory
from ganviz.resources import MB, OverBudget, claimed_memory

FAST = {"kid_subsets": 5}


def _plan(extractor, n=1000, batch_size=500, size=28):
    return plan_evaluation_memory(extractor, torch.zeros(1, 1, size, size), n, batch_size,
                                  extractor.num_features, extractor.num_classes)


def test_the_features_of_real_and_generated_samples_are_counted_exactly(extractor):
    small, large = _plan(extractor, n=1000), _plan(extractor, n=4000)
    assert small.features == 2 * 1000 * (extractor.num_features + extractor.num_classes) * FLOAT_BYTES
    assert large.features == 4 * small.features
    assert small.per_image == large.per_image > 28 * 28 * FLOAT_BYTES  # the input and every layer's output
    assert small.total == small.features + small.per_image * 500


def test_a_batch_too_large_for_the_budget_is_made_smaller(extractor, monkeypatch):
    per_image = _plan(extractor).per_image
    monkeypatch.setenv(resources.RUN_MEMORY_ENV, "1")
    plan = _plan(extractor, n=100, batch_size=10_000)
    assert plan.batch_size == (MB - plan.features) // per_image < 10_000 and plan.total <= MB


def test_an_evaluation_too_large_is_refused_before_sampling(tiny_checkpoint, monkeypatch):
    monkeypatch.setenv(resources.RUN_MEMORY_ENV, "16")
    before = claimed_memory()
    with pytest.raises(OverBudget, match=r"This evaluation would need about [\d,]+ MB \(200,000 generated and up to "
                                         r"200,000 real samples' features.*limit of 16 MB per run.*fewer samples"):
        evaluate([tiny_checkpoint], 200_000, device="cpu", **FAST)
    assert claimed_memory() == before


def test_an_evaluation_holds_its_memory_only_while_it_runs(tiny_checkpoint):
    before, seen = claimed_memory(), []
    evaluate([tiny_checkpoint], 100, device="cpu", progress=lambda *_: seen.append(claimed_memory()), **FAST)
    assert min(seen) > before and claimed_memory() == before

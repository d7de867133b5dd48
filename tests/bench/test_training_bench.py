import pytest
import torch

from ganviz.bench import training
from ganviz.training.remedies import REMEDIES


def test_remedy_timing_covers_the_plain_gan_and_each_remedy_on_both_paths(monkeypatch):
    monkeypatch.setitem(training.CHUNK, "toy", 3)
    out = training._remedies(["pacgan"], torch.device("cpu"), seconds=0.01)
    assert list(out) == ["none", "pacgan"]
    for row in out.values():
        assert row["plain"] > 0 and row["fast"] > 0
        assert row["fast_vs_plain"] == pytest.approx(row["fast"] / row["plain"])
        assert "no CUDA graphs" in row["fast_path"]  # a CPU fuses Adam only


def test_remedy_names_default_to_those_the_fast_path_replays():
    safe = training._remedy_names("graph-safe")
    assert safe and all(REMEDIES[n].graph_safe for n in safe)
    assert "unrolled" not in safe and "historical-averaging" not in safe
    assert training._remedy_names("none,mixture") == ["mixture"]
    assert training._remedy_names("") == []
    with pytest.raises(ValueError, match="unknown remedy 'magic'"):
        training._remedy_names("pacgan,magic")

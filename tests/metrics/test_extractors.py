import pytest
import torch

from ganviz.metrics.extractors import (EXTRACTORS, ExtractorUnavailable, RandomInception, build_extractor,
                                       fid_weights_path)


def test_unknown_extractor_is_a_clear_error():
    with pytest.raises(ValueError, match="digit-classifier"):
        build_extractor("vgg")


def test_inception_fails_fast_and_points_to_the_offline_extractor(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    if fid_weights_path().is_file():
        pytest.skip("the FID Inception weights are cached on this machine")
    with pytest.raises(ExtractorUnavailable, match="digit-classifier"):
        build_extractor("inception-v3")


def test_classifier_numbers_never_claim_to_be_inception():
    names = EXTRACTORS["digit-classifier"].names
    assert names["fd"] == "Fréchet classifier distance (digit classifier features)"
    assert not any("FID" in n or "Inception" in n for n in names.values())
    assert EXTRACTORS["inception-v3"].names["fd"].startswith("FID")


def test_random_inception_has_the_fid_network_shape():
    extractor = RandomInception().eval()
    with torch.no_grad():
        features, logits = extractor(torch.rand(2, 1, 28, 28) * 2 - 1)
    assert features.shape == (2, 2048) and logits.shape == (2, 1000)
    assert "meaningless" in extractor.names["fd"]

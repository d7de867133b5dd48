"""The real data's features are computed once per (dataset, extractor weights, n, seed) and cached."""
import torch

from ganviz.config import DataConfig
from ganviz.metrics.extractors import DigitClassifierFeatures
from ganviz.metrics.reference import cache_dir, real_images, reference_embedding


class Counting(DigitClassifierFeatures):
    def __init__(self, classifier=None):
        super().__init__(classifier)
        self.images_seen = 0

    def forward(self, images):
        self.images_seen += len(images)
        return super().forward(images)


DIGITS = DataConfig(name="digits")


def test_computed_once_then_read_from_disk(private_cache):
    extractor = Counting()
    first, info = reference_embedding(DIGITS, extractor, 300, batch_size=128)
    assert not info["cached"] and extractor.images_seen == 300 and len(first) == 300
    assert cache_dir() == private_cache / "ref_stats" and len(list(cache_dir().glob("*.safetensors"))) == 1
    stages = []
    again, info = reference_embedding(DIGITS, extractor, 300, progress=lambda *a: stages.append(a))
    assert info["cached"] and extractor.images_seen == 300  # the network did not run again
    assert torch.equal(first.features, again.features) and torch.equal(first.logits, again.logits)
    assert stages and "cached" in stages[-1][0]


def test_key_follows_n_seed_and_weights():
    extractor = Counting()
    reference_embedding(DIGITS, extractor, 100)
    reference_embedding(DIGITS, extractor, 120)
    reference_embedding(DIGITS, extractor, 100, seed=1)
    with torch.no_grad():
        extractor.classifier.head[-1].bias.add_(1.0)  # "retrained": old entries must not be used
    _, info = reference_embedding(DIGITS, extractor, 100)
    assert not info["cached"]
    assert len(list(cache_dir().glob("*.safetensors"))) == 4


def test_real_sample_is_capped_by_the_dataset_and_seeded():
    images = real_images(DIGITS, 10_000)
    assert images.shape == (1797, 1, 28, 28)
    assert torch.equal(real_images(DIGITS, 50, seed=3), real_images(DIGITS, 50, seed=3))
    assert not torch.equal(real_images(DIGITS, 50, seed=3), real_images(DIGITS, 50, seed=4))

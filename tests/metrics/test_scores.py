"""Known answers for the metrics on real digits, computed through the shipped classifier."""
import pytest
import torch
import torch.nn.functional as F

from ganviz.metrics import compare, embed, frechet_distance, inception_score, kernel_distance, precision_recall
from ganviz.metrics.extractors import DigitClassifierFeatures


def noisy(images, sigma, seed=0):
    noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(seed))
    return (images + sigma * noise).clamp(-1, 1)


def blurred(images, k):
    return F.avg_pool2d(images, k, stride=1, padding=k // 2, count_include_pad=False)


def test_frechet_distance_of_two_gaussians_is_the_squared_mean_shift():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(20_000, 4, generator=g)
    b = torch.randn(20_000, 4, generator=g) + torch.tensor([1.0, 2.0, 0.0, 0.0])
    assert frechet_distance(a, b) == pytest.approx(5.0, abs=0.15)


def test_real_vs_real_is_near_zero_and_far_below_real_vs_noise(split, extractor, train_embedding):
    held_out = embed([split.test_images], extractor, 0)
    noise = embed([torch.rand(split.test_images.shape, generator=torch.Generator().manual_seed(1)) * 2 - 1],
                  extractor, 0)
    real_fd = frechet_distance(train_embedding.features, held_out.features)
    noise_fd = frechet_distance(train_embedding.features, noise.features)
    assert real_fd < 0.05 * noise_fd, (real_fd, noise_fd)
    real_kid, _ = kernel_distance(train_embedding.features, held_out.features, subsets=10)
    noise_kid, _ = kernel_distance(train_embedding.features, noise.features, subsets=10)
    assert real_kid < 0.1 * noise_kid, (real_kid, noise_kid)


def test_inception_score_known_answers(split, extractor, train_embedding):
    logits = torch.cat([train_embedding.logits, embed([split.test_images], extractor, 0).logits])
    score, spread = inception_score(logits)
    assert 0.9 * extractor.num_classes < score <= extractor.num_classes
    assert spread > 0
    one_image = embed([split.test_images[:1].repeat(500, 1, 1, 1)], extractor, 0)
    assert inception_score(one_image.logits)[0] == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("corrupt, levels", [(noisy, [0.0, 0.25, 0.5, 1.0]), (blurred, [1, 3, 5, 7])],
                         ids=["noise", "blur"])
def test_distance_rises_monotonically_as_real_images_are_corrupted(split, extractor, train_embedding, corrupt, levels):
    embeddings = [embed([corrupt(split.test_images, level)], extractor, 0) for level in levels]
    distances = [frechet_distance(train_embedding.features, e.features) for e in embeddings]
    assert all(a < b for a, b in zip(distances, distances[1:])), distances


def test_precision_recall_separate_quality_from_diversity(split, extractor, train_embedding):
    held_out = embed([split.test_images], extractor, 0)
    zeros = embed([split.test_images[split.test_labels == 0]], extractor, 0)
    p_real, r_real = precision_recall(train_embedding.features[:len(held_out)], held_out.features)
    p_one, r_one = precision_recall(train_embedding.features[:5 * len(zeros)], zeros.features)
    assert p_real > 0.75 and r_real > 0.75
    assert p_one > 0.75 and r_one < 0.3  # one digit only: good samples, most of the data uncovered


def test_compare_names_every_number_after_its_extractor(split, extractor, train_embedding):
    held_out = embed([split.test_images], extractor, 0)
    scores = compare(train_embedding, held_out, extractor.names, kid_subsets=5)
    assert set(scores) == {"fd", "is", "kid", "precision", "recall"}
    for key, score in scores.items():
        assert "digit classifier" in score["name"] and score["better"] in ("lower", "higher")
        assert "FID" not in score["name"] and "Inception" not in score["name"]
    assert scores["fd"]["value"] == pytest.approx(frechet_distance(train_embedding.features, held_out.features))
    assert "std" in scores["kid"] and "std" in scores["is"]


def test_extractor_gives_features_and_logits_in_one_pass(split):
    extractor = DigitClassifierFeatures()
    features, logits = extractor(split.test_images[:4])
    assert features.shape == (4, extractor.num_features) and logits.shape == (4, 10)
    assert torch.allclose(logits, extractor.classifier(split.test_images[:4]), atol=1e-5)

"""Known answers for the metrics on real digits, computed through the shipped classifier."""
import math

import numpy as np
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
    real_kid = kernel_distance(train_embedding.features, held_out.features, subsets=10)["value"]
    noise_kid = kernel_distance(train_embedding.features, noise.features, subsets=10)["value"]
    assert real_kid < 0.1 * noise_kid, (real_kid, noise_kid)


def test_inception_score_known_answers(split, extractor, train_embedding):
    logits = torch.cat([train_embedding.logits, embed([split.test_images], extractor, 0).logits])
    score = inception_score(logits)
    assert 0.9 * extractor.num_classes < score["value"] <= extractor.num_classes
    assert score["std"] > 0 and score["std_over"].startswith("3 disjoint splits of 599 samples")
    assert "ddof=0" in score["std_over"]
    one_image = embed([split.test_images[:1].repeat(500, 1, 1, 1)], extractor, 0)
    assert inception_score(one_image.logits)["value"] == pytest.approx(1.0, abs=1e-4)


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
    # 359 held-out digits, fewer than the 1,000 asked for: subsets of 179, each of them different
    assert scores["kid"]["subset_size"] == 179 and scores["kid"]["distinct_subsets"] == 5
    assert scores["kid"]["std_over"].startswith("5 random subsets of 179 of the 1,438 real and 359 generated")


def test_extractor_gives_features_and_logits_in_one_pass(split):
    extractor = DigitClassifierFeatures()
    features, logits = extractor(split.test_images[:4])
    assert features.shape == (4, extractor.num_features) and logits.shape == (4, 10)
    assert torch.allclose(logits, extractor.classifier(split.test_images[:4]), atol=1e-5)


def test_inception_score_std_is_the_population_std_of_the_documented_splits():
    logits = torch.randn(2000, 10, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 3
    score = inception_score(logits, splits=4, seed=7)
    order = torch.randperm(2000, generator=torch.Generator().manual_seed(7))
    parts = [logits[order][i * 500:(i + 1) * 500] for i in range(4)]
    per_part = []
    for part in parts:
        p = part.softmax(1)
        per_part.append(math.exp((p * (part.log_softmax(1) - p.mean(0).log())).sum(1).mean()))
    assert score["value"] == pytest.approx(np.mean(per_part), rel=1e-12)
    assert score["std"] == pytest.approx(np.std(per_part, ddof=0), rel=1e-9)
    assert score["std"] < np.std(per_part, ddof=1)  # torchmetrics' ddof=1 would say sqrt(4/3) = 15% more


def test_inception_score_of_confident_balanced_predictions_is_the_number_of_classes():
    logits = torch.full((1000, 5), -50.0)
    logits[torch.arange(1000), torch.arange(1000) % 5] = 50.0
    score = inception_score(logits, splits=1)
    assert score["value"] == pytest.approx(5.0, rel=1e-9) and score["std"] == 0.0
    assert score["std_over"].startswith("1 disjoint split of 1,000 samples")
    # two random halves hold the classes in slightly unequal shares: each scores exp(entropy) < 5
    halves = inception_score(logits, splits=2)
    assert 4.9 < halves["value"] < 5.0 and halves["std"] > 0


def test_kid_known_answer_of_two_point_masses():
    """x = 0 and y = 1 (every coordinate): k(x,x) = 1, k(y,y) = (1 + 1)³ = 8, k(x,y) = 1, so the
    unbiased MMD² is 1 + 8 - 2 = 7 on every subset: mean 7, std 0."""
    kid = kernel_distance(torch.zeros(50, 3), torch.ones(50, 3), subset_size=20, subsets=10)
    assert kid["value"] == pytest.approx(7.0, rel=1e-6) and kid["std"] == pytest.approx(0, abs=1e-5)
    assert kid["subset_size"] == 20 and kid["distinct_subsets"] == 10


def test_kid_shrinks_its_subsets_when_n_is_not_above_the_subset_size():
    """With n <= subset size every subset would be the whole set: the old "± 6.7e-05" was rounding.
    Half of n leaves C(n, n/2) subsets per side; the result says so."""
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(600, 8, generator=g), torch.randn(600, 8, generator=g) + 0.5
    kid = kernel_distance(real, fake, subset_size=1000, subsets=20)
    assert kid["subset_size"] == 300 and kid["distinct_subsets"] == 20
    assert "shrunk from 1,000" in kid["std_over"] and kid["std"] > 1e-3 * kid["value"]
    # four samples a side: subsets of 2, C(4, 2)² = 36 possible pairs, all of them drawn in 500 tries
    tiny = kernel_distance(real[:4], fake[:4], subset_size=1000, subsets=500)
    assert tiny["subset_size"] == 2 and tiny["distinct_subsets"] == 36
    with pytest.raises(ValueError, match="n: KID needs at least 4"):
        kernel_distance(real[:3], fake[:3])

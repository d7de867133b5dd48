import numpy as np
import pytest
import torch
from torch import nn

from ganviz.hub import LoadedGenerator
from ganviz.latent.walk import interpolate, lerp, move, pca_directions, sample_latents, seeded_latents, slerp


def pair(dim=256, seed=0):
    return seeded_latents([seed, seed + 1], dim)


def angle(u, v):
    return torch.arccos((u @ v / (u.norm() * v.norm())).clamp(-1, 1))


def test_each_sample_depends_on_its_own_seed_only():
    grid = sample_latents(5, 16, seed=10)
    assert torch.equal(grid[3], seeded_latents([13], 16)[0])
    assert not torch.equal(grid[0], grid[1])


@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_endpoints_reproduce_the_two_samples_exactly(method):
    a, b = pair()
    path = interpolate(a, b, 7, method)
    assert path.shape == (7, 256)
    assert torch.equal(path[0], a) and torch.equal(path[-1], b)


def test_slerp_norm_profile_is_linear_in_t_and_constant_for_equal_norms():
    a, b = pair()
    t = torch.linspace(0, 1, 11)
    norms = slerp(a, b, t).norm(dim=1)
    torch.testing.assert_close(norms, (1 - t) * a.norm() + t * b.norm())
    b_same = b / b.norm() * a.norm()
    torch.testing.assert_close(slerp(a, b_same, t).norm(dim=1), a.norm().expand(11))


def test_slerp_turns_at_constant_angular_speed_in_the_plane_of_a_and_b():
    a, b = pair(dim=64, seed=3)
    path = slerp(a, b, 9)
    steps = torch.stack([angle(path[i], path[i + 1]) for i in range(8)])
    torch.testing.assert_close(steps, angle(a, b).expand(8) / 8, atol=1e-4, rtol=1e-4)
    basis = torch.linalg.qr(torch.stack([a, b]).T).Q  # the path never leaves span(a, b)
    torch.testing.assert_close(path @ basis @ basis.T, path, atol=1e-4, rtol=1e-4)


def test_linear_path_sags_toward_the_origin_but_slerp_does_not():
    a, b = pair(dim=512)
    lin, sph = lerp(a, b, 3)[1].norm(), slerp(a, b, 3)[1].norm()
    ends = (a.norm() + b.norm()) / 2
    # near-orthogonal Gaussian vectors: the chord's midpoint has about 1/sqrt(2) of their norm
    assert abs(lin / ends - 2 ** -0.5) < 0.1
    torch.testing.assert_close(sph, ends)


def test_slerp_of_parallel_vectors_falls_back_to_the_line():
    a = torch.tensor([1.0, 2.0, 3.0])
    torch.testing.assert_close(slerp(a, 2 * a, 5), lerp(a, 2 * a, 5))


def test_interpolate_rejects_bad_arguments():
    a, b = pair(dim=4)
    with pytest.raises(ValueError, match="method"):
        interpolate(a, b, 5, "cubic")
    with pytest.raises(ValueError, match="steps"):
        interpolate(a, b, 1)


def synthetic_generator(scales: list[float]) -> LoadedGenerator:
    """Early features = scale_i * z_i through a linear "activation" (LeakyReLU with slope 1), so the
    principal directions are known: the latent axes, by decreasing scale."""
    dim = len(scales)
    linear = nn.Linear(dim, dim, bias=False)
    linear.weight.data = torch.diag(torch.tensor(scales))
    module = nn.Sequential(linear, nn.LeakyReLU(1.0), nn.Linear(dim, 4), nn.Tanh())
    return LoadedGenerator(module.eval(), "ganviz", dim, 0, (4,), "synthetic", "synthetic")


def test_pca_directions_find_the_latent_axes_that_move_the_features_most():
    scales = [0.1, 5.0, 0.2, 3.0, 0.3, 1.0]
    g = synthetic_generator(scales)
    d = pca_directions(g, k=3, n=3000, seed=0)
    order = np.argsort(scales)[::-1][:3]
    assert d.layer == "1"
    torch.testing.assert_close(d.vectors.norm(dim=1), torch.ones(3))
    for vector, axis in zip(d.vectors, order):
        assert vector.abs().argmax().item() == axis and vector[axis] > 0.95
    total = sum(x ** 2 for x in scales)
    np.testing.assert_allclose(d.explained, [scales[i] ** 2 / total for i in order], rtol=0.1)
    again = pca_directions(g, k=3, n=3000, seed=0)
    assert torch.equal(d.vectors, again.vectors)


def test_move_adds_the_weighted_directions():
    vectors = torch.eye(4)[:2]
    torch.testing.assert_close(move(torch.zeros(4), vectors, [2.0, -1.0]), torch.tensor([2.0, -1.0, 0.0, 0.0]))

"""The sync-free L-BFGS takes the same steps as torch.optim.LBFGS (no line search)."""
import pytest
import torch

from ganviz.style.lbfgs import LBFGS


def quartic_bowl(n: int):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=g, dtype=torch.float64)
    a = a @ a.T / n + 0.1 * torch.eye(n, dtype=torch.float64)
    return lambda x: 0.5 * x @ a @ x + 0.1 * (x ** 4).sum()


def wavy(x):  # non-convex: many curvature pairs have yᵀs <= 0 and must be skipped
    return (3 * torch.sin(2 * x)).sum() + 0.01 * (x ** 4).sum()


def trajectory(f, optimizer: str, steps: int, history: int):
    x = torch.randn(40, generator=torch.Generator().manual_seed(1), dtype=torch.float64).requires_grad_(True)
    losses = []

    def closure():
        x.grad = None
        loss = f(x)
        loss.backward()
        losses.append(loss.item())
        return loss

    if optimizer == "torch":
        torch.optim.LBFGS([x], lr=1, max_iter=steps, history_size=history,
                          tolerance_grad=-1, tolerance_change=-1).step(closure)
    else:
        opt = LBFGS(x, lr=1, history_size=history)
        for _ in range(steps):
            opt.step(closure)
    return x.detach(), torch.tensor(losses, dtype=torch.float64), None if optimizer == "torch" else opt


@pytest.mark.parametrize("f", [quartic_bowl(40), wavy], ids=["convex", "nonconvex"])
@pytest.mark.parametrize("history", [100, 5])
def test_same_iterates_as_torch_lbfgs(f, history):
    x_ref, loss_ref, _ = trajectory(f, "torch", 40, history)
    x, loss, opt = trajectory(f, "ours", 40, history)
    assert len(loss) == 40  # exactly one evaluation per step
    torch.testing.assert_close(loss[:25], loss_ref[:25], rtol=1e-6, atol=1e-9)
    if history == 100:  # no pair ever leaves the memory: the whole run must coincide
        torch.testing.assert_close(x, x_ref, rtol=1e-5, atol=1e-6)
    assert loss[-1] < loss[0]


def test_rejected_curvature_pairs_are_left_out():
    *_, opt = trajectory(wavy, "ours", 40, 100)
    rejected = 39 - opt.pairs_stored  # 40 steps make 39 pairs
    assert 0 < rejected < 39


def test_bad_settings_raise():
    x = torch.zeros(3, requires_grad=True)
    with pytest.raises(ValueError):
        LBFGS(x, lr=0)
    with pytest.raises(ValueError):
        LBFGS(x, history_size=0)


def test_after_the_first_step_only_tensors_change_in_place():
    """What lets a step be recorded once as a CUDA graph and replayed: no state lives on the
    host, and every buffer keeps its memory."""
    f = quartic_bowl(40)
    x = torch.randn(40, dtype=torch.float64).requires_grad_(True)
    opt = LBFGS(x, history_size=4)

    def closure():
        x.grad = None
        loss = f(x)
        loss.backward()
        return loss

    opt.step(closure)
    before = {k: (v.data_ptr() if torch.is_tensor(v) else v) for k, v in vars(opt).items()}
    for _ in range(6):  # wraps the 4-slot ring buffer
        opt.step(closure)
    after = {k: (v.data_ptr() if torch.is_tensor(v) else v) for k, v in vars(opt).items()}
    assert after == before

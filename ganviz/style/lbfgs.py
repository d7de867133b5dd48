"""L-BFGS that never waits for the GPU.

``torch.optim.LBFGS`` turns a device scalar into a Python float twice per stored curvature pair
on every iteration (``q.add_(y, alpha=-al[i])``): with its default 100 pairs that is ~200 host
syncs per step, which on a GPU costs more than the VGG forward and backward themselves. This
optimiser takes the same steps (``line_search_fn=None``: first step ``min(1, 1/|g|_1)·lr``, then
``lr``; pairs with ``yᵀs <= 1e-10`` skipped; initial Hessian ``γ = yᵀs / yᵀy``) but applies the
inverse-Hessian estimate in the compact form of Byrd, Nocedal & Schnabel (1994):

    H g = γ g + S p − γ Y u,   u = R⁻¹ Sᵀg,   p = R⁻ᵀ((D + γ YᵀY) u − γ Yᵀg)

with R the upper triangle and D the diagonal of SᵀY. That is two matrix-vector products with the
stored pairs, two small triangular solves, and no decision taken on the host: a rejected pair
is stored as zeros and left out of the algebra exactly. One ``step`` = one closure evaluation
and one update, so a run of ``n`` steps costs exactly ``n`` evaluations.
"""
from __future__ import annotations

from typing import Callable

import torch

CURVATURE_EPS = 1e-10  # torch.optim.LBFGS's threshold on yᵀs


class LBFGS:
    def __init__(self, param: torch.Tensor, lr: float = 1.0, history_size: int = 100):
        if lr <= 0 or history_size < 1:
            raise ValueError(f"lr must be > 0 and history_size >= 1, got {lr}, {history_size}")
        self.param = param
        self.lr = float(lr)
        self.m = int(history_size)
        n, dev = param.numel(), param.device
        # rows 0..m-1 hold the steps s_i, rows m..2m-1 the gradient changes y_i (ring buffers), so
        # each product with all pairs is one pass over memory
        self.pairs = torch.zeros(2 * self.m, n, device=dev, dtype=param.dtype)
        self.SY = torch.zeros(self.m, self.m, device=dev, dtype=torch.float64)  # SY[i, j] = s_i·y_j
        self.YY = torch.zeros(self.m, self.m, device=dev, dtype=torch.float64)
        self.valid = torch.zeros(self.m, device=dev, dtype=torch.float64)
        self.gamma = torch.ones((), device=dev, dtype=torch.float64)
        self.count = 0  # pairs stored (host-side bookkeeping only: it never depends on data)
        self.head = 0   # the slot the next pair goes to
        self.n_iter = 0
        self._grad_prev: torch.Tensor | None = None
        self._step_prev: torch.Tensor | None = None  # t·d of the last update

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor]) -> torch.Tensor:
        """Evaluate ``closure`` (it must fill ``param.grad``) and move once; returns its loss."""
        with torch.enable_grad():
            loss = closure()
        g = self.param.grad.detach().reshape(-1).to(self.param.dtype)
        if self.n_iter == 0:
            t = (1.0 / g.abs().sum()).clamp(max=1.0) * self.lr
            d = g.neg()
        else:
            self._remember(self._step_prev, g - self._grad_prev)
            t = self.lr
            d = self._inverse_hessian_times(g).neg_()
        step = d.mul_(t)
        self.param.add_(step.view_as(self.param))
        self._grad_prev, self._step_prev = g.clone(), step
        self.n_iter += 1
        return loss

    def _remember(self, s: torch.Tensor, y: torch.Tensor) -> None:
        m, k = self.m, self.head
        ys = torch.dot(y, s).double()
        ok = (ys > CURVATURE_EPS).double()
        new = torch.stack([s, y]) * ok.to(s.dtype)
        self.pairs[k], self.pairs[m + k] = new[0], new[1]
        products = (self.pairs @ new.T).double()  # (2m, 2): every stored vector against s_k and y_k
        self.SY[k, :] = products[m:, 0]
        self.SY[:, k] = products[:m, 1]
        self.YY[k, :] = self.YY[:, k] = products[m:, 1]
        self.valid[k] = ok
        self.gamma = torch.where(ok > 0, ys / torch.dot(y, y).double().clamp_min(1e-300), self.gamma)
        self.head = (k + 1) % m
        self.count = min(self.count + 1, m)

    def _inverse_hessian_times(self, g: torch.Tensor) -> torch.Tensor:
        m, dev = self.m, g.device
        order = torch.arange(self.head - self.count, self.head, device=dev).remainder_(m)  # oldest first
        ab = (self.pairs @ g).double()
        a, b = ab[:m][order, None], ab[m:][order, None]
        sy = self.SY[order][:, order]
        unused = 1.0 - self.valid[order]  # a skipped pair becomes an identity row: it drops out
        R = sy.triu() + torch.diag(unused)
        u = torch.linalg.solve_triangular(R, a, upper=True)
        w = sy.diagonal()[:, None] * u + self.gamma * (self.YY[order][:, order] @ u) - self.gamma * b
        p = torch.linalg.solve_triangular(R.T, w, upper=False)
        coeff = torch.zeros(2 * m, device=dev, dtype=torch.float64)
        coeff.index_copy_(0, order, p[:, 0]).index_copy_(0, order + m, u[:, 0] * -self.gamma)
        return torch.addmv(g * self.gamma.to(g.dtype), self.pairs.T, coeff.to(g.dtype))

"""L-BFGS that never waits for the GPU, and can be captured in a CUDA graph.

``torch.optim.LBFGS`` turns a device scalar into a Python float twice per stored curvature pair
on every iteration (``q.add_(y, alpha=-al[i])``): with its default 100 pairs that is ~200 host
syncs per step, which on a GPU costs more than the VGG forward and backward themselves. This
optimiser takes the same steps (``line_search_fn=None``: first step ``min(1, 1/|g|_1)·lr``, then
``lr``; pairs with ``yᵀs <= 1e-10`` skipped; initial Hessian ``γ = yᵀs / yᵀy``) but applies the
inverse-Hessian estimate in the compact form of Byrd, Nocedal & Schnabel (1994):

    H g = γ g + S p − γ Y u,   u = R⁻¹ Sᵀg,   p = R⁻ᵀ((D + γ YᵀY) u − γ Yᵀg)

with R the upper triangle and D the diagonal of SᵀY, pairs in chronological order. That is two
matrix-vector products with the stored pairs and two small triangular solves. No decision is
taken on the host and every shape is fixed: all ``history_size`` slots always take part, and a
slot that is empty or holds a rejected pair is all zeros with a 1 on R's diagonal, which leaves
it out of the algebra exactly. So after the first step, ``step`` is the same sequence of kernels
every time, ready for ``torch.cuda.graph``. One ``step`` = one closure evaluation and one update.
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
        self.m = m = int(history_size)
        n, dev, dtype = param.numel(), param.device, param.dtype
        # rows 0..m-1 hold the steps s_i, rows m..2m-1 the gradient changes y_i (ring buffers), so
        # each product with all pairs is one pass over memory
        self.pairs = torch.zeros(2 * m, n, device=dev, dtype=dtype)
        self.SY = torch.zeros(m, m, device=dev, dtype=torch.float64)  # SY[i, j] = s_i·y_j
        self.YY = torch.zeros(m, m, device=dev, dtype=torch.float64)
        self.valid = torch.zeros(m, device=dev, dtype=torch.float64)
        self.gamma = torch.ones((), device=dev, dtype=torch.float64)
        self.head = torch.zeros((), device=dev, dtype=torch.long)  # the slot the next pair goes to = the oldest
        self._slots = torch.arange(m, device=dev)
        self._grad_prev = torch.zeros(n, device=dev, dtype=dtype)
        self._step_prev = torch.zeros(n, device=dev, dtype=dtype)  # t·d of the last update
        self.started = False

    @property
    def pairs_stored(self) -> int:
        """Accepted curvature pairs in memory (reads the device: for tests and displays)."""
        return int(self.valid.sum())

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor]) -> torch.Tensor:
        """Evaluate ``closure`` (it must fill ``param.grad``) and move once; returns its loss."""
        with torch.enable_grad():
            loss = closure()
        g = self.param.grad.detach().reshape(-1).to(self.param.dtype)
        if not self.started:
            step = g.neg().mul_((1.0 / g.abs().sum()).clamp(max=1.0) * self.lr)
            self.started = True
        else:
            self._remember(self._step_prev, g - self._grad_prev)
            step = self._inverse_hessian_times(g).mul_(-self.lr)
        self.param.add_(step.view_as(self.param))
        self._grad_prev.copy_(g)
        self._step_prev.copy_(step)
        return loss

    def _remember(self, s: torch.Tensor, y: torch.Tensor) -> None:
        m, slot = self.m, self.head.view(1)
        ys = torch.dot(y, s).double()
        ok = (ys > CURVATURE_EPS).double()
        new = torch.stack([s, y]) * ok.to(s.dtype)
        self.pairs.index_copy_(0, torch.cat([slot, slot + m]), new)
        products = (self.pairs @ new.T).double()  # (2m, 2): every stored vector against s_k and y_k
        self.SY.index_copy_(0, slot, products[m:, 0].view(1, m))  # s_k·y_j
        self.SY.index_copy_(1, slot, products[:m, 1].view(m, 1))  # s_i·y_k
        self.YY.index_copy_(0, slot, products[m:, 1].view(1, m))
        self.YY.index_copy_(1, slot, products[m:, 1].view(m, 1))
        self.valid.index_copy_(0, slot, ok.view(1))
        self.gamma.copy_(torch.where(ok > 0, ys / torch.dot(y, y).double().clamp_min(1e-300), self.gamma))
        self.head.add_(1).remainder_(m)

    def _inverse_hessian_times(self, g: torch.Tensor) -> torch.Tensor:
        m = self.m
        order = (self.head + self._slots).remainder_(m)  # oldest first; empty slots come first
        ab = (self.pairs @ g).double()
        a, b = ab[:m].index_select(0, order)[:, None], ab[m:].index_select(0, order)[:, None]
        sy = self.SY.index_select(0, order).index_select(1, order)
        yy = self.YY.index_select(0, order).index_select(1, order)
        R = sy.triu() + torch.diag(1.0 - self.valid.index_select(0, order))
        u = torch.linalg.solve_triangular(R, a, upper=True)
        w = sy.diagonal()[:, None] * u + self.gamma * (yy @ u) - self.gamma * b
        p = torch.linalg.solve_triangular(R.T, w, upper=False)
        coeff = torch.zeros(2 * m, device=g.device, dtype=torch.float64)
        coeff.index_copy_(0, order, p[:, 0]).index_copy_(0, order + m, u[:, 0] * -self.gamma)
        return torch.addmv(g * self.gamma.to(g.dtype), self.pairs.T, coeff.to(g.dtype))

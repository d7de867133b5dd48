"""The arrays behind GAN Lab's views of a 2D GAN: D's output over the plane, the gradient G's
loss puts on each fake sample, and the generator manifold (a latent grid warped by G).

Everything here reads the trainer and leaves its training stream untouched: the random draws
some remedies make while computing G's loss are taken from the trainer's generator and its state
is restored afterwards, so looking at a run never changes how it continues.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch

from ganviz.training.remedies import score_points

HEATMAP_RESOLUTION = 30   # GAN Lab's 30 x 30 discriminator grid
MANIFOLD_RESOLUTION = 20  # GAN Lab's 20 x 20 noise grid


@contextmanager
def _observing(trainer):
    """Eval mode and an untouched random stream for the duration of a look at the trainer."""
    rng_state = trainer.rng.get_state()
    was_training = trainer.gan.training
    trainer.gan.eval()
    try:
        yield
    finally:
        trainer.gan.train(was_training)
        trainer.rng.set_state(rng_state)


def plane_grid(extent, resolution: int = HEATMAP_RESOLUTION) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell centres along x and y, and all (x, y) points row by row (y outer)."""
    xmin, xmax, ymin, ymax = extent
    xs = xmin + (np.arange(resolution) + 0.5) * (xmax - xmin) / resolution
    ys = ymin + (np.arange(resolution) + 0.5) * (ymax - ymin) / resolution
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], 1)


def verdict(heatmap: dict) -> np.ndarray:
    """D's output of :func:`discriminator_heatmap` on [0, 1], for any loss: the probability itself,
    or a critic's raw score (which has no fixed range) centred on its median and scaled by its
    largest deviation from it."""
    z = np.asarray(heatmap["z"], dtype=float)
    if heatmap["probabilistic"]:
        return z
    spread = float(np.abs(z - np.median(z)).max()) or 1.0
    return 0.5 + 0.5 * (z - np.median(z)) / spread


def latent_draw(trainer, n: int, seed: int) -> torch.Tensor:
    return torch.randn(n, trainer.config.model.latent_dim, generator=torch.Generator().manual_seed(seed)).to(
        trainer.device)


def discriminator_heatmap(trainer, extent, resolution: int = HEATMAP_RESOLUTION,
                          reference: torch.Tensor | None = None) -> dict:
    """D's output on a grid over ``extent``: a probability for probabilistic losses, the critic's
    raw score otherwise. ``reference``: the batch each point is judged among, for discriminators
    that look at whole batches (minibatch discrimination)."""
    xs, ys, points = plane_grid(extent, resolution)
    x = torch.as_tensor(points, dtype=torch.float32, device=trainer.device)
    with _observing(trainer), torch.no_grad():
        out = score_points(trainer.discriminator, x, None, reference)
        if trainer.loss.probabilistic:
            out = torch.sigmoid(out)
    return {"x": xs, "y": ys, "z": out.float().cpu().numpy().reshape(resolution, resolution),
            "probabilistic": trainer.loss.probabilistic}


def generator_gradients(trainer, z: torch.Tensor) -> dict:
    """Fakes G(z) and, on each, the direction G's loss pushes it: -d(loss)/d(sample) times n,
    the step each sample would take on its own. Uses the remedy's generator loss, so the arrows
    show what the remedy changes (unrolled look-ahead, feature matching, ...)."""
    pack = trainer.config.pack if trainer.config.remedy == "pacgan" else 1
    n = len(z) - len(z) % pack
    if n == 0:
        raise ValueError(f"need at least {pack} latent vectors to pack")
    with _observing(trainer):
        with torch.no_grad():
            fake = trainer.generator(z[:n])
        fake.requires_grad_(True)
        loss = trainer.remedy.generator_loss(trainer, fake, None, trainer.loss.g)
        (grad,) = torch.autograd.grad(loss, fake)
    component = getattr(trainer.generator, "component_of", None)
    return {"points": fake.detach().cpu().numpy(), "arrows": (-grad * n).cpu().numpy(),
            "component": component(n).numpy() if component is not None else None}


def generator_manifold(trainer, resolution: int = MANIFOLD_RESOLUTION, span: float = 3.0) -> np.ndarray:
    """G applied to a grid over [-span, span]^2 of the first two latent dimensions (the others
    held at 0: a 2D slice when latent_dim > 2). Shape (generators, resolution, resolution, 2);
    one grid per generator of a mixture."""
    latent_dim = trainer.config.model.latent_dim
    ticks = np.linspace(-span, span, resolution)
    gu, gv = np.meshgrid(ticks, ticks)
    z = np.zeros((resolution * resolution, latent_dim), dtype=np.float32)
    z[:, 0] = gu.ravel()
    if latent_dim > 1:
        z[:, 1] = gv.ravel()
    z = torch.as_tensor(z, device=trainer.device)
    generators = list(getattr(trainer.generator, "components", [trainer.generator]))
    with _observing(trainer), torch.no_grad():
        warped = [g(z).float().cpu().numpy().reshape(resolution, resolution, 2) for g in generators]
    return np.stack(warped)


def toy_view(trainer, *, extent=None, n: int = 512, seed: int = 7, heatmap_resolution: int = HEATMAP_RESOLUTION,
             manifold: bool = True) -> dict:
    """Everything one frame of the live view draws: real and fake samples, the heatmap, the
    arrows and (optionally) the manifold, all as numpy arrays."""
    if trainer.is_image:
        raise ValueError("data.name: the plane views need a 2D toy dataset")
    extent = tuple(extent or trainer.dataset.extent())
    real = trainer.dataset.sample(n, torch.Generator(trainer.device).manual_seed(seed)).cpu().numpy()
    gradients = generator_gradients(trainer, latent_draw(trainer, n, seed))
    reference = torch.as_tensor(gradients["points"], device=trainer.device)
    view = {"extent": extent, "real": real, "fake": gradients["points"], "arrows": gradients["arrows"],
            "component": gradients["component"],
            "heatmap": discriminator_heatmap(trainer, extent, heatmap_resolution, reference)}
    if manifold:
        view["manifold"] = generator_manifold(trainer)
    return view

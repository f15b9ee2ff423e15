"""GAN inversion: the latent z whose image G(z) is closest to a given image x, found by gradient descent on z
(Zhu et al. 2016, "Generative Visual Manipulation on the Natural Image Manifold"; Creswell & Bharath 2018,
"Inverting the Generator of a Generative Adversarial Network"):

    z* = argmin_z  l(G(z), x) + lambda * |eps|^2 / d          l = mean squared (mse) or absolute (l1) pixel error

eps is the Gaussian part of z (d coordinates); the optional prior term is -log N(eps; 0, I) up to a constant,
scaled by 2 / d so that it is about 1 for a typical prior sample whatever d is: it keeps z where G was trained.
The problem is not convex, so several random starts (`restarts`) are run and the best kept per image; a one-hot
part of z is searched by trying every category.

`best_of_random` is the baseline an inversion must beat: the best of n latents drawn from the prior.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from ._common import device_of, evaluating, optimise_latents, starting_latents

LOSSES = ("mse", "l1")


@dataclass
class InversionResult:
    z: Tensor                           # [N, dim] the best latent per image
    reconstruction: Tensor              # G(z), the same shape as the targets
    error: Tensor                       # [N] the pixel loss (mse or l1, without the prior term) of G(z) to x
    loss: Tensor                        # [N] the minimised objective, prior term included


def pixel_error(fake: Tensor, target: Tensor, loss: str = "mse") -> Tensor:
    """Per-sample mean squared (mse) or absolute (l1) error, [N]."""
    if loss not in LOSSES:
        raise ValueError(f"unknown inversion loss {loss!r}; valid: {', '.join(LOSSES)}")
    diff = (fake - target).flatten(1)
    return diff.pow(2).mean(1) if loss == "mse" else diff.abs().mean(1)


def invert(G: nn.Module, target: Tensor, *, c: Tensor | None = None, steps: int = 500, lr: float = 0.05,
           restarts: int = 4, loss: Literal["mse", "l1"] = "mse", prior_weight: float = 0.0,
           categories: Sequence[int] | None = None, generator: torch.Generator | None = None) -> InversionResult:
    """Invert G at `target` [N, *G's output shape] (images in [-1, 1], on G's device) by Adam on z.

    c [N]: class labels for a conditional G. categories: which one-hot categories to try (default all).
    G runs in eval mode and its weights get no gradient.
    """
    latent = G.latent
    if prior_weight < 0:
        raise ValueError(f"prior_weight must be >= 0, got {prior_weight}")
    pixel_error(target[:1], target[:1], loss)  # validate the loss name before any work
    N = target.shape[0]
    z0 = starting_latents(latent, N, restarts, generator, categories, device_of(G, target))
    reps = z0.shape[0]
    targets = target.repeat(reps, *([1] * (target.ndim - 1)))                 # row s*N + i -> target[i]

    def objective(fake: Tensor, eps: Tensor) -> Tensor:
        return pixel_error(fake, targets, loss) + prior_weight * eps.pow(2).mean(1)

    z, final = optimise_latents(G, latent, z0, objective, steps, lr, c)
    with evaluating(G), torch.no_grad():
        recon = G(z, c)
    return InversionResult(z, recon, pixel_error(recon, target, loss), final)


@torch.no_grad()
def best_of_random(G: nn.Module, target: Tensor, n: int = 1000, *, c: Tensor | None = None,
                   loss: Literal["mse", "l1"] = "mse", generator: torch.Generator | None = None,
                   batch_size: int = 250) -> InversionResult:
    """The baseline: of `n` latents drawn from G's prior (the same n for every target), the one whose image is
    closest to each target [N, ...]. With labels c [N] for a conditional G, each target is compared with the
    images of the n latents in its own class."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    pixel_error(target[:1], target[:1], loss)
    device = device_of(G, target)
    z = G.latent.sample(n, generator).to(device)
    N = target.shape[0]
    best_err = torch.full((N,), float("inf"), device=target.device)
    best_z = torch.zeros(N, z.shape[1], device=device)
    groups = [(torch.arange(N, device=target.device), None)] if c is None else \
        [((c == k).nonzero().flatten(), int(k)) for k in c.unique()]
    with evaluating(G):
        for rows, k in groups:                        # unconditional: one group, each image made once
            x = target[rows].flatten(1)                                       # [n_k, P]
            for chunk in z.split(batch_size):
                labels = None if k is None else torch.full((len(chunk),), k, dtype=torch.long, device=device)
                fake = G(chunk, labels).flatten(1)                            # [B, P]
                diff = x[:, None] - fake[None]                                # [n_k, B, P]
                err = diff.pow(2).mean(2) if loss == "mse" else diff.abs().mean(2)
                e, j = err.min(1)
                better = e < best_err[rows]
                best_err[rows[better]] = e[better]
                best_z[rows[better]] = chunk[j[better]]
        recon = G(best_z, c)
    return InversionResult(best_z, recon, best_err, best_err.clone())

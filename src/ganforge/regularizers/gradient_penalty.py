"""Gradient penalties on D (Gulrajani et al. 2017, WGAN-GP)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor


def interpolate(real: Tensor, fake: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """x_hat = eps * real + (1 - eps) * fake with eps ~ U[0, 1] per sample (broadcast over C, H, W)."""
    eps = torch.rand((real.shape[0],) + (1,) * (real.ndim - 1), device=real.device, dtype=real.dtype,
                     generator=generator)
    return torch.lerp(fake, real, eps)


def gradient_penalty(D: Callable[..., Tensor], x_hat: Tensor, center: float = 1.0, c: Tensor | None = None) -> Tensor:
    """E[(||grad_x D(x_hat)||_2 - center)^2]: one-centred (center=1) is WGAN-GP's penalty on interpolates.

    The graph is kept (create_graph=True) so the penalty's gradient reaches D's weights. For a linear critic
    D(x) = w.x + b the gradient is w everywhere, so the penalty is (||w|| - center)^2 exactly.
    """
    x_hat = x_hat.detach().requires_grad_(True)
    logits = D(x_hat) if c is None else D(x_hat, c)
    (grad,) = torch.autograd.grad(logits.sum(), x_hat, create_graph=True)
    norms = grad.flatten(1).norm(2, dim=1)
    return (norms - center).pow(2).mean()

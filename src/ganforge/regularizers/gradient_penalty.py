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


def zero_centered_gp(D: Callable[..., Tensor], real: Tensor, fake: Tensor, c: Tensor | None = None,
                     generator: torch.Generator | None = None) -> Tensor:
    """Zero-centred GP on interpolates (Thanh-Tung, Tran & Venkatesh 2019, "Improving Generalization and Stability
    of GANs", ICLR): E[||grad D(x_hat)||^2], x_hat = eps x_r + (1 - eps) x_f. Pushing gradients to 0 (not 1, as
    WGAN-GP does) on the segments between the two distributions is what keeps D from over-fitting and memorising
    (the paper's 0-GP). The caller multiplies by the weight lambda (paper: 10 or 100)."""
    return gradient_penalty(D, interpolate(real, fake, generator), center=0.0, c=c)


def squared_grad_norm(logits: Tensor, x: Tensor) -> Tensor:
    """E_i ||grad_{x_i} logits_i||^2 for logits already computed from `x` (which must require grad): lets the D
    step reuse its forward on the reals for R1 instead of running D on them a second time."""
    (grad,) = torch.autograd.grad(logits.sum(), x, create_graph=True)
    return grad.flatten(1).pow(2).sum(1).mean()


def r1_penalty(D: Callable[..., Tensor], real: Tensor, c: Tensor | None = None) -> Tensor:
    """R1 (Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do actually Converge?"):
    E_{x~P}[||grad_x D(x)||^2] on the real batch.

    The paper's regulariser is (gamma / 2) * this; we return only the expectation so the caller writes
    ``loss_D + (gamma / 2) * r1_penalty(D, real)`` (StyleGAN2 default gamma = 10; with lazy regularisation also
    multiply by the interval, see `LazyRegularization`). Squared norms are summed per sample without a sqrt, so the
    gradient is smooth even where grad D = 0 (the equilibrium R1 pulls D toward). For D(x) = w.x + b it is ||w||^2.
    """
    real = real.detach().requires_grad_(True)
    return squared_grad_norm(D(real) if c is None else D(real, c), real)


def r2_penalty(D: Callable[..., Tensor], fake: Tensor, c: Tensor | None = None) -> Tensor:
    """R2 (Mescheder et al. 2018): E_{x~Q}[||grad_x D(x)||^2] on the fake batch; weight gamma / 2 as for R1.
    Pass a detached fake batch (G is not updated by D's regulariser)."""
    fake = fake.detach().requires_grad_(True)
    return squared_grad_norm(D(fake) if c is None else D(fake, c), fake)


def dragan_perturb(real: Tensor, generator: torch.Generator | None = None, scale: float = 0.5) -> Tensor:
    """Perturbed reals of the official DRAGAN code: x_p = x + scale * std(x) * U[0, 1) elementwise, std over the
    whole batch (the paper writes delta ~ N(0, cI); the released code uses this uniform, one-sided noise)."""
    noise = torch.rand(real.shape, device=real.device, dtype=real.dtype, generator=generator)
    return real + scale * real.std() * noise


def dragan_penalty(D: Callable[..., Tensor], real: Tensor, c: Tensor | None = None,
                   generator: torch.Generator | None = None, scale: float = 0.5, k: float = 1.0) -> Tensor:
    """DRAGAN (Kodali, Abernethy, Hays & Kira 2017, "On Convergence and Stability of GANs", arXiv:1705.07215):
    E[(||grad D(x_hat)|| - k)^2] in a neighbourhood of the data, where mode collapse starts (sharp gradients
    around real points).

    As in the official code, x_hat = x + alpha (x_p - x) with alpha ~ U[0, 1] per sample and x_p = `dragan_perturb`
    (x + 0.5 std(x) U[0, 1)): points between each real and its perturbation. The caller multiplies by lambda
    (paper: 10); G uses the non-saturating loss."""
    x_p = dragan_perturb(real.detach(), generator, scale)
    return gradient_penalty(D, interpolate(x_p, real.detach(), generator), center=k, c=c)

"""Consensus optimisation (Mescheder, Nowozin & Geiger 2017, "The Numerics of GANs", NeurIPS, Algorithm 2).

Simultaneous gradient descent on a game follows the gradient field v = (grad_theta L_G, grad_phi L_D), whose
Jacobian has eigenvalues with large imaginary parts near an equilibrium: the players circle it. Consensus
optimisation lets both players also descend L = 1/2 ||v||^2, which pulls towards points where both gradients
vanish:

    theta <- theta - lr_G * opt(grad_theta (L_G + gamma L))        phi <- phi - lr_D * opt(grad_phi (L_D + gamma L))

Both gradients are taken at the same (theta, phi) on the same batch, and both optimisers step afterwards: one
simultaneous update (gamma = 0 is plain simultaneous gradient descent). The paper uses RMSProp; any optimiser
works. grad L needs second derivatives: a double backward through G and D.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..config.schema import RegConfig
from ..losses import GANLoss
from ..regularizers import HistoricalAverage, add_instance_noise, clip_weights
from .step import d_penalties, g_penalties, generator_loss, weighted_sum


def consensus_step(G: nn.Module, D: nn.Module, opt_G: torch.optim.Optimizer, opt_D: torch.optim.Optimizer,
                   loss: GANLoss, reg: RegConfig, real: Tensor, z: Tensor, c: Tensor | None = None,
                   generator: torch.Generator | None = None, *, gamma: float, noise_std: float = 0.0,
                   fm_weight: float = 0.0, fm_only: bool = False, hist_G: HistoricalAverage | None = None,
                   hist_D: HistoricalAverage | None = None) -> dict[str, Tensor]:
    """One simultaneous update of G and D on L_i + gamma/2 ||v||^2. L_D is D's loss with its penalties (as in
    `d_step`), L_G is `generator_loss` with G's penalties (as in `g_step`); both see the same fakes G(z)."""
    fake = G(z, c)                                       # with its graph: L_D depends on theta through it
    real = add_instance_noise(real, noise_std, generator)
    fake = add_instance_noise(fake, noise_std, generator)
    if reg.r1_gamma > 0 and reg.reg_every == 1:
        real = real.detach().requires_grad_(True)        # R1 differentiates D's forward on the reals
    real_logits, fake_logits = D(real, c), D(fake, c)    # [N], [N]
    loss_D = loss.d_loss(real_logits, fake_logits)
    d_penalty, d_reg = weighted_sum(d_penalties(D, reg, real, fake, real_logits, fake_logits, c, generator, hist_D))
    loss_G, g_stats = generator_loss(D, loss, fake, real, c, fm_weight=fm_weight, fm_only=fm_only)
    g_penalty, g_reg = weighted_sum(g_penalties(G, reg, hist_G))

    theta, phi = list(G.parameters()), list(D.parameters())
    v = _grads(loss_G + g_penalty, theta, create_graph=True) + _grads(loss_D + d_penalty, phi, create_graph=True)
    half_sq_norm = 0.5 * torch.stack([g.pow(2).sum() for g in v]).sum()    # L = 1/2 ||v||^2
    grad_L = _grads(half_sq_norm, theta + phi, create_graph=False)
    opt_G.zero_grad(set_to_none=True)
    opt_D.zero_grad(set_to_none=True)
    for p, v_p, grad_L_p in zip(theta + phi, v, grad_L):
        p.grad = v_p.detach() + gamma * grad_L_p
    opt_G.step()
    opt_D.step()
    if reg.clip > 0:
        clip_weights(D, reg.clip)
    return {"loss/D": loss_D.detach(), "D/real": real_logits.detach().mean(), "D/fake": fake_logits.detach().mean(),
            **g_stats, **d_reg, **g_reg, "reg/consensus": half_sq_norm.detach()}


def _grads(output: Tensor, params: list[Tensor], create_graph: bool) -> list[Tensor]:
    """d output / d params, with zeros for parameters the output does not reach."""
    grads = torch.autograd.grad(output, params, create_graph=create_graph, retain_graph=True, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]

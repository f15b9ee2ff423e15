"""Exponential moving average of G's weights (Karras et al. 2018; Yazici et al. 2019: averaging G's iterates
gives better samples than the last iterate, because the last iterate circles the equilibrium)."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def ema_update(G_ema: nn.Module, G: nn.Module, decay: float) -> None:
    """theta_ema <- decay * theta_ema + (1 - decay) * theta; buffers (BatchNorm statistics) are copied."""
    ema_params = list(G_ema.parameters())
    params = list(G.parameters())
    torch._foreach_lerp_(ema_params, params, 1.0 - decay)
    for b_ema, b in zip(G_ema.buffers(), G.buffers()):
        b_ema.copy_(b)


@torch.no_grad()
def ema_copy(G_ema: nn.Module, G: nn.Module) -> None:
    """G_ema <- G (before averaging starts)."""
    G_ema.load_state_dict(G.state_dict())


def debiased_decay(decay: float, t: int) -> float:
    """The weight of the old average at update t >= 1 of a bias-corrected EMA (Adam's correction, Kingma & Ba 2015):

        A_t = beta_t A_{t-1} + (1 - beta_t) theta_t,   beta_t = decay (1 - decay^(t-1)) / (1 - decay^t)

    makes A_t = sum_i decay^(t-i) theta_i / sum_i decay^(t-i), the decay-weighted mean of theta_1..theta_t with no
    share left to the starting point (beta_1 = 0: A_1 = theta_1). Salimans et al. 2016 average D from zeros, and a
    zero start scaled by (1 - decay^t) is the same average; a plain EMA started from the initial weights instead keeps
    decay^t of them, 45% after 8,000 steps at decay 0.9999."""
    if t < 1:
        raise ValueError(f"the first update is t = 1, got {t}")
    return decay * (1 - decay ** (t - 1)) / (1 - decay ** t)

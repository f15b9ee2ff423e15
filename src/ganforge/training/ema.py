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

"""Weight clipping (Arjovsky et al. 2017): the original WGAN's crude way of keeping the critic Lipschitz."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def clip_weights(module: nn.Module, bound: float) -> None:
    """Clamp every parameter of `module` into [-bound, bound] in place (call after each critic update)."""
    for p in module.parameters():
        p.clamp_(-bound, bound)

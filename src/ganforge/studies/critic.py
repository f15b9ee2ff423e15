"""Training a critic alone, against two fixed distributions: the inner max of a GAN objective, solved (nearly).

The lecture studies ask what D's optimum says about two distributions (the JS divergence, W1, an f-divergence):
G stays fixed, only D learns, on fresh samples every step.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

Sampler = Callable[[int, torch.Generator], Tensor]           # (n, generator) -> [n, ...] samples
CriticLoss = Callable[[nn.Module, Tensor, Tensor], Tensor]   # (D, real, fake) -> loss to minimise


def train_critic(D: nn.Module, loss: CriticLoss, sample_real: Sampler, sample_fake: Sampler, steps: int,
                 batch: int, lr: float, betas: tuple[float, float], generator: torch.Generator) -> nn.Module:
    """Adam on `loss` for `steps` steps of fresh batches; the rate falls linearly to 0 so the critic settles at
    the end instead of jittering around its optimum (the estimates read off it then vary less between seeds)."""
    opt = torch.optim.Adam(D.parameters(), lr=lr, betas=betas)
    D.train()
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr * (1 - step / steps)
        real, fake = sample_real(batch, generator), sample_fake(batch, generator)
        value = loss(D, real, fake)
        opt.zero_grad(set_to_none=True)
        value.backward()
        opt.step()
    return D.eval()

"""Tiny generators with known answers for the latent tools: a linear G, a small MLP G, and a stand-in
class-conditional G (the contract of the conditional families: ``G.num_classes`` and G(z, c) with c [N] labels)."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from ganforge.models.latent import LatentPrior


class LinearG(nn.Module):
    """G(z) = W z + b reshaped to [N, C, H, W]: inversion and arithmetic have closed forms."""

    def __init__(self, latent: LatentPrior, shape: tuple[int, ...] = (1, 4, 4), seed: int = 0) -> None:
        super().__init__()
        self.latent, self.z_dim, self.shape = latent, latent.dim, shape
        gen = torch.Generator().manual_seed(seed)
        out = int(torch.tensor(shape).prod())
        self.W = nn.Parameter(torch.randn(out, latent.dim, generator=gen) / latent.dim ** 0.5)
        self.b = nn.Parameter(0.1 * torch.randn(out, generator=gen))

    def forward(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        return (z @ self.W.T + self.b).view(-1, *self.shape)


class ConditionalG(nn.Module):
    """A stand-in class-conditional G on 2-D points: class k sits at (10 k, 0), z moves it by at most 0.1."""

    def __init__(self, num_classes: int = 5, z_dim: int = 2) -> None:
        super().__init__()
        self.latent, self.z_dim, self.num_classes = LatentPrior(z_dim), z_dim, num_classes
        self.embed = nn.Embedding(num_classes, 2)
        with torch.no_grad():
            self.embed.weight.copy_(torch.stack([10.0 * torch.arange(num_classes), torch.zeros(num_classes)], 1))
        self.proj = nn.Linear(z_dim, 2)

    def forward(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        if c is None:
            raise ValueError("a conditional G needs labels c")
        return self.embed(c) + 0.1 * torch.tanh(self.proj(z))


@pytest.fixture
def linear_g():
    return LinearG


@pytest.fixture
def conditional_g():
    return ConditionalG

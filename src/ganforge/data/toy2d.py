"""2-D toy distributions, generated and seeded (the standard mode-collapse benchmarks).

- ring8: 8 Gaussians on the unit circle at angles 2*pi*k/8, std 0.01 (Metz et al. 2016, unrolled GANs).
- grid25: 25 Gaussians with means {-4,-2,0,2,4}^2, std 0.05 (Lin et al. 2018, PacGAN; Srivastava 2017, VEEGAN).
Samples are in data coordinates; ``scale`` maps them into [-1, 1] for training.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..config.schema import DataConfig
from . import DATASETS
from .base import ToyDistribution


def mixture_sampler(modes: Tensor, std: float):
    """Equal-weight Gaussian mixture: pick a mode uniformly, add isotropic N(0, std^2) noise."""

    def sample(n: int, generator: torch.Generator | None = None) -> Tensor:
        k = torch.randint(len(modes), (n,), generator=generator)
        return modes[k] + std * torch.randn(n, 2, generator=generator)

    return sample


def ring8_modes(k: int = 8, radius: float = 1.0) -> Tensor:
    angles = torch.arange(k, dtype=torch.float64) * (2 * math.pi / k)
    return (radius * torch.stack([angles.cos(), angles.sin()], dim=1)).float()


def grid25_modes() -> Tensor:
    axis = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    return torch.cartesian_prod(axis, axis)


@DATASETS.register("ring8")
def ring8(cfg: DataConfig) -> ToyDistribution:
    modes, std = ring8_modes(), 0.01
    return ToyDistribution("ring8", mixture_sampler(modes, std), scale=1.0 + 5 * std, modes=modes, std=std)


@DATASETS.register("grid25")
def grid25(cfg: DataConfig) -> ToyDistribution:
    modes, std = grid25_modes(), 0.05
    return ToyDistribution("grid25", mixture_sampler(modes, std), scale=4.0 + 5 * std, modes=modes, std=std)

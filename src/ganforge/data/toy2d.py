"""2-D toy distributions, generated and seeded (the standard mode-collapse benchmarks).

- ring8: 8 Gaussians on the unit circle at angles 2*pi*k/8, std 0.01 (Metz et al. 2016, unrolled GANs).
- grid25: 25 Gaussians with means {-4,-2,0,2,4}^2, std 0.05 (Lin et al. 2018, PacGAN;
  Srivastava 2017, VEEGAN).
- spiral, swissroll, moons, checkerboard: continuous shapes without discrete modes (FFJORD, Grathwohl et al.
  2019; WGAN-GP, Gulrajani et al. 2017; scikit-learn's make_swiss_roll / make_moons); see each sampler.
Every sampler draws only from the torch.Generator it is given (numpy's global RNG is never touched).
Samples are in data coordinates; ``scale`` maps them into [-1, 1] for training.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from ..config.schema import DataConfig
from . import DATASETS
from .base import ToyDistribution

Sampler = Callable[[int, torch.Generator | None], Tensor]  # (n, generator) -> [n, 2] in data coordinates


def mixture_sampler(modes: Tensor, std: float) -> Sampler:
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


# Continuous toys: no discrete modes (modes=None, std=None), so the PacGAN mode metrics do not apply. Each
# ``scale`` is the largest noise-free radius plus 5 noise standard deviations, as for ring8/grid25 above: a
# coordinate lands outside [-scale, scale] with probability < 6e-7.


def spiral_sampler(turns: float = 1.5, noise: float = 0.1) -> Sampler:
    """Two interleaved spiral arms: the "two spirals" problem (Lang & Witbrock 1988) in the form of FFJORD's
    ``2spirals`` toy (Grathwohl et al. 2019, lib/toy_data.py) without its uniform jitter.

    Arm 0 is (-t cos t, t sin t) / 3 with t = sqrt(u) * 2*pi*turns, u ~ U(0, 1) (sqrt spreads points evenly
    along the growing arm); arm 1 is arm 0 rotated by pi. Isotropic N(0, noise^2) is added. Max radius:
    2*pi*turns / 3 (= pi for 1.5 turns).
    """

    def sample(n: int, generator: torch.Generator | None = None) -> Tensor:
        t = torch.rand(n, generator=generator).sqrt() * (2 * math.pi * turns)
        sign = 1.0 - 2.0 * torch.randint(2, (n,), generator=generator).float()  # which arm: +1 or -1
        arm = torch.stack([-t * t.cos(), t * t.sin()], dim=1) / 3.0
        return sign[:, None] * arm + noise * torch.randn(n, 2, generator=generator)

    return sample


def swissroll_sampler(noise: float = 0.25) -> Sampler:
    """The 2-D swiss roll: columns (x, z) of scikit-learn's ``make_swiss_roll`` (Marsland 2014), as used
    for the WGAN-GP toy experiments (Gulrajani et al. 2017, noise 0.25).

    t = 1.5*pi*(1 + 2u), u ~ U(0, 1); point = (t cos t, t sin t) + N(0, noise^2 I). Max radius 4.5*pi.
    """

    def sample(n: int, generator: torch.Generator | None = None) -> Tensor:
        t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=generator))
        roll = torch.stack([t * t.cos(), t * t.sin()], dim=1)
        return roll + noise * torch.randn(n, 2, generator=generator)

    return sample


def moons_sampler(noise: float = 0.1) -> Sampler:
    """Two interleaving half circles: scikit-learn's ``make_moons`` geometry, centred on the origin.

    Upper moon (cos(pi s), sin(pi s)), lower moon (1 - cos(pi s), 0.5 - sin(pi s)), s ~ U(0, 1) (sklearn
    spaces s evenly; we draw it), each moon with probability 1/2, then shifted by (-0.5, -0.25) so the pair
    is centred (x in [-1.5, 1.5], y in [-0.75, 0.75] before noise), plus N(0, noise^2 I).
    """

    def sample(n: int, generator: torch.Generator | None = None) -> Tensor:
        a = math.pi * torch.rand(n, generator=generator)
        lower = torch.randint(2, (n,), generator=generator).bool()
        upper_pts = torch.stack([a.cos(), a.sin()], dim=1)
        lower_pts = torch.stack([1 - a.cos(), 0.5 - a.sin()], dim=1)
        pts = torch.where(lower[:, None], lower_pts, upper_pts) - torch.tensor([0.5, 0.25])
        return pts + noise * torch.randn(n, 2, generator=generator)

    return sample


def checkerboard_sampler() -> Sampler:
    """Uniform on the dark squares of a 4x4 checkerboard over [-4, 4]^2 (FFJORD's ``checkerboard`` toy,
    Grathwohl et al. 2019): 8 filled 2x2 squares, the square at column i, row j filled when i + j is even
    (counting from the bottom-left corner). No noise, so the support is exactly bounded by 4.
    """

    def sample(n: int, generator: torch.Generator | None = None) -> Tensor:
        col = torch.randint(4, (n,), generator=generator)
        # rows of the same parity as the column: 0/2 for even columns, 1/3 for odd ones
        row = 2 * torch.randint(2, (n,), generator=generator) + col % 2
        corner = torch.stack([col, row], dim=1).float() * 2.0 - 4.0  # bottom-left corner of the 2x2 square
        return corner + 2.0 * torch.rand(n, 2, generator=generator)

    return sample


@DATASETS.register("spiral")
def spiral(cfg: DataConfig) -> ToyDistribution:
    turns, noise = 1.5, 0.1
    return ToyDistribution("spiral", spiral_sampler(turns, noise), scale=2 * math.pi * turns / 3 + 5 * noise)


@DATASETS.register("swissroll")
def swissroll(cfg: DataConfig) -> ToyDistribution:
    noise = 0.25
    return ToyDistribution("swissroll", swissroll_sampler(noise), scale=4.5 * math.pi + 5 * noise)


@DATASETS.register("moons")
def moons(cfg: DataConfig) -> ToyDistribution:
    noise = 0.1
    return ToyDistribution("moons", moons_sampler(noise), scale=1.5 + 5 * noise)


@DATASETS.register("checkerboard")
def checkerboard(cfg: DataConfig) -> ToyDistribution:
    return ToyDistribution("checkerboard", checkerboard_sampler(), scale=4.0)

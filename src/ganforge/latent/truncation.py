"""The truncation trick (Brock, Donahue & Simonyan 2019, BigGAN, sec. 3.1): resample every coordinate of z whose
magnitude exceeds a threshold t, so z is drawn from N(0, I) truncated to [-t, t]^d.

Smaller t trades variety for fidelity: samples move towards the mode of the prior, where G was trained most.
Only the Gaussian part of z is truncated; a one-hot part is left as it is.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..models.latent import LatentPrior
from ._common import join, split


def _check(threshold: float) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not threshold > 0:
        raise ValueError(f"the truncation threshold must be a number > 0 (BigGAN uses 0.04 to 2), got {threshold!r}")
    return float(threshold)


def truncate(z: Tensor, threshold: float, generator: torch.Generator | None = None) -> Tensor:
    """A copy of z where every entry with |z_i| > threshold is redrawn from N(0, 1) conditioned on |x| <= threshold;
    entries already inside are returned untouched.

    Resampling until the draw lands inside is the same distribution as drawing from the truncated normal
    directly, which is what is done here (inverse CDF, u ~ U(Phi(-t), Phi(t)), x = Phi^-1(u)), so tiny thresholds
    (BigGAN goes down to 0.04, where 97% of draws would be rejected) cost one pass.
    """
    t = _check(threshold)
    out = z.clone()
    outside = z.abs() > t
    k = int(outside.sum())
    if k:
        lo = 0.5 * math.erfc(t / math.sqrt(2))                                # Phi(-t)
        u = lo + (1 - 2 * lo) * torch.rand(k, generator=generator, dtype=torch.float64)
        x = torch.special.ndtri(u).clamp_(-t, t)                              # clamp: rounding at the edges only
        out[outside] = x.to(device=z.device, dtype=z.dtype)
    return out


def truncate_latent(latent: LatentPrior, z: Tensor, threshold: float,
                    generator: torch.Generator | None = None) -> Tensor:
    """z [N, dim] with its Gaussian part truncated (see `truncate`) and its one-hot part unchanged."""
    eps, code = split(latent, z)
    return join(truncate(eps, threshold, generator), code)


def sample_truncated(latent: LatentPrior, n: int, threshold: float | None,
                     generator: torch.Generator | None = None, device: torch.device | str | None = None) -> Tensor:
    """z [n, dim] from the prior, truncated at `threshold` (None: the plain prior, the same draws as
    ``latent.sample(n, generator)``; with a threshold, entries inside it are those same draws)."""
    z = latent.sample(n, generator)
    if threshold is not None:
        z = truncate_latent(latent, z, threshold, generator)
    return z.to(device) if device is not None else z

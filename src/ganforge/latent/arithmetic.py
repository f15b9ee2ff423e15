"""Latent vector arithmetic (Radford, Metz & Chintala 2016, DCGAN, sec. 6.3.2: "smiling woman - neutral woman +
neutral man = smiling man"): the mean latent of one set minus the mean of another, added to a third.

    z_out = mean(z_A) - mean(z_B) + z_C

Averaging over a few latents per concept (the paper used three) cancels what the examples do not share. Only the
Gaussian part is combined; each output keeps the one-hot part of its z_C. For a G that is linear in z,
G(z_out) = mean G(z_A) - mean G(z_B) + G(z_C) exactly; for a real G the hope is that it holds approximately.
"""

from __future__ import annotations

from torch import Tensor

from ..models.latent import LatentPrior
from ._common import join, split


def latent_arithmetic(latent: LatentPrior, z_a: Tensor, z_b: Tensor, z_c: Tensor) -> Tensor:
    """mean(z_A) - mean(z_B) + z_C on the Gaussian part; z_A [n_a, dim], z_B [n_b, dim], z_C [N, dim] -> [N, dim]."""
    (ea, _), (eb, _), (ec, cc) = split(latent, z_a), split(latent, z_b), split(latent, z_c)
    if not len(ea) or not len(eb):
        raise ValueError("latent arithmetic needs at least one latent in each of the sets A and B")
    return join(ea.mean(0, keepdim=True) - eb.mean(0, keepdim=True) + ec, cc)

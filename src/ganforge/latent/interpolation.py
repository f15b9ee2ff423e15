"""Paths between latents: linear (lerp) and spherical (slerp, White 2016, "Sampling Generative Networks").

    lerp(a, b, t)  = (1 - t) a + t b
    slerp(a, b, t) = sin((1 - t) W) / sin W * a + sin(t W) / sin W * b,     cos W = a.b / (|a| |b|)

Why slerp: a d-dimensional N(0, I) sample has norm close to sqrt(d), and G has only been trained there. The lerp
midpoint of two independent samples has norm about sqrt(d / 2), a region G has rarely seen; slerp between
two latents of equal norm stays on their sphere.

Only the Gaussian part of z is interpolated. The one-hot part, when the prior has one (models/latent.py), is
handled by `onehot`: "nearest" (default) keeps a valid one-hot, a's code for t < 1/2 and b's from t = 1/2 on,
so with two different categories the path jumps between the two modes at the midpoint, which is what a
disconnected prior is for; "lerp" blends the codes, (1 - t) e_a + t e_b. G's first layer is linear in the code,
so that path runs between the two categories' learned means through the gap between the modes, a region no
training latent ever came from. With equal categories both leave the code as it is.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from ..models.latent import LatentPrior
from ._common import join, split

MODES = ("lerp", "slerp")
ONEHOT = ("nearest", "lerp")


def lerp(a: Tensor, b: Tensor, t: Tensor | float) -> Tensor:
    """(1 - t) a + t b for a, b [N, d] and t a float or [T] (-> [N, T, d])."""
    a, b, t = _broadcast(a, b, t)
    return (1 - t) * a + t * b


def slerp(a: Tensor, b: Tensor, t: Tensor | float, eps: float = 1e-7) -> Tensor:
    """Spherical interpolation for a, b [N, d] and t a float or [T] (-> [N, T, d]): slerp(a, b, 0) = a,
    slerp(a, b, 1) = b, and for |a| = |b| = r every point has norm r.

    Where a and b are (anti)parallel, sin W ~ 0 and the formula is 0/0: those rows fall back to lerp (exact for
    parallel vectors; antiparallel ones have no unique great circle)."""
    a, b, t = _broadcast(a, b, t)
    a64, b64, t64 = a.double(), b.double(), t.double()
    cos = ((a64 * b64).sum(-1, keepdim=True) / (a64.norm(dim=-1, keepdim=True) * b64.norm(dim=-1, keepdim=True))
           ).clamp(-1, 1)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    safe = sin > eps
    s = torch.where(safe, sin, torch.ones_like(sin))
    arc = torch.sin((1 - t64) * omega) / s * a64 + torch.sin(t64 * omega) / s * b64
    line = (1 - t64) * a64 + t64 * b64
    return torch.where(safe, arc, line).to(a.dtype)


def _broadcast(a: Tensor, b: Tensor, t: Tensor | float) -> tuple[Tensor, Tensor, Tensor]:
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"a and b must both be [N, d], got {tuple(a.shape)} and {tuple(b.shape)}")
    if isinstance(t, Tensor) and t.ndim == 1:
        return a[:, None], b[:, None], t.to(a)[None, :, None]                 # [N, 1, d], [1, T, 1]
    return a, b, torch.as_tensor(t, dtype=a.dtype, device=a.device)


def interpolate(latent: LatentPrior, za: Tensor, zb: Tensor, steps: int,
                mode: Literal["lerp", "slerp"] = "slerp",
                onehot: Literal["nearest", "lerp"] = "nearest") -> Tensor:
    """z [N, steps, dim]: for each row i a path from za[i] (t = 0) to zb[i] (t = 1) in `steps` equal steps of t,
    the Gaussian part by `mode`, the one-hot part by `onehot` (module docstring)."""
    if mode not in MODES:
        raise ValueError(f"unknown interpolation mode {mode!r}; valid: {', '.join(MODES)}")
    if onehot not in ONEHOT:
        raise ValueError(f"unknown one-hot handling {onehot!r}; valid: {', '.join(ONEHOT)}")
    if steps < 2:
        raise ValueError(f"an interpolation needs steps >= 2 (both ends), got {steps}")
    (ea, ca), (eb, cb) = split(latent, za), split(latent, zb)
    if ea.shape != eb.shape:
        raise ValueError(f"za and zb hold different numbers of latents: {za.shape[0]} and {zb.shape[0]}")
    t = torch.linspace(0, 1, steps, dtype=za.dtype, device=za.device)
    eps = (slerp if mode == "slerp" else lerp)(ea, eb, t)                       # [N, steps, z_dim]
    if onehot == "lerp":
        code = lerp(ca, cb, t)
    else:
        code = torch.where((t < 0.5)[None, :, None], ca[:, None], cb[:, None])
    return join(eps.flatten(0, 1), code.flatten(0, 1)).view(za.shape[0], steps, latent.dim)

"""Semantic inpainting with a trained GAN (Yeh, Chen, Lim, Schwing, Hasegawa-Johnson & Do 2017, "Semantic Image
Inpainting with Deep Generative Models"): find the latent whose image agrees with the known pixels and that D
finds real, then fill the hole from it.

    z^ = argmin_z  L_c(z) + L_p(z)
    L_c(z) = || W * (G(z) - y) ||_1            context loss, summed over pixels (eq. 4)
    L_p(z) = lambda * log(1 - D(G(z)))         prior loss, D a probability (eq. 5); lambda = 0.003 in the paper
    x^     = M * y + (1 - M) * G(z^)           blending (the paper uses Poisson blending; not done here)

y is the corrupted image and M the known-pixel mask (1 = known, 0 = hole). W is M itself, or with importance
weighting (eq. 3) a known pixel's weight is the fraction of its neighbours in a window (7 x 7 in the paper) that
are missing, so the pixels that border the hole count most and those far from it not at all:

    W_i = M_i * sum_{j in N(i)} (1 - M_j) / |N(i)|

ganforge's D returns a logit s with D = sigmoid(s), so L_p = lambda * log(sigmoid(-s)) = -lambda * softplus(s):
lowering it raises D's logit on G(z).

Not in the paper, optional (`latent_weight`, default 0): inversion's Gaussian prior term, latent_weight * |eps|^2 / d.
When z has more dimensions than there are known pixels, many z match the context and the fill depends on where
the optimiser stops; this keeps z near the prior's typical set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._common import device_of, evaluating, optimise_latents, starting_latents
from .images import check_mask

MASKS = ("center", "left", "right", "top", "bottom", "random")


@dataclass
class InpaintResult:
    z: Tensor                       # [N, dim] the best latent per image
    generated: Tensor               # G(z) [N, C, H, W]
    inpainted: Tensor               # M * y + (1 - M) * G(z): the known pixels kept, the hole filled
    context_loss: Tensor            # [N] L_c at z (without the prior loss)
    loss: Tensor                    # [N] the minimised objective L_c + L_p


def make_mask(kind: str, shape: tuple[int, ...], generator: torch.Generator | None = None,
              missing: float = 0.8) -> Tensor:
    """A known-pixel mask M [1, H, W] (1 = known) of one of Yeh et al.'s hole shapes for images `shape` (C, H, W):
    center (the central square of half the side, a quarter of the area), left / right / top / bottom (that half
    missing), random (each pixel missing with probability `missing`, 0.8 in the paper)."""
    if kind not in MASKS:
        raise ValueError(f"unknown mask {kind!r}; valid: {', '.join(MASKS)} or a mask image file")
    H, W = shape[-2:]
    known = torch.ones(1, H, W)
    if kind == "center":
        known[:, H // 4: H // 4 + H // 2, W // 4: W // 4 + W // 2] = 0
    elif kind == "left":
        known[:, :, : W // 2] = 0
    elif kind == "right":
        known[:, :, W // 2:] = 0
    elif kind == "top":
        known[:, : H // 2] = 0
    elif kind == "bottom":
        known[:, H // 2:] = 0
    else:
        known = (torch.rand(1, H, W, generator=generator) >= missing).float()
    check_mask(known, f"mask {kind!r}")
    return known


def importance_weights(known: Tensor, window: int = 7) -> Tensor:
    """Yeh et al. eq. 3 for M [..., H, W]: M_i times the fraction of missing pixels in the window around i
    (the window is cut at the image border, so |N(i)| counts only pixels inside)."""
    if window < 1 or window % 2 == 0:
        raise ValueError(f"the importance-weighting window must be an odd size >= 1, got {window}")
    m = known.reshape(-1, 1, *known.shape[-2:]).float()
    frac = F.avg_pool2d(1 - m, window, stride=1, padding=window // 2, count_include_pad=False)
    return (m * frac).view(known.shape)


def hole_mse(x: Tensor, y: Tensor, known: Tensor) -> Tensor:
    """Per-image mean squared error over the hole (pixels with known = 0), [N]; x, y [N, C, H, W]."""
    hole = (1 - known).expand_as(x)
    return ((x - y).pow(2) * hole).flatten(1).sum(1) / hole.flatten(1).sum(1)


def inpaint(G: nn.Module, D: nn.Module | None, image: Tensor, known: Tensor, *, c: Tensor | None = None,
            steps: int = 1000, lr: float = 0.03, restarts: int = 4, prior_weight: float = 0.003,
            weighting: bool = True, window: int = 7, latent_weight: float = 0.0,
            categories: Sequence[int] | None = None, generator: torch.Generator | None = None) -> InpaintResult:
    """Fill the holes of `image` [N, C, H, W] in [-1, 1] where `known` ([1 or N, 1 or C, H, W], 1 = known) is 0.

    D: the GAN's discriminator for the prior loss (may be None when prior_weight = 0). weighting: Yeh et al.'s
    importance weighting with a `window` x `window` neighbourhood, else W = M. latent_weight: the optional
    |eps|^2 / d term (module docstring). c [N]: labels for a conditional G (and D). G and D run in eval mode and get
    no gradient; pixels under the hole in `image` are never read.
    """
    latent = G.latent
    if image.ndim != 4:
        raise ValueError(f"image must be [N, C, H, W], got {tuple(image.shape)}")
    if known.ndim == 3:
        known = known[None]
    check_mask(known)
    if prior_weight < 0 or latent_weight < 0:
        raise ValueError(f"prior_weight and latent_weight must be >= 0, got {prior_weight}, {latent_weight}")
    if prior_weight > 0:
        if D is None:
            raise ValueError("the prior loss needs the discriminator D (or set prior_weight to 0)")
        if getattr(D, "pack", 1) > 1:
            raise ValueError(f"the prior loss needs a D that scores single images; this D judges packs of "
                             f"{D.pack} (PacGAN): set prior_weight to 0")
    known = known.to(image).expand(image.shape[0], -1, -1, -1)
    y = torch.where(known.bool(), image, torch.zeros_like(image))             # the hole is never read (may be NaN)
    Wt = importance_weights(known, window) if weighting else known
    N = image.shape[0]
    z0 = starting_latents(latent, N, restarts, generator, categories, device_of(G, image))
    reps = z0.shape[0]
    ys, Ws = y.repeat(reps, 1, 1, 1), Wt.repeat(reps, 1, 1, 1)
    cs = None if c is None else c.repeat(reps)

    def context(fake: Tensor, y: Tensor, W: Tensor) -> Tensor:
        return (W * (fake - y).abs()).flatten(1).sum(1)

    def objective(fake: Tensor, eps: Tensor) -> Tensor:
        loss = context(fake, ys, Ws)
        if latent_weight > 0:
            loss = loss + latent_weight * eps.pow(2).mean(1)
        if prior_weight > 0:
            loss = loss - prior_weight * F.softplus(D(fake, cs))              # lambda * log(1 - sigmoid(s))
        return loss

    with evaluating(D):
        z, final = optimise_latents(G, latent, z0, objective, steps, lr, c)
    with evaluating(G), torch.no_grad():
        fake = G(z, c)
    filled = torch.where(known.bool(), y, fake)                               # M * y + (1 - M) * G(z)
    return InpaintResult(z, fake, filled, context(fake, y, Wt), final)

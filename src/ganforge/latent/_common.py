"""What the latent tools share: splitting z into its Gaussian and one-hot parts, eval mode for the networks they
read, and one optimiser loop over z (inversion and inpainting are the same loop with different losses)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..models.latent import LatentPrior


def split(latent: LatentPrior, z: Tensor) -> tuple[Tensor, Tensor]:
    """(eps [N, z_dim], code [N, categories + continuous]) of z [N, dim]; code is [N, 0] when the prior has no
    codes."""
    if z.ndim != 2 or z.shape[1] != latent.dim:
        raise ValueError(f"z must be [N, {latent.dim}] ({latent.z_dim} Gaussian + {latent.categories} one-hot + "
                         f"{latent.continuous} continuous), "
                         f"got {tuple(z.shape)}")
    return z[:, : latent.z_dim], z[:, latent.z_dim:]


def join(eps: Tensor, code: Tensor) -> Tensor:
    return torch.cat([eps, code], dim=1) if code.shape[1] else eps


@contextmanager
def evaluating(*modules: nn.Module | None) -> Iterator[None]:
    """Run `modules` in eval mode and restore each one's mode afterwards.

    Why: in train mode BatchNorm normalises with the batch's statistics, so the restarts and images optimised
    together would pull on each other's z, and its running averages (and spectral norm's u, v) would change."""
    present = [m for m in modules if m is not None]
    modes = [m.training for m in present]
    try:
        for m in present:
            m.eval()
        yield
    finally:
        for m, mode in zip(present, modes):
            m.train(mode)


def device_of(module: nn.Module, fallback: Tensor) -> torch.device:
    p = next(module.parameters(), None)
    return p.device if p is not None else fallback.device


def starting_latents(latent: LatentPrior, n: int, restarts: int, generator: torch.Generator | None,
                     categories: Sequence[int] | None, device: torch.device) -> Tensor:
    """z0 [S, n, dim]: `restarts` Gaussian draws per image, each tried with every one-hot category in
    `categories` (default: all of them), so S = restarts * len(categories). The one-hot part is discrete, so it
    is searched by trying each category rather than optimised by gradient. InfoGAN's continuous codes start at 0,
    the centre of their range, and stay fixed like the one-hot part."""
    z0 = _starting_latents(latent, n, restarts, generator, categories, device)
    if not latent.continuous:
        return z0
    return torch.cat([z0, z0.new_zeros(*z0.shape[:2], latent.continuous)], dim=2)


def _starting_latents(latent: LatentPrior, n: int, restarts: int, generator: torch.Generator | None,
                      categories: Sequence[int] | None, device: torch.device) -> Tensor:
    if restarts < 1:
        raise ValueError(f"restarts must be >= 1, got {restarts}")
    if n < 1:
        raise ValueError("no images to optimise for")
    # one draw per restart, so start r is the same whatever the number of restarts (torch's CPU randn draws a
    # batch of 16+ values differently from a smaller one, so one [restarts, n, d] draw would not be)
    eps = torch.stack([torch.randn(n, latent.z_dim, generator=generator) for _ in range(restarts)]).to(device)
    if not latent.categories:
        if categories:
            raise ValueError("categories: this generator's latent has no one-hot part")
        return eps
    cats = list(range(latent.categories)) if categories is None else list(categories)
    bad = [k for k in cats if not 0 <= k < latent.categories]
    if bad or not cats:
        raise ValueError(f"categories {bad or cats}: valid one-hot categories are 0..{latent.categories - 1}")
    codes = F.one_hot(torch.tensor(cats), latent.categories).to(eps)        # [K', categories]
    eps = eps.repeat_interleave(len(cats), dim=0)                           # [restarts * K', n, z_dim]
    code = codes.repeat(restarts, 1)[:, None].expand(-1, n, -1)             # start s uses category cats[s % K']
    return torch.cat([eps, code], dim=2)


def optimise_latents(G: nn.Module, latent: LatentPrior, z0: Tensor, loss_fn: Callable[[Tensor, Tensor], Tensor],
                     steps: int, lr: float, c: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Adam on the Gaussian part of z0 [S, N, dim] for `steps` steps; the one-hot part stays fixed.

    `loss_fn(fake [S*N, ...], eps [S*N, z_dim])` returns one loss per latent, [S*N]; row s*N + i belongs to image
    i. Their sum is minimised, so each latent's gradient is its own loss's (Adam is per coordinate, hence every
    start follows the trajectory it would follow alone). Returns (z [N, dim], loss [N]) of the best start per image.
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    S, N, dim = z0.shape
    flat = z0.reshape(S * N, dim)
    eps = flat[:, : latent.z_dim].clone().requires_grad_(True)
    code = flat[:, latent.z_dim:]
    c_all = c.repeat(S) if c is not None else None                           # c [N] -> [S*N], row s*N + i -> c[i]
    opt = torch.optim.Adam([eps], lr=lr)
    with evaluating(G), torch.enable_grad():
        for _ in range(steps):
            loss = loss_fn(G(join(eps, code), c_all), eps)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward(inputs=[eps])                                # gradients reach z only, never G
            opt.step()
        with torch.no_grad():
            final = loss_fn(G(join(eps, code), c_all), eps).view(S, N)
    best = final.argmin(0)                                                   # [N] the best start per image
    z = join(eps.detach(), code).view(S, N, dim)[best, torch.arange(N)]
    return z, final[best, torch.arange(N)]

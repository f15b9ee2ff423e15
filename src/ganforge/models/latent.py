"""The latent prior p(z) a generator maps from; every z in ganforge is drawn through it.

    z = eps                      eps ~ N(0, I_d)                       (categories = 0: the usual Gaussian prior)
    z = [eps, one_hot(k)]        eps ~ N(0, I_d), k ~ U{0, ..., K-1}   (categories = K: a Gaussian-mixture prior)

Why a discrete part: a continuous G maps the connected support of a Gaussian onto a connected set, so on data made
of separated modes some mass must lie on the "bridges" between them (Khayatkhoei et al. 2018, "Disconnected
Manifold Learning for Generative Adversarial Networks"; Tanielian et al. 2020, "Learning disconnected manifolds: a no
GAN's land"). With a one-hot part G can send each category to its own mode with no bridge. The categorical code is
InfoGAN's c without the mutual-information term (Chen et al. 2016), and the same prior as DeLiGAN's mixture with one
learned mean per component (Gurumurthy et al. 2017): the first layer's weights on the one-hot are those means.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class LatentPrior:
    z_dim: int                  # d: Gaussian dimensions
    categories: int = 0         # K: one-hot categorical dimensions appended after them; 0 = none

    def __post_init__(self) -> None:
        if self.z_dim < 1:
            raise ValueError(f"the latent needs z_dim >= 1 Gaussian dimensions, got {self.z_dim}")
        if self.categories < 0 or self.categories == 1:
            raise ValueError(f"model.z_categories must be 0 (off) or >= 2, got {self.categories}")

    @property
    def dim(self) -> int:
        """Width of z, what G's first layer reads."""
        return self.z_dim + self.categories

    def sample(self, n: int, generator: torch.Generator | None = None,
               device: torch.device | str | None = None) -> Tensor:
        """z [n, dim]. The Gaussian part is drawn first, so with categories = 0 this is exactly
        ``torch.randn(n, z_dim, generator=generator, device=device)``."""
        eps = torch.randn(n, self.z_dim, generator=generator, device=device)
        if not self.categories:
            return eps
        k = torch.randint(self.categories, (n,), generator=generator, device=device)
        return torch.cat([eps, F.one_hot(k, self.categories).to(eps.dtype)], dim=1)

    def gaussian_part(self, z: Tensor) -> Tensor:
        """The N(0, I) coordinates of z [n, dim] (what truncation and interpolation act on)."""
        return z[:, : self.z_dim]

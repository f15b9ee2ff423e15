"""The latent prior p(z) a generator maps from; every z in ganforge is drawn through it.

    z = eps                      eps ~ N(0, I_d)                       (categories = 0: the usual Gaussian prior)
    z = [eps, one_hot(k)]        eps ~ N(0, I_d), k ~ U{0, ..., K-1}   (categories = K: a Gaussian-mixture prior)
    z = [eps, one_hot(k), u]     u ~ U[-1, 1]^m                        (continuous = m: InfoGAN's continuous codes)

Why a discrete part: a continuous G maps the connected support of a Gaussian onto a connected set, so on data made
of separated modes some mass must lie on the "bridges" between them (Khayatkhoei et al. 2018, "Disconnected
Manifold Learning for Generative Adversarial Networks"; Tanielian et al. 2020, "Learning disconnected manifolds: a no
GAN's land"). With a one-hot part G can send each category to its own mode with no bridge. The categorical code is
InfoGAN's c without the mutual-information term (Chen et al. 2016), and the same prior as DeLiGAN's mixture with one
learned mean per component (Gurumurthy et al. 2017): the first layer's weights on the one-hot are those means.
With InfoGAN's mutual-information term (loss.info_weight, losses/info.py) the one-hot k and the continuous u are the
codes c whose information G must keep in its samples (Chen et al. 2016: "1 categorical code of 10, 2 continuous
codes uniform on [-1, 1]" on MNIST). The latent tools act on the Gaussian part and keep the codes as they are.
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
    continuous: int = 0         # m: uniform[-1, 1] code dimensions appended last (InfoGAN); 0 = none

    def __post_init__(self) -> None:
        if self.z_dim < 1:
            raise ValueError(f"the latent needs z_dim >= 1 Gaussian dimensions, got {self.z_dim}")
        if self.categories < 0 or self.categories == 1:
            raise ValueError(f"model.z_categories must be 0 (off) or >= 2, got {self.categories}")
        if self.continuous < 0:
            raise ValueError(f"model.z_continuous must be >= 0 (0 = off), got {self.continuous}")

    @property
    def dim(self) -> int:
        """Width of z, what G's first layer reads."""
        return self.z_dim + self.categories + self.continuous

    def sample(self, n: int, generator: torch.Generator | None = None,
               device: torch.device | str | None = None) -> Tensor:
        """z [n, dim]. The parts are drawn in order (Gaussian, category, continuous), so with categories = 0 and
        continuous = 0 this is exactly ``torch.randn(n, z_dim, generator=generator, device=device)``, and adding
        continuous codes leaves the draws of the other parts as they were."""
        eps = torch.randn(n, self.z_dim, generator=generator, device=device)
        parts = [eps]
        if self.categories:
            k = torch.randint(self.categories, (n,), generator=generator, device=device)
            parts.append(F.one_hot(k, self.categories).to(eps.dtype))
        if self.continuous:
            parts.append(2 * torch.rand(n, self.continuous, generator=generator, device=device) - 1)
        return torch.cat(parts, dim=1) if len(parts) > 1 else eps

    def gaussian_part(self, z: Tensor) -> Tensor:
        """The N(0, I) coordinates of z [n, dim] (what truncation and interpolation act on)."""
        return z[:, : self.z_dim]

    def codes(self, z: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """InfoGAN's codes in z [n, dim]: (k int64 [n] or None, u [n, continuous] or None)."""
        k = z[:, self.z_dim: self.z_dim + self.categories].argmax(1) if self.categories else None
        u = z[:, self.z_dim + self.categories:] if self.continuous else None
        return k, u

"""InfoGAN's latent traversal (Chen et al. 2016, Fig. 2): vary one code, keep the noise and the other codes fixed.

    rows 0..K-1     categorical code k = row, column j with its own fixed eps_j, continuous codes 0
    rows K..K+m-1   continuous code i = linspace(-1, 1) across the columns, eps_0 and category 0 fixed in the row,
                    the other continuous codes 0

so a row of the categorical block shows what one category means over many noises, and a row of a continuous code
what that code alone changes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..models.latent import LatentPrior


def traversal_latents(latent: LatentPrior, columns: int, generator: torch.Generator | None = None) -> Tensor:
    """z [(K + m) * columns, dim], row-major (row r is z[r * columns:(r + 1) * columns])."""
    K, m = latent.categories, latent.continuous
    if K + m == 0:
        raise ValueError("a latent traversal varies InfoGAN's codes, and this latent has none "
                         "(model.z_categories, model.z_continuous)")
    if columns < 2:
        raise ValueError(f"a traversal needs columns >= 2, got {columns}")
    eps = torch.randn(columns, latent.z_dim, generator=generator)                      # [columns, z_dim]
    rows = []
    for k in range(K):
        one_hot = F.one_hot(torch.full((columns,), k), K).float()
        rows.append(torch.cat([eps, one_hot, torch.zeros(columns, m)], dim=1))
    steps = torch.linspace(-1, 1, columns)
    for i in range(m):
        u = torch.zeros(columns, m)
        u[:, i] = steps
        one_hot = F.one_hot(torch.zeros(columns, dtype=torch.long), K).float() if K else torch.zeros(columns, 0)
        rows.append(torch.cat([eps[:1].expand(columns, -1), one_hot, u], dim=1))
    return torch.cat(rows)


__all__ = ["traversal_latents"]

"""InfoGAN's categorical code against the data's classes: does each category of the code make one class?

For each category k of G's one-hot code, n samples G(z) with that category (the Gaussian part and the continuous
codes drawn from the prior with a seeded generator, the same for every k) go through the domain classifier; the
contingency table C[k, y] counts samples of category k classified as y. The purity is the fraction of samples on
the best one-to-one matching of categories to classes,

    purity = max over injective maps pi: categories -> classes of  sum_k C[k, pi(k)] / sum C

(Chen et al. 2016 report 5% error, i.e. 95% purity, on MNIST's 10 categories), found by the Hungarian algorithm
(scipy's linear_sum_assignment). The usual clustering purity, where categories may share a class (each category's
majority class), is an upper bound, reported as ``majority_purity``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..models.latent import LatentPrior
from .extractors.base import FeatureExtractor, to_uint8


def matched_purity(contingency: Tensor) -> tuple[float, list[int]]:
    """(purity, pi) of the best one-to-one matching of rows (categories) to columns (classes) of a [K, K'] count
    table, K <= K'; pi[k] is the class of category k."""
    from scipy.optimize import linear_sum_assignment

    table = contingency.double()
    if table.ndim != 2 or table.shape[0] > table.shape[1]:
        raise ValueError(f"the contingency table must be [K, K'] with K <= K' (categories <= classes), got "
                         f"{tuple(table.shape)}")
    rows, cols = linear_sum_assignment(table.numpy(), maximize=True)
    pi = [0] * table.shape[0]
    for r, c in zip(rows.tolist(), cols.tolist()):
        pi[r] = c
    return float(table[rows, cols].sum() / table.sum()), pi


@torch.no_grad()
def code_purity(G: Callable[[Tensor], Tensor], latent: LatentPrior, extractor: FeatureExtractor,
                n_per_category: int = 1000, seed: int = 0, batch_size: int = 250,
                device: torch.device | str = "cpu", logits: str = "logits") -> dict[str, Any]:
    """Purity of G's categorical code under `extractor`'s class logits: the contingency table [K][K'], the
    matched `purity` with its `mapping` (category -> class), `majority_purity`, `n_per_category`."""
    if not latent.categories:
        raise ValueError("code purity needs a categorical code (model.z_categories >= 2)")
    if n_per_category < 1 or batch_size < 1:
        raise ValueError(f"n_per_category and batch_size must be >= 1, got {n_per_category}, {batch_size}")
    z = latent.sample(n_per_category, torch.Generator().manual_seed(seed))          # [n, dim]
    lo, hi = latent.z_dim, latent.z_dim + latent.categories
    rows = []
    for k in range(latent.categories):
        z[:, lo:hi] = F.one_hot(torch.full((n_per_category,), k), latent.categories).to(z)
        counts: Tensor | None = None
        for chunk in z.split(batch_size):
            scores = extractor(to_uint8(G(chunk.to(device)).cpu()))[logits]          # [b, K']
            found = torch.bincount(scores.argmax(1).cpu(), minlength=scores.shape[1])
            counts = found if counts is None else counts + found
        assert counts is not None
        rows.append(counts)
    table = torch.stack(rows)                                                       # [K, K']
    purity, mapping = matched_purity(table)
    majority = float(table.max(1).values.sum() / table.sum())
    return {"contingency": table.tolist(), "purity": purity, "mapping": mapping, "majority_purity": majority,
            "n_per_category": n_per_category}


__all__ = ["code_purity", "matched_purity"]

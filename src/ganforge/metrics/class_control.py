"""Class control of a conditional generator: are samples asked for class k classified as k?

For each class k, n images G(z_i, k) (the same z_1..z_n for every class, drawn once from G's prior with a seeded
generator) go through a domain classifier (``ganforge classifier train mnist``); the accuracy of class k is the
fraction whose argmax logit is k. The measure AC-GAN reports as "accuracy of an Inception network on its samples"
(Odena et al. 2017, Sec. 4.1), with our domain classifier instead of Inception. It requires the generator's class
indices to mean the classifier's (true for mnist and digits: labels 0-9 are the digits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from ..models.latent import LatentPrior
from .extractors.base import FeatureExtractor, to_uint8


@torch.no_grad()
def class_control(G: Callable[[Tensor, Tensor], Tensor], num_classes: int, latent: LatentPrior | int,
                  extractor: FeatureExtractor, n_per_class: int = 1000, seed: int = 0, batch_size: int = 250,
                  device: torch.device | str = "cpu", logits: str = "logits") -> dict[str, Any]:
    """Per-class accuracy of ``G(z, c)`` (images in [-1, 1]) under ``extractor``'s ``logits`` [N, K'] (K' >= K).

    Returns ``accuracy`` [K] (class k: fraction of its samples classified as k), ``confusion`` [K][K'] (counts; row:
    the class asked for, column: the class predicted), ``min_accuracy``, ``mean_accuracy``, ``worst_class`` and
    ``n_per_class``.
    """
    if num_classes < 1 or n_per_class < 1 or batch_size < 1:
        raise ValueError(f"num_classes, n_per_class and batch_size must be >= 1, got {num_classes}, {n_per_class}, "
                         f"{batch_size}")
    if logits not in extractor.feature_names:
        raise ValueError(f"extractor {extractor.name} gives {list(extractor.feature_names)}, not '{logits}'")
    prior = latent if isinstance(latent, LatentPrior) else LatentPrior(latent)
    z = prior.sample(n_per_class, torch.Generator().manual_seed(seed))
    rows = []
    for k in range(num_classes):
        counts: Tensor | None = None
        for chunk in z.split(batch_size):
            c = torch.full((len(chunk),), k, dtype=torch.long)
            scores = extractor(to_uint8(G(chunk.to(device), c.to(device)).cpu()))[logits]   # [b, K']
            if scores.shape[1] < num_classes:
                raise ValueError(f"the classifier knows {scores.shape[1]} classes, the generator {num_classes}")
            found = torch.bincount(scores.argmax(1).cpu(), minlength=scores.shape[1])
            counts = found if counts is None else counts + found
        assert counts is not None
        rows.append(counts)
    confusion = torch.stack(rows)                                   # [K, K']
    accuracy = confusion.diagonal().double() / n_per_class          # [K]
    return {"accuracy": accuracy.tolist(), "confusion": confusion.tolist(), "n_per_class": n_per_class,
            "min_accuracy": float(accuracy.min()), "mean_accuracy": float(accuracy.mean()),
            "worst_class": int(accuracy.argmin())}


def format_class_table(result: dict[str, Any], names: list[str] | None = None) -> str:
    """A fixed-width table: class, accuracy, and the class its samples are most often mistaken for."""
    lines = [f"{'class':>5}  {'accuracy':>8}  most often mistaken for", f"{'-' * 5}  {'-' * 8}  {'-' * 23}"]
    for k, (acc, row) in enumerate(zip(result["accuracy"], result["confusion"])):
        wrong = [(count, j) for j, count in enumerate(row) if j != k and count]
        name = names[k] if names else str(k)
        other = (f"{names[max(wrong)[1]] if names else max(wrong)[1]} ({max(wrong)[0]} of {result['n_per_class']})"
                 if wrong else "-")
        lines.append(f"{name:>5}  {acc:>8.2%}  {other}")
    lines.append(f"{'min':>5}  {result['min_accuracy']:>8.2%}  (class {result['worst_class']})")
    lines.append(f"{'mean':>5}  {result['mean_accuracy']:>8.2%}")
    return "\n".join(lines)


__all__ = ["class_control", "format_class_table"]

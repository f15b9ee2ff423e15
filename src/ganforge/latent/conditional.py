"""Class-conditional sampling: the labels c [N] a conditional G reads, checked against the classes it knows.

Contract with the conditional families: a conditional G has ``G.num_classes`` (int K) and takes c as a LongTensor
[N] of labels in 0..K-1; an unconditional G has no such attribute (or None) and ignores c.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def num_classes(G: nn.Module) -> int | None:
    """K for a class-conditional G, None for an unconditional one."""
    k = getattr(G, "num_classes", None)
    return int(k) if k else None


def class_labels(G: nn.Module, cls: int | None, n: int, generator: torch.Generator | None = None) -> Tensor | None:
    """c [n] for G: all equal to `cls`; for a conditional G with cls None, uniform random classes (drawn from
    `generator`, so a seed fixes them); None for an unconditional G.

    ValueError naming the valid range for a class out of range, or a class given to an unconditional G."""
    k = num_classes(G)
    if cls is None:
        return None if k is None else torch.randint(k, (n,), generator=generator)
    if k is None:
        raise ValueError(f"class {cls}: this generator is unconditional (it takes no class labels; valid classes: "
                         f"none); train a class-conditional model to choose the class")
    if isinstance(cls, bool) or not isinstance(cls, int) or not 0 <= cls < k:
        raise ValueError(f"class {cls!r} is out of range: this generator has {k} classes, valid: 0..{k - 1}")
    return torch.full((n,), cls, dtype=torch.long)

"""Instance noise (Sonderby et al. 2016, "Amortised MAP Inference for Image Super-resolution"; Arjovsky &
Bottou 2017, "Towards Principled Methods for Training GANs", Sec. 3.1): D judges x + eps, eps ~ N(0, sigma^2 I), for
real and fake x alike. The noisy distributions overlap, so the divergence between them is finite and D's gradient
is informative even where the clean data and model distributions have disjoint supports. sigma is annealed to 0
so that in the end the clean distributions are matched.
"""

from __future__ import annotations

import torch
from torch import Tensor


def instance_noise_std(std: float, end_step: int, step: int) -> float:
    """sigma at G step `step`, linear from `std` at step 0 to 0 at `end_step` (and 0 after it)."""
    if end_step <= 0:
        raise ValueError(f"the annealing end step must be >= 1, got {end_step}")
    return std * max(0.0, 1.0 - step / end_step)


def add_instance_noise(x: Tensor, std: float, generator: torch.Generator | None = None) -> Tensor:
    """x + std * N(0, I), drawn from `generator`; x itself (no draw, no copy) when std is 0."""
    if std == 0:
        return x
    return x + std * torch.randn(x.shape, device=x.device, dtype=x.dtype, generator=generator)

"""Gaussian noise layers (Salimans et al. 2016, "Improved Techniques for Training GANs", Sec. 5 and their code,
openai/improved-gan mnist_svhn_cifar10/train_mnist_feature_matching.py): in training mode y = x + sigma * n,
n ~ N(0, I) drawn afresh on every forward; in eval mode y = x. On a discriminator trained from a handful of labels
this is the regulariser (as dropout would be): Salimans's MNIST D adds sigma 0.3 to its input and 0.5 before every
dense layer after the first.

The noise comes from torch's global generator (torch.randn_like), which the trainer seeds with train.seed and keeps
in its checkpoints, so a resumed run draws the same noise as an uninterrupted one.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class GaussianNoise(nn.Module):
    """x -> x + std * N(0, I) in training mode, x in eval mode (and always when std is 0). Any shape."""

    def __init__(self, std: float) -> None:
        super().__init__()
        if std < 0:
            raise ValueError(f"a Gaussian noise layer's std must be >= 0, got {std}")
        self.std = float(std)   # sigma, in the units of the layer's input

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.std == 0:
            return x
        return x + self.std * torch.randn_like(x)

    def extra_repr(self) -> str:
        return f"std={self.std:g}"


__all__ = ["GaussianNoise"]

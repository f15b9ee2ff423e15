"""Blocks for class-conditional G and D: how a class label c enters a network. Both model families build from these.

    c: int64 [N] class indices in [0, K)          (K = num_classes, from the data's DataSpec)

- :class:`LabelConcat`: one_hot(c) [N, K] appended to [N, F] features, or K constant maps appended to [N, C, H, W]
  (cGAN, Mirza & Osindero 2014: the label at the input; Miyato & Koyama 2018 Fig. 1b: at a hidden layer).
- :class:`ConditionalBatchNorm`: BatchNorm whose gain and bias are looked up per class,
  y = gamma_c * (x - mu) / sigma + beta_c (de Vries et al. 2017, "Modulating early visual processing by language";
  the G of Miyato & Koyama 2018).
- :class:`ClassProjection`: the projection discriminator's class term <V_c, phi(x)> (Miyato & Koyama 2018, Eq. 3:
  D(x, c) = psi(phi(x)) + y_c^T V phi(x)), added by D's head to its unconditional logit psi(phi(x)).
- :class:`ConditionalSequential`: an nn.Sequential whose :class:`ConditionalLayer` members also receive c.

Where labels are checked: :func:`check_labels` runs in G's and D's forward (the border every caller crosses):
shape, integer type, and the range [0, K) when c lives on the CPU. On an accelerator the range check would need a
device sync at every forward (ganforge's loop syncs only at log steps), so there it is left to the borders where
labels enter: the dataset's own labels (K is derived from them) and the samplers, which check user labels on the
CPU before moving them (``ganforge.api.LoadedGenerator``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

INT_DTYPES = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)


def check_labels(c: Tensor | None, num_classes: int, n: int | None = None, who: str = "this network") -> Tensor:
    """c as int64 [N] after checking it is a 1-D integer tensor of `n` labels in [0, num_classes) (range on CPU
    tensors only, see the module doc); ValueError saying what was expected otherwise."""
    valid = f"int64 [N] class labels in [0, {num_classes})"
    if c is None:
        raise ValueError(f"{who} is class-conditional ({num_classes} classes): pass c, {valid}")
    if not isinstance(c, Tensor) or c.dtype not in INT_DTYPES or c.ndim != 1:
        what = f"{c.dtype} {list(c.shape)}" if isinstance(c, Tensor) else type(c).__name__
        raise ValueError(f"{who} needs c as {valid}; got {what}")
    if n is not None and c.shape[0] != n:
        raise ValueError(f"{who} got {c.shape[0]} class labels for {n} samples")
    if c.device.type == "cpu" and c.numel():
        low, high = int(c.min()), int(c.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise ValueError(f"class label {bad} is outside [0, {num_classes}): {who} knows {num_classes} classes "
                             f"(0..{num_classes - 1})")
    return c.long()


def balanced_labels(n: int, num_classes: int, device: torch.device | str | None = None) -> Tensor:
    """0, 1, ..., K-1, 0, 1, ...: n labels with every class equally often (up to one), for sampling a conditional G
    when no classes are asked for (metrics see every class, not a random draw of them)."""
    return torch.arange(n, device=device) % num_classes


class ConditionalLayer(nn.Module):
    """A layer called as layer(x, c) inside a :class:`ConditionalSequential`."""

    def forward(self, x: Tensor, c: Tensor) -> Tensor:  # pragma: no cover - interface
        raise NotImplementedError


class ConditionalSequential(nn.Sequential):
    """nn.Sequential that hands c to its ConditionalLayer members: ``net(x, c)``. Without such members it is an
    nn.Sequential (same state-dict keys), so unconditional networks keep their checkpoints."""

    def forward(self, x: Tensor, c: Tensor | None = None) -> Tensor:  # type: ignore[override]
        for layer in self:
            x = layer(x, c) if isinstance(layer, ConditionalLayer) else layer(x)
        return x


class LabelConcat(ConditionalLayer):
    """[N, F] -> [N, F + K] with one_hot(c) appended; [N, C, H, W] -> [N, C + K, H, W] with K constant maps
    (map k is 1 where c = k, 0 elsewhere), the usual way to feed a label to a convolution."""

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.num_classes = num_classes

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        y = F.one_hot(c, self.num_classes).to(x.dtype)                        # [N, K]
        if x.ndim == 4:
            y = y[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])    # [N, K, H, W]
            if x.is_contiguous(memory_format=torch.channels_last):
                y = y.contiguous(memory_format=torch.channels_last)
        return torch.cat([x, y], dim=1)

    def extra_repr(self) -> str:
        return f"num_classes={self.num_classes}"


class ConditionalBatchNorm(ConditionalLayer):
    """y = gamma[c] * BN(x) + beta[c] on [N, C] or [N, C, H, W]: batch statistics shared by all classes, gain and
    bias per class (K x C each). Starts as plain BatchNorm (gamma = 1, beta = 0), as in Miyato & Koyama's code."""

    def __init__(self, num_features: int, num_classes: int, spatial: bool = True) -> None:
        super().__init__()
        self.norm = (nn.BatchNorm2d if spatial else nn.BatchNorm1d)(num_features, affine=False)
        self.gain = nn.Embedding(num_classes, num_features)
        self.bias = nn.Embedding(num_classes, num_features)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        shape = (x.shape[0], x.shape[1]) + (1,) * (x.ndim - 2)                # broadcast over H, W
        return self.norm(x) * self.gain(c).view(shape) + self.bias(c).view(shape)


class ClassProjection(nn.Module):
    """<V_c, phi(x)>: [N, F...] features and c [N] -> [N], V one learned F-vector per class (an embedding).
    Initialised Glorot-uniform, as the embedding of Miyato & Koyama's released code."""

    def __init__(self, num_classes: int, in_features: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_classes, in_features)
        bound = math.sqrt(6.0 / (num_classes + in_features))
        nn.init.uniform_(self.embed.weight, -bound, bound)

    def forward(self, h: Tensor, c: Tensor) -> Tensor:
        return (self.embed(c) * h.flatten(1)).sum(1)                          # [N]


__all__ = ["ClassProjection", "ConditionalBatchNorm", "ConditionalLayer", "ConditionalSequential", "LabelConcat",
           "balanced_labels", "check_labels"]

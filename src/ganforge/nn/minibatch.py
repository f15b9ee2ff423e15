"""Layers that let D look at a whole minibatch, so a collapsed G (every sample alike) is easy to spot.

MinibatchDiscrimination (Salimans et al. 2016, "Improved Techniques for Training GANs", Sec. 3.2) and
MinibatchStdDev (Karras, Aila, Laine & Lehtinen 2018, ProGAN, Sec. 3; StyleGAN2's num_channels option).
Both append features to each example that depend on the other examples of its batch (or group), and both are
permutation-equivariant: shuffling the batch shuffles the outputs and changes nothing else.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class MinibatchDiscrimination(nn.Module):
    """x [N, A] (or [N, ...], flattened) -> [N, A + B], appending o(x_i) in R^B:

        M_i = x_i T  in R^{B x C}    (T: [A, B, C], learned)
        c_b(x_i, x_j) = exp(-||M_{i,b} - M_{j,b}||_L1)
        o(x_i)_b = sum_{j=1}^N c_b(x_i, x_j)

    The paper's sum runs over the whole batch, j = i included (adding exp(0) = 1); include_self=False drops that
    constant. Cost: O(N^2 B C) memory for the pairwise differences.
    """

    def __init__(self, in_features: int, num_kernels: int, kernel_dim: int, include_self: bool = True,
                 init_std: float = 0.05) -> None:
        super().__init__()
        self.in_features = in_features     # A: the flattened input features
        self.num_kernels = num_kernels     # B: how many closeness features to append
        self.kernel_dim = kernel_dim       # C: dimension each kernel compares examples in
        self.include_self = include_self   # True: the paper's sum over all j (each o_b >= 1)
        # Small init: with large M every pairwise exp(-L1) is ~0, so o_b is constant and carries no gradient.
        self.T = nn.Parameter(torch.randn(in_features, num_kernels, kernel_dim) * init_std)

    def forward(self, x: Tensor) -> Tensor:
        x = x.flatten(1)                                                     # [N, A]
        if x.shape[1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features per example, got {x.shape[1]}")
        M = (x @ self.T.flatten(1)).view(-1, self.num_kernels, self.kernel_dim)   # [N, B, C]
        l1 = (M.unsqueeze(1) - M.unsqueeze(0)).abs().sum(-1)                 # [N, N, B]: ||M_i,b - M_j,b||_1
        o = torch.exp(-l1).sum(1)                                            # [N, B]
        if not self.include_self:
            o = o - 1
        return torch.cat([x, o], dim=1)


class MinibatchStdDev(nn.Module):
    """x [N, C, *spatial] -> [N, C + F, *spatial] (also [N, C] -> [N, C + F]), ProGAN's minibatch standard deviation:

        split the batch into groups of G examples (example n is in group n mod (N / G), StyleGAN2's layout) and the
        C channels into F slices; for each group and slice
        s = mean over (channels of the slice, locations) of sqrt(Var_group[x] + eps)
        with the biased (1/G) variance over the G group members, per channel and location;
        append s as F constant feature maps to every member of the group.

    group_size=0 (or >= N) uses the whole batch as one group. N must be divisible by the group size (ProGAN uses
    min(4, N)); a ValueError says so otherwise.
    """

    def __init__(self, group_size: int = 4, num_channels: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.group_size = group_size       # G; 0 = whole batch
        self.num_channels = num_channels   # F extra channels (ProGAN: 1; StyleGAN2: 1 as well, configurable)
        self.eps = eps                     # inside the sqrt: keeps the gradient finite when a group is identical

    def forward(self, x: Tensor) -> Tensor:
        N, C, spatial = x.shape[0], x.shape[1], tuple(x.shape[2:])
        G = N if self.group_size <= 0 else min(self.group_size, N)
        F_ = self.num_channels
        if N % G:
            raise ValueError(f"batch size {N} is not divisible by the minibatch-std group size {G}")
        if C % F_:
            raise ValueError(f"{C} channels cannot be split into {F_} minibatch-std channels")
        M = N // G
        y = x.reshape(G, M, F_, C // F_, *spatial)                 # [G, M, F, C/F, *s]: member g of group m = g*M + m
        y = y - y.mean(0)
        y = (y.pow(2).mean(0) + self.eps).sqrt()                   # [M, F, C/F, *s]: std over the group
        y = y.flatten(2).mean(2)                                   # [M, F]: averaged over channels and locations
        y = y.reshape(M, F_, *(1,) * len(spatial)).repeat(G, 1, *(1,) * len(spatial))   # [N, F, 1...]: row g*M+m
        return torch.cat([x, y.expand(N, F_, *spatial)], dim=1)

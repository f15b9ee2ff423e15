"""The VAE's encoder q(z|x) = N(mu(x), diag exp(logvar(x))): the model family's D trunk with a Gaussian head.

    x -> D.features(x) [N, ...] -> flatten -> Linear -> (mu, logvar)   [N, z_dim] each

The trunk is the family's own discriminator (MLPDiscriminator's hidden layers for points and flattened images,
DCGAN's conv pyramid for images), built by the family's builder with the switches that make no sense in an encoder
(packing, minibatch layers, spectral norm, class conditioning) off; its logit layer psi is dropped. So the MLP VAE
and the conv VAE mirror their GANs: the decoder is the family's G, the encoder its D.
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch
from torch import Tensor, nn

from ..config.schema import ModelConfig
from .base import DataSpec


class GaussianEncoder(nn.Module):
    def __init__(self, trunk: nn.Module, in_shape: tuple[int, ...], z_dim: int) -> None:
        super().__init__()
        trunk.net[-1] = nn.Identity()       # psi (the logit layer) is unused: features() stops before it
        self.trunk = trunk
        self.z_dim = z_dim
        was_training = trunk.training
        with torch.no_grad():               # the trunk's output size, from a probe in eval mode (no BN update)
            feature_dim = math.prod(trunk.eval().features(torch.zeros(2, *in_shape)).shape[1:])
        trunk.train(was_training)
        self.out = nn.Linear(feature_dim, 2 * z_dim)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(mu, logvar) of q(z|x), [N, z_dim] each."""
        h = self.trunk.features(x).flatten(1)                   # [N, F]
        mu, logvar = self.out(h).chunk(2, dim=1)
        return mu, logvar


def build_encoder(cfg: ModelConfig, spec: DataSpec, z_dim: int) -> GaussianEncoder:
    """The encoder for the family of `cfg` (after G and D: it draws its initial weights from torch's seeded state)."""
    from . import build_models

    plain = replace(cfg, spectral_norm="none", mbstd_group=0, mbdisc_kernels=0, mbdisc_dim=5, pack=1,
                    conditioning="none", g_conditioning="auto", d_type="classifier", d_code=None)
    _, trunk = build_models(plain, spec)
    return GaussianEncoder(trunk, spec.shape, z_dim)


__all__ = ["GaussianEncoder", "build_encoder"]

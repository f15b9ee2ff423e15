"""Encoders x -> z, and BiGAN's joint discriminator D(x, z): the model family's D trunk with other heads.

    x -> trunk(x) [N, ...] -> flatten -> Linear -> (mu, logvar)   GaussianEncoder: q(z|x) = N(mu, diag exp(logvar))
                                        -> Linear -> z              DeterministicEncoder: z = E(x)

The trunk is the family's own discriminator (MLPDiscriminator's hidden layers for points and flattened images,
DCGAN's conv pyramid for images), built by the family's builder with the switches that make no sense in an encoder
(packing, minibatch layers, spectral norm, class conditioning) off; its logit layer psi is dropped. So the MLP VAE
and the conv VAE mirror their GANs: the decoder is the family's G, the encoder its D. Both encoders have
``encode(x)`` -> z [N, z_dim], their point estimate (mu for the Gaussian one): what reconstructions G(encode(x)) use.

BiGAN / ALI (Donahue et al. 2016; Dumoulin et al. 2016) train E against a D that sees pairs:

    D(x, z) = psi( joint( [trunk(x), zmlp(z)] ) )   logits [N], higher = more real (a pair (x, E(x)) of data)
      trunk(x):  the family's D trunk as above, flattened            [N, F]
      zmlp(z):   Linear(z_dim, w) -> LeakyReLU(0.2)                    [N, w]
      joint:     Dropout -> Linear(F + w, w) -> LeakyReLU(0.2) -> Dropout   (dropout p = model.joint_dropout, as
                 ALI's D, which uses 0.2 on every layer; 0 = off)
      psi:       Linear(w, 1)
with w = the trunk's width setting (model.d_width or the family's default). It keeps the D convention with z in the
place of the class c: ``D.features(x, z)`` -> h [N, w] (the joint layer's activations), ``D.head(h)`` -> logits,
D(x, z) == D.head(D.features(x, z)). BiGAN runs are unconditional (config validation says so).
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch
from torch import Tensor, nn

from ..config.schema import ModelConfig
from ..nn import apply_spectral_norm
from .base import DataSpec


def _feature_dim(trunk: nn.Module, in_shape: tuple[int, ...]) -> int:
    """The size of trunk.features(x) flattened, from a probe in eval mode (no BatchNorm update)."""
    was_training = trunk.training
    with torch.no_grad():
        feature_dim = math.prod(trunk.eval().features(torch.zeros(2, *in_shape)).shape[1:])
    trunk.train(was_training)
    return feature_dim


class GaussianEncoder(nn.Module):
    def __init__(self, trunk: nn.Module, in_shape: tuple[int, ...], z_dim: int) -> None:
        super().__init__()
        trunk.net[-1] = nn.Identity()       # psi (the logit layer) is unused: features() stops before it
        self.trunk = trunk
        self.z_dim = z_dim
        self.out = nn.Linear(_feature_dim(trunk, in_shape), 2 * z_dim)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(mu, logvar) of q(z|x), [N, z_dim] each."""
        h = self.trunk.features(x).flatten(1)                   # [N, F]
        mu, logvar = self.out(h).chunk(2, dim=1)
        return mu, logvar

    def encode(self, x: Tensor) -> Tensor:
        """The mean mu(x) [N, z_dim]."""
        return self(x)[0]


class DeterministicEncoder(nn.Module):
    """BiGAN's encoder (Donahue et al. 2016): z = E(x), a point, no noise."""

    def __init__(self, trunk: nn.Module, in_shape: tuple[int, ...], z_dim: int) -> None:
        super().__init__()
        trunk.net[-1] = nn.Identity()       # psi is unused, as in GaussianEncoder
        self.trunk = trunk
        self.z_dim = z_dim
        self.out = nn.Linear(_feature_dim(trunk, in_shape), z_dim)

    def forward(self, x: Tensor) -> Tensor:
        """z = E(x), [N, z_dim]."""
        return self.out(self.trunk.features(x).flatten(1))

    def encode(self, x: Tensor) -> Tensor:
        return self(x)


class JointDiscriminator(nn.Module):
    """BiGAN / ALI's D(x, z) (module docstring): logits [N], higher = more real, i.e. more like (x, E(x))."""

    def __init__(self, trunk: nn.Module, in_shape: tuple[int, ...], z_dim: int, width: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        trunk.net[-1] = nn.Identity()       # the trunk's own psi is unused: the joint head scores the pair
        self.trunk = trunk
        self.z_dim = z_dim
        self.z_net = nn.Sequential(nn.Linear(z_dim, width), nn.LeakyReLU(0.2))
        self.joint = nn.Sequential(nn.Dropout(dropout), nn.Linear(_feature_dim(trunk, in_shape) + width, width),
                                   nn.LeakyReLU(0.2), nn.Dropout(dropout))
        self.psi = nn.Linear(width, 1)

    def features(self, x: Tensor, z: Tensor | None = None) -> Tensor:
        """The joint layer's activations h [N, width] of the pair (x [N, ...], z [N, z_dim])."""
        if z is None:
            raise ValueError("BiGAN's D judges pairs: call D(x, z) (z = E(x) for data, the latent of G(z) for "
                             "samples); it has no score for x alone")
        if z.shape != (x.shape[0], self.z_dim):
            raise ValueError(f"z must be [N, z_dim] = [{x.shape[0]}, {self.z_dim}], got {tuple(z.shape)}")
        return self.joint(torch.cat([self.trunk.features(x).flatten(1), self.z_net(z)], dim=1))

    def head(self, h: Tensor, z: Tensor | None = None) -> Tensor:
        """Logits [N] from the joint features h (z is not read again: it is in h)."""
        return self.psi(h).squeeze(1)

    def forward(self, x: Tensor, z: Tensor | None = None) -> Tensor:
        return self.head(self.features(x, z))


ENCODER_KINDS = ("gaussian", "deterministic")


def _plain_trunk(cfg: ModelConfig, spec: DataSpec) -> nn.Module:
    """The family's D for `spec` with every switch that acts on D's head or looks across the batch off."""
    from . import build_models

    plain = replace(cfg, spectral_norm="none", mbstd_group=0, mbdisc_kernels=0, mbdisc_dim=5, pack=1,
                    conditioning="none", g_conditioning="auto", d_type="classifier", d_code=None, info_head=False,
                    semi_supervised=False)
    _, trunk = build_models(plain, spec)
    return trunk


def build_encoder(cfg: ModelConfig, spec: DataSpec, z_dim: int,
                  kind: str = "gaussian") -> GaussianEncoder | DeterministicEncoder:
    """The encoder for the family of `cfg`: `kind` gaussian (the VAE's, ALI's) or deterministic (BiGAN's). Build it
    after G and D: it draws its initial weights from torch's seeded state."""
    if kind not in ENCODER_KINDS:
        raise ValueError(f"bad encoder kind '{kind}'; choose one of: {', '.join(ENCODER_KINDS)}")
    cls = GaussianEncoder if kind == "gaussian" else DeterministicEncoder
    return cls(_plain_trunk(cfg, spec), spec.shape, z_dim)


def build_joint_discriminator(cfg: ModelConfig, spec: DataSpec, z_dim: int) -> JointDiscriminator:
    """BiGAN's D(x, z) for the family of `cfg`, its width model.d_width (or the trunk's default width), spectrally
    normalised with model.spectral_norm=d or both."""
    trunk = _plain_trunk(cfg, spec)
    width = cfg.d_width if cfg.d_width is not None else _default_width(trunk)
    D = JointDiscriminator(trunk, spec.shape, z_dim, width, dropout=cfg.joint_dropout)
    if cfg.spectral_norm in ("d", "both"):      # model.spectral_norm on D: every weight layer of the pair's D
        apply_spectral_norm(D)
    return D


def _default_width(trunk: nn.Module) -> int:
    """The family's default D width, read off the trunk: the output size of its first weight layer."""
    first = next(m for m in trunk.modules() if isinstance(m, (nn.Linear, nn.Conv2d)))
    return first.out_features if isinstance(first, nn.Linear) else first.out_channels


__all__ = ["DeterministicEncoder", "GaussianEncoder", "JointDiscriminator", "build_encoder",
           "build_joint_discriminator"]

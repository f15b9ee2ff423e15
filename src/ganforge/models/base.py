"""What a model family is: a name, defaults, and a builder of (G, D) for a data shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import Tensor, nn

from ..config.schema import ModelConfig
from ..nn import MinibatchDiscrimination, MinibatchStdDev, VirtualBatchNorm, apply_spectral_norm


@dataclass(frozen=True)
class DataSpec:
    """What a network needs to know of the data: no tensors, so a checkpoint can rebuild G without the dataset."""

    kind: Literal["points", "images"]
    shape: tuple[int, ...]              # (2,) or (C, H, W)
    num_classes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "shape": list(self.shape), "num_classes": self.num_classes}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DataSpec:
        return cls(d["kind"], tuple(d["shape"]), d.get("num_classes"))


@dataclass(frozen=True)
class ModelFamily:
    name: str
    build: Callable[[ModelConfig, DataSpec], tuple[nn.Module, nn.Module]]
    summary: str = ""


def resolved(cfg: ModelConfig, **defaults: Any) -> dict[str, Any]:
    """The config's values with None replaced by the family's defaults."""
    return {k: (getattr(cfg, k) if getattr(cfg, k) is not None else v) for k, v in defaults.items()}


# ---- switches shared by the families (the layers themselves live in ganforge.nn) ------------------------------------

def resolve_g_norm(cfg: ModelConfig, family_default: str) -> str:
    """G's normalisation: cfg.g_norm, with auto meaning the family's own choice."""
    return family_default if cfg.g_norm == "auto" else cfg.g_norm


def g_norm_layers(kind: str, num_features: int, images: bool) -> list[nn.Module]:
    """The normalisation after one of G's hidden layers: none, BatchNorm1d/2d, or VirtualBatchNorm (which then needs a
    reference pass: see `draw_reference_z`)."""
    if kind == "none":
        return []
    if kind == "batch":
        return [nn.BatchNorm2d(num_features) if images else nn.BatchNorm1d(num_features)]
    if kind == "virtual":
        return [VirtualBatchNorm(num_features)]
    raise ValueError(f"bad value for 'model.g_norm': '{kind}'; choose one of: auto, none, batch, virtual")


def draw_reference_z(kind: str, size: int, z_dim: int) -> Tensor | None:
    """VBN's reference batch for G: z_ref [size, z_dim] ~ N(0, I), drawn once, with G's initial weights, from torch's
    seeded generator (the trainer seeds it with train.seed); None unless kind is virtual. G keeps it as a buffer, so
    every checkpoint holds it and a loaded G normalises exactly as the trained one, without the dataset."""
    if kind != "virtual":
        return None
    if size < 1:
        raise ValueError(f"model.vbn_ref_size must be >= 1, got {size}")
    return torch.randn(size, z_dim)


def apply_spectral_norm_switch(cfg: ModelConfig, G: nn.Module, D: nn.Module) -> None:
    """model.spectral_norm: W / sigma(W) on every Linear/Conv/ConvTranspose weight of D, G or both. Applied after the
    family's initialisation (the power iteration's warm-up starts from the initial weights)."""
    if cfg.spectral_norm in ("d", "both"):
        apply_spectral_norm(D)
    if cfg.spectral_norm in ("g", "both"):
        apply_spectral_norm(G)


def batch_layers(mbstd_group: int, mbdisc_kernels: int, mbdisc_dim: int,
                 num_features: int) -> tuple[MinibatchStdDev | None, MinibatchDiscrimination | None]:
    """D's optional layers that look across the batch, in the order they run before D's output layer:
    MinibatchStdDev (appends 1 feature / channel) then MinibatchDiscrimination over the flattened result (appends B).
    `num_features` is what the minibatch-discrimination layer sees (flattened, after the std feature); 0 = off."""
    mbstd = MinibatchStdDev(mbstd_group, num_channels=1) if mbstd_group > 0 else None
    mbdisc = MinibatchDiscrimination(num_features, mbdisc_kernels, mbdisc_dim) if mbdisc_kernels > 0 else None
    return mbstd, mbdisc


def check_classifier_only(cfg: ModelConfig) -> None:
    """Options that act on a classifier D's features and head, which an autoencoder D does not have."""
    if cfg.d_type != "autoencoder":
        return
    for key, value, off in (("pack", cfg.pack, 1), ("mbstd_group", cfg.mbstd_group, 0),
                            ("mbdisc_kernels", cfg.mbdisc_kernels, 0)):
        if value != off:
            raise ValueError(f"model.{key}={value} works on a classifier D; model.d_type=autoencoder has no logit "
                             f"head to add it to (set model.{key}={off})")


class AutoencoderDiscriminator(nn.Module):
    """D of the energy GANs (BEGAN, EBGAN): an autoencoder whose reconstruction error is the energy.

        autoencode(x, c) -> (code [N, d_code], AE(x) [N, ...] shaped as x)
        features(x, c)   -> h = x - AE(x)                       the residual, [N, ...]
        head(h, c)       -> -mean over dims of |h|^power  [N]   the logit = -energy: higher = more real, like every D

    so D(x) == D.head(D.features(x)) = -L(x), with L(v) = mean |v - AE(v)|^power (power 1: BEGAN's L1, 2: EBGAN's
    mean squared error; the trainer sets `power` from the loss). Subclasses define encode(x) and decode(code).
    """

    power: int = 1   # the energy's exponent

    def encode(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def decode(self, code: Tensor) -> Tensor:
        raise NotImplementedError

    def autoencode(self, x: Tensor, c: Tensor | None = None) -> tuple[Tensor, Tensor]:
        code = self.encode(x)
        return code, self.decode(code).view_as(x)

    def features(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        return x - self.autoencode(x, c)[1]

    def head(self, h: Tensor, c: Tensor | None = None) -> Tensor:
        # = -ganforge.losses.energy.autoencoder_energy(x, AE(x), power), written out: models do not import losses
        return -h.abs().pow(self.power).flatten(1).mean(1)

    def forward(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        return self.head(self.features(x, c), c)

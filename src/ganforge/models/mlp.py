"""Fully connected G and D (Goodfellow et al. 2014 used MLPs on MNIST; the 2-D toy literature uses them too).

G: z -> [Linear -> (BatchNorm) -> ReLU] x depth -> Linear -> (tanh for images | identity for points)
D: x -> [Linear -> LeakyReLU(0.2)] x depth -> Linear -> logit
Images are flattened on the way into D and reshaped on the way out of G.
Class-conditional (model.conditioning, blocks from ganforge.nn.conditional): one-hot c appended to z / x (input) or
to the first hidden layer (hidden); conditional BatchNorm in every G layer (cbn); D's projection or AC-GAN head on
its last hidden layer (models/base.py Discriminator).
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from ..config.schema import ModelConfig
from ..nn.conditional import ConditionalBatchNorm, ConditionalSequential, LabelConcat, check_labels
from . import MODELS
from .base import UNCONDITIONAL, Conditioning, DataSpec, Discriminator, ModelFamily, resolved
from .latent import LatentPrior

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": lambda: nn.LeakyReLU(0.2)}


class MLPGenerator(nn.Module):
    def __init__(self, latent: LatentPrior | int, out_shape: tuple[int, ...], width: int, depth: int,
                 batchnorm: bool, tanh: bool, activation: str = "relu", num_classes: int | None = None,
                 conditioning: str = "none") -> None:
        super().__init__()
        self.latent = latent if isinstance(latent, LatentPrior) else LatentPrior(latent)
        self.z_dim, self.out_shape = self.latent.dim, out_shape  # z_dim: the width of z, one-hot part included
        self.num_classes = num_classes if conditioning != "none" else None  # K of a conditional G, else None
        self.conditioning = conditioning  # none | input | hidden | cbn (cbn replaces the plain BatchNorm)
        K = num_classes or 0
        layers: list[nn.Module] = [LabelConcat(K)] if conditioning == "input" else []
        fan_in = self.z_dim + (K if conditioning == "input" else 0)
        for i in range(depth):
            layers += [nn.Linear(fan_in, width)]
            if conditioning == "cbn":
                layers += [ConditionalBatchNorm(width, K, spatial=False)]
            elif batchnorm:
                layers += [nn.BatchNorm1d(width)]
            layers += [ACTIVATIONS[activation]()]
            fan_in = width
            if i == 0 and conditioning == "hidden":
                layers += [LabelConcat(K)]
                fan_in += K
        layers += [nn.Linear(fan_in, math.prod(out_shape))]
        layers += [nn.Tanh()] if tanh else []
        self.net = ConditionalSequential(*layers)

    def forward(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        c = check_labels(c, self.num_classes, z.shape[0], "G") if self.num_classes else None
        return self.net(z, c).view(-1, *self.out_shape)


class MLPDiscriminator(Discriminator):
    """With pack = m > 1 (PacGAN) D sees m samples side by side and gives one logit per pack: a batch of N samples
    yields N / m logits, so every loss (a mean over logits) works unchanged."""

    def __init__(self, in_shape: tuple[int, ...], width: int, depth: int, pack: int = 1,
                 cond: Conditioning = UNCONDITIONAL) -> None:
        super().__init__()
        self.pack = pack
        K = cond.num_classes or 0
        layers: list[nn.Module] = [LabelConcat(K)] if cond.d == "input" else []
        fan_in = math.prod(in_shape) * pack + (K if cond.d == "input" else 0)
        for i in range(depth):
            layers += [nn.Linear(fan_in, width), nn.LeakyReLU(0.2)]
            fan_in = width
            if i == 0 and cond.d == "hidden":
                layers += [LabelConcat(K)]
                fan_in += K
        layers += [nn.Linear(fan_in, 1)]
        self.net = ConditionalSequential(*layers)
        self.add_class_parts(cond, fan_in)

    def features(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        """The last hidden layer's activations, [N / pack, width] (+ K one-hot columns for hidden conditioning at
        depth 1)."""
        if x.shape[0] % self.pack:
            raise ValueError(f"a batch of {x.shape[0]} samples does not split into packs of {self.pack}")
        return self.net[:-1](x.reshape(x.shape[0] // self.pack, -1), self.trunk_labels(c, x.shape[0]))


def build(cfg: ModelConfig, spec: DataSpec) -> tuple[nn.Module, nn.Module]:
    p = resolved(cfg, z_dim=64, g_width=256, d_width=256)
    if cfg.g_depth < 1 or cfg.d_depth < 1:
        raise ValueError(f"mlp needs model.g_depth and model.d_depth >= 1, got {cfg.g_depth}, {cfg.d_depth}")
    cond = Conditioning.of(cfg, spec)
    G = MLPGenerator(LatentPrior(p["z_dim"], cfg.z_categories), spec.shape, p["g_width"], cfg.g_depth, cfg.g_batchnorm,
                     tanh=spec.kind == "images", activation=cfg.g_activation, num_classes=cond.num_classes,
                     conditioning=cond.g)
    if cfg.pack < 1:
        raise ValueError(f"model.pack must be >= 1, got {cfg.pack}")
    D = MLPDiscriminator(spec.shape, p["d_width"], cfg.d_depth, pack=cfg.pack, cond=cond)
    return G, D


MODELS.add("mlp", ModelFamily("mlp", build, "fully connected G and D (2-D points or flattened images)"))

__all__ = ["MLPDiscriminator", "MLPGenerator"]

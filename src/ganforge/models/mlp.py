"""Fully connected G and D (Goodfellow et al. 2014 used MLPs on MNIST; the 2-D toy literature uses them too).

G: z -> [Linear -> (BatchNorm | VirtualBatchNorm) -> act] x depth -> Linear -> (tanh for images | identity for points)
D: x -> [Linear -> LeakyReLU(0.2)] x depth -> h -> (MinibatchStdDev) -> (MinibatchDiscrimination) -> Linear -> logit
AE D (model.d_type=autoencoder): x -> [Linear -> ELU] x depth -> Linear -> code -> [Linear -> ELU] x depth -> Linear
Images are flattened on the way into D and reshaped on the way out of G. Spectral norm (model.spectral_norm) wraps
every Linear of D and/or G; weight norm (model.d_norm=weight) every Linear of D. Salimans et al. 2016's semi-supervised
D: per-layer widths (model.d_widths) and Gaussian noise on D's input and hidden layers in training mode
(model.d_input_noise, model.d_hidden_noise; ganforge.nn.noise).
Class-conditional (model.conditioning, blocks from ganforge.nn.conditional): one-hot c appended to z / x (input) or
to the first hidden layer (hidden); conditional BatchNorm in every G layer (cbn); D's projection or AC-GAN head on
its last hidden layer h (models/base.py Discriminator, whose head also holds the minibatch layers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from ..config.schema import ModelConfig
from ..nn import GaussianNoise
from ..nn.conditional import ConditionalSequential, LabelConcat, check_labels
from . import MODELS
from .base import (
    UNCONDITIONAL,
    AutoencoderDiscriminator,
    Conditioning,
    DataSpec,
    Discriminator,
    ModelFamily,
    apply_d_norm_switch,
    apply_spectral_norm_switch,
    check_classifier_only,
    draw_reference_z,
    g_norm_layers,
    record_vbn_reference,
    resolve_g_norm,
    resolved,
)
from .latent import LatentPrior

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": lambda: nn.LeakyReLU(0.2), "softplus": nn.Softplus}


class MLPGenerator(nn.Module):
    def __init__(self, latent: LatentPrior | int, out_shape: tuple[int, ...], width: int, depth: int, norm: str,
                 tanh: bool, activation: str = "relu", num_classes: int | None = None, conditioning: str = "none",
                 vbn_ref_size: int = 64) -> None:
        super().__init__()
        self.latent = latent if isinstance(latent, LatentPrior) else LatentPrior(latent)
        self.z_dim, self.out_shape = self.latent.dim, out_shape  # z_dim: the width of z, one-hot part included
        self.num_classes = num_classes if conditioning != "none" else None  # K of a conditional G, else None
        self.conditioning = conditioning  # none | input | hidden | cbn (norm is then cbn: see resolve_g_norm)
        K = num_classes or 0
        layers: list[nn.Module] = [LabelConcat(K)] if conditioning == "input" else []
        fan_in = self.z_dim + (K if conditioning == "input" else 0)
        for i in range(depth):
            layers += [nn.Linear(fan_in, width), *g_norm_layers(norm, width, images=False, num_classes=K),
                       ACTIVATIONS[activation]()]
            fan_in = width
            if i == 0 and conditioning == "hidden":
                layers += [LabelConcat(K)]
                fan_in += K
        layers += [nn.Linear(fan_in, math.prod(out_shape))]
        layers += [nn.Tanh()] if tanh else []
        self.net = ConditionalSequential(*layers)
        self.register_buffer("z_ref", draw_reference_z(norm, vbn_ref_size, self.latent))  # [R, z_dim]; None w/o VBN

    def forward(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        c = check_labels(c, self.num_classes, z.shape[0], "G") if self.num_classes else None
        if self.z_ref is not None:
            record_vbn_reference(self.net, self.z_ref, self.num_classes)
        return self.net(z, c).view(-1, *self.out_shape)


class MLPDiscriminator(Discriminator):
    """With pack = m > 1 (PacGAN) D sees m samples side by side and gives one logit per pack: a batch of N samples
    yields N / m logits, so every loss (a mean over logits) works unchanged.

    The layers that look across the batch (minibatch stddev, minibatch discrimination) sit in the head, between the
    last hidden layer h and the output layer, so features(x) stays per-sample; with packing they compare packs.

    Gaussian noise (Salimans et al. 2016's semi-supervised D; training mode only): `input_noise` on x, `hidden_noise`
    on every hidden layer's output before the next layer, the output layer included; that last one runs in the head
    (Discriminator.head_noise), so features(x) is the last hidden layer before its noise, as in Salimans's feature
    matching, and D(x) == D.head(D.features(x)) still holds (exactly in eval mode, in distribution in training)."""

    def __init__(self, in_shape: tuple[int, ...], width: int, depth: int, pack: int = 1,
                 cond: Conditioning = UNCONDITIONAL, mbstd_group: int = 0, mbdisc_kernels: int = 0,
                 mbdisc_dim: int = 5, widths: Sequence[int] | None = None, input_noise: float = 0.0,
                 hidden_noise: float = 0.0) -> None:
        super().__init__()
        self.pack = pack
        widths = list(widths) if widths is not None else [width] * depth   # hidden widths, first to last
        K = cond.num_classes or 0
        layers: list[nn.Module] = [GaussianNoise(input_noise)] if input_noise > 0 else []
        layers += [LabelConcat(K)] if cond.d == "input" else []
        fan_in = math.prod(in_shape) * pack + (K if cond.d == "input" else 0)
        for i, w in enumerate(widths):
            layers += [nn.Linear(fan_in, w), nn.LeakyReLU(0.2)]
            fan_in = w
            if hidden_noise > 0 and i < len(widths) - 1:   # the last hidden layer's noise is the head's
                layers += [GaussianNoise(hidden_noise)]
            if i == 0 and cond.d == "hidden":
                layers += [LabelConcat(K)]
                fan_in += K
        psi_in = fan_in + (1 if mbstd_group > 0 else 0)  # + the std feature
        layers += [nn.Linear(psi_in, 1)]                  # psi
        self.net = ConditionalSequential(*layers)
        self.add_batch_layers(mbstd_group, mbdisc_kernels, mbdisc_dim, psi_in)
        self.add_class_parts(cond, fan_in)
        if hidden_noise > 0:
            self.head_noise = GaussianNoise(hidden_noise)

    def features(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        """The last hidden layer's activations, [N / pack, width] (+ K one-hot columns for hidden conditioning at
        depth 1), before that layer's noise (model.d_hidden_noise, applied in the head)."""
        if x.shape[0] % self.pack:
            raise ValueError(f"a batch of {x.shape[0]} samples does not split into packs of {self.pack}")
        return self.net[:-1](x.reshape(x.shape[0] // self.pack, -1), self.trunk_labels(c, x.shape[0]))


class MLPAutoencoder(AutoencoderDiscriminator):
    """The energy GANs' D for points or flattened images: ELU units (as BEGAN's), a linear code of size `code`."""

    def __init__(self, in_shape: tuple[int, ...], width: int, depth: int, code: int) -> None:
        super().__init__()
        dim = math.prod(in_shape)
        enc: list[nn.Module] = []
        fan_in = dim
        for _ in range(depth):
            enc += [nn.Linear(fan_in, width), nn.ELU()]
            fan_in = width
        self.encoder = nn.Sequential(*enc, nn.Linear(fan_in, code))
        dec: list[nn.Module] = []
        fan_in = code
        for _ in range(depth):
            dec += [nn.Linear(fan_in, width), nn.ELU()]
            fan_in = width
        self.decoder = nn.Sequential(*dec, nn.Linear(fan_in, dim))

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x.flatten(1))       # [N, code]

    def decode(self, code: Tensor) -> Tensor:
        return self.decoder(code)               # [N, dim], reshaped to x's shape by autoencode


def build(cfg: ModelConfig, spec: DataSpec) -> tuple[nn.Module, nn.Module]:
    p = resolved(cfg, z_dim=64, g_width=256, d_width=256, d_code=8)
    if cfg.g_depth < 1 or cfg.d_depth < 1:
        raise ValueError(f"mlp needs model.g_depth and model.d_depth >= 1, got {cfg.g_depth}, {cfg.d_depth}")
    if cfg.pack < 1:
        raise ValueError(f"model.pack must be >= 1, got {cfg.pack}")
    check_classifier_only(cfg)
    cond = Conditioning.of(cfg, spec)
    latent = LatentPrior(p["z_dim"], cfg.z_categories, cfg.z_continuous)
    G = MLPGenerator(latent, spec.shape, p["g_width"], cfg.g_depth,
                     resolve_g_norm(cfg, "none", cond), tanh=spec.kind == "images", activation=cfg.g_activation,
                     num_classes=cond.num_classes, conditioning=cond.g, vbn_ref_size=cfg.vbn_ref_size)
    if cfg.d_type == "autoencoder":
        if cfg.d_widths is not None or cfg.d_input_noise > 0 or cfg.d_hidden_noise > 0:
            raise ValueError("model.d_widths, d_input_noise and d_hidden_noise shape a classifier D; the autoencoder "
                             "D (model.d_type=autoencoder) takes model.d_width and d_depth only")
        D: nn.Module = MLPAutoencoder(spec.shape, p["d_width"], cfg.d_depth, p["d_code"])
    else:
        D = MLPDiscriminator(spec.shape, p["d_width"], cfg.d_depth, pack=cfg.pack, cond=cond,
                             mbstd_group=cfg.mbstd_group, mbdisc_kernels=cfg.mbdisc_kernels,
                             mbdisc_dim=cfg.mbdisc_dim, widths=cfg.d_widths, input_noise=cfg.d_input_noise,
                             hidden_noise=cfg.d_hidden_noise)
    if cfg.d_type != "autoencoder":
        D.add_code_heads(cfg, spec)
    apply_d_norm_switch(cfg, D)
    apply_spectral_norm_switch(cfg, G, D)
    return G, D


MODELS.add("mlp", ModelFamily("mlp", build, "fully connected G and D (2-D points or flattened images)"))

__all__ = ["MLPAutoencoder", "MLPDiscriminator", "MLPGenerator"]

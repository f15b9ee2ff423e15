"""What a model family is: a name, defaults, and a builder of (G, D) for a data shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import Tensor, nn

from ..config.parse import ConfigError
from ..config.schema import ModelConfig
from ..nn import (
    ClassProjection,
    ConditionalBatchNorm,
    GaussianNoise,
    MinibatchDiscrimination,
    MinibatchStdDev,
    VirtualBatchNorm,
    apply_spectral_norm,
    apply_weight_norm,
    balanced_labels,
    check_labels,
    data_dependent_init,
    record_reference,
    spectral_norm,
)
from .latent import LatentPrior


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


# How G reads c when model.g_conditioning=auto: the pairing of each D with the G of its paper.
G_CONDITIONING_AUTO = {"none": "none", "input": "input", "hidden": "hidden", "projection": "cbn", "acgan": "input"}
LABELLED_DATASETS = "digits, mnist, or folder with one subfolder per class"


@dataclass(frozen=True)
class Conditioning:
    """How one (G, D) pair reads the class c (see ModelConfig.conditioning)."""

    num_classes: int | None             # K; None for an unconditional pair
    d: str = "none"                     # none | input | hidden | projection | acgan
    g: str = "none"                     # none | input | hidden | cbn

    @classmethod
    def of(cls, cfg: ModelConfig, spec: DataSpec) -> Conditioning:
        if cfg.conditioning == "none":
            if cfg.g_conditioning != "auto":
                raise ConfigError(f"model.g_conditioning={cfg.g_conditioning} needs model.conditioning other than none")
            return cls(None)
        if cfg.d_type == "autoencoder":
            raise ConfigError(AUTOENCODER_CONDITIONING.format(conditioning=cfg.conditioning))
        if not spec.num_classes:
            raise ConfigError(f"model.conditioning={cfg.conditioning} needs class labels, and this {spec.kind} data "
                              f"has none: use a labelled dataset ({LABELLED_DATASETS}) or model.conditioning=none")
        g = G_CONDITIONING_AUTO[cfg.conditioning] if cfg.g_conditioning == "auto" else cfg.g_conditioning
        return cls(spec.num_classes, cfg.conditioning, g)


UNCONDITIONAL = Conditioning(None)
INFO_NEEDS_CODES = ("model.info_head=true (InfoGAN's Q head) predicts G's latent codes, and there are none: set "
                    "model.z_categories >= 2 and/or model.z_continuous >= 1 (Chen et al. 2016's MNIST: 10 and 2)")

# Shared with config validation, which says it before any model is built.
AUTOENCODER_CONDITIONING = ("model.conditioning={conditioning} reads the class in a classifier D's trunk or head; "
                            "an autoencoder D (model.d_type=autoencoder, BEGAN/EBGAN) scores reconstructions and has "
                            "neither: use model.conditioning=none, or model.d_type=classifier with a logit loss")


# ---- switches shared by the families (the layers themselves live in ganforge.nn) ------------------------------------

def resolve_g_norm(cfg: ModelConfig, family_default: str, cond: Conditioning = UNCONDITIONAL) -> str:
    """G's normalisation: cfg.g_norm, with auto meaning the family's own choice; "cbn" when G reads the class through
    conditional BatchNorm (g_conditioning=cbn), which is a batch norm and so takes the place of G's plain one."""
    if cond.g == "cbn":
        if cfg.g_norm in ("none", "virtual"):
            raise ConfigError(CBN_G_NORM.format(g_norm=cfg.g_norm))
        return "cbn"
    return family_default if cfg.g_norm == "auto" else cfg.g_norm


CBN_G_NORM = ("model.g_conditioning=cbn (the default G of model.conditioning=projection) reads the class through "
              "conditional BatchNorm, which replaces G's normalisation, but model.g_norm={g_norm} asks for another: "
              "set model.g_norm=auto or batch, or let G read the class with model.g_conditioning=input or hidden")


def g_norm_layers(kind: str, num_features: int, images: bool, num_classes: int | None = None) -> list[nn.Module]:
    """The normalisation after one of G's hidden layers: none, BatchNorm1d/2d, VirtualBatchNorm (which then needs a
    reference pass: see `draw_reference_z`) or ConditionalBatchNorm over `num_classes` classes (kind cbn)."""
    if kind == "none":
        return []
    if kind == "batch":
        return [nn.BatchNorm2d(num_features) if images else nn.BatchNorm1d(num_features)]
    if kind == "virtual":
        return [VirtualBatchNorm(num_features)]
    if kind == "cbn" and num_classes:
        return [ConditionalBatchNorm(num_features, num_classes, spatial=images)]
    raise ValueError(f"bad value for 'model.g_norm': '{kind}'; choose one of: auto, none, batch, virtual")


def draw_reference_z(kind: str, size: int, latent: LatentPrior) -> Tensor | None:
    """VBN's reference batch for G: z_ref = latent.sample(size) [size, latent.dim], drawn from the prior G trains on
    (one-hot part included when model.z_categories > 0), once, with G's initial weights, from torch's seeded generator
    (the trainer seeds it with train.seed); None unless kind is virtual. G keeps it as a buffer, so every checkpoint
    holds it and a loaded G normalises exactly as the trained one, without the dataset."""
    if kind != "virtual":
        return None
    if size < 1:
        raise ValueError(f"model.vbn_ref_size must be >= 1, got {size}")
    return latent.sample(size)


def record_vbn_reference(net: nn.Module, z_ref: Tensor, num_classes: int | None) -> None:
    """VBN: this call's reference statistics, from the fixed z_ref and today's weights (`ganforge.nn.vbn`). A
    class-conditional G reads labels in its reference pass too: balanced ones, 0, 1, ..., K-1, 0, ..., so R's
    statistics cover every class equally and need no random draw (nothing new to checkpoint)."""
    c_ref = balanced_labels(z_ref.shape[0], num_classes, z_ref.device) if num_classes else None
    record_reference(net, z_ref, c_ref)


WEIGHT_NORM_V_STD = 0.1      # v's scale, Salimans et al. 2016's MNIST D (theta ~ N(0, 0.1)): sets the step on v


def apply_d_norm_switch(cfg: ModelConfig, D: nn.Module) -> None:
    """model.d_norm=weight: w = g v / ||v|| on every Linear/Conv weight of D, heads included (Salimans & Kingma
    2016; ganforge.nn.weight_norm), v at Salimans et al.'s scale (``v_std`` there); g and the biases are then set
    by `weight_norm_init_from_data`. Config validation keeps spectral norm off D then."""
    if cfg.d_norm == "weight":
        apply_weight_norm(D, v_std=WEIGHT_NORM_V_STD)


WEIGHT_NORM_INIT_SIZE = 500   # images of the data-dependent init pass: Salimans et al. 2016's init_param(trainx[:500])


def weight_norm_init_from_data(cfg: ModelConfig, D: nn.Module, dataset: Any, device: torch.device | str) -> int:
    """model.d_norm=weight: Salimans & Kingma's data-dependent init of D's weight-normalised layers
    (ganforge.nn.weight_norm.data_dependent_init) on the first 500 training examples (fewer if the data are
    smaller; 500 draws of a generator seeded 0 from an infinite 2-D distribution), in order: one pass of D(x, c), so
    every layer on the way to D's logit, the semi-supervised K-class head included, starts with unit-variance
    pre-activations. D's Gaussian noise layers are on in that pass, as in Salimans et al.'s code (their init pass is
    not deterministic), so the unit variance is that of signal + noise and D does not start with its noise
    amplified; the noise comes from torch's seeded generator, everything else (BatchNorm) runs in eval mode. The
    trainer runs it once right after building the networks (a resumed run loads the initialised weights and RNG
    state instead), and the semi-supervised baseline does the same after the same seed, so both start from the same
    weights. Returns the number of layers initialised."""
    if cfg.d_norm != "weight":
        return 0
    if hasattr(dataset, "sample"):      # an infinite 2-D distribution: 500 draws from a generator of their own
        n = WEIGHT_NORM_INIT_SIZE - WEIGHT_NORM_INIT_SIZE % cfg.pack
        x, c = dataset.sample(n, torch.Generator().manual_seed(0)) / dataset.scale, None
    else:
        n = min(WEIGHT_NORM_INIT_SIZE, len(dataset))
        n -= n % cfg.pack                                   # D judges packs of samples
        x, c = dataset.batch(torch.arange(n))
    x = x.to(device)
    c = c.to(device) if c is not None and getattr(D, "conditioning", "none") != "none" else None
    was_training = D.training
    D.eval()
    for m in D.modules():
        if isinstance(m, GaussianNoise):
            m.train()
    try:
        return data_dependent_init(D, lambda: D(x, c))
    finally:
        D.train(was_training)


def apply_spectral_norm_switch(cfg: ModelConfig, G: nn.Module, D: nn.Module) -> None:
    """model.spectral_norm: W / sigma(W) on every Linear/Conv/ConvTranspose weight of D, G or both. Applied after the
    family's initialisation (the power iteration's warm-up starts from the initial weights). A projection D's class
    embedding V is normalised too, as Miyato & Koyama 2018's released code does (SNEmbedID); G's conditional-BN
    embeddings are gains and biases, which Miyato et al. leave alone, as we do."""
    if cfg.spectral_norm in ("d", "both"):
        apply_spectral_norm(D)
        projection = getattr(D, "projection", None)
        if projection is not None:
            spectral_norm(projection.embed)
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


def square_image_shape(family: str, cfg: ModelConfig, spec: DataSpec) -> tuple[int, int, int]:
    """(C, H, W) of the data for a convolutional family, after the checks every one of them makes: image data,
    square, and none of the mlp family's own options (packing, per-layer D widths, D noise)."""
    if spec.kind != "images":
        raise ValueError(f"{family} needs image data (digits, mnist, folder); for 2-D points use model.name=mlp")
    if cfg.pack != 1:
        raise ValueError("model.pack (PacGAN) is implemented for the mlp family only")
    if cfg.d_widths is not None or cfg.d_input_noise > 0 or cfg.d_hidden_noise > 0:
        raise ValueError("model.d_widths, d_input_noise and d_hidden_noise are implemented for the mlp family only "
                         "(set model.name=mlp)")
    c, h, w = spec.shape
    if h != w:
        raise ValueError(f"{family} needs square images, got {h}x{w}")
    return c, h, w


def to_memory_format(cfg: ModelConfig, *nets: nn.Module) -> tuple[nn.Module, ...]:
    """model.channels_last: the convolutional nets in NHWC memory format (faster convolutions on some CPUs and
    GPUs); unchanged otherwise."""
    if not cfg.channels_last:
        return nets
    return tuple(net.to(memory_format=torch.channels_last) for net in nets)


def check_classifier_only(cfg: ModelConfig) -> None:
    """Options that act on a classifier D's features and head, which an autoencoder D does not have."""
    if cfg.d_type != "autoencoder":
        return
    for key, value, off in (("pack", cfg.pack, 1), ("mbstd_group", cfg.mbstd_group, 0),
                            ("mbdisc_kernels", cfg.mbdisc_kernels, 0)):
        if value != off:
            raise ValueError(f"model.{key}={value} works on a classifier D; model.d_type=autoencoder has no logit "
                             f"head to add it to (set model.{key}={off})")


def looks_across_the_batch(D: nn.Module) -> bool:
    """True when D's logit for a sample depends on the other samples of its batch (minibatch layers in its head):
    then D cannot score points one by one (heat maps, per-point critic statistics are meaningless for it)."""
    return any(isinstance(m, (MinibatchDiscrimination, MinibatchStdDev)) for m in D.modules())


class Discriminator(nn.Module):
    """D(x, c) = head(features(x, c), c); logits [N], higher = more real.

    A family builds ``self.net`` (trunk layers, then psi: the layer mapping features to the unconditional logit),
    writes ``features`` and calls :meth:`add_batch_layers` and :meth:`add_class_parts`, which add what the switches
    need after the trunk. The head, with h = features(x, c) [N, ...]:

        y      = [h, MinibatchStdDev(h)]                          (model.mbstd_group; else y = h)
        logit  = psi(y)
               + w^T o(y),  o = MinibatchDiscrimination(y) [N, B]   (model.mbdisc_kernels)
               + <V_c, h>                                          (projection D, Miyato & Koyama 2018)

    and AC-GAN's classifier reads h too (``classify(h)`` -> [N, K] logits), as do InfoGAN's Q head (``info(h)``) and
    the semi-supervised GAN's K-class head (``add_code_heads``), whose logsumexp then *is* the logit (psi unused).
    psi(y) + w^T o is one linear layer on [y, o]: Salimans et al. 2016's "concatenate o to the features and go on".
    The layers that look across the batch sit here, in the head, so features(x, c) stays per-sample (feature
    matching, AC-GAN, the class term, Q read it).
    """

    net: nn.Sequential

    def __init__(self) -> None:
        super().__init__()
        self.num_classes: int | None = None         # K for a conditional D
        self.conditioning = "none"                  # how it reads c: none | input | hidden | projection | acgan
        self.projection: ClassProjection | None = None
        self.classifier: nn.Linear | None = None
        self.mbstd: MinibatchStdDev | None = None           # the head's layers across the batch; None = off
        self.mbdisc: MinibatchDiscrimination | None = None
        self.mbdisc_out: nn.Linear | None = None            # w: o [N, B] -> its share of the logit
        self.feature_dim = 0                                # flattened size of features(x, c) per sample
        self.q: nn.Sequential | None = None                 # InfoGAN's Q(c | x) head; None = off
        self.q_split: tuple[int, int] = (0, 0)              # (K categories, m continuous) that Q predicts
        self.semi: nn.Linear | None = None                  # semi-supervised GAN's K class logits; None = off
        self.head_noise: GaussianNoise | None = None        # Gaussian noise on h before the output layer(s), training
                                                            #   mode only (mlp's model.d_hidden_noise); None = off

    def add_class_parts(self, cond: Conditioning, feature_dim: int) -> None:
        """feature_dim: the flattened size of features(x, c) per sample."""
        self.num_classes, self.conditioning = cond.num_classes, cond.d
        self.feature_dim = feature_dim
        if cond.d == "projection":
            self.projection = ClassProjection(cond.num_classes, feature_dim)
        if cond.d == "acgan":
            self.classifier = nn.Linear(feature_dim, cond.num_classes)

    def add_code_heads(self, cfg: ModelConfig, spec: DataSpec, q_batchnorm: bool = False) -> None:
        """The small heads on the shared trunk's features h that model.info_head and model.semi_supervised ask for:

            Q(c | x):  h -> Linear(F, 128) -> LeakyReLU(0.1) -> Linear(128, K + m)   [N, K] category logits and
                       [N, m] means of the continuous codes (InfoGAN, Chen et al. 2016: Q shares all of D's layers
                       but a final fully connected one with 128 units; `q_batchnorm` puts their BatchNorm
                       after the 128 units, as in their MNIST table)
            semi:      h -> Linear(F, K) class logits l_1..l_K; D's logit becomes logsumexp_k l_k (Salimans 2016)

        Called by the families after the trunk and `add_class_parts`; nothing is built (and no random draw made)
        when both are off, so other runs are unchanged."""
        if cfg.info_head:
            K, m = cfg.z_categories, cfg.z_continuous
            if K + m == 0:
                raise ConfigError(INFO_NEEDS_CODES)
            norm = [nn.BatchNorm1d(128)] if q_batchnorm else []
            self.q = nn.Sequential(nn.Linear(self.feature_dim, 128, bias=not q_batchnorm), *norm, nn.LeakyReLU(0.1),
                                   nn.Linear(128, K + m))
            self.q_split = (K, m)
        if cfg.semi_supervised:
            if not spec.num_classes:
                raise ConfigError(f"model.semi_supervised=true trains a {spec.kind} D as a classifier of the data's "
                                  f"classes, and this data has no labels: use a labelled dataset "
                                  f"({LABELLED_DATASETS})")
            self.semi = nn.Linear(self.feature_dim, spec.num_classes)

    def info(self, h: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """InfoGAN's Q from features h: (category logits [N, K] or None, continuous means [N, m] or None)."""
        if self.q is None:
            raise ValueError("this D has no Q head (InfoGAN's is model.info_head=true)")
        out = self.q(h.flatten(1))                                            # [N, K + m]
        K, m = self.q_split
        return (out[:, :K] if K else None), (out[:, K:] if m else None)

    def add_batch_layers(self, mbstd_group: int, mbdisc_kernels: int, mbdisc_dim: int, psi_in: int) -> None:
        """The minibatch layers of the head; psi_in: the flattened size of y (features + the std feature) per
        sample, what minibatch discrimination reads. The family builds psi for y's size."""
        self.mbstd, self.mbdisc = batch_layers(mbstd_group, mbdisc_kernels, mbdisc_dim, psi_in)
        self.mbdisc_out = nn.Linear(mbdisc_kernels, 1, bias=False) if mbdisc_kernels > 0 else None

    def trunk_labels(self, c: Tensor | None, n: int) -> Tensor | None:
        """c, checked, when the trunk (features) reads it: input and hidden conditioning; else None (unused)."""
        if self.conditioning not in ("input", "hidden"):
            return None
        return check_labels(c, self.num_classes, n, "D")  # type: ignore[arg-type]

    def features(self, x: Tensor, c: Tensor | None = None) -> Tensor:  # pragma: no cover - per family
        raise NotImplementedError

    def head(self, h: Tensor, c: Tensor | None = None) -> Tensor:
        if self.head_noise is not None:
            h = self.head_noise(h)      # training mode only: Salimans's noise before the output layer
        if self.semi is not None:       # semi-supervised: D(x) = Z / (Z + 1), logit log Z = logsumexp of the K logits
            return torch.logsumexp(self.semi(h.flatten(1)), dim=1)            # [N]; psi is not used
        y = self.mbstd(h) if self.mbstd is not None else h                   # [N, F + 1, ...]: + the group's std
        logits = self.net[-1](y).flatten()                                    # psi(y): [N]
        if self.mbdisc is not None and self.mbdisc_out is not None:
            o = self.mbdisc(y)[:, -self.mbdisc.num_kernels:]                  # [N, B]: closeness to the batch
            logits = logits + self.mbdisc_out(o).squeeze(1)
        if self.projection is not None:
            logits = logits + self.projection(h, check_labels(c, self.num_classes, h.shape[0], "D"))
        return logits

    def classify(self, h: Tensor) -> Tensor:
        """Class logits [N, K] from features h: AC-GAN's classifier (model.conditioning=acgan) or the
        semi-supervised D's K logits (model.semi_supervised=true); h gets the head's noise first, as in head."""
        if self.head_noise is not None:
            h = self.head_noise(h)
        if self.semi is not None:
            return self.semi(h.flatten(1))
        if self.classifier is None:
            raise ValueError(f"this D has no classifier head (model.conditioning={self.conditioning}; AC-GAN's "
                             f"is model.conditioning=acgan)")
        return self.classifier(h.flatten(1))

    def forward(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        return self.head(self.features(x, c), c)


class AutoencoderDiscriminator(nn.Module):
    """D of the energy GANs (BEGAN, EBGAN): an autoencoder whose reconstruction error is the energy.

        autoencode(x, c) -> (code [N, d_code], AE(x) [N, ...] shaped as x)
        features(x, c)   -> h = x - AE(x)                       the residual, [N, ...]
        head(h, c)       -> -mean over dims of |h|^power  [N]   the logit = -energy: higher = more real, like every D

    so D(x) == D.head(D.features(x)) = -L(x), with L(v) = mean |v - AE(v)|^power (power 1: BEGAN's L1, 2: EBGAN's
    mean squared error; the trainer sets `power` from the loss). Subclasses define encode(x) and decode(code).
    Unconditional: c is accepted for the common calling convention and ignored (model.conditioning needs a
    classifier D).
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

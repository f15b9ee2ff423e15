"""InfoGAN's MNIST networks (Chen et al. 2016, Appendix C.1, Table 1; their released code, openai/InfoGAN): two
strided convolutions and a 1024-unit fully connected layer in D, their mirror image in G.

G: z -> FC 1024 -> BN -> ReLU -> FC (2w x r/4 x r/4) -> BN -> ReLU -> ConvT 4x4 /2 (w) -> BN -> ReLU
     -> ConvT 4x4 /2 (C) -> tanh                                               [N, C, r, r]
D: x -> Conv 4x4 /2 (w) -> LeakyReLU(0.1) -> Conv 4x4 /2 (2w) -> BN -> LeakyReLU(0.1) -> FC 1024 -> BN
     -> LeakyReLU(0.1) = h [N, 1024] -> FC 1 -> logit
Q: h -> FC 128 -> BN -> LeakyReLU(0.1) -> FC (K + m)       (Q shares all of D but its last layer, as in the paper)

With w = 64 (the default g_width / d_width) and r = 28 these are the paper's networks: 64 and 128 channels, 7x7 at
the coarsest level, FC 1024. The FC width scales with w (16 w), so a narrower net stays in proportion. Resolutions
r = 4b with b in 2..16 (8, 12, ..., 64; MNIST's 28 and digits' 8 included). LeakyReLU slope 0.1 (the paper's
table gives none); weights N(0, 0.02) as DCGAN. Why a second image family: with DCGAN's all-convolutional nets in
their place the categorical code stayed split across digit classes (77% purity after 33k steps), while these nets
align it with the digits within 5,000 steps (README, "InfoGAN").

Switches shared with the other families: class conditioning (input / hidden, projection, AC-GAN heads), spectral
norm, the minibatch layers and the semi-supervised head on h, virtual batch norm or no norm in G (model.g_norm),
weight norm on D (model.d_norm). Not here: packing (mlp), an autoencoder D (mlp, dcgan).
"""

from __future__ import annotations

from torch import Tensor, nn

from ..config.schema import ModelConfig
from ..nn.conditional import ConditionalSequential, LabelConcat, check_labels
from . import MODELS
from .base import (
    UNCONDITIONAL,
    Conditioning,
    DataSpec,
    Discriminator,
    ModelFamily,
    apply_d_norm_switch,
    apply_spectral_norm_switch,
    draw_reference_z,
    g_norm_layers,
    record_vbn_reference,
    resolve_g_norm,
    resolved,
    square_image_shape,
    to_memory_format,
)
from .dcgan import dcgan_init
from .latent import LatentPrior

SLOPE = 0.1                      # LeakyReLU slope: the table says lRELU; 0.1 as the common ports (DCGAN: 0.2)
FC_PER_WIDTH = 16                # FC units per unit of width: 1024 at the paper's width 64


def coarsest(resolution: int) -> int:
    """The side b of the coarsest map, resolution = 4 b (two stride-2 levels); ValueError listing valid sizes."""
    if resolution % 4 or not 8 <= resolution <= 64:
        raise ValueError(f"infogan supports square resolutions 8 to 64 in steps of 4 (e.g. 8, 28, 32, 64); got "
                         f"{resolution} (set data.resolution)")
    return resolution // 4


class InfoGANGenerator(nn.Module):
    def __init__(self, latent: LatentPrior | int, out_shape: tuple[int, int, int], width: int,
                 num_classes: int | None = None, conditioning: str = "none", norm: str = "batch",
                 vbn_ref_size: int = 64) -> None:
        super().__init__()
        channels, resolution, _ = out_shape
        b = coarsest(resolution)
        self.latent = latent if isinstance(latent, LatentPrior) else LatentPrior(latent)
        self.z_dim, self.out_shape = self.latent.dim, out_shape
        self.num_classes = num_classes if conditioning != "none" else None
        self.conditioning = conditioning  # none | input | hidden | cbn
        K = num_classes or 0
        bias = norm == "none"
        fc = FC_PER_WIDTH * width

        def normalise(c: int, images: bool) -> list[nn.Module]:
            return g_norm_layers(norm, c, images=images, num_classes=K)

        layers: list[nn.Module] = [LabelConcat(K)] if conditioning == "input" else []
        layers += [nn.Linear(self.z_dim + (K if conditioning == "input" else 0), fc, bias=bias),
                   *normalise(fc, False), nn.ReLU(True)]                                 # [N, 1024]
        if conditioning == "hidden":
            layers += [LabelConcat(K)]
        layers += [nn.Linear(fc + (K if conditioning == "hidden" else 0), 2 * width * b * b, bias=bias),
                   nn.Unflatten(1, (2 * width, b, b)), *normalise(2 * width, True), nn.ReLU(True),   # [N, 2w, b, b]
                   nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=bias), *normalise(width, True),
                   nn.ReLU(True),                                                        # [N, w, 2b, 2b]
                   nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh()]              # [N, C, 4b, 4b]
        self.net = ConditionalSequential(*layers)
        self.apply(dcgan_init)
        self.register_buffer("z_ref", draw_reference_z(norm, vbn_ref_size, self.latent))

    def forward(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        c = check_labels(c, self.num_classes, z.shape[0], "G") if self.num_classes else None
        if self.z_ref is not None:
            record_vbn_reference(self.net, self.z_ref, self.num_classes)
        return self.net(z.flatten(1), c)


class InfoGANDiscriminator(Discriminator):
    def __init__(self, in_shape: tuple[int, int, int], width: int, cond: Conditioning = UNCONDITIONAL,
                 mbstd_group: int = 0, mbdisc_kernels: int = 0, mbdisc_dim: int = 5) -> None:
        super().__init__()
        channels, resolution, _ = in_shape
        b = coarsest(resolution)
        K = cond.num_classes or 0
        fc = FC_PER_WIDTH * width
        layers: list[nn.Module] = [LabelConcat(K)] if cond.d == "input" else []
        layers += [nn.Conv2d(channels + (K if cond.d == "input" else 0), width, 4, 2, 1),
                   nn.LeakyReLU(SLOPE, True)]                                            # [N, w, 2b, 2b]
        if cond.d == "hidden":
            layers += [LabelConcat(K)]
        layers += [nn.Conv2d(width + (K if cond.d == "hidden" else 0), 2 * width, 4, 2, 1, bias=False),
                   nn.BatchNorm2d(2 * width), nn.LeakyReLU(SLOPE, True), nn.Flatten(),   # [N, 2w b b]
                   nn.Linear(2 * width * b * b, fc, bias=False), nn.BatchNorm1d(fc),
                   nn.LeakyReLU(SLOPE, True)]                                            # h: [N, 1024]
        psi_in = fc + (1 if mbstd_group > 0 else 0)
        layers += [nn.Linear(psi_in, 1)]                                                 # psi
        self.net = ConditionalSequential(*layers)
        self.add_batch_layers(mbstd_group, mbdisc_kernels, mbdisc_dim, psi_in)
        self.add_class_parts(cond, fc)    # initialised by build, after the code heads are on (all N(0, 0.02))

    def features(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        """h, the FC layer's activations [N, 16 w] (1024 at the paper's width), which Q and the heads read."""
        return self.net[:-1](x, self.trunk_labels(c, x.shape[0]))


def build(cfg: ModelConfig, spec: DataSpec) -> tuple[nn.Module, nn.Module]:
    c, h, w = square_image_shape("infogan", cfg, spec)
    if cfg.d_type == "autoencoder":
        raise ValueError("model.d_type=autoencoder (BEGAN, EBGAN) is implemented for the mlp and dcgan families; "
                         "infogan's D is a classifier")
    p = resolved(cfg, z_dim=62, g_width=64, d_width=64)
    cond = Conditioning.of(cfg, spec)
    latent = LatentPrior(p["z_dim"], cfg.z_categories, cfg.z_continuous)
    G = InfoGANGenerator(latent, (c, h, w), p["g_width"], cond.num_classes, cond.g,
                         norm=resolve_g_norm(cfg, "batch", cond), vbn_ref_size=cfg.vbn_ref_size)
    D = InfoGANDiscriminator((c, h, w), p["d_width"], cond, cfg.mbstd_group, cfg.mbdisc_kernels, cfg.mbdisc_dim)
    D.add_code_heads(cfg, spec, q_batchnorm=True)
    D.apply(dcgan_init)           # trunk and heads, Q included: N(0, 0.02) as the paper's code
    apply_d_norm_switch(cfg, D)
    apply_spectral_norm_switch(cfg, G, D)
    G, D = to_memory_format(cfg, G, D)
    return G, D


MODELS.add("infogan", ModelFamily("infogan", build, "Chen et al. 2016's MNIST G and D (2 convs + FC 1024), 8 to 64 "
                                                    "px"))

__all__ = ["InfoGANDiscriminator", "InfoGANGenerator", "coarsest"]

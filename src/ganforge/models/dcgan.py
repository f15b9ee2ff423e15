"""DCGAN (Radford, Metz & Chintala 2016): all-convolutional G and D.

G: z [N, z_dim, 1, 1] -> ConvT(base x base) -> [ConvT 4x4 stride 2] x k -> tanh      channels halve per level
D: x -> [Conv 4x4 stride 2] x k -> Conv(base x base) -> logit                         channels double per level
BatchNorm everywhere except G's output and D's input layers; ReLU in G, LeakyReLU(0.2) in D; weights N(0, 0.02).
The resolution r must be base * 2^k with base in 4..7, so 8, 16, 32, 64 (base 4) and 28 (MNIST, base 7) work.

Switches: G's BatchNorm can be virtual batch norm or none (model.g_norm); spectral norm wraps every conv of D and/or
G; D's head can look across the batch, as ProGAN's and Salimans et al.'s Ds do:
    h [N, C, base, base] -> (MinibatchStdDev) -> y [N, C (+ 1), base, base] -> last conv -> logit [N]
    (MinibatchDiscrimination) flatten(y) -> o [N, B] -> Linear(B, 1) -> added to the logit
The last conv covers the whole base x base map, so it is a linear layer on flatten(h): conv(h) + Linear(o) is one
linear layer on [flatten(h), o], Salimans et al.'s "concatenate o to the features and go on".
Class-conditional (model.conditioning, blocks from ganforge.nn.conditional): one-hot c as K constant maps appended
to z / x (input) or to the first hidden layer (hidden); conditional BatchNorm in place of G's BatchNorm (cbn);
D's projection or AC-GAN head on its last hidden layer h (models/base.py Discriminator, which holds the head).
AE D (model.d_type=autoencoder, for BEGAN/EBGAN): D's conv pyramid without BatchNorm -> Linear -> code [N, d_code]
-> Linear -> the pyramid mirrored in transposed convs -> AE(x); ELU units as Berthelot et al.'s.
"""

from __future__ import annotations

from torch import Tensor, nn

from ..config.schema import ModelConfig
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
    square_image_shape,
    to_memory_format,
)
from .latent import LatentPrior


def pyramid(resolution: int) -> tuple[int, int]:
    """(base, k) with resolution = base * 2^k, base in 4..7, k >= 1; ValueError listing valid sizes otherwise."""
    valid = [b * 2**k for k in range(1, 5) for b in range(4, 8) if 8 <= b * 2**k <= 64]
    for k in range(1, 5):
        base, rem = divmod(resolution, 2**k)
        if rem == 0 and 4 <= base <= 7 and 8 <= resolution <= 64:
            return base, k
    raise ValueError(f"dcgan supports square resolutions {sorted(set(valid))}; got {resolution} "
                     f"(set data.resolution)")


def dcgan_init(module: nn.Module) -> None:
    """Radford et al.: all weights N(0, 0.02); BatchNorm gains N(1, 0.02), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:  # conditional BN keeps its per-class gains at 1
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    def __init__(self, latent: LatentPrior | int, out_shape: tuple[int, int, int], width: int,
                 num_classes: int | None = None, conditioning: str = "none", norm: str = "batch",
                 vbn_ref_size: int = 64) -> None:
        super().__init__()
        channels, resolution, _ = out_shape
        base, k = pyramid(resolution)
        self.latent = latent if isinstance(latent, LatentPrior) else LatentPrior(latent)
        self.z_dim, self.out_shape = self.latent.dim, out_shape  # z_dim: the width of z, one-hot part included
        self.num_classes = num_classes if conditioning != "none" else None  # K of a conditional G, else None
        self.conditioning = conditioning  # none | input | hidden | cbn (norm is then cbn: see resolve_g_norm)
        K = num_classes or 0
        bias = norm == "none"  # a normalisation's shift makes a conv bias redundant

        def normalise(c: int) -> list[nn.Module]:
            return g_norm_layers(norm, c, images=True, num_classes=K)

        widths = [width * 2 ** (k - 1 - i) for i in range(k)]  # e.g. k=3, width=64: 256 @4x4, 128 @8x8, 64 @16x16
        layers: list[nn.Module] = [LabelConcat(K)] if conditioning == "input" else []  # [N, z_dim + K, 1, 1]
        layers += [nn.ConvTranspose2d(self.z_dim + (K if conditioning == "input" else 0), widths[0], base, 1, 0,
                                      bias=bias), *normalise(widths[0]), nn.ReLU(True)]  # [N, w0, base, base]
        if conditioning == "hidden":
            layers += [LabelConcat(K)]                                               # [N, w0 + K, base, base]
        c_in = widths[0] + (K if conditioning == "hidden" else 0)
        for c_out in widths[1:]:
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias), *normalise(c_out), nn.ReLU(True)]
            c_in = c_out
        layers += [nn.ConvTranspose2d(c_in, channels, 4, 2, 1), nn.Tanh()]  # no BN at the output
        self.net = ConditionalSequential(*layers)
        self.apply(dcgan_init)
        self.register_buffer("z_ref", draw_reference_z(norm, vbn_ref_size, self.latent))  # [R, z_dim]; None w/o VBN

    def forward(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        c = check_labels(c, self.num_classes, z.shape[0], "G") if self.num_classes else None
        if self.z_ref is not None:
            record_vbn_reference(self.net, self.z_ref.view(self.z_ref.shape[0], -1, 1, 1), self.num_classes)
        return self.net(z.view(z.shape[0], -1, 1, 1), c)  # [N, C, H, W] in [-1, 1]


class DCGANDiscriminator(Discriminator):
    def __init__(self, in_shape: tuple[int, int, int], width: int, cond: Conditioning = UNCONDITIONAL,
                 mbstd_group: int = 0, mbdisc_kernels: int = 0, mbdisc_dim: int = 5) -> None:
        super().__init__()
        channels, resolution, _ = in_shape
        base, k = pyramid(resolution)
        K = cond.num_classes or 0
        widths = [width * 2**i for i in range(k)]  # e.g. k=3: 64 @16x16, 128 @8x8, 256 @4x4
        layers: list[nn.Module] = [LabelConcat(K)] if cond.d == "input" else []  # [N, C + K, H, W]
        layers += [nn.Conv2d(channels + (K if cond.d == "input" else 0), widths[0], 4, 2, 1),
                   nn.LeakyReLU(0.2, True)]  # no BN at the input
        if cond.d == "hidden":
            layers += [LabelConcat(K)]       # [N, w0 + K, H/2, W/2]
        c_in = widths[0] + (K if cond.d == "hidden" else 0)
        for c_out in widths[1:]:
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2, True)]
            c_in = c_out
        c_last = c_in + (1 if mbstd_group > 0 else 0)  # + ProGAN's std channel
        layers += [nn.Conv2d(c_last, 1, base, 1, 0)]  # psi: [N, 1, 1, 1]
        self.net = ConditionalSequential(*layers)
        self.add_batch_layers(mbstd_group, mbdisc_kernels, mbdisc_dim, c_last * base * base)
        self.add_class_parts(cond, c_in * base * base)
        self.apply(dcgan_init)

    def features(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        """The last hidden layer's activations, [N, C, base, base] (4x4 for 32/64 px)."""
        return self.net[:-1](x, self.trunk_labels(c, x.shape[0]))


class ConvAutoencoder(AutoencoderDiscriminator):
    """The energy GANs' D for images: x -> [Conv 4x4 stride 2 -> ELU] x k -> Linear -> code -> Linear -> [ELU ->
    ConvT 4x4 stride 2] x k -> AE(x), with no output nonlinearity (reconstructions are compared with x in [-1, 1])."""

    def __init__(self, in_shape: tuple[int, int, int], width: int, code: int) -> None:
        super().__init__()
        channels, resolution, _ = in_shape
        base, k = pyramid(resolution)
        widths = [width * 2**i for i in range(k)]   # as DCGAN's D: e.g. k=3: 64 @16x16, 128 @8x8, 256 @4x4
        self.bottom = (widths[-1], base, base)      # the coarsest map, [C_k, base, base]
        enc: list[nn.Module] = []
        for c_in, c_out in zip([channels, *widths[:-1]], widths):
            enc += [nn.Conv2d(c_in, c_out, 4, 2, 1), nn.ELU()]
        self.encoder = nn.Sequential(*enc, nn.Flatten(), nn.Linear(widths[-1] * base * base, code))
        self.decoder_fc = nn.Linear(code, widths[-1] * base * base)
        up: list[nn.Module] = []
        for c_in, c_out in zip(widths[::-1], [*widths[-2::-1], channels]):
            up += [nn.ELU(), nn.ConvTranspose2d(c_in, c_out, 4, 2, 1)]
        self.decoder = nn.Sequential(*up)
        self.apply(dcgan_init)

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)                                              # [N, code]

    def decode(self, code: Tensor) -> Tensor:
        h = self.decoder_fc(code).view(code.shape[0], *self.bottom)         # [N, C_k, base, base]
        return self.decoder(h)                                              # [N, C, H, W]


def build(cfg: ModelConfig, spec: DataSpec) -> tuple[nn.Module, nn.Module]:
    c, h, w = square_image_shape("dcgan", cfg, spec)
    p = resolved(cfg, z_dim=100, g_width=64, d_width=64, d_code=64)
    check_classifier_only(cfg)
    cond = Conditioning.of(cfg, spec)
    latent = LatentPrior(p["z_dim"], cfg.z_categories, cfg.z_continuous)
    G = DCGANGenerator(latent, (c, h, w), p["g_width"], cond.num_classes, cond.g,
                       norm=resolve_g_norm(cfg, "batch", cond), vbn_ref_size=cfg.vbn_ref_size)
    if cfg.d_type == "autoencoder":
        D: nn.Module = ConvAutoencoder((c, h, w), p["d_width"], p["d_code"])
    else:
        D = DCGANDiscriminator((c, h, w), p["d_width"], cond, cfg.mbstd_group, cfg.mbdisc_kernels, cfg.mbdisc_dim)
    if cfg.d_type != "autoencoder":
        D.add_code_heads(cfg, spec)
    apply_d_norm_switch(cfg, D)
    apply_spectral_norm_switch(cfg, G, D)
    G, D = to_memory_format(cfg, G, D)
    return G, D


MODELS.add("dcgan", ModelFamily("dcgan", build, "Radford et al. 2016 convolutional G and D, 8 to 64 px"))

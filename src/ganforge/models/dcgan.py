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
AE D (model.d_type=autoencoder, for BEGAN/EBGAN): D's conv pyramid without BatchNorm -> Linear -> code [N, d_code]
-> Linear -> the pyramid mirrored in transposed convs -> AE(x); ELU units as Berthelot et al.'s.
"""

from __future__ import annotations

from torch import Tensor, nn

from ..config.schema import ModelConfig
from ..nn import record_reference
from . import MODELS
from .base import (
    AutoencoderDiscriminator,
    DataSpec,
    ModelFamily,
    apply_spectral_norm_switch,
    batch_layers,
    check_classifier_only,
    draw_reference_z,
    g_norm_layers,
    resolve_g_norm,
    resolved,
)


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
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    def __init__(self, z_dim: int, out_shape: tuple[int, int, int], width: int, norm: str = "batch",
                 vbn_ref_size: int = 64) -> None:
        super().__init__()
        channels, resolution, _ = out_shape
        base, k = pyramid(resolution)
        self.z_dim, self.out_shape = z_dim, out_shape
        widths = [width * 2 ** (k - 1 - i) for i in range(k)]  # e.g. k=3, width=64: 256 @4x4, 128 @8x8, 64 @16x16
        bias = norm == "none"  # a normalisation's shift makes a conv bias redundant
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(z_dim, widths[0], base, 1, 0, bias=bias),  # [N, w0, base, base]
            *g_norm_layers(norm, widths[0], images=True), nn.ReLU(True)]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias), *g_norm_layers(norm, c_out, images=True),
                       nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1), nn.Tanh()]  # no BN at the output
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)
        self.register_buffer("z_ref", draw_reference_z(norm, vbn_ref_size, z_dim))  # [R, z_dim]; None without VBN

    def forward(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        if self.z_ref is not None:  # VBN: this call's reference statistics, from the fixed z_ref and today's weights
            record_reference(self.net, self.z_ref.view(self.z_ref.shape[0], -1, 1, 1))
        return self.net(z.view(z.shape[0], -1, 1, 1))  # [N, C, H, W] in [-1, 1]


class DCGANDiscriminator(nn.Module):
    def __init__(self, in_shape: tuple[int, int, int], width: int, mbstd_group: int = 0, mbdisc_kernels: int = 0,
                 mbdisc_dim: int = 5) -> None:
        super().__init__()
        channels, resolution, _ = in_shape
        base, k = pyramid(resolution)
        widths = [width * 2**i for i in range(k)]  # e.g. k=3: 64 @16x16, 128 @8x8, 256 @4x4
        layers: list[nn.Module] = [nn.Conv2d(channels, widths[0], 4, 2, 1), nn.LeakyReLU(0.2, True)]  # no BN at input
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2, True)]
        c_last = widths[-1] + (1 if mbstd_group > 0 else 0)  # + ProGAN's std channel
        layers += [nn.Conv2d(c_last, 1, base, 1, 0)]  # [N, 1, 1, 1]
        self.net = nn.Sequential(*layers)
        self.mbstd, self.mbdisc = batch_layers(mbstd_group, mbdisc_kernels, mbdisc_dim, c_last * base * base)
        self.mbdisc_out = nn.Linear(mbdisc_kernels, 1, bias=False) if mbdisc_kernels > 0 else None
        self.apply(dcgan_init)

    def features(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        """The last hidden layer's activations, [N, C, base, base] (4x4 for 32/64 px)."""
        return self.net[:-1](x)

    def head(self, h: Tensor, c: Tensor | None = None) -> Tensor:
        if self.mbstd is not None:
            h = self.mbstd(h)                                   # [N, C + 1, base, base]
        logits = self.net[-1](h).flatten()                      # [N]
        if self.mbdisc is not None and self.mbdisc_out is not None:
            o = self.mbdisc(h)[:, -self.mbdisc.num_kernels:]    # [N, B]: closeness to the rest of the batch
            logits = logits + self.mbdisc_out(o).squeeze(1)
        return logits                                           # [N] logits

    def forward(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        return self.head(self.features(x, c), c)


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
    if spec.kind != "images":
        raise ValueError("dcgan needs image data (digits, mnist, folder); for 2-D points use model.name=mlp")
    if cfg.pack != 1:
        raise ValueError("model.pack (PacGAN) is implemented for the mlp family only")
    c, h, w = spec.shape
    if h != w:
        raise ValueError(f"dcgan needs square images, got {h}x{w}")
    p = resolved(cfg, z_dim=100, g_width=64, d_width=64, d_code=64)
    G = DCGANGenerator(p["z_dim"], (c, h, w), p["g_width"], resolve_g_norm(cfg, "batch"), cfg.vbn_ref_size)
    check_classifier_only(cfg)
    if cfg.d_type == "autoencoder":
        D: nn.Module = ConvAutoencoder((c, h, w), p["d_width"], p["d_code"])
    else:
        D = DCGANDiscriminator((c, h, w), p["d_width"], cfg.mbstd_group, cfg.mbdisc_kernels, cfg.mbdisc_dim)
    apply_spectral_norm_switch(cfg, G, D)
    if cfg.channels_last:
        import torch

        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    return G, D


MODELS.add("dcgan", ModelFamily("dcgan", build, "Radford et al. 2016 convolutional G and D, 8 to 64 px"))

"""Presets: each classic GAN with its paper's defaults, as overrides on top of :class:`Config`.

Where a number is ours rather than the paper's (because the paper trained on other data, or the toy problems need
a smaller model), the ``source`` says so. Model sizes follow the data: the MLP for 2-D points, DCGAN for images,
unless the preset names an architecture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..registry import unknown_name_message
from .parse import ConfigError, apply_overrides, load_yaml, set_key, update_from_dict
from .schema import Config


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str
    source: str                                   # where the numbers come from
    values: dict[str, Any] = field(default_factory=dict)  # dotted key -> value


PRESETS: dict[str, Preset] = {}


def _add(preset: Preset) -> None:
    PRESETS[preset.name] = preset


_add(Preset(
    "gan", "original GAN, non-saturating G loss, MLPs",
    "Goodfellow et al. 2014 (k=1 D step per G step, MLP G/D, the -log D(G(z)) G loss of its Section 3). "
    "Adam 2e-4/beta1 0.5 instead of the paper's SGD+momentum: ours, for stability on every data set.",
    {"loss.name": "ns", "model.name": "mlp", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4,
     "optim.beta1": 0.5, "train.n_critic": 1, "train.batch_size": 100}))
_add(Preset(
    "gan-minimax", "original GAN with the saturating min log(1 - D(G(z))) G loss: watch it stall",
    "Goodfellow et al. 2014 Eq. 1 taken literally; everything else as `gan`.",
    {"loss.name": "minimax", "model.name": "mlp", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4,
     "optim.beta1": 0.5, "train.n_critic": 1, "train.batch_size": 100}))
_add(Preset(
    "dcgan", "DCGAN: convolutional G/D with BatchNorm, non-saturating loss",
    "Radford et al. 2016: Adam lr 2e-4, beta1 0.5, batch 128, z 100, N(0, 0.02) init.",
    {"loss.name": "ns", "model.name": "dcgan", "data.name": "mnist", "optim.name": "adam", "optim.g_lr": 2e-4,
     "optim.d_lr": 2e-4, "optim.beta1": 0.5, "optim.beta2": 0.999, "train.batch_size": 128, "model.z_dim": 100}))
_add(Preset(
    "wgan", "Wasserstein GAN with weight clipping",
    "Arjovsky et al. 2017 Algorithm 1: RMSProp lr 5e-5, clip 0.01, n_critic 5, batch 64.",
    {"loss.name": "wgan", "reg.clip": 0.01, "optim.name": "rmsprop", "optim.g_lr": 5e-5, "optim.d_lr": 5e-5,
     "train.n_critic": 5, "train.batch_size": 64}))
_add(Preset(
    "wgan-gp", "Wasserstein GAN with gradient penalty",
    "Gulrajani et al. 2017 Algorithm 1: lambda 10, n_critic 5, Adam lr 1e-4, betas (0, 0.9), batch 64.",
    {"loss.name": "wgan", "reg.gp_weight": 10.0, "reg.gp_center": 1.0, "optim.name": "adam", "optim.g_lr": 1e-4,
     "optim.d_lr": 1e-4, "optim.beta1": 0.0, "optim.beta2": 0.9, "train.n_critic": 5, "train.batch_size": 64}))
_add(Preset(
    "lsgan", "least-squares GAN (0-1 coding)",
    "Mao et al. 2017: a=0, b=1, c=1; Adam lr 2e-4, beta1 0.5 (their Section 4), batch 64.",
    {"loss.name": "lsgan", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4, "optim.beta1": 0.5,
     "train.batch_size": 64}))
_add(Preset(
    "hinge", "hinge loss for D, linear G loss",
    "Lim & Ye 2017 loss; Adam lr 2e-4, betas (0.5, 0.999), n_critic 1: Miyato et al. 2018's setting B.",
    {"loss.name": "hinge", "optim.name": "adam", "optim.g_lr": 2e-4, "optim.d_lr": 2e-4, "optim.beta1": 0.5,
     "optim.beta2": 0.999, "train.n_critic": 1, "train.batch_size": 64}))

DEFAULT_PRESET = "gan"


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ConfigError(unknown_name_message("preset", name, list(PRESETS)))
    return PRESETS[name]


def build_config(preset: str | None = None, data: str | None = None, overrides: Iterable[str] = (),
                 config_file: str | Path | None = None) -> Config:
    """defaults -> preset -> YAML file -> --data -> key=value overrides (later wins)."""
    cfg = Config()
    name = preset or DEFAULT_PRESET
    for key, value in get_preset(name).values.items():
        set_key(cfg, key, value)
    cfg.preset = name
    if config_file is not None:
        values = load_yaml(config_file)
        update_from_dict(cfg, values)
        if preset is None and "preset" in values:
            cfg = build_config(values["preset"], data, overrides, config_file=None)
            update_from_dict(cfg, {k: v for k, v in values.items() if k != "preset"})
    if data is not None:
        cfg.data.name = data
    apply_overrides(cfg, overrides)
    return cfg


def preset_table() -> str:
    """The presets as a fixed-width table for `ganforge presets`."""
    rows = [("preset", "what", "loss", "optimiser", "n_critic", "batch", "source")]
    for p in PRESETS.values():
        cfg = build_config(p.name)
        o = cfg.optim
        opt = f"{o.name} {o.g_lr:g}" + (f" b=({o.beta1:g},{o.beta2:g})" if o.name == "adam" else "")
        extra = []
        if cfg.reg.clip:
            extra.append(f"clip {cfg.reg.clip:g}")
        if cfg.reg.gp_weight:
            extra.append(f"GP {cfg.reg.gp_weight:g}")
        if cfg.train.ema:
            extra.append(f"EMA {cfg.train.ema:g}")
        loss = cfg.loss.name + (f" + {', '.join(extra)}" if extra else "")
        rows.append((p.name, p.summary, loss, opt, str(cfg.train.n_critic), str(cfg.train.batch_size), p.source))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines += [f"{p.name}: {p.source}" for p in PRESETS.values()]
    return "\n".join(lines)

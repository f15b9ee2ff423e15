"""Checks that need more than a type: names against their registries, numbers against their ranges."""

from __future__ import annotations

from .parse import ConfigError
from .schema import Config, LossConfig, ModelConfig


def validate(cfg: Config) -> Config:
    """Raise ConfigError naming the key, the bad value and what would be valid."""
    from ..data import DATASETS
    from ..losses import ENERGY_LOSSES, LOSSES
    from ..models import MODELS
    from ..registry import unknown_name_message

    if cfg.data.name not in DATASETS:
        raise ConfigError("bad value for 'data.name': " + _unknown(DATASETS, cfg.data.name))
    if cfg.loss.name not in LOSSES and cfg.loss.name not in ENERGY_LOSSES:
        raise ConfigError("bad value for 'loss.name': " + unknown_name_message(
            "loss", cfg.loss.name, LOSSES.names() + ENERGY_LOSSES.names()))
    if cfg.model.name != "auto" and cfg.model.name not in MODELS:
        raise ConfigError("bad value for 'model.name': " + _unknown(MODELS, cfg.model.name) + ", auto")

    t, o = cfg.train, cfg.optim
    positive = {"train.steps": t.steps, "train.batch_size": t.batch_size, "train.n_critic": t.n_critic,
                "train.log_every": t.log_every, "optim.g_lr": o.g_lr, "optim.d_lr": o.d_lr,
                "output.n_samples": cfg.output.n_samples}
    for key, value in positive.items():
        if not value > 0:
            raise ConfigError(f"'{key}' must be > 0, got {value}")
    non_negative = {"train.sample_every": t.sample_every, "train.eval_every": t.eval_every,
                    "train.ckpt_every": t.ckpt_every, "train.ema_start": t.ema_start, "train.threads": t.threads,
                    "train.max_minutes": t.max_minutes, "reg.gp_weight": cfg.reg.gp_weight, "reg.clip": cfg.reg.clip,
                    "reg.r1_gamma": cfg.reg.r1_gamma, "optim.momentum": o.momentum}
    for key, value in non_negative.items():
        if value < 0:
            raise ConfigError(f"'{key}' must be >= 0, got {value}")
    if not 0 <= t.ema < 1:
        raise ConfigError(f"'train.ema' must be in [0, 1) (0 disables), got {t.ema}")
    for key, value in (("optim.beta1", o.beta1), ("optim.beta2", o.beta2)):
        if not 0 <= value < 1:
            raise ConfigError(f"'{key}' must be in [0, 1), got {value}")
    if cfg.model.pack < 1 or t.batch_size % cfg.model.pack:
        raise ConfigError(f"'model.pack' must be >= 1 and divide train.batch_size={t.batch_size}, got {cfg.model.pack}")
    if cfg.model.z_dim is not None and cfg.model.z_dim < 1:
        raise ConfigError(f"'model.z_dim' must be >= 1, got {cfg.model.z_dim}")
    if not (t.device in ("auto", "cpu") or t.device.startswith("cuda") or t.device == "mps"):
        raise ConfigError(f"bad value for 'train.device': '{t.device}'; use auto, cpu, cuda or cuda:N")
    _validate_architecture(cfg)
    _validate_energy(cfg, energy=cfg.loss.name in ENERGY_LOSSES)
    return cfg


def _validate_architecture(cfg: Config) -> None:
    """model.g_norm / spectral_norm / minibatch layers / autoencoder D: ranges, and what only works together."""
    m, t = cfg.model, cfg.train
    default = ModelConfig()
    if m.vbn_ref_size < 1:
        raise ConfigError(f"'model.vbn_ref_size' must be >= 1, got {m.vbn_ref_size}")
    if m.vbn_ref_size != default.vbn_ref_size and m.g_norm != "virtual":
        raise ConfigError(f"'model.vbn_ref_size' is the reference batch of virtual batch norm; it needs "
                          f"model.g_norm=virtual (got model.g_norm={m.g_norm})")
    if m.mbstd_group < 0 or m.mbstd_group == 1:
        raise ConfigError(f"'model.mbstd_group' must be 0 (off) or a group size >= 2 (the std of one sample is 0), "
                          f"got {m.mbstd_group}")
    per_pass = t.batch_size // m.pack  # D's rows per pass: one per pack
    if m.mbstd_group and per_pass % m.mbstd_group:
        raise ConfigError(f"'model.mbstd_group'={m.mbstd_group} must divide the {per_pass} rows D sees per pass "
                          f"(train.batch_size={t.batch_size} / model.pack={m.pack})")
    if m.mbdisc_kernels < 0 or m.mbdisc_dim < 1:
        raise ConfigError(f"'model.mbdisc_kernels' must be >= 0 (0 = off) and 'model.mbdisc_dim' >= 1, got "
                          f"{m.mbdisc_kernels} and {m.mbdisc_dim}")
    if m.mbdisc_dim != default.mbdisc_dim and m.mbdisc_kernels == 0:
        raise ConfigError("'model.mbdisc_dim' sets the size of each minibatch-discrimination kernel; it needs "
                          "model.mbdisc_kernels > 0 (the number of kernels; 0 = off)")
    if m.d_code is not None and m.d_code < 1:
        raise ConfigError(f"'model.d_code' must be >= 1, got {m.d_code}")
    if m.d_type == "autoencoder":
        for key, value, off in (("pack", m.pack, 1), ("mbstd_group", m.mbstd_group, 0),
                                ("mbdisc_kernels", m.mbdisc_kernels, 0)):
            if value != off:
                raise ConfigError(f"'model.{key}'={value} works on a classifier D's head; an autoencoder D "
                                  f"(model.d_type=autoencoder) has none: set model.{key}={off}")
    elif m.d_code is not None:
        raise ConfigError("'model.d_code' is the code size of an autoencoder D; it needs model.d_type=autoencoder")


def _validate_energy(cfg: Config, energy: bool) -> None:
    """An autoencoder D's output is -energy <= 0: no logit loss can use it, and energy losses need nothing else."""
    from ..losses import ENERGY_LOSSES

    lo, m, r = cfg.loss, cfg.model, cfg.reg
    energy_names = " or ".join(ENERGY_LOSSES.names())
    if m.d_type == "autoencoder" and not energy:
        raise ConfigError(f"model.d_type=autoencoder makes D(x) = -energy <= 0, never 'real' for the logit loss "
                          f"'{lo.name}': use loss.name={energy_names}, or model.d_type=classifier")
    if energy and m.d_type != "autoencoder":
        raise ConfigError(f"loss.name={lo.name} is a loss of an autoencoder D's reconstruction energy: set "
                          f"model.d_type=autoencoder")
    if energy:
        for key, value in (("reg.gp_weight", r.gp_weight), ("reg.r1_gamma", r.r1_gamma), ("reg.clip", r.clip)):
            if value:
                raise ConfigError(f"'{key}' is not wired into the energy losses' D step (loss.name={lo.name}); "
                                  f"set it to 0")
    default = LossConfig()
    owners = {"began_gamma": "began", "began_lambda_k": "began", "ebgan_margin": "ebgan", "ebgan_pt_weight": "ebgan"}
    for key, owner in owners.items():
        if getattr(lo, key) != getattr(default, key) and lo.name != owner:
            raise ConfigError(f"'loss.{key}' is a setting of loss.name={owner}, but loss.name={lo.name}")
    if not 0 < lo.began_gamma <= 1:
        raise ConfigError(f"'loss.began_gamma' must be in (0, 1] (E L(G(z)) / E L(x)), got {lo.began_gamma}")
    if not lo.began_lambda_k > 0:
        raise ConfigError(f"'loss.began_lambda_k' must be > 0, got {lo.began_lambda_k}")
    if not lo.ebgan_margin > 0:
        raise ConfigError(f"'loss.ebgan_margin' must be > 0, got {lo.ebgan_margin}")
    if lo.ebgan_pt_weight < 0:
        raise ConfigError(f"'loss.ebgan_pt_weight' must be >= 0 (0 = no pull-away term), got {lo.ebgan_pt_weight}")


def _unknown(registry, name: str) -> str:
    from ..registry import unknown_name_message

    return unknown_name_message(registry.kind, name, registry.names())

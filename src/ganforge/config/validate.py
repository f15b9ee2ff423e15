"""Checks that need more than a type: names against their registries, numbers against their ranges."""

from __future__ import annotations

from .parse import ConfigError
from .schema import Config

# The losses whose D loss is binary cross-entropy with real target 1: the ones label smoothing applies to.
BCE_LOSSES = ("ns", "minimax")


def validate(cfg: Config) -> Config:
    """Raise ConfigError naming the key, the bad value and what would be valid."""
    from ..data import DATASETS
    from ..losses import LOSSES
    from ..models import MODELS

    for key, name, registry in (("data.name", cfg.data.name, DATASETS), ("loss.name", cfg.loss.name, LOSSES)):
        if name not in registry:
            raise ConfigError(f"bad value for '{key}': " + _unknown(registry, name))
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
    _validate_tricks(cfg)
    _validate_sampler(cfg)
    if not 0 <= t.ema < 1:
        raise ConfigError(f"'train.ema' must be in [0, 1) (0 disables), got {t.ema}")
    for key, value in (("optim.beta1", o.beta1), ("optim.beta2", o.beta2)):
        if not 0 <= value < 1:
            raise ConfigError(f"'{key}' must be in [0, 1), got {value}")
    if cfg.model.pack < 1 or t.batch_size % cfg.model.pack:
        raise ConfigError(f"'model.pack' must be >= 1 and divide train.batch_size={t.batch_size}, got {cfg.model.pack}")
    if cfg.model.z_dim is not None and cfg.model.z_dim < 1:
        raise ConfigError(f"'model.z_dim' must be >= 1, got {cfg.model.z_dim}")
    if cfg.model.z_categories < 0 or cfg.model.z_categories == 1:
        raise ConfigError(f"'model.z_categories' must be 0 (off) or >= 2, got {cfg.model.z_categories}")
    _validate_conditioning(cfg)
    if not (t.device in ("auto", "cpu") or t.device.startswith("cuda") or t.device == "mps"):
        raise ConfigError(f"bad value for 'train.device': '{t.device}'; use auto, cpu, cuda or cuda:N")
    return cfg


def _validate_sampler(cfg: Config) -> None:
    """Discriminator rejection sampling: its numbers (whether the data are 2-D points is checked by the trainer)."""
    s = cfg.sampler
    if s.name == "direct":
        return
    if s.drs_steps < 1 or s.drs_batch_size < 1:
        raise ConfigError(f"sampler.name=drs needs sampler.drs_steps and sampler.drs_batch_size >= 1, got "
                          f"{s.drs_steps} and {s.drs_batch_size}")
    if not s.drs_lr > 0 or s.drs_fourier < 0 or s.drs_gamma < 0:
        raise ConfigError(f"sampler.drs_lr must be > 0 and sampler.drs_fourier, sampler.drs_gamma >= 0; got "
                          f"{s.drs_lr}, {s.drs_fourier}, {s.drs_gamma}")
    if cfg.model.conditioning != "none":
        raise ConfigError("sampler.name=drs is implemented for unconditional generators; a class-conditional one "
                          "needs a class-conditional ratio critic. Use sampler.name=direct")


def _validate_tricks(cfg: Config) -> None:
    """The training tricks and extra penalties: ranges, and the combinations that cannot work."""
    r, t, loss = cfg.reg, cfg.train, cfg.loss
    non_negative = {"reg.r2_gamma": r.r2_gamma, "reg.dragan_weight": r.dragan_weight, "reg.ortho_weight":
                    r.ortho_weight, "reg.hist_weight": r.hist_weight, "reg.instance_noise": r.instance_noise,
                    "reg.instance_noise_end": r.instance_noise_end, "loss.fm_weight": loss.fm_weight,
                    "train.unroll": t.unroll, "train.consensus": t.consensus}
    for key, value in non_negative.items():
        if value < 0:
            raise ConfigError(f"'{key}' must be >= 0 (0 disables), got {value}")
    if not r.dragan_scale > 0:
        raise ConfigError(f"'reg.dragan_scale' must be > 0, got {r.dragan_scale}")
    if r.reg_every < 1:
        raise ConfigError(f"'reg.reg_every' must be >= 1 (1 = not lazy), got {r.reg_every}")
    if r.reg_every > 1 and not (r.r1_gamma > 0 or r.r2_gamma > 0):
        raise ConfigError(f"reg.reg_every={r.reg_every} makes R1/R2 lazy, but both are off: set reg.r1_gamma or "
                          "reg.r2_gamma > 0, or reg.reg_every=1")
    if not 0 < loss.real_label <= 1:
        raise ConfigError(f"'loss.real_label' must be in (0, 1] (1 = no label smoothing), got {loss.real_label}")
    if loss.real_label != 1 and loss.name not in BCE_LOSSES:
        raise ConfigError(f"loss.real_label={loss.real_label:g} (one-sided label smoothing) smooths a binary "
                          f"cross-entropy target; loss.name={loss.name} has none. Use loss.name "
                          f"{' or '.join(BCE_LOSSES)}, or loss.real_label=1")
    if loss.fm_only and not loss.fm_weight > 0:
        raise ConfigError("loss.fm_only=true makes feature matching G's whole objective; set loss.fm_weight > 0 "
                          "(e.g. 1)")
    if t.unroll > 0 and loss.fm_only:
        raise ConfigError(f"train.unroll={t.unroll} unrolls D for G's adversarial loss, but loss.fm_only=true "
                          "leaves G none; use one or the other")
    if t.consensus > 0:
        if t.n_critic != 1:
            raise ConfigError(f"train.consensus updates G and D simultaneously, once each per step; it needs "
                              f"train.n_critic=1, got {t.n_critic}")
        if t.unroll > 0:
            raise ConfigError("train.consensus (simultaneous updates) and train.unroll (G looks ahead at D's "
                              "updates) are two different update rules; use one of them")

def _validate_conditioning(cfg: Config) -> None:
    """Combinations of the conditional-GAN keys that cannot work. (Whether the data have labels is checked when the
    models are built: only then is the dataset known.)"""
    m, ac = cfg.model, cfg.loss.ac_weight
    if m.conditioning == "none" and m.g_conditioning != "auto":
        raise ConfigError(f"model.g_conditioning={m.g_conditioning} needs a conditional D (model.conditioning=input, "
                          f"hidden, projection or acgan): a G fed labels that D never checks is free to ignore them")
    if ac is not None and m.conditioning != "acgan":
        raise ConfigError(f"loss.ac_weight={ac} is the weight of AC-GAN's classifier: it needs "
                          f"model.conditioning=acgan (now {m.conditioning}); set loss.ac_weight=null otherwise")
    if ac is not None and not ac > 0:
        raise ConfigError(f"'loss.ac_weight' must be > 0 (null = 1, Odena et al. 2017), got {ac}")
    if m.conditioning == "acgan" and cfg.train.consensus > 0:
        raise ConfigError("train.consensus does not include AC-GAN's classifier loss in its gradient field; use "
                          "train.consensus=0 with model.conditioning=acgan")
    if m.conditioning != "none" and m.pack != 1:
        raise ConfigError(f"model.pack={m.pack} (PacGAN) does not combine with model.conditioning={m.conditioning}: "
                          f"a pack would mix samples of different classes under one logit")


def _unknown(registry, name: str) -> str:
    from ..registry import unknown_name_message

    return unknown_name_message(registry.kind, name, registry.names())

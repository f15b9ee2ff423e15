"""Checks that need more than a type: names against their registries, numbers against their ranges."""

from __future__ import annotations

from .parse import ConfigError
from .schema import Config, LossConfig, ModelConfig

# Objectives without an adversary, run by their own step (training/vae.py) rather than a loss registry.
VAE_LOSSES = ("vae", "vaegan")

# The losses whose D loss is binary cross-entropy with real target 1: the ones label smoothing applies to.
BCE_LOSSES = ("ns", "minimax")


def validate(cfg: Config) -> Config:
    """Raise ConfigError naming the key, the bad value and what would be valid."""
    from ..data import DATASETS
    from ..losses import ENERGY_LOSSES, LOSSES
    from ..models import MODELS
    from ..registry import unknown_name_message

    if cfg.data.name not in DATASETS:
        raise ConfigError("bad value for 'data.name': " + _unknown(DATASETS, cfg.data.name))
    if cfg.loss.name not in LOSSES and cfg.loss.name not in ENERGY_LOSSES and cfg.loss.name not in VAE_LOSSES:
        raise ConfigError("bad value for 'loss.name': " + unknown_name_message(
            "loss", cfg.loss.name, LOSSES.names() + ENERGY_LOSSES.names() + list(VAE_LOSSES)))
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
    if not 0 <= t.d_ema < 1:
        raise ConfigError(f"'train.d_ema' must be in [0, 1) (0 disables), got {t.d_ema}")
    if t.d_ema > 0 and not cfg.model.semi_supervised:
        raise ConfigError("'train.d_ema' averages D's weights to score D as a classifier, which only a semi-"
                          "supervised run does (model.semi_supervised=true); for G's weights use train.ema")
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
    _validate_info_and_semi(cfg)
    if not (t.device in ("auto", "cpu") or t.device.startswith("cuda") or t.device == "mps"):
        raise ConfigError(f"bad value for 'train.device': '{t.device}'; use auto, cpu, cuda or cuda:N")
    _validate_architecture(cfg)
    _validate_energy(cfg, energy=cfg.loss.name in ENERGY_LOSSES)
    _validate_vae(cfg)
    _validate_bigan(cfg)
    return cfg


def _validate_sampler(cfg: Config) -> None:
    """Discriminator rejection sampling: its numbers (whether the data are 2-D points is checked by the trainer)."""
    s = cfg.sampler
    if s.name == "direct":
        return
    if s.drs_steps < 1 or s.drs_batch_size < 1:
        raise ConfigError(f"sampler.name=drs needs sampler.drs_steps and sampler.drs_batch_size >= 1, got "
                          f"{s.drs_steps} and {s.drs_batch_size}")
    if not 0 < s.drs_m_quantile <= 1 or s.drs_burn_in < 1 or not 0 <= s.drs_min_accept < 1:
        raise ConfigError(f"sampler.drs_m_quantile must be in (0, 1], sampler.drs_burn_in >= 1 and "
                          f"sampler.drs_min_accept in [0, 1), got {s.drs_m_quantile}, {s.drs_burn_in} and "
                          f"{s.drs_min_accept}")
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


def _validate_info_and_semi(cfg: Config) -> None:
    """InfoGAN (model.info_head, loss.info_weight, model.z_continuous) and the semi-supervised GAN
    (model.semi_supervised, data.labels_per_class): ranges, and what each needs."""
    from ..models.base import INFO_NEEDS_CODES

    m, lo, n = cfg.model, cfg.loss, cfg.data.labels_per_class
    if m.z_continuous < 0:
        raise ConfigError(f"'model.z_continuous' must be >= 0 (0 = no continuous codes), got {m.z_continuous}")
    if lo.info_weight is not None and not m.info_head:
        raise ConfigError(f"loss.info_weight={lo.info_weight} is InfoGAN's lambda: it needs model.info_head=true "
                          f"(the Q head it trains); set loss.info_weight=null otherwise")
    if lo.info_weight is not None and not lo.info_weight > 0:
        raise ConfigError(f"'loss.info_weight' must be > 0 (null = 1, Chen et al. 2016), got {lo.info_weight}")
    if m.info_head:
        if m.z_categories + m.z_continuous == 0:
            raise ConfigError(INFO_NEEDS_CODES)
        if m.d_type == "autoencoder":
            raise ConfigError("model.info_head=true puts InfoGAN's Q head on a classifier D's features; an "
                              "autoencoder D (model.d_type=autoencoder) has none: use model.d_type=classifier")
        if cfg.train.consensus > 0:
            raise ConfigError("train.consensus does not include InfoGAN's mutual-information term in its gradient "
                              "field; use train.consensus=0 with model.info_head=true")
        if m.pack != 1:
            raise ConfigError(f"model.pack={m.pack} (PacGAN) does not combine with model.info_head=true: D's features "
                              f"describe a pack, and Q must read each sample's codes from its own features")
    if n < 0:
        raise ConfigError(f"'data.labels_per_class' must be >= 0 (0 = off), got {n}")
    if n > 0 and not m.semi_supervised:
        raise ConfigError(f"data.labels_per_class={n} keeps labels for the semi-supervised GAN only: set "
                          f"model.semi_supervised=true, or data.labels_per_class=0")
    if not m.semi_supervised:
        return
    if n == 0:
        raise ConfigError("model.semi_supervised=true needs a labelled subset: set data.labels_per_class > 0 (e.g. "
                          "10 for Salimans et al. 2016's 100 MNIST labels)")
    needs = {"loss.name": (lo.name, "ns"), "model.conditioning": (m.conditioning, "none"),
             "model.d_type": (m.d_type, "classifier"), "model.info_head": (m.info_head, False),
             "model.mbstd_group": (m.mbstd_group, 0), "model.mbdisc_kernels": (m.mbdisc_kernels, 0),
             "model.pack": (m.pack, 1), "train.consensus": (cfg.train.consensus, 0.0),
             "train.unroll": (cfg.train.unroll, 0)}
    for key, (value, want) in needs.items():
        if value != want:
            want_text = str(want).lower() if isinstance(want, bool) else want
            raise ConfigError(f"model.semi_supervised=true needs {key}={want_text}, got {value}: its D is a K-class "
                              f"classifier whose real/fake logit is logsumexp of the class logits, trained with the "
                              f"BCE loss on it (Salimans et al. 2016 Sec. 5)")


def _validate_architecture(cfg: Config) -> None:
    """model.g_norm / spectral_norm / minibatch layers / autoencoder D: ranges, and what only works together (with
    each other and with class conditioning)."""
    from ..models.base import AUTOENCODER_CONDITIONING, CBN_G_NORM, G_CONDITIONING_AUTO

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
        if m.conditioning != "none":
            raise ConfigError(AUTOENCODER_CONDITIONING.format(conditioning=m.conditioning))
    elif m.d_code is not None:
        raise ConfigError("'model.d_code' is the code size of an autoencoder D; it needs model.d_type=autoencoder")
    _validate_d_options(cfg)
    g_conditioning = G_CONDITIONING_AUTO[m.conditioning] if m.g_conditioning == "auto" else m.g_conditioning
    if m.conditioning != "none" and g_conditioning == "cbn" and m.g_norm in ("none", "virtual"):
        raise ConfigError(CBN_G_NORM.format(g_norm=m.g_norm))


def _validate_d_options(cfg: Config) -> None:
    """Salimans et al. 2016's D options: model.d_widths, d_input_noise, d_hidden_noise (mlp classifier D) and
    model.d_norm (any D; not with spectral norm on D)."""
    from ..data import POINT_DATASETS

    m = cfg.model
    for key, value in (("model.d_input_noise", m.d_input_noise), ("model.d_hidden_noise", m.d_hidden_noise)):
        if not value >= 0:
            raise ConfigError(f"'{key}' is the std of Gaussian noise and must be >= 0 (0 = off), got {value}")
    if m.d_widths is not None:
        if len(m.d_widths) == 0 or any(w < 1 for w in m.d_widths):
            raise ConfigError(f"'model.d_widths' lists D's hidden widths, at least one, each >= 1, e.g. "
                              f"[1000, 500, 250, 250, 250]; got {m.d_widths}")
        if m.d_width is not None:
            raise ConfigError(f"'model.d_widths'={m.d_widths} sets every hidden width of D; drop model.d_width="
                              f"{m.d_width} (a uniform width) or model.d_widths")
        if m.d_depth not in (ModelConfig().d_depth, len(m.d_widths)):
            raise ConfigError(f"'model.d_widths' has {len(m.d_widths)} hidden layers but model.d_depth="
                              f"{m.d_depth}: D's depth is the length of model.d_widths (drop model.d_depth)")
    mlp_only = {"model.d_widths": m.d_widths is not None, "model.d_input_noise": m.d_input_noise > 0,
                "model.d_hidden_noise": m.d_hidden_noise > 0}
    used = [key for key, on in mlp_only.items() if on]
    family = m.name if m.name != "auto" else ("mlp" if cfg.data.name in POINT_DATASETS else "dcgan")
    if used and family != "mlp":
        raise ConfigError(f"{', '.join(used)}: implemented for the mlp D only, and this run's model is {family} "
                          f"(model.name={m.name}); set model.name=mlp")
    if used and m.d_type == "autoencoder":
        raise ConfigError(f"{', '.join(used)}: shape a classifier D; the autoencoder D (model.d_type=autoencoder) "
                          f"takes model.d_width and model.d_depth only")
    if m.d_norm == "weight" and m.spectral_norm in ("d", "both"):
        raise ConfigError(f"model.d_norm=weight and model.spectral_norm={m.spectral_norm} both reparameterise D's "
                          f"weights and do not stack: choose one (model.d_norm=none or model.spectral_norm="
                          f"{'g' if m.spectral_norm == 'both' else 'none'})")


def _validate_energy(cfg: Config, energy: bool) -> None:
    """An autoencoder D's output is -energy <= 0: no logit loss can use it, and energy losses need nothing else."""
    from ..losses import ENERGY_LOSSES

    lo, m = cfg.loss, cfg.model
    energy_names = " or ".join(ENERGY_LOSSES.names())
    if m.d_type == "autoencoder" and not energy:
        raise ConfigError(f"model.d_type=autoencoder makes D(x) = -energy <= 0, never 'real' for the logit loss "
                          f"'{lo.name}': use loss.name={energy_names}, or model.d_type=classifier")
    if energy and m.d_type != "autoencoder":
        raise ConfigError(f"loss.name={lo.name} is a loss of an autoencoder D's reconstruction energy: set "
                          f"model.d_type=autoencoder")
    if energy:
        _validate_energy_tricks(cfg)
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


def _switched_on(cfg: Config, keys: tuple[str, ...]) -> list[tuple[str, object, int]]:
    """(key, value, off) for each dotted key whose value is not its off value (1 for model.pack, else 0)."""
    found = []
    for key in keys:
        section, name = key.split(".")
        value = getattr(getattr(cfg, section), name)
        off = 1 if name == "pack" else 0
        if value != off:
            found.append((key, value, off))
    return found


# What the energy steps do not run: D's gradient penalties and weight clipping (energy_d_step), the other update
# rules (unrolled G, consensus) and feature matching, which are written for a classifier D's logits and features.
# Instance noise, orthogonal regularisation and historical averaging are wired (training/step.py).
ENERGY_UNWIRED = ("reg.gp_weight", "reg.r1_gamma", "reg.r2_gamma", "reg.dragan_weight", "reg.clip", "train.unroll",
                  "train.consensus", "loss.fm_weight")


def _validate_energy_tricks(cfg: Config) -> None:
    """The tricks an energy loss (BEGAN, EBGAN) does not train with: a clear error instead of a silent no-op."""
    for key, value, _ in _switched_on(cfg, ENERGY_UNWIRED):
        raise ConfigError(f"'{key}'={value} is not wired into the energy losses' steps (loss.name="
                          f"{cfg.loss.name}): set it to 0. With an energy loss these work: reg.instance_noise, "
                          f"reg.ortho_weight, reg.hist_weight, train.ema, train.n_critic")


# What the VAE step does not run: everything that acts on D, a second update rule, or a non-Gaussian prior.
VAE_UNWIRED = ("reg.gp_weight", "reg.r1_gamma", "reg.r2_gamma", "reg.dragan_weight", "reg.clip", "reg.ortho_weight",
               "reg.hist_weight", "reg.instance_noise", "train.unroll", "train.consensus", "loss.fm_weight",
               "model.z_categories", "model.pack", "model.mbstd_group", "model.mbdisc_kernels")


def _validate_vae(cfg: Config) -> None:
    """loss.name=vae: its own keys' ranges, and the GAN options it has no use for (a clear error, not a no-op)."""
    lo, m = cfg.loss, cfg.model
    default = LossConfig()
    owners = {"beta": VAE_LOSSES, "decoder": ("vae",), "decoder_std": ("vae",), "vaegan_gamma": ("vaegan",)}
    for key, names in owners.items():
        if getattr(lo, key) != getattr(default, key) and lo.name not in names:
            raise ConfigError(f"'loss.{key}' is a setting of loss.name={' or '.join(names)}, but loss.name={lo.name}"
                              + (" (VAE-GAN's reconstruction is measured on D's features)"
                                 if lo.name == "vaegan" else ""))
    if lo.name not in VAE_LOSSES:
        return
    if not lo.vaegan_gamma >= 0:
        raise ConfigError(f"'loss.vaegan_gamma' must be >= 0, got {lo.vaegan_gamma}")
    if lo.decoder not in ("gaussian", "bernoulli"):
        raise ConfigError(f"bad value for 'loss.decoder': '{lo.decoder}'; choose one of: bernoulli, gaussian")
    if not lo.beta >= 0:
        raise ConfigError(f"'loss.beta' must be >= 0 (1 = the ELBO), got {lo.beta}")
    if not lo.decoder_std > 0:
        raise ConfigError(f"'loss.decoder_std' must be > 0, got {lo.decoder_std}")
    if lo.decoder == "bernoulli" and lo.decoder_std != default.decoder_std:
        raise ConfigError("'loss.decoder_std' is the std of the gaussian decoder; loss.decoder=bernoulli has none")
    for key, value, off in _switched_on(cfg, VAE_UNWIRED):
        raise ConfigError(f"'{key}'={value} is a GAN option that loss.name={lo.name} does not use: set it to {off}")
    for key, value, off in (("model.conditioning", m.conditioning, "none"), ("model.d_type", m.d_type, "classifier"),
                            ("sampler.name", cfg.sampler.name, "direct"), ("train.n_critic", cfg.train.n_critic, 1),
                            ("loss.real_label", lo.real_label, 1.0)):
        if value != off:
            raise ConfigError(f"'{key}'={value} does not apply to loss.name={lo.name} (one update of encoder and "
                              f"decoder [and D] per step): set {key}={off}")


# What the BiGAN steps do not run: D's gradient penalties and the other update rules are written for a D of x alone,
# feature matching for its features; the categorical and uniform codes would give E away (its z is unbounded and
# continuous, so D could tell the real pair by its code alone).
BIGAN_UNWIRED = ("reg.gp_weight", "reg.r1_gamma", "reg.r2_gamma", "reg.dragan_weight", "reg.ortho_weight",
                 "reg.hist_weight", "reg.instance_noise", "train.unroll", "train.consensus", "loss.fm_weight",
                 "model.z_categories", "model.z_continuous", "model.pack", "model.mbstd_group", "model.mbdisc_kernels")


def _validate_bigan(cfg: Config) -> None:
    """model.encoder (BiGAN / ALI, training/bigan.py): a logit loss, an unconditional D of pairs, and the GAN options
    its steps do not run named, not silently ignored."""
    from ..losses import LOSSES

    m, lo = cfg.model, cfg.loss
    if not 0 <= m.joint_dropout < 1:
        raise ConfigError(f"'model.joint_dropout' must be in [0, 1) (0 = off), got {m.joint_dropout}")
    if m.encoder == "none":
        if m.joint_dropout:
            raise ConfigError("'model.joint_dropout' is the dropout of BiGAN's joint D(x, z); it needs "
                              "model.encoder=deterministic or gaussian")
        return
    if lo.name in VAE_LOSSES:
        raise ConfigError(f"model.encoder={m.encoder} turns a GAN into BiGAN / ALI; loss.name={lo.name} trains its "
                          f"own Gaussian encoder on the ELBO: keep model.encoder=none, or use a GAN loss such as ns")
    if lo.name not in LOSSES:
        raise ConfigError(f"model.encoder={m.encoder} (BiGAN / ALI) needs a logit loss for its D of pairs, one of: "
                          f"{', '.join(LOSSES.names())}; got loss.name={lo.name}")
    for key, value, off in (("model.conditioning", m.conditioning, "none"), ("model.d_type", m.d_type, "classifier"),
                            ("model.info_head", m.info_head, False), ("model.semi_supervised", m.semi_supervised,
                                                                      False),
                            ("loss.real_label", lo.real_label, 1.0), ("loss.fm_only", lo.fm_only, False),
                            # Salimans et al.'s D options: not built into the joint D of pairs
                            ("model.d_norm", m.d_norm, "none"), ("model.d_input_noise", m.d_input_noise, 0.0),
                            ("model.d_hidden_noise", m.d_hidden_noise, 0.0), ("model.d_widths", m.d_widths, None)):
        if value != off:
            off_text = str(off).lower() if isinstance(off, bool) else off
            raise ConfigError(f"'{key}'={str(value).lower() if isinstance(value, bool) else value} does not combine "
                              f"with model.encoder={m.encoder} (BiGAN / ALI: an unconditional D of (x, z) pairs, G and "
                              f"E trained on D's loss with the pairs swapped): set {key}={off_text}")
    for key, value, off in _switched_on(cfg, BIGAN_UNWIRED):
        raise ConfigError(f"'{key}'={value} is not wired into BiGAN's steps (model.encoder={m.encoder}): set it "
                          f"to {off}. With BiGAN these work: any logit loss, reg.clip, train.n_critic, train.ema, "
                          f"model.spectral_norm, optim.*")


def _unknown(registry, name: str) -> str:
    from ..registry import unknown_name_message

    return unknown_name_message(registry.kind, name, registry.names())

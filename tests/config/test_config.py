import pytest

from ganforge.config import Config, ConfigError, apply_overrides, from_dict, parse_override, save_yaml, to_dict
from ganforge.config.presets import PRESETS, build_config, preset_table
from ganforge.config.validate import validate


@pytest.mark.parametrize("text, expected", [
    ("train.steps=200", ("train.steps", 200)),
    ("optim.g_lr=1e-4", ("optim.g_lr", 1e-4)),
    ("optim.g_lr=0.0002", ("optim.g_lr", 2e-4)),
    ("train.ema=0", ("train.ema", 0)),
    ("output.progress=false", ("output.progress", False)),
    ("data.path=null", ("data.path", None)),
    ("data.name=ring8", ("data.name", "ring8")),
])
def test_parse_override(text, expected):
    assert parse_override(text) == expected


def test_overrides_apply_with_types():
    cfg = apply_overrides(Config(), ["train.steps=5", "optim.d_lr=1e-3", "reg.gp_weight=10", "data.resolution=32"])
    assert cfg.train.steps == 5 and cfg.optim.d_lr == 1e-3
    assert isinstance(cfg.reg.gp_weight, float) and cfg.reg.gp_weight == 10.0
    assert cfg.data.resolution == 32


def test_unknown_key_suggests_the_right_one():
    with pytest.raises(ConfigError, match=r"unknown key 'train.step'; did you mean 'train.steps'\?.*batch_size"):
        apply_overrides(Config(), ["train.step=3"])
    with pytest.raises(ConfigError, match="did you mean 'train'"):
        apply_overrides(Config(), ["trian.steps=3"])


@pytest.mark.parametrize("override, message", [
    ("train.steps=abc", "expected an integer"),
    ("train.steps=1.5", "expected an integer"),
    ("optim.name=adamw", "choose one of: adam, rmsprop, sgd"),
    ("output.progress=maybe", "expected true or false"),
    ("train", "expected key=value"),
    ("train=3", "is a section"),
])
def test_bad_values_are_errors_naming_valid_choices(override, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(Config(), [override])


def test_validate_names_and_ranges():
    cfg = Config()
    cfg.loss.name = "hinj"
    with pytest.raises(ConfigError, match="did you mean 'hinge'"):
        validate(cfg)
    cfg = Config()
    cfg.train.ema = 1.0
    with pytest.raises(ConfigError, match=r"train.ema"):
        validate(cfg)
    cfg = Config()
    cfg.train.batch_size = 0
    with pytest.raises(ConfigError, match="batch_size"):
        validate(cfg)


def test_dict_and_yaml_round_trip(tmp_path):
    cfg = build_config("wgan-gp", "ring8", ["train.steps=7"])
    assert from_dict(to_dict(cfg)) == cfg
    path = tmp_path / "c.yaml"
    save_yaml(cfg, path)
    assert build_config(config_file=path) == cfg  # the file names its preset; every value comes back


def test_yaml_file_unknown_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  stepz: 3\n")
    with pytest.raises(ConfigError, match="did you mean 'train.steps'"):
        build_config(config_file=path)


def test_precedence_preset_then_data_then_overrides():
    cfg = build_config("wgan", "ring8", ["optim.g_lr=1e-3"])
    assert cfg.preset == "wgan" and cfg.data.name == "ring8"
    assert cfg.optim.g_lr == 1e-3 and cfg.optim.d_lr == 5e-5 and cfg.reg.clip == 0.01


def test_presets_follow_their_papers():
    wgan, gp, dc = build_config("wgan"), build_config("wgan-gp", "mnist"), build_config("dcgan")
    assert (wgan.optim.name, wgan.optim.d_lr, wgan.reg.clip, wgan.train.n_critic, wgan.train.batch_size) == \
        ("rmsprop", 5e-5, 0.01, 5, 64)
    assert (gp.reg.gp_weight, gp.train.n_critic, gp.optim.d_lr, gp.optim.beta1, gp.optim.beta2) == \
        (10.0, 5, 1e-4, 0.0, 0.9)
    points = build_config("wgan-gp", "ring8")
    assert (points.optim.g_lr, points.optim.d_lr) == (1e-4, 1e-3)   # two time-scales on 2-D points (ours)
    assert (dc.optim.d_lr, dc.optim.beta1, dc.train.batch_size, dc.model.name) == (2e-4, 0.5, 128, "dcgan")
    assert build_config("gan-minimax").loss.name == "minimax" and build_config("gan").loss.name == "ns"


@pytest.mark.parametrize("data", ["ring8", "grid25"])
def test_pacgan_drs_is_pacgan_sampled_through_drs(data):
    a, b = build_config("pacgan", data), build_config("pacgan-drs", data)
    assert (a.sampler.name, b.sampler.name) == ("direct", "drs")
    assert (b.sampler.drs_gamma, b.sampler.drs_m_quantile, b.sampler.drs_burn_in) == (0.0, 0.999, 20_000)
    assert b.train.steps == {"ring8": 6000, "grid25": 12000}[data]
    b.sampler, b.preset, b.train.steps = a.sampler, a.preset, a.train.steps   # everything else is pacgan's
    assert a == b


def test_preset_table_lists_every_preset():
    table = preset_table()
    for name in PRESETS:
        assert name in table
    with pytest.raises(ConfigError, match="unknown preset 'dcgna'; did you mean 'dcgan'"):
        build_config("dcgna")


def test_presets_carry_separate_settings_for_2d_points():
    from ganforge.config.presets import POINTS_MODEL

    points, images = build_config("gan", "grid25"), build_config("gan", "digits")
    assert points.model.g_activation == "tanh" and points.train.batch_size == 512
    assert images.model.g_activation == "relu" and images.train.batch_size == 100  # Goodfellow's settings
    assert build_config("gan", "ring8", ["train.batch_size=64"]).train.batch_size == 64  # overrides still win
    assert build_config("wgan", "moons").model.z_dim == POINTS_MODEL["model.z_dim"]
    assert build_config("wgan", "moons").optim.d_lr == 5e-5  # the paper's optimiser is kept


def test_presets_carry_settings_for_named_data():
    """mgan's K (one generator per mode) is set per data set, after the 2-D settings; the YAML file, --data and
    overrides still win over it, and the data chosen by --data or an override pick the settings."""
    assert build_config("mgan", "grid25").model.z_categories == 25
    assert build_config("mgan", "ring8").model.z_categories == 8
    assert build_config("mgan", "spiral").model.z_categories == 10          # the preset's own default
    assert build_config("mgan", "grid25").train.steps == 12000              # its 2-D settings still apply
    assert build_config("mgan", "ring8", ["model.z_categories=16"]).model.z_categories == 16
    assert build_config("mgan", None, ["data.name=ring8"]).model.z_categories == 8
    assert build_config("mgan", "digits").model.z_categories == 10 and build_config("mgan", "digits").model.name \
        == "mlp"


def test_every_point_dataset_builds_points():
    from ganforge.config import DataConfig
    from ganforge.data import DATASETS, POINT_DATASETS, build_dataset

    assert set(POINT_DATASETS) <= set(DATASETS.names())
    for name in POINT_DATASETS:
        if name != "points":  # needs a user file
            assert build_dataset(DataConfig(name=name)).kind == "points"
    for name in set(DATASETS.names()) - set(POINT_DATASETS) - {"mnist", "folder"}:
        assert build_dataset(DataConfig(name=name)).kind == "images"


@pytest.mark.parametrize("preset, overrides, message", [
    ("gan", ["model.g_norm=vbn"], "choose one of: auto, none, batch, virtual"),
    ("gan", ["model.spectral_norm=D"], "choose one of: none, d, g, both"),
    ("gan", ["model.d_type=ae"], "choose one of: classifier, autoencoder"),
    ("gan", ["loss.name=begn"], "did you mean 'began'"),
    ("gan", ["model.d_type=autoencoder"], r"D\(x\) = -energy <= 0.*use loss.name=began or ebgan"),
    ("hinge", ["loss.name=ebgan"], "set model.d_type=autoencoder"),
    ("began", ["model.pack=2"], "classifier D's head"),
    ("pacgan-drs", ["sampler.drs_m_quantile=0"], r"drs_m_quantile must be in \(0, 1\]"),
    ("pacgan-drs", ["sampler.drs_burn_in=0"], "drs_burn_in >= 1"),
    ("pacgan-drs", ["sampler.drs_min_accept=1"], r"drs_min_accept in \[0, 1\)"),
    ("began", ["model.mbstd_group=4"], "classifier D's head"),
    ("ebgan", ["model.mbdisc_kernels=10"], "classifier D's head"),
    ("began", ["reg.gp_weight=10"], "not wired into the energy losses"),
    ("ebgan", ["reg.clip=0.01"], "not wired into the energy losses"),
    ("ebgan", ["loss.began_gamma=0.7"], "a setting of loss.name=began"),
    ("gan", ["loss.ebgan_margin=2"], "a setting of loss.name=ebgan"),
    ("began", ["loss.began_gamma=1.5"], r"in \(0, 1\]"),
    ("ebgan", ["loss.ebgan_margin=0"], "must be > 0"),
    ("gan", ["model.mbstd_group=1"], "group size >= 2"),
    ("gan", ["model.mbstd_group=3", "train.batch_size=32"], "must divide the 32 rows"),
    ("pacgan", ["model.mbstd_group=8", "train.batch_size=24"], r"must divide the 12 rows.*model.pack=2"),
    ("gan", ["model.mbdisc_dim=3"], "needs model.mbdisc_kernels > 0"),
    ("gan", ["model.vbn_ref_size=32"], "needs model.g_norm=virtual"),
    ("gan", ["model.g_norm=virtual", "model.vbn_ref_size=0"], ">= 1"),
    ("gan", ["model.d_code=4"], "needs model.d_type=autoencoder"),
    # with the conditional GANs and the training tricks of main
    ("began", ["model.conditioning=input"], "an autoencoder D.*has neither: use model.conditioning=none"),
    ("ebgan", ["model.conditioning=acgan"], "an autoencoder D"),
    ("gan", ["model.conditioning=projection", "model.g_norm=virtual"],
     "conditional BatchNorm.*model.g_norm=virtual.*model.g_conditioning=input or hidden"),
    ("gan", ["model.conditioning=input", "model.g_conditioning=cbn", "model.g_norm=none"], "conditional BatchNorm"),
    ("began", ["reg.r2_gamma=1"], "'reg.r2_gamma'=1.0 is not wired into the energy losses"),
    ("began", ["reg.dragan_weight=10"], "not wired into the energy losses"),
    ("ebgan", ["train.unroll=5"], "'train.unroll'=5 is not wired into the energy losses"),
    ("ebgan", ["train.consensus=1"], "not wired into the energy losses"),
    ("began", ["loss.fm_weight=1"], "not wired into the energy losses"),
    ("ebgan", ["loss.real_label=0.9"], "loss.name=ebgan has none"),
])
def test_architecture_and_energy_options_reject_what_makes_no_sense(preset, overrides, message):
    with pytest.raises(ConfigError, match=message):
        validate(build_config(preset, "ring8", overrides))


def test_new_switches_pass_validation_together():
    validate(build_config("sngan", "ring8", ["model.spectral_norm=both", "model.g_norm=virtual",
                                             "model.vbn_ref_size=32", "model.mbstd_group=4", "model.mbdisc_kernels=8",
                                             "model.mbdisc_dim=3"]))
    validate(build_config("pacgan", "ring8", ["model.mbstd_group=4", "train.batch_size=32"]))  # 16 packs, groups of 4
    validate(build_config("began", "digits", ["model.spectral_norm=d", "model.d_code=16"]))
    # ... with conditioning, the latent prior and the tricks (energy losses: the ones their steps run)
    validate(build_config("cgan-projection", "digits", ["model.spectral_norm=d", "model.mbstd_group=4",
                                                        "model.mbdisc_kernels=8", "model.g_norm=batch"]))
    validate(build_config("cgan", "digits", ["model.g_norm=virtual", "model.z_categories=10", "train.unroll=2"]))
    validate(build_config("cgan-projection", "digits", ["model.g_norm=virtual", "model.g_conditioning=input"]))
    validate(build_config("sngan", "ring8", ["model.mbstd_group=4", "train.consensus=1", "loss.fm_weight=1",
                                             "reg.r1_gamma=1", "reg.dragan_weight=1"]))
    validate(build_config("ebgan", "ring8", ["reg.instance_noise=0.1", "reg.ortho_weight=1e-4", "reg.hist_weight=1",
                                             "model.z_categories=8", "model.g_norm=virtual", "train.n_critic=2"]))


def test_g_batchnorm_of_older_configs_reads_as_g_norm():
    """Every config saved before model.g_norm names model.g_batchnorm; those runs must still load and resume."""
    old = to_dict(Config())
    del old["model"]["g_norm"]
    for saved, expected in ((False, "auto"), (True, "batch")):
        old["model"]["g_batchnorm"] = saved
        assert from_dict(old).model.g_norm == expected
    assert apply_overrides(Config(), ["model.g_batchnorm=true"]).model.g_norm == "batch"
    with pytest.raises(ConfigError, match="expected true or false"):
        apply_overrides(Config(), ["model.g_batchnorm=maybe"])


def test_new_presets_follow_their_papers():
    sn, be, eb = build_config("sngan", "digits"), build_config("began", "digits"), build_config("ebgan", "digits")
    assert (sn.loss.name, sn.model.spectral_norm, sn.optim.d_lr, sn.optim.beta1, sn.optim.beta2, sn.train.n_critic,
            sn.train.batch_size) == ("hinge", "d", 2e-4, 0.5, 0.999, 1, 64)
    assert (be.loss.name, be.model.d_type, be.loss.began_gamma, be.loss.began_lambda_k, be.optim.d_lr,
            be.train.batch_size, be.model.z_dim) == ("began", "autoencoder", 0.5, 1e-3, 1e-4, 16, 64)
    assert (eb.loss.name, eb.model.d_type, eb.loss.ebgan_pt_weight) == ("ebgan", "autoencoder", 0.1)
    for name in ("sngan", "began", "ebgan"):
        points = build_config(name, "ring8")
        assert points.model.name == "mlp" and points.model.g_activation == "tanh" and points.model.z_dim == 8
        validate(points)
        validate(build_config(name, "digits"))


@pytest.mark.parametrize("overrides, message", [
    (["loss.name=wgan", "loss.real_label=0.9"], r"loss.name=wgan has none. Use loss.name ns or minimax"),
    (["loss.name=hinge", "loss.real_label=0.9"], "ns or minimax"),
    (["loss.real_label=0"], r"must be in \(0, 1\]"),
    (["loss.real_label=1.2"], r"must be in \(0, 1\]"),
    (["loss.fm_only=true"], "set loss.fm_weight > 0"),
    (["loss.fm_weight=-1"], "'loss.fm_weight' must be >= 0"),
    (["loss.fm_weight=1", "loss.fm_only=true", "train.unroll=3"], "use one or the other"),
    (["train.consensus=1", "train.n_critic=5"], "needs train.n_critic=1, got 5"),
    (["train.consensus=1", "train.unroll=2"], "use one of them"),
    (["train.unroll=-1"], "'train.unroll' must be >= 0"),
    (["reg.reg_every=4"], "set reg.r1_gamma or reg.r2_gamma > 0"),
    (["reg.reg_every=0", "reg.r1_gamma=1"], r"'reg.reg_every' must be >= 1"),
    (["reg.r2_gamma=-1"], "'reg.r2_gamma' must be >= 0"),
    (["reg.dragan_weight=10", "reg.dragan_scale=0"], "'reg.dragan_scale' must be > 0"),
    (["reg.instance_noise=-0.1"], "'reg.instance_noise' must be >= 0"),
    (["reg.hist_weight=-1"], "'reg.hist_weight' must be >= 0"),
])
def test_invalid_trick_settings_are_clear_errors(overrides, message):
    with pytest.raises(ConfigError, match=message):
        validate(apply_overrides(Config(), overrides))


def test_trick_choices_name_the_valid_values():
    with pytest.raises(ConfigError, match="choose one of: g, d, both"):
        apply_overrides(Config(), ["reg.ortho_nets=gd"])
    with pytest.raises(ConfigError, match="did you mean 'reg.r2_gamma'"):
        apply_overrides(Config(), ["reg.r2_gama=1"])
    for ok in (["loss.real_label=0.9"], ["loss.name=minimax", "loss.real_label=0.7"], ["reg.r2_gamma=1",
               "reg.reg_every=16"], ["train.consensus=10", "loss.fm_weight=1"], ["train.unroll=5", "loss.fm_weight=1"]):
        validate(apply_overrides(Config(), ok))


def test_trick_presets_follow_their_papers():
    dragan, r1, unrolled = build_config("dragan"), build_config("r1gan"), build_config("unrolled")
    assert (dragan.loss.name, dragan.reg.dragan_weight, dragan.reg.dragan_scale, dragan.optim.d_lr,
            dragan.optim.beta1, dragan.optim.beta2, dragan.train.batch_size) == ("ns", 10.0, 0.5, 1e-4, 0.5, 0.9, 128)
    assert (r1.loss.name, r1.reg.r1_gamma, r1.optim.name, r1.optim.d_lr, r1.train.batch_size) == \
        ("ns", 10.0, "rmsprop", 1e-4, 64)
    assert (unrolled.train.unroll, unrolled.optim.name, unrolled.optim.g_lr, unrolled.optim.d_lr) == \
        (5, "adam", 1e-3, 1e-4)
    for name in ("dragan", "r1gan", "unrolled"):
        assert build_config(name, "grid25").model.g_activation == "tanh"  # the shared 2-D architecture
        validate(build_config(name, "grid25"))


@pytest.mark.parametrize("name", ["rsgan", "ragan"] + [f"fgan-{d}" for d in
                                  ("tv", "kl", "reverse-kl", "pearson", "neyman", "hellinger", "jeffrey", "js", "gan")])
def test_issue3_loss_presets_use_their_loss_and_the_2d_schedule(name):
    from ganforge.config.presets import POINTS_SCHEDULE

    cfg = build_config(name, data="grid25")
    assert cfg.loss.name == name and cfg.model.name == "mlp"
    assert (cfg.train.batch_size, cfg.optim.g_lr, cfg.optim.lr_decay) == tuple(
        POINTS_SCHEDULE[k] for k in ("train.batch_size", "optim.g_lr", "optim.lr_decay"))
    images = build_config(name, data="digits")
    assert (images.optim.g_lr, images.optim.beta1, images.train.batch_size) == (2e-4, 0.5, 64)

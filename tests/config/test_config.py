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
    wgan, gp, dc = build_config("wgan"), build_config("wgan-gp"), build_config("dcgan")
    assert (wgan.optim.name, wgan.optim.d_lr, wgan.reg.clip, wgan.train.n_critic, wgan.train.batch_size) == \
        ("rmsprop", 5e-5, 0.01, 5, 64)
    assert (gp.reg.gp_weight, gp.train.n_critic, gp.optim.d_lr, gp.optim.beta1, gp.optim.beta2) == \
        (10.0, 5, 1e-4, 0.0, 0.9)
    assert (dc.optim.d_lr, dc.optim.beta1, dc.train.batch_size, dc.model.name) == (2e-4, 0.5, 128, "dcgan")
    assert build_config("gan-minimax").loss.name == "minimax" and build_config("gan").loss.name == "ns"


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


def test_every_point_dataset_builds_points():
    from ganforge.config import DataConfig
    from ganforge.data import DATASETS, POINT_DATASETS, build_dataset

    assert set(POINT_DATASETS) <= set(DATASETS.names())
    for name in POINT_DATASETS:
        if name != "points":  # needs a user file
            assert build_dataset(DataConfig(name=name)).kind == "points"
    for name in set(DATASETS.names()) - set(POINT_DATASETS) - {"mnist", "folder"}:
        assert build_dataset(DataConfig(name=name)).kind == "images"


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

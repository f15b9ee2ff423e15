"""Salimans et al. 2016's semi-supervised D as options of the mlp D: per-layer widths, Gaussian noise on the input and
before every later dense layer (training mode only, with the configured std), weight norm on every layer; the
features/head convention kept; the config errors."""

import pytest
import torch
from torch import nn

from ganforge.config import ConfigError, ModelConfig
from ganforge.config.presets import build_config
from ganforge.config.validate import validate
from ganforge.models import DataSpec, build_models
from ganforge.nn import GaussianNoise, is_weight_normalised

MNIST_LIKE = DataSpec("images", (1, 8, 8), 10)
SALIMANS = dict(name="mlp", semi_supervised=True, d_widths=[24, 12, 6], d_input_noise=0.3, d_hidden_noise=0.5,
                z_dim=4, g_width=8)


def _build(seed=0, **kw):
    torch.manual_seed(seed)
    return build_models(ModelConfig(**kw), MNIST_LIKE)[1]


def test_widths_set_every_hidden_layer_and_the_features():
    D = _build(**SALIMANS)
    linears = [m for m in D.net if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears[:-1]] == [(64, 24), (24, 12), (12, 6)]
    assert D.features(torch.zeros(5, 1, 8, 8)).shape == (5, 6)
    assert D.semi.in_features == 6


def test_noise_layers_sit_before_every_dense_layer_the_output_included():
    """Salimans's D: noise(0.3) on x, then noise(0.5) before each dense layer after the first; the one before the
    output layer is the head's, so features(x) is the last hidden layer without noise (what feature matching reads)."""
    D = _build(**SALIMANS)
    kinds = [type(m).__name__ for m in D.net]
    assert kinds == ["GaussianNoise", "Linear", "LeakyReLU", "GaussianNoise", "Linear", "LeakyReLU",
                     "GaussianNoise", "Linear", "LeakyReLU", "Linear"]
    assert [m.std for m in D.net if isinstance(m, GaussianNoise)] == [0.3, 0.5, 0.5]
    assert isinstance(D.head_noise, GaussianNoise) and D.head_noise.std == 0.5


def test_noise_is_training_mode_only_and_has_the_configured_std():
    """Eval: deterministic, and equal to the same weights without noise (noise layers hold no parameters, so the
    seeded build draws identical weights). Training: each noise layer adds N(0, std^2), checked on what it adds."""
    x = torch.rand(200, 1, 8, 8) * 2 - 1
    noisy, clean = _build(**SALIMANS).eval(), _build(**{**SALIMANS, "d_input_noise": 0.0, "d_hidden_noise": 0.0})
    clean.eval()
    torch.testing.assert_close(noisy(x), noisy(x), rtol=0, atol=0)
    torch.testing.assert_close(noisy(x), clean(x))
    torch.testing.assert_close(noisy.classify(noisy.features(x)), clean.classify(clean.features(x)))
    noisy.train()
    assert not torch.equal(noisy(x), noisy(x))
    added: dict[int, list[torch.Tensor]] = {}
    layers = [m for m in noisy.modules() if isinstance(m, GaussianNoise)]
    for i, m in enumerate(layers):
        m.register_forward_hook(lambda mod, inp, out, i=i: added.setdefault(i, []).append(out - inp[0]))
    torch.manual_seed(0)
    noisy(x)
    assert len(added) == 4       # input, two inner hidden layers, the head's
    for i, m in enumerate(layers):
        e = torch.cat(added[i]).flatten()     # >= 1,200 draws: std within 5 standard errors std / sqrt(2n)
        assert abs(e.std().item() - m.std) < 5 * m.std / (2 * e.numel()) ** 0.5
        assert abs(e.mean().item()) < 5 * m.std / e.numel() ** 0.5


def test_weight_norm_switch_covers_every_weight_of_d_in_both_families():
    D = _build(**SALIMANS, d_norm="weight")
    weighted = [m for m in D.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    assert weighted and all(is_weight_normalised(m) for m in weighted)
    torch.manual_seed(0)
    G, D = build_models(ModelConfig(name="dcgan", g_width=8, d_width=8, z_dim=4, d_norm="weight"), MNIST_LIKE)
    weighted = [m for m in D.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    assert weighted and all(is_weight_normalised(m) for m in weighted)
    assert not any(is_weight_normalised(m) for m in G.modules())
    assert D(torch.zeros(2, 1, 8, 8)).shape == (2,)


def test_the_sgan_preset_is_salimans_d():
    cfg = validate(build_config("sgan"))
    m = cfg.model
    assert (m.d_widths, m.d_input_noise, m.d_hidden_noise, m.d_norm) == ([1000, 500, 250, 250, 250], 0.6, 0.5,
                                                                        "weight")


@pytest.mark.parametrize("overrides, message", [
    (["model.d_input_noise=-0.1"], "'model.d_input_noise' is the std of Gaussian noise and must be >= 0"),
    (["model.d_hidden_noise=-1"], "'model.d_hidden_noise' is the std of Gaussian noise and must be >= 0"),
    (["model.d_widths=[]"], "at least one, each >= 1"),
    (["model.d_widths=[8, 0]"], "at least one, each >= 1"),
    (["model.d_widths=[8, 4]", "model.d_width=16"], "drop model.d_width=16"),
    (["model.d_widths=[8, 4]", "model.d_depth=5"], "has 2 hidden layers but model.d_depth=5"),
    (["model.name=dcgan", "model.d_input_noise=0.3"], "implemented for the mlp D only"),
    (["model.name=auto", "model.d_hidden_noise=0.5"], "implemented for the mlp D only"),  # dcgan on digits
    (["model.name=mlp", "model.d_type=autoencoder", "loss.name=began", "model.d_widths=[8]"],
     "autoencoder D"),
    (["model.d_norm=weight", "model.spectral_norm=both"], "do not stack"),
    (["model.d_norm=spectral"], "choose one of: none, weight"),
])
def test_d_option_errors_are_clear(overrides, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        validate(build_config("gan", "digits", overrides))


def test_d_widths_with_its_own_depth_is_accepted():
    cfg = validate(build_config("gan", "digits", ["model.name=mlp", "model.d_widths=[8, 4]", "model.d_depth=2"]))
    assert cfg.model.d_widths == [8, 4]

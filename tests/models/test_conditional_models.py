"""Class-conditional G and D in both families: shapes, where c enters, which outputs depend on it, label errors."""

import itertools

import pytest
import torch
from torch import nn

from ganforge.config import ConfigError, ModelConfig
from ganforge.config.presets import build_config
from ganforge.config.validate import validate
from ganforge.models import DataSpec, build_models
from ganforge.nn import ConditionalBatchNorm, LabelConcat

K = 4
SPECS = {"mlp": DataSpec("images", (1, 8, 8), K), "dcgan": DataSpec("images", (1, 16, 16), K)}
D_MODES = ("input", "hidden", "projection", "acgan")
G_MODES = ("auto", "input", "hidden", "cbn")


def _build(family, d_mode, g_mode="auto", **kw):
    torch.manual_seed(0)
    cfg = ModelConfig(name=family, g_width=8, d_width=8, z_dim=6, conditioning=d_mode, g_conditioning=g_mode, **kw)
    G, D = build_models(cfg, SPECS[family])
    for m in G.modules():  # conditional BN starts as plain BN (gain 1, bias 0 for all classes): training moves it
        if isinstance(m, ConditionalBatchNorm):
            nn.init.normal_(m.gain.weight, 1.0, 0.5)
            nn.init.normal_(m.bias.weight, 0.0, 0.5)
    return G.eval(), D.eval()  # eval: BatchNorm uses running statistics, so each sample depends on itself only


@pytest.mark.parametrize("family, d_mode, g_mode", list(itertools.product(SPECS, D_MODES, G_MODES)))
def test_shapes_and_dependence_on_the_class(family, d_mode, g_mode):
    G, D = _build(family, d_mode, g_mode)
    z = torch.randn(2 * K, 6)
    c = torch.arange(2 * K) % K
    x = G(z, c)
    assert G.num_classes == K and x.shape == (2 * K, *SPECS[family].shape) and x.abs().max() <= 1
    assert not torch.allclose(G(z, (c + 1) % K), x)                     # G reads c ...
    torch.testing.assert_close(G(z[:3], c[:3]), x[:3])                  # ... each sample its own
    logits, h = D(x, c), D.features(x, c)
    assert logits.shape == (2 * K,)
    torch.testing.assert_close(D.head(h, c), logits)                    # D(x, c) == D.head(D.features(x, c), c)
    other = (c + 1) % K
    if d_mode == "acgan":                                               # the logit ignores c, the classifier reads x
        torch.testing.assert_close(D(x, other), logits)
        assert D.classify(h).shape == (2 * K, K)
    else:
        assert not torch.allclose(D(x, other), logits)
        with pytest.raises(ValueError, match="no classifier head"):
            D.classify(h)


@pytest.mark.parametrize("family", SPECS)
def test_projection_changes_the_logit_by_the_difference_of_class_vectors(family):
    """Miyato & Koyama: D(x, c) = psi(phi(x)) + <V_c, phi(x)>, so D(x, a) - D(x, b) = <V_a - V_b, phi(x)>."""
    _, D = _build(family, "projection")
    x = torch.randn(5, *SPECS[family].shape)
    a, b = torch.tensor([0, 1, 2, 3, 0]), torch.tensor([3, 3, 1, 0, 2])
    h = D.features(x).flatten(1)  # the trunk of a projection D does not read c
    V = D.projection.embed.weight
    torch.testing.assert_close(D(x, a) - D(x, b), ((V[a] - V[b]) * h).sum(1))


@pytest.mark.parametrize("family", SPECS)
def test_where_the_label_enters(family):
    """input: one-hot at the first layer of both nets; hidden: after the first hidden block; cbn: every G norm."""
    G, D = _build(family, "input")
    assert isinstance(G.net[0], LabelConcat) and isinstance(D.net[0], LabelConcat)
    G, D = _build(family, "hidden")
    first_g = next(i for i, m in enumerate(G.net) if isinstance(m, (nn.ReLU, nn.Tanh)))
    first_d = next(i for i, m in enumerate(D.net) if isinstance(m, nn.LeakyReLU))
    assert isinstance(G.net[first_g + 1], LabelConcat) and isinstance(D.net[first_d + 1], LabelConcat)
    assert sum(isinstance(m, LabelConcat) for m in [*G.net, *D.net]) == 2
    G, _ = _build(family, "projection")  # auto: Miyato & Koyama's G, conditional BatchNorm
    norms = [m for m in G.net if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, ConditionalBatchNorm))]
    assert norms and all(isinstance(m, ConditionalBatchNorm) for m in norms)
    assert not any(isinstance(m, LabelConcat) for m in G.net)


@pytest.mark.parametrize("family", SPECS)
def test_out_of_range_and_missing_labels_are_clear_errors(family):
    G, D = _build(family, "projection")
    z, x = torch.randn(3, 6), torch.randn(3, *SPECS[family].shape)
    with pytest.raises(ValueError, match=rf"class label {K} is outside \[0, {K}\).*0..{K - 1}"):
        G(z, torch.tensor([0, 1, K]))
    with pytest.raises(ValueError, match=rf"class label -1 is outside \[0, {K}\)"):
        D(x, torch.tensor([0, -1, 2]))
    with pytest.raises(ValueError, match=r"G is class-conditional \(4 classes\): pass c"):
        G(z)
    with pytest.raises(ValueError, match="2 class labels for 3 samples"):
        D(x, torch.tensor([0, 1]))


def test_unconditional_models_ignore_labels_and_say_so():
    torch.manual_seed(0)
    G, D = build_models(ModelConfig(name="dcgan", g_width=8, d_width=8, z_dim=6), DataSpec("images", (1, 8, 8), 10))
    G.eval()
    z, c = torch.randn(3, 6), torch.tensor([0, 5, 99])
    assert G.num_classes is None and D.num_classes is None
    torch.testing.assert_close(G(z, c), G(z))


def test_conditioning_needs_labelled_data():
    with pytest.raises(ConfigError, match="model.conditioning=input needs class labels.*digits, mnist, or folder"):
        build_models(ModelConfig(name="mlp", conditioning="input"), DataSpec("points", (2,)))
    with pytest.raises(ConfigError, match="needs class labels"):
        build_models(ModelConfig(name="dcgan", conditioning="acgan"), DataSpec("images", (1, 8, 8)))


@pytest.mark.parametrize("overrides, message", [
    (["model.conditioning=labels"], "choose one of: none, input, hidden, projection, acgan"),
    (["model.g_conditioning=film"], "choose one of: auto, input, hidden, cbn"),
    (["model.g_conditioning=cbn"], "needs a conditional D"),
    (["model.conditioning=input", "loss.ac_weight=0.5"], "needs model.conditioning=acgan"),
    (["model.conditioning=acgan", "loss.ac_weight=0"], "'loss.ac_weight' must be > 0"),
    (["model.conditioning=input", "model.pack=2"], "model.pack=2.*does not combine"),
])
def test_conditioning_config_errors(overrides, message):
    with pytest.raises(ConfigError, match=message):
        validate(build_config("gan", "digits", overrides))


def test_conditional_presets_follow_their_papers():
    cgan, proj, ac = build_config("cgan"), build_config("cgan-projection"), build_config("acgan")
    assert (cgan.model.conditioning, cgan.loss.name, cgan.data.name, cgan.train.batch_size) == \
        ("input", "ns", "mnist", 100)
    assert (proj.model.conditioning, proj.model.g_conditioning, proj.loss.name) == ("projection", "input", "hinge")
    assert (ac.model.conditioning, ac.loss.ac_weight, ac.loss.name, ac.optim.beta1) == ("acgan", 1.0, "ns", 0.5)
    for cfg in (cgan, proj, ac):
        validate(cfg)

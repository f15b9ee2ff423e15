"""The architecture switches of ModelConfig wired into both families: spectral norm against the exact largest singular
value, the minibatch layers' batch dependence (and its absence when off), VBN's independence of the batch, and the
autoencoder D's energy against its formula."""

import pytest
import torch
from torch import nn

from ganforge.config import ModelConfig
from ganforge.models import DataSpec, build_models
from ganforge.nn import (
    MinibatchDiscrimination,
    MinibatchStdDev,
    VirtualBatchNorm,
    is_spectrally_normalised,
)

POINTS, DIGITS, RGB = DataSpec("points", (2,)), DataSpec("images", (1, 8, 8)), DataSpec("images", (3, 16, 16))
FAMILIES = [("mlp", POINTS), ("mlp", DIGITS), ("dcgan", DIGITS), ("dcgan", RGB)]
WEIGHTED = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


def _build(name, spec, seed=0, **switches):
    torch.manual_seed(seed)
    return build_models(ModelConfig(name=name, g_width=8, d_width=8, z_dim=4, **switches), spec)


def _as_matrix(layer):
    """The weight as the [out, fan_in] matrix spectral norm normalises (ConvTranspose keeps its outputs in dim 1)."""
    w = layer.weight.detach()
    if isinstance(layer, nn.ConvTranspose2d):
        w = w.transpose(0, 1)
    return w.reshape(w.shape[0], -1)


# ------------------------------------------------------------------------------------------------ spectral norm

@pytest.mark.parametrize("name, spec", FAMILIES)
@pytest.mark.parametrize("where", ["d", "g", "both"])
def test_spectral_norm_gives_every_layer_a_unit_largest_singular_value(name, spec, where):
    G, D = _build(name, spec, spectral_norm=where)
    on = {"d": [D], "g": [G], "both": [G, D]}[where]
    off = [net for net in (G, D) if net not in on]
    for net in off:
        assert not any(is_spectrally_normalised(m) for m in net.modules() if isinstance(m, WEIGHTED))
    # Move the weights away from where the warm-up iterations left u, v, then let the power iteration settle: one
    # iteration per training forward, as during training.
    for net in on:
        with torch.no_grad():
            for p in net.parameters():
                p.add_(0.05 * torch.randn_like(p))
    z = torch.randn(8, 4)
    for _ in range(200):   # random matrices can have close top singular values: give the iteration time to settle
        D(G(z))
    G.eval(), D.eval()   # reading .weight in eval mode does not iterate
    for net in on:
        layers = [m for m in net.modules() if isinstance(m, WEIGHTED)]
        assert layers and all(is_spectrally_normalised(m) for m in layers)
        for m in layers:
            sigma = torch.linalg.matrix_norm(_as_matrix(m).double(), 2).item()
            assert sigma == pytest.approx(1.0, rel=0.01), type(m).__name__


def test_spectral_norm_power_iteration_state_is_in_the_state_dict():
    _, D = _build("mlp", POINTS, spectral_norm="d")
    keys = set(D.state_dict())
    assert "net.0.parametrizations.weight.0.u" in keys and "net.0.parametrizations.weight.0.v" in keys


# ------------------------------------------------------------------------------------------------ minibatch layers

BATCH_CASES = [
    ("mlp", POINTS, {}),
    ("mlp", POINTS, {"pack": 2}),
    ("mlp", DIGITS, {}),
    ("dcgan", DIGITS, {}),
    ("dcgan", RGB, {}),
]


def _others_changed(D, x, pack=1):
    """Which other rows' logits change when sample 0 changes (row = pack with PacGAN)."""
    D.eval()   # BatchNorm in eval mode: a classic D scores each sample on its own
    y = x.clone()
    y[0] += 0.5
    with torch.no_grad():
        return (D(y) != D(x))[1:].tolist()


@pytest.mark.parametrize("name, spec, extra", BATCH_CASES)
def test_minibatch_layers_make_logits_depend_on_the_rest_of_the_batch(name, spec, extra):
    x = torch.rand(16, *spec.shape) * 2 - 1
    pack = extra.get("pack", 1)
    rows = 16 // pack
    _, plain = _build(name, spec, **extra)
    assert _others_changed(plain, x, pack) == [False] * (rows - 1)        # off: every sample judged on its own
    _, disc = _build(name, spec, mbdisc_kernels=3, **extra)
    assert _others_changed(disc, x, pack) == [True] * (rows - 1)          # o(x_i) sums over every j
    _, std = _build(name, spec, mbstd_group=2, **extra)
    # group layout of MinibatchStdDev: row n is in group n mod (rows / 2); row 0 shares its group with row rows / 2
    expected = [i == rows // 2 for i in range(1, rows)]
    assert _others_changed(std, x, pack) == expected


@pytest.mark.parametrize("name, spec, extra", BATCH_CASES)
def test_minibatch_layers_sit_in_the_head_and_keep_the_trunk_head_contract(name, spec, extra):
    G, D = _build(name, spec, mbstd_group=4, mbdisc_kernels=3, **extra)
    assert sum(isinstance(m, (MinibatchStdDev, MinibatchDiscrimination)) for m in D.modules()) == 2
    D.eval()
    x = torch.rand(16, *spec.shape) * 2 - 1
    h = D.features(x)
    assert h.shape[0] == 16 // extra.get("pack", 1)
    torch.testing.assert_close(D.head(h), D(x), rtol=0, atol=0)


# ------------------------------------------------------------------------------------------------ virtual batch norm

@pytest.mark.parametrize("name, spec", FAMILIES)
def test_vbn_output_of_a_sample_does_not_depend_on_the_rest_of_its_batch(name, spec):
    G, _ = _build(name, spec, g_norm="virtual", vbn_ref_size=16)
    assert sum(isinstance(m, VirtualBatchNorm) for m in G.modules()) >= 1
    assert not any(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) for m in G.modules())
    z = torch.randn(6, 4)
    others = torch.cat([z[:1], 5 * torch.randn(9, 4)])   # the same first z among very different company
    for mode in ("train", "eval"):
        G.train(mode == "train")
        torch.testing.assert_close(G(z)[0], G(others)[0], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(G(z[:1])[0], G(z)[0], rtol=1e-5, atol=1e-6)   # alone, too
    # ... whereas with batch norm (training mode) the company matters: the test can fail
    Gb, _ = _build(name, spec, g_norm="batch")
    assert not torch.allclose(Gb(z)[0], Gb(others)[0], atol=1e-4)


def test_vbn_reference_batch_is_fixed_seeded_and_a_buffer():
    G1, _ = _build("mlp", POINTS, seed=5, g_norm="virtual", vbn_ref_size=32)
    G2, _ = _build("mlp", POINTS, seed=5, g_norm="virtual", vbn_ref_size=32)
    G3, _ = _build("mlp", POINTS, seed=6, g_norm="virtual", vbn_ref_size=32)
    assert G1.z_ref.shape == (32, 4) and "z_ref" in G1.state_dict()
    assert torch.equal(G1.z_ref, G2.z_ref) and not torch.equal(G1.z_ref, G3.z_ref)
    before = G1.z_ref.clone()
    G1(torch.randn(8, 4))
    assert torch.equal(G1.z_ref, before)   # training forwards never redraw it
    G_plain, _ = _build("mlp", POINTS)
    assert "z_ref" not in G_plain.state_dict()


@pytest.mark.parametrize("name, spec, expected", [("mlp", POINTS, 0), ("dcgan", DIGITS, 1)])
def test_g_norm_auto_is_the_family_default(name, spec, expected):
    G, _ = _build(name, spec)
    assert sum(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) for m in G.modules()) >= expected
    if expected == 0:
        assert not any(isinstance(m, nn.BatchNorm1d) for m in G.modules())
    G, _ = _build(name, spec, g_norm="none")
    assert not any(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, VirtualBatchNorm)) for m in G.modules())
    G, _ = _build(name, spec, g_norm="batch")
    assert any(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) for m in G.modules())


# ------------------------------------------------------------------------------------------------ autoencoder D

@pytest.mark.parametrize("name, spec", FAMILIES)
@pytest.mark.parametrize("power", [1, 2])
def test_autoencoder_d_outputs_minus_the_reconstruction_energy(name, spec, power):
    G, D = _build(name, spec, d_type="autoencoder", d_code=3)
    D.power = power
    x = G(torch.randn(5, 4)).detach()
    code, rec = D.autoencode(x)
    assert code.shape == (5, 3) and rec.shape == x.shape
    # energy = mean over every non-batch entry of |x - AE(x)|^power, written out element by element
    expected = torch.tensor([sum(abs(a - b) ** power for a, b in zip(xi.flatten().tolist(), ri.flatten().tolist()))
                             / xi.numel() for xi, ri in zip(x, rec.detach())])
    torch.testing.assert_close(D(x).detach(), -expected, rtol=1e-5, atol=1e-6)
    assert (D(x) <= 0).all()  # higher = more real: a perfect reconstruction scores 0, the maximum
    torch.testing.assert_close(D.head(D.features(x)), D(x), rtol=0, atol=0)


@pytest.mark.parametrize("switch", [{"pack": 2}, {"mbstd_group": 4}, {"mbdisc_kernels": 3}])
def test_autoencoder_d_refuses_classifier_head_options(switch):
    with pytest.raises(ValueError, match="classifier D"):
        _build("mlp", POINTS, d_type="autoencoder", **switch)


# ------------------------------------------------------------------------------------------------ with conditioning
# and the latent prior: the switches of this file combined with model.conditioning and model.z_categories.

K = 4
LABELLED = {"mlp": DataSpec("images", (1, 8, 8), K), "dcgan": DataSpec("images", (1, 16, 16), K)}
CONDITIONINGS = ("input", "hidden", "projection", "acgan")


def _build_conditional(family, conditioning, seed=0, **switches):
    torch.manual_seed(seed)
    cfg = ModelConfig(name=family, g_width=8, d_width=8, z_dim=4, conditioning=conditioning, **switches)
    return build_models(cfg, LABELLED[family])


@pytest.mark.parametrize("family", LABELLED)
@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_minibatch_layers_of_a_conditional_d_stay_in_the_head(family, conditioning):
    """D(x, c) == D.head(D.features(x, c), c) with both minibatch layers on; the features (what feature matching, the
    projection term and AC-GAN's classifier read) stay per-sample while the logits look across the batch."""
    _, D = _build_conditional(family, conditioning, mbstd_group=2, mbdisc_kernels=3)
    D.eval()
    x, c = torch.rand(8, *LABELLED[family].shape) * 2 - 1, torch.arange(8) % K
    h = D.features(x, c)
    torch.testing.assert_close(D.head(h, c), D(x, c), rtol=0, atol=0)
    y = x.clone()
    y[0] += 0.5
    h_y = D.features(y, c)
    torch.testing.assert_close(h_y[1:], h[1:], rtol=0, atol=0)              # features: each sample its own
    assert (D(y, c) != D(x, c))[1:].all()                                   # logits: the whole batch
    if conditioning == "acgan":                                             # the classifier reads per-sample h
        torch.testing.assert_close(D.classify(h_y)[1:], D.classify(h)[1:], rtol=0, atol=0)
    if conditioning == "projection":
        # D(x, a) - D(x, b) = <V_a - V_b, h>: the class term reads the features, not the batch statistics
        a, b = c, (c + 1) % K
        V = D.projection.embed.weight
        torch.testing.assert_close(D(x, a) - D(x, b), ((V[a] - V[b]) * h.flatten(1)).sum(1))


@pytest.mark.parametrize("family", LABELLED)
def test_spectral_norm_of_a_conditional_d_covers_its_class_parts(family):
    """Miyato & Koyama's projection D normalises its class embedding V too (their SNEmbedID); AC-GAN's classifier is
    a Linear like any other. G's conditional-BN gains and biases are not weights to normalise."""
    G, D = _build_conditional(family, "projection", spectral_norm="both")
    assert is_spectrally_normalised(D.projection.embed)
    assert not any(is_spectrally_normalised(m) for m in G.modules() if isinstance(m, nn.Embedding))
    _, D = _build_conditional(family, "acgan", spectral_norm="d")
    assert is_spectrally_normalised(D.classifier)
    # after the power iteration settles, V's largest singular value is 1 (V is [K, F]: rows are the classes)
    _, D = _build_conditional(family, "projection", spectral_norm="d")
    x, c = torch.rand(8, *LABELLED[family].shape) * 2 - 1, torch.arange(8) % K
    for _ in range(100):
        D(x, c)
    D.eval()
    sigma = torch.linalg.matrix_norm(D.projection.embed.weight.detach().double(), 2).item()
    assert sigma == pytest.approx(1.0, rel=0.01)


@pytest.mark.parametrize("family", LABELLED)
@pytest.mark.parametrize("g_conditioning", ["input", "hidden"])
def test_vbn_in_a_conditional_g_is_batch_independent_with_balanced_reference_labels(family, g_conditioning):
    from ganforge.nn import balanced_labels, record_reference

    G, _ = _build_conditional(family, "input", g_conditioning=g_conditioning, g_norm="virtual", vbn_ref_size=8)
    assert any(isinstance(m, VirtualBatchNorm) for m in G.modules())
    z, c = torch.randn(6, 4), torch.tensor([2, 0, 1, 3, 3, 0])
    others, c_others = torch.cat([z[:1], 5 * torch.randn(5, 4)]), torch.cat([c[:1], torch.tensor([1, 1, 1, 1, 1])])
    torch.testing.assert_close(G(z, c)[0], G(others, c_others)[0], rtol=1e-5, atol=1e-6)
    # The reference pass reads labels 0, 1, ..., K-1, 0, ...: the same output as a hand-made reference pass with them,
    # and not the output of a reference batch of class 0 only (so the labels do reach the statistics).
    z_ref = G.z_ref if family == "mlp" else G.z_ref.view(8, -1, 1, 1)
    z_in = z if family == "mlp" else z.view(6, -1, 1, 1)
    with torch.no_grad():
        record_reference(G.net, z_ref, balanced_labels(8, K))
        balanced = G.net(z_in, c).view(6, -1)
        record_reference(G.net, z_ref, torch.zeros(8, dtype=torch.long))
        zeros = G.net(z_in, c).view(6, -1)
        ours = G(z, c).view(6, -1)
    torch.testing.assert_close(ours, balanced, rtol=0, atol=0)
    assert not torch.allclose(ours, zeros, atol=1e-4)


@pytest.mark.parametrize("name, spec", [("mlp", POINTS), ("dcgan", DIGITS)])
def test_vbn_reference_batch_is_drawn_from_the_latent_prior_with_its_categories(name, spec):
    G, _ = _build(name, spec, seed=3, g_norm="virtual", vbn_ref_size=64, z_categories=3)
    assert G.z_dim == G.latent.dim == 7 and G.z_ref.shape == (64, 7)
    one_hot = G.z_ref[:, 4:]
    assert set(one_hot.unique().tolist()) == {0.0, 1.0} and torch.equal(one_hot.sum(1), torch.ones(64))
    assert set(one_hot.argmax(1).tolist()) == {0, 1, 2}                    # every category drawn (64 rows)
    assert G.z_ref[:, :4].std() > 0.5                                       # ... next to a Gaussian part
    z = G.latent.sample(5, torch.Generator().manual_seed(0))
    assert torch.isfinite(G(z)).all()


@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_autoencoder_d_refuses_conditioning(conditioning):
    from ganforge.config import ConfigError

    with pytest.raises(ConfigError, match="autoencoder D.*model.conditioning=none"):
        _build_conditional("mlp", conditioning, d_type="autoencoder")


@pytest.mark.parametrize("family", LABELLED)
def test_conditional_batch_norm_is_g_norm_and_refuses_another(family):
    from ganforge.config import ConfigError
    from ganforge.nn import ConditionalBatchNorm

    for g_norm in ("auto", "batch"):   # projection's G: cbn takes the place of the family's batch norm
        G, _ = _build_conditional(family, "projection", g_norm=g_norm)
        assert any(isinstance(m, ConditionalBatchNorm) for m in G.modules())
        assert not any(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) for m in G.net)
    for g_norm in ("none", "virtual"):
        with pytest.raises(ConfigError, match="conditional BatchNorm.*model.g_conditioning=input or hidden"):
            _build_conditional(family, "projection", g_norm=g_norm)
    G, _ = _build_conditional(family, "projection", g_norm="virtual", g_conditioning="input", vbn_ref_size=8)
    assert any(isinstance(m, VirtualBatchNorm) for m in G.modules())
    assert not any(isinstance(m, ConditionalBatchNorm) for m in G.modules())

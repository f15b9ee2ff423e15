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

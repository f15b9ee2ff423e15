"""Encoders and BiGAN's joint D(x, z): shapes, the D convention, and that D reads both halves of the pair."""

import pytest
import torch

from ganforge.config.schema import ModelConfig
from ganforge.models import DataSpec, build_models
from ganforge.models.encoder import (
    DeterministicEncoder,
    GaussianEncoder,
    build_encoder,
    build_joint_discriminator,
)
from ganforge.nn.spectral_norm import is_spectrally_normalised

CASES = {
    "mlp-points": (ModelConfig(name="mlp", z_dim=3, g_width=8, d_width=8, g_depth=2, d_depth=2),
                   DataSpec("points", (2,))),
    "mlp-images": (ModelConfig(name="mlp", z_dim=5, g_width=8, d_width=8, d_depth=1), DataSpec("images", (1, 8, 8))),
    "dcgan": (ModelConfig(name="dcgan", z_dim=4, g_width=4, d_width=4), DataSpec("images", (1, 8, 8))),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_encoders_and_joint_d_have_the_documented_shapes(case):
    cfg, spec = CASES[case]
    torch.manual_seed(0)
    G, _ = build_models(cfg, spec)
    x, z = torch.randn(6, *spec.shape), torch.randn(6, G.latent.dim)
    E = build_encoder(cfg, spec, G.latent.dim, kind="deterministic")
    assert isinstance(E, DeterministicEncoder) and E(x).shape == (6, G.latent.dim)
    assert torch.equal(E.encode(x), E(x))
    Eg = build_encoder(cfg, spec, G.latent.dim, kind="gaussian")
    mu, logvar = Eg(x)
    assert isinstance(Eg, GaussianEncoder) and mu.shape == logvar.shape == (6, G.latent.dim)
    assert torch.equal(Eg.encode(x), mu)
    D = build_joint_discriminator(cfg, spec, G.latent.dim).eval()
    logits = D(x, z)
    assert logits.shape == (6,)
    assert torch.equal(logits, D.head(D.features(x, z)))                   # the project's D convention
    assert G(E(x)).shape == x.shape                                        # a reconstruction is a sample's shape


@pytest.mark.parametrize("case", sorted(CASES))
def test_joint_d_depends_on_both_x_and_z(case):
    cfg, spec = CASES[case]
    torch.manual_seed(1)
    D = build_joint_discriminator(cfg, spec, 3).eval()
    x, z = torch.randn(4, *spec.shape), torch.randn(4, 3)
    base = D(x, z)
    assert not torch.allclose(D(x, z + 1.0), base, atol=1e-6)               # same x, other z
    assert not torch.allclose(D(x + 1.0, z), base, atol=1e-6)               # same z, other x


def test_joint_d_is_per_sample_so_pairs_are_judged_one_by_one():
    """Each logit reads only its own pair: a batch's logits equal the logits of each pair alone (eval mode)."""
    cfg, spec = CASES["mlp-points"]
    torch.manual_seed(2)
    D = build_joint_discriminator(cfg, spec, 3).eval()
    x, z = torch.randn(5, 2), torch.randn(5, 3)
    one_by_one = torch.cat([D(x[i:i + 1], z[i:i + 1]) for i in range(5)])
    assert torch.allclose(D(x, z), one_by_one, atol=1e-6)


def test_joint_d_needs_z_and_says_so():
    cfg, spec = CASES["mlp-points"]
    D = build_joint_discriminator(cfg, spec, 3)
    with pytest.raises(ValueError, match=r"judges pairs: call D\(x, z\)"):
        D(torch.randn(4, 2))
    with pytest.raises(ValueError, match=r"z must be \[N, z_dim\] = \[4, 3\]"):
        D(torch.randn(4, 2), torch.randn(4, 2))


def test_joint_dropout_and_spectral_norm_switches_reach_the_joint_d():
    cfg, spec = CASES["mlp-points"]
    D = build_joint_discriminator(ModelConfig(**{**cfg.__dict__, "spectral_norm": "d"}), spec, 3)
    linears = [m for m in D.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 5 and all(is_spectrally_normalised(m) for m in linears)  # trunk 2, z_net, joint, psi
    D = build_joint_discriminator(ModelConfig(**{**cfg.__dict__, "joint_dropout": 0.5}), spec, 3)
    drops = [m for m in D.modules() if isinstance(m, torch.nn.Dropout)]
    assert len(drops) == 2 and all(m.p == 0.5 for m in drops)
    torch.manual_seed(3)
    x, z = torch.randn(64, 2), torch.randn(64, 3)
    assert not torch.equal(D.train()(x, z), D(x, z))                        # dropout draws anew in training
    assert torch.equal(D.eval()(x, z), D(x, z))                             # and is off in eval mode


def test_bad_encoder_kind_is_a_clear_error():
    cfg, spec = CASES["mlp-points"]
    with pytest.raises(ValueError, match="choose one of: gaussian, deterministic"):
        build_encoder(cfg, spec, 3, kind="stochastic")

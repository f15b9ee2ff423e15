import pytest
import torch

from ganforge.config import ConfigError, ModelConfig
from ganforge.config.presets import build_config
from ganforge.config.validate import validate
from ganforge.models import DataSpec, LatentPrior, build_models


def test_gaussian_prior_is_plain_randn():
    """categories=0 draws exactly torch.randn, so runs made before the prior existed resume bit-identically."""
    z = LatentPrior(5).sample(7, torch.Generator().manual_seed(3))
    torch.testing.assert_close(z, torch.randn(7, 5, generator=torch.Generator().manual_seed(3)), rtol=0, atol=0)


def test_mixture_prior_layout_and_frequencies():
    prior = LatentPrior(3, categories=4)
    z = prior.sample(40_000, torch.Generator().manual_seed(0))
    assert z.shape == (40_000, 7) and prior.dim == 7
    one_hot = z[:, 3:]
    assert torch.all(one_hot.sum(1) == 1) and set(one_hot.unique().tolist()) == {0.0, 1.0}
    freq = one_hot.mean(0)                        # each category ~ 1/4, binomial std ~ 0.002
    assert torch.all((freq - 0.25).abs() < 0.01)
    g = prior.gaussian_part(z)
    assert g.shape == (40_000, 3) and abs(float(g.mean())) < 0.02 and abs(float(g.std()) - 1) < 0.02


@pytest.mark.parametrize("bad", [-1, 1])
def test_bad_category_count(bad):
    with pytest.raises(ValueError, match="z_categories"):
        LatentPrior(3, categories=bad)
    with pytest.raises(ConfigError, match="z_categories"):
        validate(build_config("gan", overrides=[f"model.z_categories={bad}"]))


@pytest.mark.parametrize("name, spec", [("mlp", DataSpec("points", (2,))), ("dcgan", DataSpec("images", (1, 8, 8)))])
def test_generators_read_the_whole_latent(name, spec):
    G, _ = build_models(ModelConfig(name=name, z_dim=4, z_categories=3, g_width=8, d_width=8), spec)
    assert G.latent == LatentPrior(4, 3) and G.z_dim == 7
    z = G.latent.sample(6, torch.Generator().manual_seed(0))
    assert G(z).shape == (6, *spec.shape)
    # the one-hot part matters: flipping the category changes the output
    z2 = z.clone()
    z2[:, 4:] = z2[:, 4:].roll(1, dims=1)
    assert not torch.allclose(G(z), G(z2))


def test_continuous_codes_extend_the_prior_without_changing_the_other_parts():
    from ganforge.latent.traversal import traversal_latents
    from ganforge.models.latent import LatentPrior

    old, new = LatentPrior(5, 3), LatentPrior(5, 3, continuous=2)
    a, b = old.sample(64, torch.Generator().manual_seed(0)), new.sample(64, torch.Generator().manual_seed(0))
    assert torch.equal(b[:, :8], a) and b.shape == (64, 10) and new.dim == 10
    assert b[:, 8:].min() >= -1 and b[:, 8:].max() <= 1 and b[:, 8:].std() > 0.4     # U[-1, 1]: std 0.577
    assert torch.equal(LatentPrior(5).sample(4, torch.Generator().manual_seed(0)),
                       torch.randn(4, 5, generator=torch.Generator().manual_seed(0)))
    k, u = new.codes(b)
    assert torch.equal(k, a[:, 5:].argmax(1)) and torch.equal(u, b[:, 8:])
    z = traversal_latents(new, 4).view(5, 4, 10)                                    # 3 category rows + 2 code rows
    assert (z[:3, :, 5:8].argmax(2) == torch.arange(3)[:, None]).all() and (z[:3, :, 8:] == 0).all()
    assert torch.equal(z[3, :, 8], torch.linspace(-1, 1, 4)) and (z[3, :, 9] == 0).all()
    assert (z[4, :, :5] == z[4, :1, :5]).all()                                      # the noise is fixed in a row

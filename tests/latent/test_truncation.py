"""The truncation trick: never returns |z_i| above the threshold, leaves entries inside it alone, and the redrawn
entries follow the truncated normal."""

import math

import pytest
import torch

from ganforge.latent import sample_truncated, truncate, truncate_latent
from ganforge.models.latent import LatentPrior


@pytest.mark.parametrize("threshold", [0.04, 0.5, 1.0, 2.0])
def test_never_above_the_threshold_and_inside_untouched(threshold):
    z = torch.randn(4000, 16, generator=torch.Generator().manual_seed(0))
    out = truncate(z, threshold, torch.Generator().manual_seed(1))
    assert out.abs().max() <= threshold
    inside = z.abs() <= threshold
    assert torch.equal(out[inside], z[inside])
    assert torch.all(out[~inside] != z[~inside])                       # every outside entry was redrawn
    assert out.shape == z.shape and out.dtype == z.dtype


def test_redrawn_entries_follow_the_truncated_normal():
    """Var of N(0, 1) truncated to [-t, t] is 1 - 2 t phi(t) / (2 Phi(t) - 1) (0.2911 at t = 1); mean 0."""
    t = 1.0
    z = torch.full((200_000,), 5.0)                                     # all outside: all redrawn
    out = truncate(z, t, torch.Generator().manual_seed(0))
    phi = math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
    var = 1 - 2 * t * phi / math.erf(t / math.sqrt(2))
    assert abs(float(out.var()) - var) < 0.005 and abs(float(out.mean())) < 0.005
    # the shape inside is the normal's: bins centred at -0.1 t and -0.9 t hold ~ exp((0.9^2 - 0.1^2) t^2 / 2) : 1
    hist = torch.histc(out, bins=10, min=-t, max=t)
    assert abs(float(hist[4] / hist[0]) - math.exp((0.81 - 0.01) * t * t / 2)) < 0.05


def test_only_the_gaussian_part_of_a_mixture_latent_is_truncated():
    prior = LatentPrior(6, categories=3)
    z = prior.sample(500, torch.Generator().manual_seed(0)) * torch.cat([torch.full((6,), 3.0), torch.ones(3)])
    out = truncate_latent(prior, z, 0.5, torch.Generator().manual_seed(1))
    assert out[:, :6].abs().max() <= 0.5
    assert torch.equal(out[:, 6:], z[:, 6:])                           # one-hot part intact (entries 1 > 0.5)


def test_sampling_with_a_seed():
    prior = LatentPrior(8)
    plain = sample_truncated(prior, 300, None, torch.Generator().manual_seed(4))
    assert torch.equal(plain, torch.randn(300, 8, generator=torch.Generator().manual_seed(4)))
    cut = sample_truncated(prior, 300, 1.0, torch.Generator().manual_seed(4))
    inside = plain.abs() <= 1.0
    assert torch.equal(cut[inside], plain[inside]) and cut.abs().max() <= 1.0


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), True, "0.5"])
def test_bad_thresholds(bad):
    with pytest.raises(ValueError, match="threshold must be a number > 0"):
        truncate(torch.zeros(3), bad)


def test_latent_tools_keep_infogans_continuous_codes():
    """Truncation resamples the Gaussian part only; inversion optimises it and keeps the codes (continuous at 0)."""
    from ganforge.latent.inversion import invert

    from .conftest import LinearG

    latent = LatentPrior(4, 3, continuous=2)
    z = sample_truncated(latent, 50, 0.5, torch.Generator().manual_seed(0))
    assert z.shape == (50, 9) and z[:, :4].abs().max() <= 0.5
    assert torch.equal(z[:, 4:7].sum(1), torch.ones(50)) and z[:, 7:].abs().max() <= 1 and z[:, 7:].std() > 0.3
    G = LinearG(latent)
    result = invert(G, G(latent.sample(2, torch.Generator().manual_seed(1))).detach(), steps=3, restarts=1)
    assert result.z.shape == (2, 9) and (result.z[:, 7:] == 0).all()

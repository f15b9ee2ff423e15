"""Latent vector arithmetic against its closed form on a linear G."""

import pytest
import torch
import torch.nn.functional as F

from ganforge.latent import latent_arithmetic
from ganforge.models.latent import LatentPrior


def test_linear_generator_closed_form(linear_g):
    """For G(z) = W z + b: G(mean z_A - mean z_B + z_C) = mean G(z_A) - mean G(z_B) + G(z_C)."""
    prior = LatentPrior(6)
    G = linear_g(prior, (1, 5, 5))
    gen = torch.Generator().manual_seed(0)
    z_a, z_b, z_c = (prior.sample(k, gen).double() for k in (3, 4, 2))
    G = G.double()
    with torch.no_grad():
        out = G(latent_arithmetic(prior, z_a, z_b, z_c))
        expected = G(z_a).mean(0) - G(z_b).mean(0) + G(z_c)
    torch.testing.assert_close(out, expected)


def test_one_hot_part_comes_from_z_c():
    prior = LatentPrior(2, categories=3)
    code = lambda k, n: F.one_hot(torch.full((n,), k), 3).float()  # noqa: E731
    z_a = torch.cat([torch.tensor([[1.0, 2.0], [3.0, 4.0]]), code(0, 2)], 1)
    z_b = torch.cat([torch.tensor([[1.0, 1.0]]), code(1, 1)], 1)
    z_c = torch.cat([torch.tensor([[0.0, -1.0]]), code(2, 1)], 1)
    out = latent_arithmetic(prior, z_a, z_b, z_c)
    torch.testing.assert_close(out, torch.tensor([[1.0, 1.0, 0.0, 0.0, 1.0]]))  # (2, 3) - (1, 1) + (0, -1)


def test_empty_sets_are_refused():
    prior = LatentPrior(2)
    with pytest.raises(ValueError, match="at least one latent"):
        latent_arithmetic(prior, torch.zeros(0, 2), torch.zeros(1, 2), torch.zeros(1, 2))

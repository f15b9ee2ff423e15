"""The VAE's objective against independent facts: analytic gradients, closed forms, brute-force likelihoods."""

import math

import torch

from ganforge.losses.vae import bernoulli_log_likelihood, gaussian_kl, gaussian_log_likelihood, reparameterise


def test_reparameterised_gradients_of_e_z_squared_match_the_analytic_ones():
    """E[z^2] = mu^2 + sigma^2 for z ~ N(mu, sigma^2): d/dmu = 2 mu, d/dsigma = 2 sigma. The Monte Carlo gradient
    through z = mu + sigma eps converges to them (1e6 draws: standard error ~ 3e-3)."""
    mu = torch.tensor([0.7, -1.3], dtype=torch.float64, requires_grad=True)
    sigma = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    eps = torch.randn(1_000_000, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    z = reparameterise(mu, 2 * sigma.log(), eps)                     # logvar = log sigma^2
    z.pow(2).mean(0).sum().backward()
    assert torch.allclose(mu.grad, 2 * mu.detach(), atol=0.02)
    assert torch.allclose(sigma.grad, 2 * sigma.detach(), atol=0.02)


def test_reparameterised_samples_have_the_asked_mean_and_std():
    eps = torch.randn(200_000, 1, generator=torch.Generator().manual_seed(1))
    z = reparameterise(torch.tensor([3.0]), torch.tensor([math.log(0.25)]), eps)
    assert abs(z.mean().item() - 3.0) < 0.01 and abs(z.std().item() - 0.5) < 0.01


def test_kl_equals_the_closed_form_and_a_monte_carlo_estimate():
    mu = torch.tensor([[0.0, 0.0], [1.0, -2.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.0, 0.0], [math.log(4.0), math.log(0.5)]], dtype=torch.float64)
    kl = gaussian_kl(mu, logvar)
    # per dimension: 1/2 (mu^2 + s^2 - 1 - log s^2)
    expected = 0.5 * ((1 + 4 - 1 - math.log(4)) + (4 + 0.5 - 1 - math.log(0.5)))
    assert kl[0].item() == 0.0 and abs(kl[1].item() - expected) < 1e-12
    # brute force: E_q[log q(z) - log p(z)] over samples of q
    q = torch.distributions.Normal(mu[1], (0.5 * logvar[1]).exp())
    z = q.sample((400_000,))
    p = torch.distributions.Normal(torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64))
    assert abs((q.log_prob(z) - p.log_prob(z)).sum(1).mean().item() - expected) < 0.02


def test_gaussian_log_likelihood_is_the_normal_density():
    x, mean = torch.randn(5, 3, 2, 2), torch.randn(5, 3, 2, 2)
    expected = torch.distributions.Normal(mean, 0.3).log_prob(x).flatten(1).sum(1)
    assert torch.allclose(gaussian_log_likelihood(x, mean, 0.3), expected, atol=1e-4)


def test_bernoulli_log_likelihood_maps_pixels_from_minus_one_one_to_probabilities():
    x = torch.tensor([[-1.0, 1.0, 0.0]])                              # targets t = 0, 1, 0.5
    mean = torch.tensor([[-0.5, 0.6, 0.0]])                           # p = 0.25, 0.8, 0.5
    expected = math.log(0.75) + math.log(0.8) + 0.5 * math.log(0.5) + 0.5 * math.log(0.5)
    assert abs(bernoulli_log_likelihood(x, mean).item() - expected) < 1e-6
    # binary images: exactly the Bernoulli log-pmf
    xb = torch.randint(0, 2, (4, 1, 3, 3)).float() * 2 - 1
    p = torch.rand(4, 1, 3, 3) * 0.9 + 0.05
    pmf = torch.distributions.Bernoulli(probs=p).log_prob((xb + 1) / 2).flatten(1).sum(1)
    assert torch.allclose(bernoulli_log_likelihood(xb, 2 * p - 1), pmf, atol=1e-5)
    assert torch.isfinite(bernoulli_log_likelihood(torch.ones(1, 2), torch.tensor([[-1.0, 1.0]]))).all()

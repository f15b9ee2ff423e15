"""GAN inversion on tiny generators whose answer is known: a target made from a known z*."""

import pytest
import torch
import torch.nn.functional as F

from ganforge.latent import best_of_random, invert
from ganforge.models.latent import LatentPrior
from ganforge.models.mlp import MLPGenerator


def _seed(s):
    return torch.Generator().manual_seed(s)


def test_linear_generator_recovers_z_star(linear_g):
    """G(z) = W z + b with W [16, 4] of full column rank: z* is the only exact solution."""
    prior = LatentPrior(4)
    G = linear_g(prior, (1, 4, 4))
    z_star = prior.sample(5, _seed(1))
    with torch.no_grad():
        x = G(z_star)
    result = invert(G, x, steps=600, lr=0.05, restarts=2, generator=_seed(2))
    torch.testing.assert_close(result.z, z_star, rtol=0, atol=1e-3)
    assert result.reconstruction.shape == x.shape and torch.all(result.error < 1e-6)


def test_mlp_generator_beats_the_best_of_1000_random_latents():
    torch.manual_seed(0)
    G = MLPGenerator(LatentPrior(4), (1, 6, 6), width=32, depth=2, norm="none", tanh=True).eval()
    z_star = torch.randn(6, 4, generator=_seed(1))
    with torch.no_grad():
        x = G(z_star)
    result = invert(G, x, steps=300, lr=0.1, restarts=3, generator=_seed(2))
    baseline = best_of_random(G, x, 1000, generator=_seed(3))
    assert torch.all(result.error < baseline.error) and torch.all(result.error < 1e-6)
    torch.testing.assert_close(result.reconstruction, x, rtol=0, atol=1e-3)


def test_prior_term_gives_the_ridge_solution(linear_g):
    """min_z mean((W z + b - x)^2) + lam * mean(z^2) is ridge regression:
    z = (W^T W / P + lam / d I)^-1 W^T (x - b) / P, with P pixels and d latent dimensions."""
    prior = LatentPrior(3)
    G = linear_g(prior, (1, 3, 3))
    x = torch.randn(2, 1, 3, 3, generator=_seed(5))
    lam = 0.5
    result = invert(G, x, steps=2000, lr=0.02, restarts=1, prior_weight=lam, generator=_seed(6))
    W, b = G.W.detach().double(), G.b.detach().double()
    P, d = W.shape
    A = W.T @ W / P + lam / d * torch.eye(d, dtype=torch.float64)
    z = torch.linalg.solve(A, (W.T @ (x.flatten(1).double() - b).T) / P).T
    torch.testing.assert_close(result.z.double(), z, rtol=0, atol=2e-4)


def test_more_restarts_never_do_worse():
    """Restarts draw their starts in order, so the 4-restart run contains the 1-restart run's start and keeps
    the best of its finishes."""
    torch.manual_seed(1)
    G = MLPGenerator(LatentPrior(3), (1, 4, 4), width=16, depth=2, norm="none", tanh=True)
    x = torch.rand(5, 1, 4, 4, generator=_seed(0)) * 2 - 1                  # not reachable: a real optimum varies
    one = invert(G, x, steps=50, lr=0.05, restarts=1, generator=_seed(7))
    four = invert(G, x, steps=50, lr=0.05, restarts=4, generator=_seed(7))
    assert torch.all(four.loss <= one.loss + 1e-6)                          # + float noise of batch sizes
    assert torch.any(four.loss < one.loss - 1e-3)                           # and here the extra starts help


def test_one_hot_category_is_found(linear_g):
    prior = LatentPrior(3, categories=4)
    G = linear_g(prior, (1, 4, 4))
    z_star = torch.cat([torch.randn(3, 3, generator=_seed(0)), F.one_hot(torch.tensor([2, 0, 3]), 4).float()], 1)
    with torch.no_grad():
        x = G(z_star)
    result = invert(G, x, steps=600, lr=0.05, restarts=1, generator=_seed(1))
    assert result.z[:, 3:].argmax(1).tolist() == [2, 0, 3]
    torch.testing.assert_close(result.z, z_star, rtol=0, atol=1e-3)
    only = invert(G, x[:1], steps=10, restarts=1, categories=[1], generator=_seed(1))
    assert only.z[0, 3:].argmax().item() == 1


def test_conditional_generator_gets_its_labels(conditional_g):
    G = conditional_g(num_classes=4)
    c = torch.tensor([3, 0, 2])
    z_star = torch.randn(3, 2, generator=_seed(0))
    with torch.no_grad():
        x = G(z_star, c)
    result = invert(G, x, c=c, steps=300, lr=0.05, restarts=2, generator=_seed(1))
    assert torch.all(result.error < 1e-6)                                   # the wrong class would be 100s off
    base = best_of_random(G, x, 200, c=c, generator=_seed(2))
    assert torch.all(base.error < 0.1) and torch.all(result.error <= base.error)


def test_generator_is_left_as_it_was():
    torch.manual_seed(0)
    G = MLPGenerator(LatentPrior(3), (1, 4, 4), width=8, depth=1, norm="batch", tanh=True).train()
    bn = G.net[1]
    before = (bn.running_mean.clone(), bn.running_var.clone(), int(bn.num_batches_tracked))
    invert(G, torch.zeros(2, 1, 4, 4), steps=5, restarts=2)
    assert G.training and all(p.grad is None for p in G.parameters())
    assert torch.equal(bn.running_mean, before[0]) and torch.equal(bn.running_var, before[1])
    assert int(bn.num_batches_tracked) == before[2]


def test_best_of_random_is_the_brute_force_minimum(linear_g):
    prior = LatentPrior(2)
    G = linear_g(prior, (1, 2, 2))
    x = torch.randn(3, 1, 2, 2, generator=_seed(0))
    base = best_of_random(G, x, 50, loss="l1", generator=_seed(1), batch_size=7)
    z = prior.sample(50, _seed(1))
    with torch.no_grad():
        err = (G(z)[None] - x[:, None]).abs().flatten(2).mean(2)           # [3, 50]
    torch.testing.assert_close(base.error, err.min(1).values)
    torch.testing.assert_close(base.z, z[err.argmin(1)])


@pytest.mark.parametrize("kwargs, message", [
    ({"loss": "l2"}, "valid: mse, l1"),
    ({"restarts": 0}, "restarts must be >= 1"),
    ({"prior_weight": -1.0}, "prior_weight must be >= 0"),
    ({"categories": [0]}, "no one-hot part"),
    ({"lr": 0.0}, "lr must be > 0"),
])
def test_bad_arguments(linear_g, kwargs, message):
    G = linear_g(LatentPrior(2), (1, 2, 2))
    with pytest.raises(ValueError, match=message):
        invert(G, torch.zeros(1, 1, 2, 2), steps=1, **kwargs)

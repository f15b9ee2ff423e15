"""One D update and one G update against updates computed by hand for a linear critic."""

import pytest
import torch
from torch import nn

from ganforge.config import OptimConfig, RegConfig
from ganforge.losses import LOSSES
from ganforge.training.optim import build_optimizer, lr_factor
from ganforge.training.step import d_step, g_step


class Linear(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, x, c=None):
        return x @ self.w


class Shift(nn.Module):
    """G(z) = z + theta."""

    def __init__(self):
        super().__init__()
        self.theta = nn.Parameter(torch.zeros(2, dtype=torch.float64))

    def forward(self, z, c=None):
        return z + self.theta


def _sgd(module):
    return build_optimizer(module.parameters(), OptimConfig(name="sgd", momentum=0.0), lr=1.0)


@pytest.mark.parametrize("gp_weight, r1_gamma", [(0.0, 0.0), (10.0, 0.0), (0.0, 3.0)])
def test_d_step_matches_the_hand_computed_sgd_update(gp_weight, r1_gamma):
    torch.manual_seed(0)
    w0 = [0.3, -1.7]
    D, G = Linear(w0), Shift()
    real, z = torch.randn(16, 2, dtype=torch.float64), torch.randn(16, 2, dtype=torch.float64)
    stats = d_step(G, D, _sgd(D), LOSSES.get("wgan"), RegConfig(gp_weight=gp_weight, r1_gamma=r1_gamma), real, z)
    w = torch.tensor(w0, dtype=torch.float64)
    # d/dw [E w.x_f - E w.x_r] = mean(x_f) - mean(x_r); GP of a linear critic = (||w|| - 1)^2; R1 = ||w||^2.
    grad = z.mean(0) - real.mean(0)
    grad = grad + gp_weight * 2 * (w.norm() - 1) * w / w.norm() + 0.5 * r1_gamma * 2 * w
    torch.testing.assert_close(D.w.detach(), w - grad, rtol=1e-12, atol=1e-12)
    assert ("reg/gp" in stats) == (gp_weight > 0) and ("reg/r1" in stats) == (r1_gamma > 0)
    if gp_weight:
        assert stats["reg/gp"].item() == pytest.approx((w.norm().item() - 1) ** 2, rel=1e-12)


def test_clipping_bounds_the_critic_after_its_step():
    D, G = Linear([5.0, -5.0]), Shift()
    d_step(G, D, _sgd(D), LOSSES.get("wgan"), RegConfig(clip=0.01), torch.randn(4, 2, dtype=torch.float64),
           torch.randn(4, 2, dtype=torch.float64))
    assert D.w.abs().max().item() == pytest.approx(0.01)


def test_g_step_moves_only_g_along_the_critic():
    D, G = Linear([0.5, -2.0]), Shift()
    w_before = D.w.detach().clone()
    g_step(G, D, _sgd(G), LOSSES.get("wgan"), torch.randn(8, 2, dtype=torch.float64))
    # L_G = -E w.(z + theta): d/dtheta = -w, so one SGD step at lr 1 moves theta to +w.
    torch.testing.assert_close(G.theta.detach(), w_before)
    assert torch.equal(D.w.detach(), w_before) and D.w.requires_grad and D.w.grad is None


class LinearACD(nn.Module):
    """features(x) = x, head(h) = w.h, classify(h) = W h: a linear critic with a linear K-class classifier."""

    def __init__(self, w, W):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))
        self.W = nn.Parameter(torch.tensor(W, dtype=torch.float64))

    def features(self, x, c=None):
        return x

    def head(self, h, c=None):
        return h @ self.w

    def classify(self, h):
        return h @ self.W.T

    def forward(self, x, c=None):
        return self.head(self.features(x, c), c)


def _softmax_minus_one_hot(x, W, c):
    """d CE / d logits per sample: softmax(W x) - one_hot(c), [N, K]."""
    logits = x @ W.T
    p = torch.exp(logits - logits.logsumexp(1, keepdim=True))
    return p - torch.nn.functional.one_hot(c, W.shape[0]).double()


def test_acgan_steps_add_the_class_cross_entropy_to_both_players():
    """Odena et al. 2017 with a WGAN critic: D minimises E w.x_f - E w.x_r + a (CE_real + CE_fake), G minimises
    -E w.G(z) + a CE_fake; gradients of CE(W x, c) are (softmax(W x) - onehot(c)) x^T per sample."""
    torch.manual_seed(0)
    a, w0, W0 = 0.7, [0.3, -1.7], [[0.5, 0.1], [-0.2, 0.4], [1.0, -1.0]]
    D, G = LinearACD(w0, W0), Shift()
    real, z, c = torch.randn(16, 2, dtype=torch.float64), torch.randn(16, 2, dtype=torch.float64), torch.arange(16) % 3
    stats = d_step(G, D, _sgd(D), LOSSES.get("wgan"), RegConfig(), real, z, c, ac_weight=a)
    w, W = torch.tensor(w0, dtype=torch.float64), torch.tensor(W0, dtype=torch.float64)
    grad_W = a * (_softmax_minus_one_hot(real, W, c).T @ real + _softmax_minus_one_hot(z, W, c).T @ z) / 16
    torch.testing.assert_close(D.w.detach(), w - (z.mean(0) - real.mean(0)), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(D.W.detach(), W - grad_W, rtol=1e-12, atol=1e-12)
    assert {"ac/real", "ac/fake", "ac/real_acc", "ac/fake_acc"} <= stats.keys()

    w, W = D.w.detach().clone(), D.W.detach().clone()
    z = torch.randn(16, 2, dtype=torch.float64)
    g_stats = g_step(G, D, _sgd(G), LOSSES.get("wgan"), z, c, ac_weight=a)
    grad_theta = -w + a * (_softmax_minus_one_hot(z, W, c) @ W).mean(0)  # G(z) = z + theta, theta = 0 before
    torch.testing.assert_close(G.theta.detach(), -grad_theta, rtol=1e-12, atol=1e-12)
    assert g_stats["loss/G"].item() == pytest.approx(-(z @ w).mean().item(), rel=1e-12)  # adversarial part only


def test_linear_decay_schedule():
    cfg = OptimConfig(lr_decay="linear")
    assert [lr_factor(cfg, s, 4) for s in range(5)] == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert lr_factor(OptimConfig(), 3, 4) == 1.0


@pytest.mark.parametrize("conditioning", ["input", "hidden", "projection", "acgan"])
def test_every_loss_trains_every_conditioning(conditioning):
    """Issue #5: any conditioning method with any adversarial loss (relativistic ones see reals with their labels),
    with a gradient penalty and R1 reading the labels too."""
    from ganforge.config import ModelConfig
    from ganforge.losses import LOSSES
    from ganforge.models import DataSpec, build_models

    for name in LOSSES:
        torch.manual_seed(0)
        G, D = build_models(ModelConfig(name="mlp", g_width=8, d_width=8, z_dim=4, g_depth=1, d_depth=1,
                                        conditioning=conditioning), DataSpec("images", (1, 4, 4), 3))
        opt_G, opt_D = _sgd(G), _sgd(D)
        real, c = torch.rand(6, 1, 4, 4) * 2 - 1, torch.tensor([0, 1, 2, 2, 1, 0])
        ac = 1.0 if conditioning == "acgan" else 0.0
        before = [p.detach().clone() for p in G.parameters()]
        d = d_step(G, D, opt_D, LOSSES.get(name), RegConfig(gp_weight=1.0, r1_gamma=1.0), real, torch.randn(6, 4), c,
                   ac_weight=ac)
        g = g_step(G, D, opt_G, LOSSES.get(name), torch.randn(6, 4), c, real=real, ac_weight=ac)
        assert all(torch.isfinite(v) for v in {**d, **g}.values()), name
        assert any(not torch.equal(p, q) for p, q in zip(before, G.parameters())), name

"""Each loss's value and gradient at given logits against the formula, computed independently in numpy."""

import numpy as np
import pytest
import torch

from ganforge.losses import LOSSES

REAL = np.array([-3.0, -0.5, 0.0, 0.7, 2.5, 40.0])
FAKE = np.array([-40.0, -2.0, -0.3, 0.0, 1.2, 5.0])
sig = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731


def _grads(name, which):
    r = torch.tensor(REAL, requires_grad=True)
    f = torch.tensor(FAKE, requires_grad=True)
    loss = LOSSES.get(name)
    value = loss.d_loss(r, f) if which == "d" else loss.g_loss(f, r)
    value.backward()
    return value.item(), (r.grad.numpy() if r.grad is not None else np.zeros_like(REAL)), f.grad.numpy()


# (value, d value / d real_logits, d value / d fake_logits) for D's loss, from the formulas.
N = len(REAL)
D_EXPECTED = {
    "minimax": (-(np.log(sig(REAL)).mean() + np.log(1 - sig(FAKE)).mean()), -(1 - sig(REAL)) / N, sig(FAKE) / N),
    "wgan": (FAKE.mean() - REAL.mean(), -np.ones(N) / N, np.ones(N) / N),
    "lsgan": (0.5 * (((REAL - 1) ** 2).mean() + (FAKE**2).mean()), (REAL - 1) / N, FAKE / N),
    "hinge": (np.maximum(0, 1 - REAL).mean() + np.maximum(0, 1 + FAKE).mean(),
              -(REAL < 1).astype(float) / N, (FAKE > -1).astype(float) / N),
}
D_EXPECTED["ns"] = D_EXPECTED["minimax"]
G_EXPECTED = {
    "minimax": (np.log(1 - sig(FAKE)).mean(), -sig(FAKE) / N),
    "ns": (-np.log(sig(FAKE)).mean(), -(1 - sig(FAKE)) / N),
    "wgan": (-FAKE.mean(), -np.ones(N) / N),
    "hinge": (-FAKE.mean(), -np.ones(N) / N),
    "lsgan": (0.5 * ((FAKE - 1) ** 2).mean(), (FAKE - 1) / N),
}


@pytest.mark.parametrize("name", sorted(D_EXPECTED))
def test_d_loss_value_and_gradient(name):
    value, g_real, g_fake = _grads(name, "d")
    v, dr, df = D_EXPECTED[name]
    # log(1 - sigma(40)) underflows in numpy (log(0)); skip that element's value check by using the stable form
    if name in ("minimax", "ns"):
        v = np.mean(np.logaddexp(0, -REAL)) + np.mean(np.logaddexp(0, FAKE))
    assert value == pytest.approx(v, rel=1e-12)
    np.testing.assert_allclose(g_real, dr, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(g_fake, df, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", sorted(G_EXPECTED))
def test_g_loss_value_and_gradient(name):
    value, _, g_fake = _grads(name, "g")
    v, df = G_EXPECTED[name]
    if name == "minimax":
        v = -np.mean(np.logaddexp(0, FAKE))
    if name == "ns":
        v = np.mean(np.logaddexp(0, -FAKE))
    assert value == pytest.approx(v, rel=1e-12)
    np.testing.assert_allclose(g_fake, df, rtol=1e-10, atol=1e-15)


def test_minimax_saturates_where_non_saturating_does_not():
    """Goodfellow 2014 Sec. 3: when D confidently rejects fakes (logit -10), log(1 - D) has almost no gradient."""
    f = torch.full((1,), -10.0, dtype=torch.float64, requires_grad=True)
    LOSSES.get("minimax").g_loss(f, None).backward()
    saturating = f.grad.abs().item()
    f.grad = None
    LOSSES.get("ns").g_loss(f, None).backward()
    assert saturating == pytest.approx(sig(-10.0), rel=1e-9)  # 4.5e-5
    assert f.grad.abs().item() == pytest.approx(1 - sig(-10.0), rel=1e-9)  # ~1
    assert f.grad.abs().item() / saturating > 1e4


def test_losses_are_finite_at_extreme_logits():
    big = torch.tensor([1e4, -1e4], dtype=torch.float32)
    for name in LOSSES:
        loss = LOSSES.get(name)
        assert torch.isfinite(loss.d_loss(big, big)) and torch.isfinite(loss.g_loss(big, big)), name

"""One-sided label smoothing and feature matching (Salimans et al. 2016) against their formulas."""

import numpy as np
import pytest
import torch

from ganforge.losses.tricks import feature_matching_loss, label_smoothing_d_loss

sig = lambda a: 1.0 / (1.0 + np.exp(-a))  # noqa: E731
t64 = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731


def test_label_smoothing_value_and_gradient():
    real, fake = np.array([-2.0, 0.0, 1.5, 4.0]), np.array([-1.0, 0.5, 3.0])
    a = 0.9
    expected = -np.mean(a * np.log(sig(real)) + (1 - a) * np.log(1 - sig(real))) - np.mean(np.log(1 - sig(fake)))
    r, f = t64(real).requires_grad_(), t64(fake).requires_grad_()
    loss = label_smoothing_d_loss(r, f, a)
    loss.backward()
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    # BCE with target a: d/dl = sigma(l) - a per real logit; fake target stays 0: d/dl = sigma(l)
    np.testing.assert_allclose(r.grad.numpy(), (sig(real) - a) / 4, rtol=1e-10)
    np.testing.assert_allclose(f.grad.numpy(), sig(fake) / 3, rtol=1e-10)


def test_smoothed_optimum_is_the_target_and_zero_smoothing_is_plain_bce():
    """D's best answer on a real example is sigma(l) = 0.9, not 1: the loss is minimal at l = logit(0.9)."""
    l_opt = np.log(0.9 / 0.1)
    r = t64([l_opt]).requires_grad_()
    label_smoothing_d_loss(r, t64([-50.0]), 0.9).backward()
    assert abs(r.grad.item()) < 1e-12
    real, fake = t64([-1.0, 2.0]), t64([0.3])
    assert label_smoothing_d_loss(real, fake, 1.0).item() == pytest.approx(
        -np.mean(np.log(sig(real.numpy()))) - np.log(1 - sig(0.3)), rel=1e-12)


def test_feature_matching_is_squared_distance_of_batch_means():
    rng = np.random.default_rng(1)
    fr, ff = rng.standard_normal((6, 2, 3)), rng.standard_normal((4, 2, 3))
    expected = np.sum((fr.reshape(6, -1).mean(0) - ff.reshape(4, -1).mean(0)) ** 2)
    assert feature_matching_loss(t64(fr), t64(ff)).item() == pytest.approx(expected, rel=1e-12)
    # same mean, different samples: zero loss (it matches first moments only)
    assert feature_matching_loss(t64([[1.0], [3.0]]), t64([[2.0], [2.0], [2.0]])).item() == 0.0

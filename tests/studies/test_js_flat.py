"""The js-flat study: on parallel lines a trained GAN discriminator reads log 2 whatever the distance, a WGAN-GP
critic reads the distance (plus the soft penalty's known excess theta^2 / (2 lambda))."""

import math

import pytest
import torch

from ganforge.studies.js_flat import critic_estimate, least_squares_slope, parallel_line


def test_parallel_line_samples():
    x = parallel_line(1000, 0.7, torch.Generator().manual_seed(0))
    assert x.shape == (1000, 2) and torch.all(x[:, 0] == 0.7)
    assert 0 <= x[:, 1].min() and x[:, 1].max() <= 1 and abs(x[:, 1].mean() - 0.5) < 0.03


@pytest.mark.parametrize("theta", [0.5, 2.0])
def test_gan_discriminator_reads_log_2_at_any_distance(theta):
    estimate = critic_estimate("js", theta, seed=0, steps=150, batch=128, lr=1e-2, betas=[0.5, 0.999], width=32)
    assert estimate == pytest.approx(math.log(2), abs=0.01)


def test_gan_discriminator_reads_0_for_equal_distributions():
    estimate = critic_estimate("js", 0.0, seed=0, steps=150, batch=128, lr=1e-2, betas=[0.5, 0.999], width=32)
    assert abs(estimate) < 0.01


def test_wgan_gp_critic_reads_the_distance():
    theta, lam = 1.0, 10.0
    estimate = critic_estimate("w", theta, seed=0, steps=300, batch=128, lr=2e-3, betas=[0.0, 0.9], width=32,
                               gp_weight=lam)
    assert estimate == pytest.approx(theta + theta**2 / (2 * lam), rel=0.05)


def test_slope_against_abs_theta():
    thetas = [-2.0, -1.0, 0.0, 1.0, 3.0]
    assert least_squares_slope(thetas, [2 * abs(t) + 1 for t in thetas]) == pytest.approx(2.0)
    assert least_squares_slope(thetas, [math.log(2) if t else 0.0 for t in thetas]) == pytest.approx(0.0, abs=1e-12)

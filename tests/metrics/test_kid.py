"""KID against a brute-force double loop over the same subset draws, and a linear-kernel closed form."""

from __future__ import annotations

import numpy as np
import pytest

from ganforge.metrics import kernel_inception_distance


def brute_force_kid(x, y, subsets, subset_size, seed, degree=3, gamma=None, coef0=1.0):
    """Python loops over pairs; subsets drawn as documented: per round, indices into x, then into y."""
    d = x.shape[1]
    g = 1.0 / d if gamma is None else gamma

    def k(a, b):
        return (g * sum(float(a[t]) * float(b[t]) for t in range(d)) + coef0) ** degree

    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        xs = x[rng.choice(len(x), subset_size, replace=False)]
        ys = y[rng.choice(len(y), subset_size, replace=False)]
        m = subset_size
        kxx = sum(k(xs[i], xs[j]) for i in range(m) for j in range(m) if i != j)
        kyy = sum(k(ys[i], ys[j]) for i in range(m) for j in range(m) if i != j)
        kxy = sum(k(xs[i], ys[j]) for i in range(m) for j in range(m))
        values.append(kxx / (m * (m - 1)) + kyy / (m * (m - 1)) - 2 * kxy / (m * m))
    return float(np.mean(values)), float(np.std(values))


def test_matches_brute_force_double_loop():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((30, 5)), rng.standard_normal((40, 5)) + 0.3
    ours = kernel_inception_distance(x, y, subsets=4, subset_size=20, seed=7)
    ref = brute_force_kid(x, y, subsets=4, subset_size=20, seed=7)
    assert ours[0] == pytest.approx(ref[0], abs=1e-12)
    assert ours[1] == pytest.approx(ref[1], abs=1e-12)


def test_matches_brute_force_with_other_kernel_parameters():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((25, 3)), 2.0 * rng.standard_normal((22, 3))
    kw = dict(degree=2, gamma=0.5, coef0=0.25)
    ours = kernel_inception_distance(x, y, subsets=3, subset_size=10, seed=3, **kw)
    ref = brute_force_kid(x, y, subsets=3, subset_size=10, seed=3, **kw)
    assert ours == pytest.approx(ref, abs=1e-12)


def test_linear_kernel_closed_form_with_all_points():
    # k(x, y) = x.y and subset_size = N: every subset is a permutation of the whole set, so std = 0 and
    # MMD^2_u = (||Sx||^2 - sum ||x_i||^2) / (m(m-1)) + (same for y) - 2 Sx.Sy / m^2, S = column sums.
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((15, 4)), rng.standard_normal((15, 4)) + 1.0
    m = 15
    sx, sy = x.sum(0), y.sum(0)
    expected = (
        (sx @ sx - (x * x).sum()) / (m * (m - 1)) + (sy @ sy - (y * y).sum()) / (m * (m - 1)) - 2 * sx @ sy / m**2
    )
    mean, std = kernel_inception_distance(x, y, subsets=5, subset_size=m, degree=1, gamma=1.0, coef0=0.0)
    assert mean == pytest.approx(expected, rel=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_deterministic_for_a_seed_and_changes_with_it():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((100, 8)), rng.standard_normal((100, 8)) + 0.2
    a = kernel_inception_distance(x, y, subsets=5, subset_size=50, seed=11)
    assert kernel_inception_distance(x, y, subsets=5, subset_size=50, seed=11) == a
    assert kernel_inception_distance(x, y, subsets=5, subset_size=50, seed=12) != a


def test_near_zero_for_one_distribution_and_positive_for_shifted():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((500, 16)), rng.standard_normal((500, 16))
    same_mean, same_std = kernel_inception_distance(x, y, subsets=10, subset_size=200)
    shifted_mean, _ = kernel_inception_distance(x, y + 1.0, subsets=10, subset_size=200)
    assert abs(same_mean) < 3 * same_std + 1e-3
    assert shifted_mean > 100 * abs(same_mean)


def test_subset_size_larger_than_a_set_is_an_error_naming_the_sizes():
    x, y = np.zeros((30, 5)), np.zeros((40, 5))
    with pytest.raises(ValueError, match="features1 has 30, features2 has 40"):
        kernel_inception_distance(x, y, subset_size=35)
    with pytest.raises(ValueError, match="same feature dimension"):
        kernel_inception_distance(x, np.zeros((40, 4)), subset_size=10)

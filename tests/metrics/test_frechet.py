"""Fréchet distance / FID against closed forms, an independent scipy.linalg.sqrtm computation and invariances."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.linalg
import torch

from ganforge.metrics import fid_from_features, frechet_distance, gaussian_statistics
from ganforge.metrics.frechet import _trace_sqrt_product_eigh


def random_spd(rng: np.random.Generator, d: int) -> np.ndarray:
    a = rng.standard_normal((d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def random_rotation(rng: np.random.Generator, d: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def sqrtm_reference(mu1, s1, mu2, s2) -> float:
    """The textbook formula with scipy's general matrix square root, written out independently."""
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    return float((mu1 - mu2) @ (mu1 - mu2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean).real)


@pytest.mark.parametrize("method", ["eigh", "sqrtm"])
def test_zero_for_equal_statistics(method):
    rng = np.random.default_rng(0)
    mu, s = rng.standard_normal(16), random_spd(rng, 16)
    assert frechet_distance(mu, s, mu, s, method=method) == pytest.approx(0.0, abs=1e-10 * np.trace(s))


@pytest.mark.parametrize("method", ["eigh", "sqrtm"])
def test_equal_covariances_leave_the_mean_term(method):
    rng = np.random.default_rng(1)
    mu1, mu2, s = rng.standard_normal(16), rng.standard_normal(16), random_spd(rng, 16)
    expected = float(((mu1 - mu2) ** 2).sum())
    assert frechet_distance(mu1, s, mu2, s, method=method) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("method", ["eigh", "sqrtm"])
@pytest.mark.parametrize("rotate", [False, True])
def test_diagonal_covariances_closed_form(method, rotate):
    # Commuting covariances Q diag(a) Q^T, Q diag(b) Q^T: d^2 = ||dmu||^2 + sum (sqrt a - sqrt b)^2.
    rng = np.random.default_rng(2)
    d = 12
    a, b = rng.uniform(0.1, 5.0, d), rng.uniform(0.1, 5.0, d)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    q = random_rotation(rng, d) if rotate else np.eye(d)
    s1, s2 = q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    expected = float(((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum())
    assert frechet_distance(mu1, s1, mu2, s2, method=method) == pytest.approx(expected, rel=1e-10)


def test_symmetric_in_its_two_arguments():
    rng = np.random.default_rng(3)
    mu1, mu2 = rng.standard_normal(32), rng.standard_normal(32)
    s1, s2 = random_spd(rng, 32), random_spd(rng, 32)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(frechet_distance(mu2, s2, mu1, s1), rel=1e-10)


def test_agrees_with_scipy_sqrtm_on_random_spd_d64():
    rng = np.random.default_rng(4)
    for _ in range(3):
        mu1, mu2 = rng.standard_normal(64), rng.standard_normal(64)
        s1, s2 = random_spd(rng, 64), 2.0 * random_spd(rng, 64)
        ref = sqrtm_reference(mu1, s1, mu2, s2)
        assert frechet_distance(mu1, s1, mu2, s2, method="eigh") == pytest.approx(ref, rel=1e-6)
        assert frechet_distance(mu1, s1, mu2, s2, method="sqrtm") == pytest.approx(ref, rel=1e-6)


def test_cholesky_and_eigh_factors_give_the_same_trace():
    # Any factor S1 = G G^T gives G^T S2 G the eigenvalues of S1^{1/2} S2 S1^{1/2}: the fast Cholesky path
    # and the eigh square root must agree, also on an ill-conditioned S1 (eigenvalues 1 .. 1e-12).
    rng = np.random.default_rng(11)
    q = random_rotation(rng, 64)
    ill = q @ np.diag(np.logspace(0, -12, 64)) @ q.T
    for s1 in (random_spd(rng, 64), (ill + ill.T) / 2):
        s2 = random_spd(rng, 64)
        fast = _trace_sqrt_product_eigh(s1, s2, cholesky=True)
        assert fast == pytest.approx(_trace_sqrt_product_eigh(s1, s2, cholesky=False), rel=1e-10)


def test_ill_conditioned_commuting_covariances_closed_form():
    rng = np.random.default_rng(12)
    q = random_rotation(rng, 32)
    a, b = np.logspace(0, -12, 32), rng.uniform(0.1, 2.0, 32)
    s1, s2 = q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T
    expected = float(((np.sqrt(a) - np.sqrt(b)) ** 2).sum())
    assert frechet_distance(np.zeros(32), (s1 + s1.T) / 2, np.zeros(32), (s2 + s2.T) / 2) == pytest.approx(
        expected, rel=1e-9
    )


def test_rank_deficient_covariances_are_finite_and_match_the_closed_form():
    # Both covariances singular (as when N <= D or features are dead): eigenvalues 0 on shared directions.
    rng = np.random.default_rng(5)
    d = 10
    a = np.r_[rng.uniform(0.5, 3.0, 6), np.zeros(4)]
    b = np.r_[rng.uniform(0.5, 3.0, 3), np.zeros(3), rng.uniform(0.5, 3.0, 4)]
    q = random_rotation(rng, d)
    s1, s2 = q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    mu = np.zeros(d)
    expected = float(((np.sqrt(a) - np.sqrt(b)) ** 2).sum())
    value = frechet_distance(mu, s1, mu, s2)
    assert np.isfinite(value)
    # sqrt is not Lipschitz at 0: rounding noise eps in a zero eigenvalue becomes sqrt(eps) ~ 1e-8.
    assert value == pytest.approx(expected, abs=1e-6)


def test_4x4_case_where_the_real_eigvals_shortcut_is_nan():
    # S1 is a covariance whose smallest eigenvalue rounding pushed just below zero (-1e-9; float32 features
    # estimated with N <= D give such values). S1 S2 is then similar to a symmetric matrix with one negative
    # eigenvalue, so the eigenvalues of the non-symmetric product include a negative real one and the common
    # shortcut sqrt(eigvals(S1 S2).real) is NaN. The symmetric method clips it and stays finite.
    rng = np.random.default_rng(6)
    q = random_rotation(rng, 4)
    s1 = q @ np.diag([3.0, 2.0, 1.0, -1e-9]) @ q.T
    s1 = (s1 + s1.T) / 2
    s2 = random_spd(rng, 4)
    mu1, mu2 = np.zeros(4), np.ones(4)
    with np.errstate(invalid="ignore"):
        naive_trace = np.sqrt(np.linalg.eigvals(s1 @ s2).real).sum()
    assert np.isnan(naive_trace)
    ours = frechet_distance(mu1, s1, mu2, s2, method="eigh")
    assert np.isfinite(ours)
    pytorch_fid = frechet_distance(mu1, s1, mu2, s2, method="sqrtm")
    assert np.isfinite(pytorch_fid)
    assert ours == pytest.approx(pytorch_fid, rel=1e-6)
    # and both equal the distance with the noise removed (eigenvalue exactly 0), up to sqrt(1e-9) effects
    s1_clean = q @ np.diag([3.0, 2.0, 1.0, 0.0]) @ q.T
    assert ours == pytest.approx(sqrtm_reference(mu1, (s1_clean + s1_clean.T) / 2, mu2, s2), rel=1e-6)


def test_covariances_of_three_samples_in_4d_break_the_shortcut_but_not_us():
    # The realistic version: np.cov of N=3 samples in D=4 has rank 2, and rounding decides the sign of the
    # zero eigenvalues of S1 S2 -- the shortcut is NaN for most seeds. Ours is finite for every one.
    nan_count = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
        s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
        with np.errstate(invalid="ignore"):
            nan_count += bool(np.isnan(np.sqrt(np.linalg.eigvals(s1 @ s2).real).sum()))
        assert np.isfinite(frechet_distance(x.mean(0), s1, y.mean(0), s2))
    assert nan_count > 0


def test_invariant_to_a_common_rotation_and_translation_of_features():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((400, 8))
    y = 1.5 * rng.standard_normal((300, 8)) + 0.5
    q, shift = random_rotation(rng, 8), rng.standard_normal(8)
    assert fid_from_features(x @ q + shift, y @ q + shift) == pytest.approx(fid_from_features(x, y), rel=1e-9)


def test_fid_from_features_closed_forms():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((200, 6))
    assert fid_from_features(x, x) == pytest.approx(0.0, abs=1e-10)
    shift = np.array([1.0, -2.0, 0.0, 0.5, 3.0, 0.0])
    # translating a set leaves its covariance unchanged: only ||shift||^2 remains
    assert fid_from_features(x, x + shift) == pytest.approx(float(shift @ shift), rel=1e-9)


def test_gaussian_statistics_are_unbiased_mean_and_covariance():
    x = np.array([[0.0, 1.0], [2.0, 1.0], [4.0, 4.0]])
    mu, sigma = gaussian_statistics(x)
    np.testing.assert_allclose(mu, [2.0, 2.0])
    # by hand, ddof=1: var(0,2,4) = 4, var(1,1,4) = 3, cov = ((-2)(-1) + 0 + 2*2) / 2 = 3
    np.testing.assert_allclose(sigma, [[4.0, 3.0], [3.0, 3.0]])


def test_warns_when_fewer_samples_than_dimensions():
    x = np.random.default_rng(9).standard_normal((5, 8))
    with pytest.warns(UserWarning, match="N=5 samples <= D=8"):
        gaussian_statistics(x)
    with pytest.warns(UserWarning, match="singular"):
        value = fid_from_features(x, x + 1.0)
    assert np.isfinite(value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gaussian_statistics(np.random.default_rng(9).standard_normal((9, 8)))


def test_accepts_torch_tensors():
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal((100, 4)), rng.standard_normal((120, 4)) + 0.3
    expected = fid_from_features(x.astype(np.float32), y.astype(np.float32))
    assert fid_from_features(torch.from_numpy(x).float(), torch.from_numpy(y).float()) == pytest.approx(
        expected, rel=1e-12
    )


def test_input_errors():
    mu, s = np.zeros(3), np.eye(3)
    with pytest.raises(ValueError, match="same feature dimension"):
        frechet_distance(mu, s, np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match=r"sigma2 must be \[3, 3\]"):
        frechet_distance(mu, s, mu, np.eye(4))
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.array([0.0, np.nan, 0.0]), s, mu, s)
    with pytest.raises(ValueError, match="not symmetric"):
        frechet_distance(mu, np.triu(np.ones((3, 3))), mu, s)
    with pytest.raises(ValueError, match="unknown method 'sqrt'"):
        frechet_distance(mu, s, mu, s, method="sqrt")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same feature dimension"):
        fid_from_features(np.zeros((10, 3)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match=r"2-D array \[N, D\]"):
        fid_from_features(np.zeros(10), np.zeros((10, 2)))

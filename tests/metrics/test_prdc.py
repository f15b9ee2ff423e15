"""Precision/recall and density/coverage against a brute-force version written from the papers' definitions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganforge.metrics import density_coverage, knn_radii, precision_recall


def pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)


def brute_radii(x: np.ndarray, k: int) -> np.ndarray:
    d = pairwise(x, x)
    np.fill_diagonal(d, np.inf)  # a point is not its own neighbour
    return np.sort(d, axis=1)[:, k - 1]


def brute_precision_recall(real, fake, k):
    r_real, r_fake = brute_radii(real, k), brute_radii(fake, k)
    d = pairwise(fake, real)  # [M, N]
    precision = np.mean((d <= r_real[None, :]).any(axis=1))
    recall = np.mean((d.T <= r_fake[None, :]).any(axis=1))
    return float(precision), float(recall)


def brute_density_coverage(real, fake, k):
    r_real = brute_radii(real, k)
    d = pairwise(fake, real)  # [M, N]
    density = (d < r_real[None, :]).sum() / (k * len(fake))
    coverage = np.mean(d.min(axis=0) < r_real)
    return float(density), float(coverage)


def test_identical_sets():
    x = np.random.default_rng(0).standard_normal((150, 10))
    assert precision_recall(x, x) == (1.0, 1.0)
    # Without distance ties, each point counts itself plus the k - 1 neighbours strictly inside its ball:
    # density = N k / (k N) = 1 exactly. Matmul-based distances decide "d == r_i" by rounding noise instead
    # (torch.cdist in float64 gives density 1.0013 on this very set).
    assert density_coverage(x, x) == (1.0, 1.0)
    assert density_coverage(x, x) == brute_density_coverage(x, x, 5)


@pytest.mark.parametrize("seed", [1, 2])
def test_equal_to_brute_force_on_random_sets(seed):
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((120, 6))
    fake = 0.8 * rng.standard_normal((90, 6)) + 0.3
    for k in (1, 3, 5):
        assert precision_recall(real, fake, k=k) == brute_precision_recall(real, fake, k)
        assert density_coverage(real, fake, k=k) == brute_density_coverage(real, fake, k)


def test_equal_to_brute_force_with_many_exact_ties():
    # Integer lattice points: squared distances are small integers, so radii and cross distances tie exactly
    # all over the place; only <= (P/R) versus < (D/C) decides, exactly as written in the papers.
    rng = np.random.default_rng(3)
    real = rng.integers(0, 4, size=(80, 3)).astype(np.float64)  # with duplicates, some radii are 0
    fake = rng.integers(0, 4, size=(70, 3)).astype(np.float64)
    for k in (1, 2, 5):
        assert precision_recall(real, fake, k=k) == brute_precision_recall(real, fake, k)
        assert density_coverage(real, fake, k=k) == brute_density_coverage(real, fake, k)


def test_exact_ties_far_from_the_origin():
    # The same lattice offset by 1e4: the matmul expansion loses ~8 digits, the exact re-check recovers them.
    rng = np.random.default_rng(4)
    real = rng.integers(0, 4, size=(60, 3)).astype(np.float64) + 1e4
    fake = rng.integers(0, 4, size=(50, 3)).astype(np.float64) + 1e4
    assert precision_recall(real, fake, k=3) == brute_precision_recall(real, fake, 3)
    assert density_coverage(real, fake, k=3) == brute_density_coverage(real, fake, 3)


def test_chunked_equals_full():
    rng = np.random.default_rng(5)
    real, fake = rng.standard_normal((257, 32)), 1.2 * rng.standard_normal((203, 32))
    full_pr = precision_recall(real, fake, chunk_size=10_000)
    full_dc = density_coverage(real, fake, chunk_size=10_000)
    for chunk in (1, 7, 64, 256):
        assert precision_recall(real, fake, chunk_size=chunk) == full_pr
        assert density_coverage(real, fake, chunk_size=chunk) == full_dc


def test_collapsed_generator_has_high_precision_and_low_recall():
    rng = np.random.default_rng(6)
    real = 3.0 * rng.standard_normal((200, 16))
    fake = 0.1 * rng.standard_normal((200, 16))
    precision, recall = precision_recall(real, fake)
    assert precision > 0.8
    assert recall < 0.3


def test_invariant_to_rotation_translation_and_scale():
    rng = np.random.default_rng(7)
    real, fake = rng.standard_normal((100, 5)), rng.standard_normal((100, 5)) + 0.5
    q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    move = lambda a: 2.5 * a @ q + 7.0  # noqa: E731
    assert precision_recall(move(real), move(fake)) == precision_recall(real, fake)
    assert density_coverage(move(real), move(fake)) == density_coverage(real, fake)


def test_knn_radii_excludes_the_point_itself_but_counts_duplicates():
    x = np.array([[0.0], [0.0], [1.0], [3.0]])
    np.testing.assert_array_equal(knn_radii(x, 1), [0.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(knn_radii(x, 2), [1.0, 1.0, 1.0, 3.0])


def test_accepts_torch_and_validates():
    x = torch.randn(20, 3, generator=torch.Generator().manual_seed(0))
    assert precision_recall(x, x) == (1.0, 1.0)
    with pytest.raises(ValueError, match="at least 4 rows"):
        precision_recall(np.zeros((3, 2)), np.zeros((10, 2)), k=3)
    with pytest.raises(ValueError, match="same feature dimension"):
        density_coverage(np.zeros((10, 2)), np.zeros((10, 3)))
    with pytest.raises(ValueError, match="chunk_size must be >= 1"):
        density_coverage(np.zeros((10, 2)), np.zeros((10, 2)), chunk_size=0)

"""The lecture checks: Parzen, MMD, birthday paradox, C2ST, memorisation, mode statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from ganforge.metrics import (
    ParzenResult,
    birthday_paradox_support,
    classifier_two_sample_test,
    closest_pairs,
    mmd_rbf,
    mode_statistics,
    nearest_neighbour_grid,
    nearest_neighbour_memorisation,
    parzen_log_likelihood,
    support_from_batch_size,
)

# ---------------------------------------------------------------------------------------------------- Parzen


def test_parzen_matches_a_brute_force_mixture_density():
    rng = np.random.default_rng(0)
    samples, test, sigma = rng.standard_normal((5, 3)), rng.standard_normal((8, 3)), 0.7
    # p_hat(x) = mean_j prod_d N(x_d; s_jd, sigma^2), via scipy's univariate normal pdf
    dens = np.array([np.mean([np.prod(norm.pdf(x, loc=s, scale=sigma)) for s in samples]) for x in test])
    result = parzen_log_likelihood(samples, test, sigma=sigma, chunk_size=3)
    assert result.log_likelihood == pytest.approx(np.log(dens).mean(), rel=1e-12)
    assert result.std_error == pytest.approx(np.log(dens).std(ddof=1) / math.sqrt(8), rel=1e-10)
    assert result.sigma == sigma and result.num_test == 8


def test_parzen_is_stable_far_in_the_tails():
    # A test point 100 sigma away: the density underflows to 0 in float64, its log must not become -inf.
    result = parzen_log_likelihood(np.zeros((1, 1)), np.array([[100.0]]), sigma=1.0)
    assert result.log_likelihood == pytest.approx(norm.logpdf(100.0), rel=1e-12)


def test_parzen_of_gaussian_samples_approaches_minus_the_entropy():
    # E log p(x) for x ~ N(0, I_2) is -H = -log(2 pi e); a KDE of 4000 samples with the bandwidth chosen on a
    # validation split comes within a few standard errors (its bias, KL(p || p_hat), is ~0.01 here).
    rng = np.random.default_rng(1)
    result = parzen_log_likelihood(rng.standard_normal((4000, 2)), rng.standard_normal((3000, 2)), seed=1)
    assert result.num_test == 2400  # 20% of the test points went to choosing sigma
    assert result.log_likelihood == pytest.approx(-math.log(2 * math.pi * math.e), abs=0.08)
    assert 0.1 < result.sigma < 0.6  # Silverman's rule gives ~0.27 for n = 4000 in 2-D
    assert len(result.validation) == 26


def test_parzen_uses_a_given_validation_set_and_warns_on_the_grid_edge():
    rng = np.random.default_rng(2)
    samples, test, val = (rng.standard_normal((300, 2)) for _ in range(3))
    with pytest.warns(UserWarning, match="edge of the grid"):
        result = parzen_log_likelihood(samples, test, sigmas=[1e-3, 2e-3], validation=val)
    assert result.sigma == 2e-3 and result.num_test == 300


def test_parzen_caveat_is_attached_everywhere():
    for text in (ParzenResult.caveat, parzen_log_likelihood.caveat, parzen_log_likelihood.__doc__):
        assert "Theis" in text and "do not rank models" in text


# ---------------------------------------------------------------------------------------------------- MMD


def test_mmd_matches_brute_force_double_loop():
    rng = np.random.default_rng(3)
    x, y, sigmas = rng.standard_normal((6, 2)), rng.standard_normal((7, 2)) + 0.5, (0.5, 2.0)

    def k(a, b):
        return sum(math.exp(-float(((a - b) ** 2).sum()) / (2 * s * s)) for s in sigmas)

    kxx = sum(k(x[i], x[j]) for i in range(6) for j in range(6) if i != j) / 30
    kyy = sum(k(y[i], y[j]) for i in range(7) for j in range(7) if i != j) / 42
    kxy = sum(k(a, b) for a in x for b in y) / 42
    assert mmd_rbf(x, y, sigmas=sigmas, chunk_size=4) == pytest.approx(kxx + kyy - 2 * kxy, abs=1e-12)


def test_mmd_near_zero_for_one_distribution_and_positive_for_shifted():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((300, 2)), rng.standard_normal((300, 2))
    assert abs(mmd_rbf(x, y)) < 0.02
    assert mmd_rbf(x, y + 1.0) > 0.3
    assert mmd_rbf(x, y + 1.0) == pytest.approx(mmd_rbf(y + 1.0, x), rel=1e-10)


# ---------------------------------------------------------------------------------------------------- birthday


def test_support_from_batch_size_recovers_the_classic_birthday_numbers():
    # 23 people, P(shared birthday) ~ 1/2  <->  365 days.
    assert support_from_batch_size(23, 0.5) == pytest.approx(365, rel=0.01)


def test_closest_pairs_finds_planted_duplicates_first():
    rng = np.random.default_rng(5)
    batch = rng.standard_normal((40, 6))
    batch[17] = batch[3]
    batch[9] = batch[5] + 1e-3
    pairs = closest_pairs(batch, num_pairs=5)
    assert (pairs.i[0], pairs.j[0], pairs.distance[0]) == (3, 17, 0.0)
    assert (pairs.i[1], pairs.j[1]) == (5, 9)
    assert pairs.distance[1] == pytest.approx(1e-3 * math.sqrt(6), rel=1e-6)
    # the rest agree with a brute-force ranking of all pairs
    d = np.linalg.norm(batch[:, None] - batch[None], axis=-1)
    iu = np.triu_indices(40, k=1)
    np.testing.assert_allclose(pairs.distance, np.sort(d[iu])[:5], rtol=1e-12, atol=0)


def test_birthday_paradox_estimates_a_uniform_discrete_support():
    # A "generator" that outputs one of 400 fixed images uniformly: duplicates at s = 24 with P ~ 0.50.
    rng = np.random.default_rng(6)
    atoms = rng.standard_normal((400, 8))
    samples = atoms[rng.integers(0, 400, 20_000)]
    result = birthday_paradox_support(samples, batch_size=24, threshold=1e-9, trials=200, seed=0)
    exact_p = 1 - np.prod(1 - np.arange(24) / 400)
    assert result.duplicate_rate == pytest.approx(exact_p, abs=0.1)
    assert 300 < result.support_estimate < 550
    assert result.closest.distance[0] <= 1e-9 or result.duplicate_rate < 1
    continuous = birthday_paradox_support(rng.standard_normal((5000, 8)), 24, threshold=1e-9, trials=20)
    assert continuous.duplicate_rate == 0.0 and continuous.support_estimate == math.inf


# ---------------------------------------------------------------------------------------------------- C2ST


@pytest.mark.parametrize("classifier", ["logistic", "knn"])
def test_c2st_chance_for_one_distribution_and_perfect_when_separated(classifier):
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((300, 2)), rng.standard_normal((300, 2))
    same = classifier_two_sample_test(x, y, classifier=classifier)
    assert abs(same.accuracy - 0.5) < 0.1 and same.p_value > 0.01 and same.num_test == 300
    apart = classifier_two_sample_test(x, y + 5.0, classifier=classifier)
    assert apart.accuracy > 0.95 and apart.p_value < 1e-10


def test_c2st_balances_unequal_sets_and_rejects_unknown_classifiers():
    rng = np.random.default_rng(8)
    result = classifier_two_sample_test(rng.standard_normal((500, 2)), rng.standard_normal((100, 2)))
    assert result.num_test == 100  # 100 + 100 points, half held out
    with pytest.raises(ValueError, match="unknown classifier 'svm'"):
        classifier_two_sample_test(np.zeros((10, 2)), np.ones((10, 2)), classifier="svm")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------- memorisation


def test_copies_of_training_points_are_found_at_distance_zero():
    rng = np.random.default_rng(9)
    train = 10.0 + rng.standard_normal((300, 20))  # far from the origin: matmul distances would not be 0
    copies = [4, 77, 150]
    samples = np.concatenate([train[copies], 10.0 + rng.standard_normal((5, 20))])
    result = nearest_neighbour_memorisation(samples, train, chunk_size=64)
    np.testing.assert_array_equal(result.sample_distance[:3], 0.0)
    np.testing.assert_array_equal(result.sample_index[:3], copies)
    assert (result.sample_distance[3:] > 0).all()
    assert result.close_fraction == pytest.approx(3 / 8)
    # train-to-train distances against brute force (self excluded)
    d = np.linalg.norm(train[:, None] - train[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    np.testing.assert_array_equal(result.train_distance, d.min(axis=1))
    np.testing.assert_array_equal(
        result.sample_index[3:], np.linalg.norm(samples[3:, None] - train[None], axis=-1).argmin(axis=1)
    )


def test_memorisation_ratio_is_zero_for_a_copier_and_about_one_for_fresh_samples():
    rng = np.random.default_rng(10)
    train = rng.standard_normal((500, 4))
    copier = nearest_neighbour_memorisation(train[:200], train)
    assert copier.ratio == 0.0 and copier.close_fraction == 1.0
    # a fresh draw is like one more training point: ratio ~ 1, close_fraction ~ quantile (0.01 -> 2 of 200)
    fresh = nearest_neighbour_memorisation(rng.standard_normal((200, 4)), train, quantile=0.01)
    assert 0.8 < fresh.ratio < 1.25 and fresh.close_fraction < 0.05


def test_nearest_neighbour_grid_places_each_sample_beside_its_neighbours():
    samples = np.stack([np.full((1, 4, 4), -1.0), np.full((1, 4, 4), 1.0)])  # -> 0 and 255
    train = np.stack([np.full((1, 4, 4), v) for v in (-1.0, -0.5, 0.0, 0.5, 1.0)])
    grid = nearest_neighbour_grid(samples, train, np.array([[2, 1], [4, 0]]), padding=2, pad_value=7)
    assert grid.dtype == np.uint8 and grid.shape == (2 * 6 + 2, 3 * 6 + 2, 1)
    expected = [[0, 128, 64], [255, 255, 0]]  # rint((v + 1) * 127.5)
    for r in range(2):
        for c in range(3):
            tile = grid[2 + 6 * r : 6 + 6 * r, 2 + 6 * c : 6 + 6 * c]
            assert (tile == expected[r][c]).all()
    assert (grid[:2] == 7).all() and (grid[:, :2] == 7).all()


# ---------------------------------------------------------------------------------------------------- modes


def test_mode_statistics_on_a_hand_made_histogram():
    labels = np.array([0, 0, 1, 0])  # counts (3, 1, 0, 0) over C = 4
    stats = mode_statistics(labels, num_classes=4, min_count=2)
    np.testing.assert_array_equal(stats["histogram"], [3, 1, 0, 0])
    assert stats["modes_covered"] == 2 and stats["modes_covered_min_count"] == 1
    # KL(p || U) = 3/4 log(4 * 3/4) + 1/4 log(4 * 1/4) = 3/4 log 3
    assert stats["reverse_kl"] == pytest.approx(0.75 * math.log(3), rel=1e-12)
    probs = np.eye(4)[labels] * 0.7 + 0.075  # same argmax
    assert mode_statistics(probs, 4, min_count=2)["reverse_kl"] == stats["reverse_kl"]


def test_mode_statistics_extremes():
    assert mode_statistics(np.arange(40) % 10, 10)["reverse_kl"] == pytest.approx(0.0, abs=1e-15)
    one = mode_statistics(np.full(50, 3), 10)
    assert one["reverse_kl"] == pytest.approx(math.log(10)) and one["modes_covered"] == 1
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\)"):
        mode_statistics(np.array([0, 10]), 10)

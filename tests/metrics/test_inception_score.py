"""Inception Score against closed forms: 1 for uninformative posteriors, C for confident balanced ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganforge.metrics import inception_score, inception_score_from_probs


def confident_logits(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """50 * one-hot: p(y|x) puts 1 - O(C e^-50) on the label, so scores match their closed forms to ~1e-19."""
    return 50.0 * np.eye(num_classes)[labels]


def test_uniform_logits_score_one():
    mean, std = inception_score(np.zeros((100, 10)), splits=10)
    assert mean == pytest.approx(1.0, abs=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_confident_balanced_one_hot_scores_the_number_of_classes():
    c = 10
    labels = np.arange(200) % c  # every chunk of 20 consecutive rows holds each class twice
    mean, std = inception_score(confident_logits(labels, c), splits=10)
    assert mean == pytest.approx(c, rel=1e-9)
    assert std == pytest.approx(0.0, abs=1e-9)


def test_two_class_closed_form():
    # rows (a, 1-a) and (1-a, a), half each: p(y) = (1/2, 1/2) and KL = log 2 - H(a), so IS = 2 a^a (1-a)^(1-a).
    a = 0.8
    probs = np.array([[a, 1 - a], [1 - a, a]] * 50)
    expected = 2 * a**a * (1 - a) ** (1 - a)
    assert inception_score_from_probs(probs, splits=1)[0] == pytest.approx(expected, rel=1e-12)
    assert inception_score(np.log(probs), splits=1)[0] == pytest.approx(expected, rel=1e-12)
    assert inception_score(probs, splits=5, probs=True)[0] == pytest.approx(expected, rel=1e-12)


def test_splits_follow_the_i_n_over_splits_rule():
    # N = 7, splits = 3 -> chunks [0:2], [2:4], [4:7]: classes (0, 1) -> IS 2; (2, 2) -> 1; (0, 1, 2) -> 3.
    # (Equal chunks of N // splits = 2 that drop the remainder would score the last chunk (0, 1) -> 2.)
    labels = np.array([0, 1, 2, 2, 0, 1, 2])
    mean, std = inception_score(confident_logits(labels, 3), splits=3)
    assert mean == pytest.approx(2.0, rel=1e-9)
    assert std == pytest.approx(math.sqrt(2.0 / 3.0), rel=1e-9)  # np.std of (2, 1, 3), ddof = 0


def test_invariant_to_logit_offsets_and_class_permutations():
    rng = np.random.default_rng(0)
    logits = 3.0 * rng.standard_normal((60, 7))
    base = inception_score(logits, splits=3)
    shifted = inception_score(logits + rng.standard_normal((60, 1)) * 100, splits=3)
    permuted = inception_score(logits[:, rng.permutation(7)], splits=3)
    assert shifted == pytest.approx(base, rel=1e-10)
    assert permuted == pytest.approx(base, rel=1e-10)


def test_zero_probabilities_are_handled_as_0_log_0():
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert inception_score(probs, splits=1, probs=True) == pytest.approx((3.0, 0.0))


def test_accepts_torch_and_rejects_bad_input():
    logits = torch.zeros(20, 4)
    assert inception_score(logits, splits=2)[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="sum to 1"):
        inception_score(np.full((10, 4), 0.5), splits=2, probs=True)
    with pytest.raises(ValueError, match="negative"):
        inception_score(-np.ones((10, 4)), splits=2, probs=True)
    with pytest.raises(ValueError, match="at least 10 rows"):
        inception_score(np.zeros((5, 4)), splits=10)
    with pytest.raises(ValueError, match="splits must be an integer"):
        inception_score(np.zeros((5, 4)), splits=2.0)  # type: ignore[arg-type]

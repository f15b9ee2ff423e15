"""Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))) over a classifier's class posteriors.

High when each sample is classified confidently (low-entropy p(y|x)) and the classes are balanced overall
(high-entropy marginal p(y)); between 1 (every p(y|x) equals the marginal) and C (C classes, one-hot
posteriors, equally represented). Computed, as in the reference code, on `splits` consecutive chunks
[i*N//splits : (i+1)*N//splits] with p(y) estimated per chunk; the score is the mean over chunks, the spread
their standard deviation (ddof=0, as the reference code's np.std).
"""

from __future__ import annotations

import numpy as np

from ._common import ArrayLike, as_matrix, check_positive_int


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)  # max-shift: exp never overflows
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _split_scores(log_p: np.ndarray, splits: int) -> np.ndarray:
    """exp(mean_x KL(p(y|x) || p_split(y))) per chunk; log_p [N, C] are log-posteriors (may hold -inf)."""
    n = log_p.shape[0]
    p = np.exp(log_p)
    scores = np.empty(splits)
    for i in range(splits):
        rows = slice(i * n // splits, (i + 1) * n // splits)
        part_p, part_log_p = p[rows], log_p[rows]
        py = part_p.mean(axis=0)
        # 0 log 0 = 0: a class with p(y|x) = 0 adds nothing to the KL; log p(y) can be -inf only for such a
        # class, and the NaN of 0 * (-inf + inf) is discarded by the where.
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(part_p > 0, part_p * (part_log_p - np.log(py)), 0.0)
        scores[i] = np.exp(terms.sum(axis=1).mean())
    return scores


def inception_score(logits: ArrayLike, splits: int = 10, probs: bool = False) -> tuple[float, float]:
    """(mean, std) Inception Score of classifier outputs [N, C] (Salimans et al. 2016).

        IS = exp(E_x KL(p(y|x) || p(y))),  p(y|x) = softmax(logits),  p(y) = mean of p(y|x) over the chunk

    `logits` are pre-softmax scores (the default; softmax is taken in float64) or, with `probs=True`,
    probabilities whose rows sum to 1. The N rows are cut into `splits` consecutive chunks
    [i*N//splits : (i+1)*N//splits] (the reference code's rule: sizes differ by at most 1, nothing dropped);
    returns the mean and the standard deviation (ddof=0) of the per-chunk scores. Shuffle the rows first if
    they are ordered by class, or every chunk sees a different marginal. Needs N >= splits.
    """
    splits = check_positive_int(splits, "splits")
    x = as_matrix(logits, "probs" if probs else "logits", min_rows=splits)
    if probs:
        if (x < 0).any():
            raise ValueError("probs has negative entries; pass logits with probs=False")
        row_sums = x.sum(axis=1)
        if not np.allclose(row_sums, 1.0, atol=1e-3):
            worst = float(row_sums[np.argmax(np.abs(row_sums - 1))])
            raise ValueError(f"probs rows must sum to 1 (found a row summing to {worst:.6g}); logits?")
        with np.errstate(divide="ignore"):
            log_p = np.log(x / row_sums[:, None])
    else:
        log_p = _log_softmax(x)
    scores = _split_scores(log_p, splits)
    return float(scores.mean()), float(scores.std())


def inception_score_from_probs(probs: ArrayLike, splits: int = 10) -> tuple[float, float]:
    """inception_score(probs, splits, probs=True): the Inception Score of class probabilities [N, C]."""
    return inception_score(probs, splits=splits, probs=True)

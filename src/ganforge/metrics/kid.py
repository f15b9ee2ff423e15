"""Kernel Inception Distance (Binkowski et al. 2018): unbiased MMD^2, cubic polynomial kernel on features.

Unlike FID, the estimator is unbiased, so its expectation does not depend on the number of samples, and it
makes no Gaussian assumption. Reported, as in the paper and torch-fidelity, as mean and spread over random
subsets.
"""

from __future__ import annotations

import numpy as np

from ._common import ArrayLike, as_matrix, check_positive_int, check_same_dim


def mmd2_unbiased_from_kernels(k_xx: np.ndarray, k_yy: np.ndarray, k_xy: np.ndarray) -> float:
    """Unbiased MMD^2 (Gretton et al. 2012, Lemma 6) from kernels K_XX [m, m], K_YY [n, n], K_XY [m, n].

        sum_{i != j} k(x_i, x_j) / (m(m-1))  +  sum_{i != j} k(y_i, y_j) / (n(n-1))
          - 2 sum_{i, j} k(x_i, y_j) / (mn)

    The diagonals of K_XX and K_YY are left out: k(x_i, x_i) does not estimate E k(x, x') for independent
    x, x'. Can be negative when the two distributions are close.
    """
    m, n = k_xx.shape[0], k_yy.shape[0]
    if m < 2 or n < 2:
        raise ValueError(f"the unbiased MMD^2 needs at least 2 points per set; got {m} and {n}")
    sum_xx = k_xx.sum() - np.trace(k_xx)
    sum_yy = k_yy.sum() - np.trace(k_yy)
    return float(sum_xx / (m * (m - 1)) + sum_yy / (n * (n - 1)) - 2.0 * k_xy.sum() / (m * n))


def polynomial_kernel(
    x: np.ndarray, y: np.ndarray, degree: int = 3, gamma: float | None = None, coef0: float = 1.0
) -> np.ndarray:
    """k(x, y) = (gamma x.y + coef0)^degree for all row pairs: [m, D], [n, D] -> [m, n]; gamma=None: 1/D."""
    g = 1.0 / x.shape[1] if gamma is None else gamma
    return (g * (x @ y.T) + coef0) ** degree


def kernel_inception_distance(
    features1: ArrayLike,
    features2: ArrayLike,
    subsets: int = 100,
    subset_size: int = 1000,
    degree: int = 3,
    gamma: float | None = None,
    coef0: float = 1.0,
    seed: int = 0,
) -> tuple[float, float]:
    """(mean, std) of the unbiased MMD^2 between feature sets over random subsets (Binkowski et al. 2018).

    Kernel: k(x, y) = (gamma x.y + coef0)^degree, by default (x.y / D + 1)^3. For each of `subsets` rounds,
    `subset_size` rows are drawn without replacement from each set, with rng = np.random.default_rng(seed):
    first rng.choice(N1, subset_size, replace=False) for features1, then the same for features2; the unbiased
    MMD^2 (mmd2_unbiased_from_kernels) is computed on them. Returns the mean over rounds and their standard
    deviation (ddof=0, as torch-fidelity). Deterministic for a given seed. Cost per round: three
    [subset_size x D x subset_size] matmuls.
    """
    f1 = as_matrix(features1, "features1", min_rows=2)
    f2 = as_matrix(features2, "features2", min_rows=2)
    check_same_dim(f1, f2, "features1", "features2")
    subsets = check_positive_int(subsets, "subsets")
    subset_size = check_positive_int(subset_size, "subset_size", minimum=2)
    degree = check_positive_int(degree, "degree")
    if subset_size > f1.shape[0] or subset_size > f2.shape[0]:
        raise ValueError(
            f"subset_size={subset_size} exceeds the number of samples (features1 has {f1.shape[0]}, "
            f"features2 has {f2.shape[0]}); lower subset_size or pass more samples"
        )
    rng = np.random.default_rng(seed)
    mmds = np.empty(subsets)
    for s in range(subsets):
        x = f1[rng.choice(f1.shape[0], subset_size, replace=False)]
        y = f2[rng.choice(f2.shape[0], subset_size, replace=False)]
        mmds[s] = mmd2_unbiased_from_kernels(
            polynomial_kernel(x, x, degree, gamma, coef0),
            polynomial_kernel(y, y, degree, gamma, coef0),
            polynomial_kernel(x, y, degree, gamma, coef0),
        )
    return float(mmds.mean()), float(mmds.std())

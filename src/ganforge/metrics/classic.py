"""The sample-quality checks of the GAN lectures, each with its paper; inputs are arrays [N, D] (flattened).

| check                                   | asks                                     | paper                 |
|-----------------------------------------|------------------------------------------|-----------------------|
| parzen_log_likelihood                   | likelihood of test data under sample KDE | Breuleux 2011,        |
|                                         | (never rank models with it: Theis 2016)  | Goodfellow 2014       |
| mmd_rbf                                 | are samples and data one distribution    | Gretton et al. 2012   |
| closest_pairs, birthday_paradox_support | how large is the generator's support     | Arora & Zhang 2017    |
| classifier_two_sample_test              | can a classifier tell samples from data  | Lopez-Paz & Oquab 2017|
| nearest_neighbour_memorisation (+ grid) | are samples copies of training points    | Goodfellow 2014, fig 2|
| mode_statistics                         | which classes does the generator produce | Che 2017; Metz 2017   |
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from ._common import ArrayLike, as_matrix, check_finite, check_positive_int, check_same_dim, to_numpy
from ._neighbours import approx_sq_dist, error_scale, exact_sq_dist_pairs, kth_neighbour, sq_norms

# ------------------------------------------------------------------------------------------------------------
# Parzen-window log-likelihood
# ------------------------------------------------------------------------------------------------------------

PARZEN_CAVEAT = (
    "Parzen-window log-likelihoods are unreliable in high dimensions (Theis, van den Oord & Bethge 2016, "
    "'A note on the evaluation of generative models'): even with 10^6 samples the estimate is far from the "
    "true log-likelihood, it is dominated by the bandwidth, and a model that just stores k-means centroids "
    "of the training data can beat real models. Use it on low-dimensional toy data or to compare with old "
    "papers; do not rank models with it."
)


@dataclass(frozen=True)
class ParzenResult:
    """Mean test log-likelihood under a Gaussian KDE of the samples (nats per point, not per dimension)."""

    log_likelihood: float  # mean over evaluation points of log p_hat(x)
    std_error: float  # std(log p_hat(x), ddof=1) / sqrt(num_test)
    sigma: float  # the bandwidth used (given, or chosen on the validation points)
    num_test: int  # evaluation points (test minus any split-off validation points)
    # (sigma, mean validation log-likelihood) over the grid; empty when sigma was given
    validation: tuple[tuple[float, float], ...] = field(default=(), repr=False)
    caveat: ClassVar[str] = PARZEN_CAVEAT


def _parzen_log_densities(centres: np.ndarray, x: np.ndarray, sigmas: np.ndarray, chunk_size: int) -> np.ndarray:
    """log p_sigma(x_i) = logsumexp_j(-||x_i - c_j||^2 / (2 sigma^2)) - log n - (D/2) log(2 pi sigma^2).

    Returns [len(sigmas), N]. Each block's distances are computed once and reused for every sigma.
    """
    n, dim = centres.shape
    c_sq, x_sq = sq_norms(centres), sq_norms(x)
    out = np.empty((len(sigmas), x.shape[0]))
    norm = -math.log(n) - 0.5 * dim * np.log(2 * np.pi * sigmas**2)  # [S]
    for start in range(0, x.shape[0], chunk_size):
        stop = min(start + chunk_size, x.shape[0])
        d2 = np.clip(approx_sq_dist(x[start:stop], centres, x_sq[start:stop], c_sq), 0.0, None)  # [B, n]
        d2_min = d2.min(axis=1)
        d2 -= d2_min[:, None]  # log-sum-exp shift: the nearest centre contributes exp(0) = 1, nothing overflows
        for s, sigma in enumerate(sigmas):
            scale = -0.5 / sigma**2
            out[s, start:stop] = scale * d2_min + np.log(np.exp(scale * d2).sum(axis=1)) + norm[s]
    return out


def parzen_log_likelihood(
    samples: ArrayLike,
    test: ArrayLike,
    sigma: float | None = None,
    sigmas: Sequence[float] | None = None,
    validation: ArrayLike | None = None,
    validation_fraction: float = 0.2,
    seed: int = 0,
    chunk_size: int = 256,
) -> ParzenResult:
    """Gaussian Parzen-window estimate of the test log-likelihood (Breuleux, Bengio & Vincent 2011; the
    protocol of Goodfellow et al. 2014, Table 1).

        p_hat(x) = (1/n) sum_j N(x; s_j, sigma^2 I),  s_j = generated `samples` [n, D]
        result   = (1/m) sum_i log p_hat(test_i)  (nats per point), with its standard error

    Bandwidth: `sigma` if given; otherwise the grid value with the highest mean log-likelihood on `validation`
    (held-out real points, as Goodfellow et al. did with the MNIST validation set). Without `validation`, a
    seeded random `validation_fraction` of `test` is split off for that and the rest is evaluated. The default
    grid is s * logspace(-2, 0.5, 26), s = the samples' RMS per-coordinate standard deviation; a warning says
    when the best sigma lies on the grid's edge. Float64, log-sum-exp, `chunk_size` test points at a time.

    Caveat (Theis, van den Oord & Bethge 2016; also in `ParzenResult.caveat` / `parzen_log_likelihood.caveat`):
    Parzen-window log-likelihoods are unreliable in high dimensions -- even with 10^6 samples the estimate is
    far from the true log-likelihood, it is dominated by the bandwidth, and storing k-means centroids of the
    training data can beat real models. Use it on low-dimensional toy data or to compare with old papers;
    do not rank models with it.
    """
    s = as_matrix(samples, "samples", min_rows=1)
    t = as_matrix(test, "test", min_rows=1)
    check_same_dim(s, t, "samples", "test")
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    grid: tuple[tuple[float, float], ...] = ()
    if sigma is None:
        if validation is not None:
            v = as_matrix(validation, "validation", min_rows=1)
            check_same_dim(s, v, "samples", "validation")
        else:
            if not 0.0 < validation_fraction < 1.0:
                raise ValueError(f"validation_fraction must be in (0, 1); got {validation_fraction}")
            n_val = int(round(validation_fraction * t.shape[0]))
            if n_val < 1 or n_val >= t.shape[0]:
                raise ValueError(f"cannot split {t.shape[0]} test points into validation and evaluation parts")
            perm = np.random.default_rng(seed).permutation(t.shape[0])
            v, t = t[perm[:n_val]], t[perm[n_val:]]
        if sigmas is None:
            scale = float(np.sqrt(s.var(axis=0).mean())) if s.shape[0] > 1 else 1.0
            candidates = (scale if scale > 0 else 1.0) * np.logspace(-2, 0.5, 26)
        else:
            candidates = np.asarray(sigmas, dtype=np.float64).ravel()
        if len(candidates) == 0 or not (np.isfinite(candidates).all() and (candidates > 0).all()):
            raise ValueError(f"sigmas must be positive and finite; got {candidates}")
        val_ll = _parzen_log_densities(s, v, candidates, chunk_size).mean(axis=1)
        best = int(np.argmax(val_ll))
        if len(candidates) > 1 and best in (0, len(candidates) - 1):
            warnings.warn(
                f"parzen_log_likelihood: the best sigma {candidates[best]:.4g} is at the edge of the grid "
                f"[{candidates.min():.4g}, {candidates.max():.4g}]; widen `sigmas`",
                UserWarning,
                stacklevel=2,
            )
        sigma = float(candidates[best])
        grid = tuple((float(c), float(ll)) for c, ll in zip(candidates, val_ll))
    if not (math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be positive and finite; got {sigma}")
    ll = _parzen_log_densities(s, t, np.array([sigma]), chunk_size)[0]
    std_error = float(ll.std(ddof=1) / math.sqrt(len(ll))) if len(ll) > 1 else float("nan")
    return ParzenResult(float(ll.mean()), std_error, float(sigma), len(ll), grid)


parzen_log_likelihood.caveat = PARZEN_CAVEAT  # type: ignore[attr-defined]

# ------------------------------------------------------------------------------------------------------------
# MMD with RBF kernels
# ------------------------------------------------------------------------------------------------------------


def _rbf_sum(d2: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """sum_s exp(-d2 / (2 sigma_s^2)), elementwise."""
    out = np.zeros_like(d2)
    for sigma in sigmas:
        out += np.exp(d2 * (-0.5 / sigma**2))
    return out


def _kernel_sum(a: np.ndarray, b: np.ndarray, sigmas: np.ndarray, same: bool, chunk_size: int) -> float:
    """sum_{i, j} k(a_i, b_j), leaving out i == j when `same` (a is b)."""
    a_sq, b_sq = sq_norms(a), sq_norms(b)
    total = 0.0
    for start in range(0, a.shape[0], chunk_size):
        stop = min(start + chunk_size, a.shape[0])
        d2 = np.clip(approx_sq_dist(a[start:stop], b, a_sq[start:stop], b_sq), 0.0, None)
        k = _rbf_sum(d2, sigmas)
        if same:
            r = np.arange(stop - start)
            k[r, start + r] = 0.0
        total += float(k.sum())
    return total


def median_heuristic(x: ArrayLike, y: ArrayLike, max_points: int = 1000, seed: int = 0) -> float:
    """Median Euclidean distance between distinct points of the pooled sample (Gretton et al. 2012, Sec. 8),
    on a seeded subsample of at most `max_points` points."""
    pooled = np.concatenate([as_matrix(x, "x"), as_matrix(y, "y")])
    if pooled.shape[0] > max_points:
        pooled = pooled[np.random.default_rng(seed).choice(pooled.shape[0], max_points, replace=False)]
    sq = sq_norms(pooled)
    d2 = np.clip(approx_sq_dist(pooled, pooled, sq, sq), 0.0, None)
    return float(np.sqrt(np.median(d2[np.triu_indices(pooled.shape[0], k=1)])))


def mmd_rbf(
    x: ArrayLike,
    y: ArrayLike,
    sigmas: Sequence[float] | None = None,
    seed: int = 0,
    chunk_size: int = 1024,
) -> float:
    """Unbiased MMD^2 between `x` [m, D] and `y` [n, D] with a sum of Gaussian kernels (Gretton et al. 2012).

        k(a, b) = sum_s exp(-||a - b||^2 / (2 sigma_s^2))
        MMD^2_u = sum_{i != j} k(x_i, x_j) / (m(m-1)) + sum_{i != j} k(y_i, y_j) / (n(n-1))
                  - 2 sum_{i, j} k(x_i, y_j) / (mn)

    Zero in expectation iff the distributions are equal (the Gaussian kernel is characteristic); the estimate
    is unbiased, so it scatters around 0 (and can be negative) for equal distributions. `sigmas=None` uses
    (0.5, 1, 2) x the median heuristic (median_heuristic(x, y, seed=seed)): a sum over bandwidths is less
    sensitive to the choice of any one (as in Li et al. 2015, GMMN). Float64, blocks of `chunk_size` rows.
    """
    a, b = as_matrix(x, "x", min_rows=2), as_matrix(y, "y", min_rows=2)
    check_same_dim(a, b, "x", "y")
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    if sigmas is None:
        med = median_heuristic(a, b, seed=seed)
        sig = np.array([0.5, 1.0, 2.0]) * (med if med > 0 else 1.0)
    else:
        sig = np.asarray(sigmas, dtype=np.float64).ravel()
    if len(sig) == 0 or not (np.isfinite(sig).all() and (sig > 0).all()):
        raise ValueError(f"sigmas must be positive and finite; got {sig}")
    m, n = a.shape[0], b.shape[0]
    k_xx = _kernel_sum(a, a, sig, True, chunk_size)
    k_yy = _kernel_sum(b, b, sig, True, chunk_size)
    k_xy = _kernel_sum(a, b, sig, False, chunk_size)
    return float(k_xx / (m * (m - 1)) + k_yy / (n * (n - 1)) - 2.0 * k_xy / (m * n))


# ------------------------------------------------------------------------------------------------------------
# Birthday-paradox support estimate
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosestPairs:
    """The closest pairs of a batch, nearest first: show `batch[i[t]]` beside `batch[j[t]]` to a human."""

    i: np.ndarray  # [P] int64 indices into the batch, i < j
    j: np.ndarray  # [P] int64
    distance: np.ndarray  # [P] float64 exact Euclidean distances, ascending


def closest_pairs(batch: ArrayLike, num_pairs: int = 10) -> ClosestPairs:
    """The `num_pairs` closest pairs (i < j) in `batch` [s, D] by exact Euclidean distance: the candidate
    duplicates of the birthday-paradox test (Arora & Zhang 2017 inspect the ~20 closest pairs by eye)."""
    x = as_matrix(batch, "batch", min_rows=2)
    num_pairs = check_positive_int(num_pairs, "num_pairs")
    sq = sq_norms(x)
    iu, ju = np.triu_indices(x.shape[0], k=1)  # all s(s-1)/2 pairs: meant for batches of a few thousand
    approx = approx_sq_dist(x, x, sq, sq)[iu, ju]
    band = error_scale(x.shape[1]) * (sq[iu] + sq[ju])  # |approx - exact| <= band
    num_pairs = min(num_pairs, len(approx))
    # Screen with the matmul expansion, then rank exactly: the num_pairs exactly-closest pairs all have a lower
    # bound below the num_pairs-th smallest upper bound (the reasoning of _neighbours.kth_neighbour).
    kth_upper = np.partition(approx + band, num_pairs - 1)[num_pairs - 1]
    cand = np.nonzero(approx - band <= kth_upper)[0]
    exact = exact_sq_dist_pairs(x, x, iu[cand], ju[cand])
    order = np.lexsort((ju[cand], iu[cand], exact))[:num_pairs]  # by distance, then i, then j
    sel = cand[order]
    return ClosestPairs(iu[sel].astype(np.int64), ju[sel].astype(np.int64), np.sqrt(exact[order]))


def support_from_batch_size(batch_size: int, duplicate_probability: float = 0.5) -> float:
    """Support size N of a *uniform* distribution in which a batch of `batch_size` = s draws holds a duplicate
    with the given probability p (Arora & Zhang 2017, "Do GANs learn the distribution? Some theory and
    empirics").

        P(duplicate) = 1 - prod_{i<s} (1 - i/N) ~ 1 - exp(-s(s-1) / 2N)   =>   N = s(s-1) / (-2 ln(1 - p))

    At p = 1/2: N = s(s-1) / (2 ln 2) ~ 0.72 s^2 -- the paper's "support size ~ s^2". Assumptions: the
    distribution is discrete (images count as duplicates when near-identical) and uniform on its support. The
    uniform distribution collides least for a given support size, so a non-uniform generator of the same
    support collides at smaller s; read N as the effective support (the size of the set that carries most of
    the mass -- Arora & Zhang's theorem: collisions at batch size s mean a set of size ~s^2 has large
    probability), an upper bound on the diversity the generator really offers, not a lower bound on its
    support.
    """
    s = check_positive_int(batch_size, "batch_size", minimum=2)
    if not 0.0 < duplicate_probability < 1.0:
        raise ValueError(f"duplicate_probability must be in (0, 1); got {duplicate_probability}")
    return s * (s - 1) / (-2.0 * math.log1p(-duplicate_probability))


@dataclass(frozen=True)
class BirthdayResult:
    """Outcome of the birthday-paradox test at one batch size."""

    batch_size: int
    trials: int
    duplicate_rate: float  # fraction of batches with at least one pair closer than the threshold
    support_estimate: float  # support_from_batch_size(batch_size, rate); inf when no batch had a duplicate
    closest: ClosestPairs  # closest pairs of the first batch, for visual inspection


def birthday_paradox_support(
    samples: ArrayLike,
    batch_size: int,
    threshold: float,
    trials: int = 100,
    seed: int = 0,
    num_pairs: int = 20,
) -> BirthdayResult:
    """The birthday-paradox test for support size (Arora & Zhang 2017), with automatic duplicate detection.

    Draws `trials` batches of `batch_size` rows of `samples` [N, D] (without replacement within a batch;
    seeded numpy default_rng), counts a batch as holding a duplicate when its closest pair is at Euclidean
    distance <= `threshold`, and turns the rate p into a support estimate N = s(s-1) / (-2 ln(1-p)) (see
    support_from_batch_size for the assumptions). The paper finds duplicates by eye among the closest pairs in
    pixel space; a distance threshold replaces the eye, so choose it by looking at `closest` (returned for the
    first batch) and on pairs you consider duplicates. Run it at the batch size where p ~ 1/2 -- the estimate
    is least noisy there. Rate 0 gives inf (no evidence of a small support); rate 1 uses p = 1 - 1/(2 trials),
    an upper bound. Draw `samples` fresh from the generator, far more of them than batch_size.
    """
    x = as_matrix(samples, "samples", min_rows=2)
    s = check_positive_int(batch_size, "batch_size", minimum=2)
    trials = check_positive_int(trials, "trials")
    if s > x.shape[0]:
        raise ValueError(f"batch_size={s} exceeds the {x.shape[0]} samples given")
    if not (math.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"threshold must be a finite distance >= 0; got {threshold}")
    rng = np.random.default_rng(seed)
    hits = 0
    first: ClosestPairs | None = None
    for t in range(trials):
        batch = x[rng.choice(x.shape[0], s, replace=False)]
        if t == 0:
            first = closest_pairs(batch, num_pairs)
        # exact distance of each batch member to its nearest other: a duplicate iff the smallest <= threshold
        nn = kth_neighbour(batch, batch, 1, exclude_self=True, chunk_size=1024)[0]
        hits += bool(nn.min() <= threshold)
    assert first is not None
    rate = hits / trials
    if hits == 0:
        support = math.inf
    else:
        support = support_from_batch_size(s, min(rate, 1.0 - 0.5 / trials))
    return BirthdayResult(s, trials, rate, support, first)


# ------------------------------------------------------------------------------------------------------------
# Classifier two-sample test
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class C2STResult:
    """Held-out accuracy of a real-vs-fake classifier and its one-sided binomial p-value against chance."""

    accuracy: float
    p_value: float  # P(Binomial(num_test, 1/2) >= correct): small = the sets differ
    num_test: int


def classifier_two_sample_test(
    real: ArrayLike,
    fake: ArrayLike,
    classifier: Literal["logistic", "knn"] = "logistic",
    n_neighbors: int = 5,
    test_fraction: float = 0.5,
    seed: int = 0,
) -> C2STResult:
    """Classifier two-sample test (Lopez-Paz & Oquab 2017, "Revisiting Classifier Two-Sample Tests").

    Label real 1 and fake 0, train a classifier on a stratified seeded `1 - test_fraction` share, and measure
    its accuracy on the rest. Under H0 (same distribution) no classifier beats chance, so the number correct
    is Binomial(n_test, 1/2); the p-value is P(Binomial >= correct). Accuracy ~ 0.5: indistinguishable to this
    classifier; ~ 1: separable. The larger set is subsampled (seeded) to the size of the smaller one, so
    chance is exactly 1/2. classifier: "logistic" (standardised features, sklearn LogisticRegression -- sees
    differences in means and, weakly, scales) or "knn" (k-nearest-neighbours with `n_neighbors` -- any
    difference, slowly).
    """
    from scipy.stats import binom  # lazy: scipy.stats and sklearn cost seconds to import
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    r, f = as_matrix(real, "real", min_rows=2), as_matrix(fake, "fake", min_rows=2)
    check_same_dim(r, f, "real", "fake")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1); got {test_fraction}")
    rng = np.random.default_rng(seed)
    n = min(r.shape[0], f.shape[0])
    r = r[np.sort(rng.choice(r.shape[0], n, replace=False))] if r.shape[0] > n else r
    f = f[np.sort(rng.choice(f.shape[0], n, replace=False))] if f.shape[0] > n else f
    x = np.concatenate([r, f])
    y = np.concatenate([np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)])
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, stratify=y, random_state=int(rng.integers(2**31 - 1))
    )
    if classifier == "logistic":
        model: Any = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    elif classifier == "knn":
        model = KNeighborsClassifier(n_neighbors=check_positive_int(n_neighbors, "n_neighbors"))
    else:
        raise ValueError(f"unknown classifier {classifier!r}; known: knn, logistic")
    model.fit(x_train, y_train)
    correct = int((model.predict(x_test) == y_test).sum())
    n_test = len(y_test)
    return C2STResult(correct / n_test, float(binom.sf(correct - 1, n_test, 0.5)), n_test)


# ------------------------------------------------------------------------------------------------------------
# Memorisation: nearest training neighbours
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemorisationResult:
    """Nearest-training-point distances of samples, against the same statistic within the training set."""

    sample_distance: np.ndarray  # [S] exact distance of each sample to its nearest training point
    sample_index: np.ndarray  # [S] int64 index of that training point
    train_distance: np.ndarray  # [N] distance of each training point to its nearest *other* training point
    ratio: float  # median(sample_distance) / median(train_distance)
    close_fraction: float  # fraction of samples with sample_distance < the `quantile` of train_distance
    quantile: float


def nearest_neighbour_memorisation(
    samples: ArrayLike, train: ArrayLike, quantile: float = 0.01, chunk_size: int = 512
) -> MemorisationResult:
    """Is the generator copying its training set? The nearest-neighbour check (Goodfellow et al. 2014, fig. 2,
    and most GAN papers since): for each sample, the exact Euclidean distance to (and index of) its nearest
    training point, compared with the distribution of nearest-*other*-training-point distances.

        ratio          = median_s min_n ||x_s - t_n|| / median_n min_{n' != n} ||t_n - t_n'||
        close_fraction = (1/S) #{s : min_n ||x_s - t_n|| < quantile_q(min_{n' != n} ||t_n - t_n'||)}

    A sample that is a fresh draw from the data distribution is, to the training set, like one more training
    point, so ratio ~ 1 and close_fraction ~ q (somewhat lower when the generator is worse than the data:
    distances grow with the mismatch). ratio << 1 or close_fraction >> q means samples sit on top of training
    points; exact copies have distance 0. Pixel distance is a weak notion of similarity -- look at
    nearest_neighbour_grid too, and prefer features for natural images.
    """
    s = as_matrix(samples, "samples", min_rows=1)
    t = as_matrix(train, "train", min_rows=2)
    check_same_dim(s, t, "samples", "train")
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    if not 0.0 <= quantile <= 1.0:
        raise ValueError(f"quantile must be in [0, 1]; got {quantile}")
    sample_distance, sample_index = kth_neighbour(s, t, 1, exclude_self=False, chunk_size=chunk_size)
    train_distance = kth_neighbour(t, t, 1, exclude_self=True, chunk_size=chunk_size)[0]
    med_train = float(np.median(train_distance))
    ratio = float(np.median(sample_distance)) / med_train if med_train > 0 else math.inf
    close_fraction = float(np.mean(sample_distance < np.quantile(train_distance, quantile)))
    return MemorisationResult(sample_distance, sample_index, train_distance, ratio, close_fraction, quantile)


def _to_uint8_hwc(images: ArrayLike, name: str, value_range: tuple[float, float]) -> np.ndarray:
    """[N, C, H, W] or [N, H, W] (uint8, or floats in `value_range`) -> uint8 [N, H, W, C]."""
    a = to_numpy(images, dtype=None)
    if a.ndim == 3:
        a = a[:, None]
    if a.ndim != 4 or a.shape[1] not in (1, 3):
        raise ValueError(f"{name} must be [N, C, H, W] with C in (1, 3), or [N, H, W]; got shape {a.shape}")
    if a.dtype != np.uint8:
        lo, hi = value_range
        a = np.clip(np.rint((a.astype(np.float64) - lo) * (255.0 / (hi - lo))), 0, 255).astype(np.uint8)
    return a.transpose(0, 2, 3, 1)


def nearest_neighbour_grid(
    sample_images: ArrayLike,
    train_images: ArrayLike,
    nn_index: ArrayLike,
    padding: int = 2,
    pad_value: int = 255,
    value_range: tuple[float, float] = (-1.0, 1.0),
) -> np.ndarray:
    """A uint8 image [rows*(H+p)+p, cols*(W+p)+p, C]: row r shows sample r, then its nearest training images.

    sample_images [S, C, H, W] (or [S, H, W]); train_images [N, C, H, W]; nn_index [S] or [S, K] indices into
    train_images (e.g. MemorisationResult.sample_index), nearest first. Float images are mapped from
    `value_range` ([-1, 1], ganforge's image range) to 0..255; uint8 images are used as they are.
    """
    smp = _to_uint8_hwc(sample_images, "sample_images", value_range)
    trn = _to_uint8_hwc(train_images, "train_images", value_range)
    idx = to_numpy(nn_index, dtype=None)
    if idx.ndim == 1:
        idx = idx[:, None]
    if idx.ndim != 2 or idx.shape[0] != smp.shape[0] or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"nn_index must be integer [S] or [S, K] with S={smp.shape[0]}; got {idx.dtype} {idx.shape}")
    if smp.shape[1:] != trn.shape[1:]:
        raise ValueError(f"sample and train images differ in shape: {smp.shape[1:]} vs {trn.shape[1:]} (HWC)")
    if idx.size and (idx.min() < 0 or idx.max() >= trn.shape[0]):
        raise ValueError(f"nn_index out of range for {trn.shape[0]} training images")
    rows, cols = smp.shape[0], 1 + idx.shape[1]
    h, w, c = smp.shape[1:]
    grid = np.full((rows * (h + padding) + padding, cols * (w + padding) + padding, c), pad_value, dtype=np.uint8)
    for r in range(rows):
        tiles = [smp[r]] + [trn[i] for i in idx[r]]
        for col, tile in enumerate(tiles):
            y0, x0 = padding + r * (h + padding), padding + col * (w + padding)
            grid[y0 : y0 + h, x0 : x0 + w] = tile
    return grid


# ------------------------------------------------------------------------------------------------------------
# Mode statistics under a classifier
# ------------------------------------------------------------------------------------------------------------


def mode_statistics(class_probs_or_labels: ArrayLike, num_classes: int, min_count: int = 1) -> dict[str, Any]:
    """Class histogram of generated samples under a pretrained classifier, the mode-collapse measure of the
    stacked-MNIST / MNIST experiments (Che et al. 2017, Metz et al. 2017, Srivastava et al. 2017).

    Input: integer labels [N] or class probabilities/logits [N, C] (each sample counts for its argmax class).
    With counts n_c and p_c = n_c / N, returns
      "histogram":     int64 [C] counts n_c
      "proportions":   float64 [C] p_c
      "modes_covered": #{c : n_c >= 1}
      "modes_covered_min_count": #{c : n_c >= min_count}  (min_count=1 gives modes_covered)
      "reverse_kl":    KL(p_hat || uniform) = sum_{c: p_c > 0} p_c log(C p_c) = log C - H(p_hat), in nats;
                       0 for a perfectly balanced generator, log C when a single class is produced
      "num_samples":   N
    ("Reverse" because the model's distribution comes first, as in the Unrolled-GAN and VEEGAN tables; the
    uniform target assumes the classes are balanced in the data.)
    """
    num_classes = check_positive_int(num_classes, "num_classes")
    min_count = check_positive_int(min_count, "min_count")
    a = to_numpy(class_probs_or_labels, dtype=None)
    if a.ndim == 2:
        if a.shape[1] != num_classes:
            raise ValueError(f"class probabilities have {a.shape[1]} columns; num_classes is {num_classes}")
        check_finite(a.astype(np.float64), "class_probs_or_labels")
        labels = a.argmax(axis=1)
    elif a.ndim == 1:
        if a.size and not (np.issubdtype(a.dtype, np.integer) or np.all(np.mod(a, 1) == 0)):
            raise ValueError("labels must be integers (or pass [N, C] class probabilities)")
        labels = a.astype(np.int64)
    else:
        raise ValueError(f"expected labels [N] or class probabilities [N, C]; got shape {a.shape}")
    if labels.size == 0:
        raise ValueError("no samples")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must lie in [0, {num_classes}); got range [{labels.min()}, {labels.max()}]")
    hist = np.bincount(labels, minlength=num_classes).astype(np.int64)
    p = hist / hist.sum()
    nz = p > 0
    return {
        "histogram": hist,
        "proportions": p,
        "modes_covered": int((hist >= 1).sum()),
        "modes_covered_min_count": int((hist >= min_count).sum()),
        "reverse_kl": float((p[nz] * np.log(num_classes * p[nz])).sum()),
        "num_samples": int(hist.sum()),
    }

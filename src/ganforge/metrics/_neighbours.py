"""Blocked nearest-neighbour and radius queries whose every decision is that of the exact distance.

The distance of two points is defined once, here, as

    dist(a, b) = sqrt(sum_k (a_k - b_k)^2)      (float64, numpy's pairwise summation over the row)

which is symmetric bit for bit (a - b and b - a square to the same numbers) -- what np.linalg.norm(a - b)
gives. Computing it for all N x M pairs costs N*M*D memory traffic, so blocks of rows are first screened with
the matmul expansion ||a||^2 + ||b||^2 - 2 a.b (one GEMM), whose rounding error is bounded by

    |approx - exact| <= ERR * (||a||^2 + ||b||^2),   ERR = 8 (D + 4) u,   u = 2^-53

(each of the three terms carries at most a gamma_D = D u / (1 - D u) relative error in any summation order,
the exact formula another gamma_{D+3}; 8 leaves a factor 2 of headroom). Only the pairs whose decision that
band cannot settle -- ties such as identical sets, duplicates, points at exactly the k-th-neighbour radius --
are recomputed exactly. So results do not depend on the block size, and agree with a brute-force loop over
np.linalg.norm even on the ties where a pure-GEMM implementation flips a coin. Memory per block: a few
[chunk_size, M] float64 arrays (chunk_size=512, M=10,000: ~40 MB each).
"""

from __future__ import annotations

import numpy as np

_U = np.finfo(np.float64).eps / 2  # unit roundoff
_PAIR_BATCH_ELEMENTS = 1 << 22  # exact recomputation works on at most this many floats at once (32 MB)


def error_scale(dim: int) -> float:
    """ERR: |approx_sq_dist - exact| <= ERR * (||a||^2 + ||b||^2) for D = dim (see the module docstring)."""
    return 8.0 * (dim + 4) * _U


def sq_norms(x: np.ndarray) -> np.ndarray:
    """||x_i||^2 per row [N]."""
    return np.einsum("ij,ij->i", x, x)


def approx_sq_dist(q: np.ndarray, p: np.ndarray, q_sq: np.ndarray, p_sq: np.ndarray) -> np.ndarray:
    """||q_i||^2 + ||p_j||^2 - 2 q_i.p_j  [Nq, Np] (can be slightly negative; see the error bound)."""
    out = q @ p.T
    out *= -2.0
    out += q_sq[:, None]
    out += p_sq[None, :]
    return out


def exact_sq_dist_pairs(q: np.ndarray, p: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """sum_k (q[rows[t], k] - p[cols[t], k])^2 for each pair t, in batches of bounded memory."""
    out = np.empty(len(rows))
    step = max(1, _PAIR_BATCH_ELEMENTS // q.shape[1])
    for s in range(0, len(rows), step):
        diff = q[rows[s : s + step]] - p[cols[s : s + step]]
        np.multiply(diff, diff, out=diff)
        out[s : s + step] = diff.sum(axis=1)
    return out


def kth_neighbour(
    queries: np.ndarray, points: np.ndarray, k: int, exclude_self: bool, chunk_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact distance to, and index of, the k-th nearest point of each query: ([Nq] float64, [Nq] int64).

    exclude_self: `queries` is `points` and query i must not count itself (its self-distance 0 is skipped, an
    exact duplicate at another index still counts). Ties in distance go to the lower index.
    """
    nq, dim = queries.shape
    q_sq, p_sq = sq_norms(queries), sq_norms(points)
    err = error_scale(dim)
    dist, index = np.empty(nq), np.empty(nq, dtype=np.int64)
    for start in range(0, nq, chunk_size):
        stop = min(start + chunk_size, nq)
        d2 = approx_sq_dist(queries[start:stop], points, q_sq[start:stop], p_sq)  # [B, Np]
        band = err * (q_sq[start:stop, None] + p_sq[None, :])  # [B, Np] bound on |d2 - exact|
        if exclude_self:
            r = np.arange(stop - start)
            d2[r, start + r] = np.inf
        # The exact k-th smallest s_k is <= the k-th smallest upper bound; every point at exact distance <=
        # s_k has a lower bound <= that, so the candidates below hold the k nearest (and all ties with them).
        kth_upper = np.partition(d2 + band, k - 1, axis=1)[:, k - 1]
        d2 -= band
        rows, cols = np.nonzero(d2 <= kth_upper[:, None])
        s = exact_sq_dist_pairs(queries, points, rows + start, cols)
        order = np.lexsort((cols, s, rows))  # by row, then exact distance, then index
        rows, cols, s = rows[order], cols[order], s[order]
        pick = np.searchsorted(rows, np.arange(stop - start)) + (k - 1)
        dist[start:stop] = np.sqrt(s[pick])
        index[start:stop] = cols[pick]
    return dist, index


def count_within_radius(
    queries: np.ndarray, points: np.ndarray, radii: np.ndarray, strict: bool, chunk_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per query q: #{points p : dist(q, p) < r_p} (strict) or <= r_p; per point: whether any query is.

    Returns (counts [Nq] int64, hit [Np] bool).
    """
    nq, dim = queries.shape
    q_sq, p_sq = sq_norms(queries), sq_norms(points)
    err = error_scale(dim)
    r2 = radii * radii
    # The decision is fl(sqrt(s)) vs r = fl(sqrt(s_r)). r * r is within 3u of s_r, and two square roots
    # correctly rounded compare strictly once s and s_r differ by more than ~5u: margins of 16u on r^2 make
    # "certainly inside / outside" certain for both < and <=.
    yes_below, no_above = r2 * (1 - 16 * _U), r2 * (1 + 16 * _U)
    counts = np.empty(nq, dtype=np.int64)
    hit = np.zeros(points.shape[0], dtype=bool)
    for start in range(0, nq, chunk_size):
        stop = min(start + chunk_size, nq)
        d2 = approx_sq_dist(queries[start:stop], points, q_sq[start:stop], p_sq)
        band = err * (q_sq[start:stop, None] + p_sq[None, :])
        inside = (d2 + band) < yes_below  # certainly inside, whatever the rounding
        d2 -= band
        unsure = ~inside & ~(d2 > no_above)
        rows, cols = np.nonzero(unsure)
        if len(rows):
            exact = np.sqrt(exact_sq_dist_pairs(queries, points, rows + start, cols))
            ok = exact < radii[cols] if strict else exact <= radii[cols]
            inside[rows[ok], cols[ok]] = True
        counts[start:stop] = inside.sum(axis=1)
        hit |= inside.any(axis=0)
    return counts, hit

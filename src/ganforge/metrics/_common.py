"""Input handling shared by the metrics: numpy arrays, torch tensors or nested lists -> float64 numpy.

Every metric converts its inputs here, so wrong shapes, mismatched feature dimensions and NaN/inf fail with
one wording, naming the argument, before any arithmetic. torch is never imported: a tensor is recognised by
its `detach`/`cpu` methods, so `import ganforge.metrics` stays cheap.
"""

from __future__ import annotations

from typing import Any

import numpy as np

ArrayLike = Any  # np.ndarray | torch.Tensor | nested sequences of numbers


def to_numpy(x: ArrayLike, dtype: type | None = np.float64) -> np.ndarray:
    """`x` as a numpy array on the CPU; float64 unless `dtype` is None (then integer labels stay integers)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch.Tensor
        x = x.detach().cpu()
        if x.is_floating_point() or x.is_complex():
            x = x.double()  # bfloat16/half have no numpy twin; float64 is what we compute in anyway
        x = x.numpy()
    return np.asarray(x) if dtype is None else np.asarray(x, dtype=dtype)


def check_finite(x: np.ndarray, name: str) -> None:
    """ValueError naming `name` and the count of NaN/inf entries, if any."""
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(f"{name} contains {int(bad.sum())} NaN or inf entries (of {x.size})")


def as_matrix(x: ArrayLike, name: str, min_rows: int = 1) -> np.ndarray:
    """A finite float64 matrix [N, D] with N >= min_rows; anything else is a ValueError saying what came."""
    a = to_numpy(x)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array [N, D] (a feature vector per row); got shape {a.shape}")
    if a.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows; got {a.shape[0]}")
    if a.shape[1] < 1:
        raise ValueError(f"{name} has no feature columns; got shape {a.shape}")
    check_finite(a, name)
    return np.ascontiguousarray(a)


def as_vector(x: ArrayLike, name: str) -> np.ndarray:
    """A finite float64 vector [D]."""
    a = to_numpy(x)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array [D]; got shape {a.shape}")
    check_finite(a, name)
    return a


def check_same_dim(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """ValueError when two feature sets live in different spaces (e.g. 2048-d vs 64-d features)."""
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same feature dimension; got {a.shape[-1]} and {b.shape[-1]}"
        )


def check_positive_int(value: int, name: str, minimum: int = 1) -> int:
    """`value` as an int >= minimum (bools and floats such as 3.0 are refused: they hide typos)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)

"""Input handling shared by every metric: torch or numpy in, float64 inside, clear errors for bad shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganforge.metrics import density_coverage, fid_from_features, mmd_rbf, parzen_log_likelihood
from ganforge.metrics._common import as_matrix, check_positive_int, to_numpy


def test_torch_tensors_of_any_float_dtype_become_float64_numpy():
    t = torch.tensor([[0.5, 1.5], [2.0, -1.0]], dtype=torch.bfloat16, requires_grad=True)
    a = to_numpy(t)
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, [[0.5, 1.5], [2.0, -1.0]])  # exactly representable in bfloat16
    assert to_numpy(torch.arange(3), dtype=None).dtype == np.int64  # labels stay integers


def test_errors_name_the_argument_and_what_came():
    with pytest.raises(ValueError, match=r"real must be a 2-D array \[N, D\].*got shape \(4, 2, 2\)"):
        density_coverage(np.zeros((4, 2, 2)), np.zeros((10, 2)))
    x = np.zeros((10, 3))
    x[2, 1] = np.nan
    x[5, 0] = np.inf
    with pytest.raises(ValueError, match="features2 contains 2 NaN or inf entries"):
        fid_from_features(np.zeros((10, 3)), x)
    with pytest.raises(ValueError, match="needs at least 2 rows"):
        as_matrix(np.zeros((1, 3)), "x", min_rows=2)
    for bad in (3.0, True, "3"):
        with pytest.raises(ValueError, match="k must be an integer"):
            check_positive_int(bad, "k")  # type: ignore[arg-type]


def test_block_size_does_not_change_smooth_kernel_metrics():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((50, 3)), rng.standard_normal((40, 3)) + 0.2
    assert mmd_rbf(x, y, chunk_size=1) == pytest.approx(mmd_rbf(x, y, chunk_size=1000), rel=1e-12)
    a = parzen_log_likelihood(x, y, sigma=0.5, chunk_size=1).log_likelihood
    assert a == pytest.approx(parzen_log_likelihood(x, y, sigma=0.5, chunk_size=64).log_likelihood, rel=1e-12)

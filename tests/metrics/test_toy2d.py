"""The PacGAN protocol against samplers whose scores are known in closed form."""

import math

import pytest
import torch

from ganforge.data.toy2d import grid25_modes, ring8_modes
from ganforge.metrics.toy2d import PERFECT_HQ_RATE, TRUNCATED_RMS, mode_quality


def test_constants_are_the_closed_forms():
    assert PERFECT_HQ_RATE == pytest.approx(0.98889, abs=1e-5)  # P(chi_2 <= 3) = 1 - exp(-9/2)
    # Monte Carlo check of the truncated RMS of a standard 2-D Gaussian inside radius 3.
    x = torch.randn(2_000_000, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    inside = x[x.norm(dim=1) <= 3]
    assert inside.pow(2).mean().sqrt().item() == pytest.approx(TRUNCATED_RMS, rel=2e-3)


def test_perfect_sampler_scores_what_theory_says():
    g = torch.Generator().manual_seed(1)
    modes = grid25_modes()
    n = 100_000
    x = modes[torch.randint(25, (n,), generator=g)] + 0.05 * torch.randn(n, 2, generator=g)
    q = mode_quality(x, modes, 0.05)
    assert q["modes"] == 25
    assert q["hq"] == pytest.approx(PERFECT_HQ_RATE, abs=2e-3)
    assert q["reverse_kl"] < 1e-3
    assert q["spread"] == pytest.approx(1.0, abs=0.01)
    assert q["width"] == pytest.approx(1.0, abs=0.01)


def test_collapse_to_one_mode():
    modes = ring8_modes()
    x = modes[3].repeat(2500, 1) + 0.01 * torch.randn(2500, 2, generator=torch.Generator().manual_seed(2))
    q = mode_quality(x, modes, 0.01)
    assert q["modes"] == 1 and q["reverse_kl"] == pytest.approx(math.log(8), rel=1e-12)


def test_shrunk_modes_are_caught_by_spread():
    modes = grid25_modes()
    x = modes.repeat(100, 1)  # every sample exactly on a mode: 100% "high quality"
    q = mode_quality(x, modes, 0.05)
    assert q["hq"] == 1.0 and q["modes"] == 25 and q["spread"] == 0.0 and q["width"] == 0.0


def test_width_ignores_an_offset_centre_that_spread_counts():
    """Blobs of std s/2 moved 1 std off their modes along x (all within 3 std): the within-mode std is s/2, and the
    RMS offset per coordinate from the mode is sqrt((1 + 2 (1/2)^2) / 2) s = sqrt(3/4) s."""
    g = torch.Generator().manual_seed(3)
    modes, s, n = grid25_modes(), 0.05, 200_000
    x = modes[torch.randint(25, (n,), generator=g)] + torch.tensor([s, 0.0]) + 0.5 * s * torch.randn(n, 2, generator=g)
    q = mode_quality(x, modes, s)
    assert q["hq"] > 0.999
    assert q["width"] == pytest.approx(0.5 / TRUNCATED_RMS, rel=0.01)
    assert q["spread"] == pytest.approx(math.sqrt(0.75) / TRUNCATED_RMS, rel=0.01)


def test_width_is_unbiased_with_few_samples_per_mode():
    """Two samples per mode: the naive std about each pair's mean is 1/sqrt(2) of the truth; the pooled estimate
    with N - K degrees of freedom is not."""
    g = torch.Generator().manual_seed(4)
    modes, s = grid25_modes(), 0.05
    widths = []
    for _ in range(200):
        x = modes.repeat(2, 1) + 0.5 * s * torch.randn(50, 2, generator=g)
        widths.append(mode_quality(x, modes, s)["width"] ** 2)
    assert math.sqrt(sum(widths) / len(widths)) == pytest.approx(0.5 / TRUNCATED_RMS, rel=0.03)


def test_half_and_half_histogram():
    modes = ring8_modes()
    x = torch.cat([modes[0].repeat(30, 1), modes[1].repeat(10, 1), torch.full((10, 2), 5.0)])
    q = mode_quality(x, modes, 0.01)
    p = torch.tensor([0.75, 0.25], dtype=torch.float64)
    assert q["modes"] == 2 and q["hq"] == pytest.approx(40 / 50)
    assert q["reverse_kl"] == pytest.approx(float((p * (p * 8).log()).sum()), rel=1e-12)

"""2-D toys: seeded, bounded after scaling, and shaped as their sources define them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganforge.config import DataConfig
from ganforge.data import DATASETS, ToyDistribution, build_dataset
from ganforge.data.toy2d import checkerboard_sampler, moons_sampler, spiral_sampler, swissroll_sampler

TOYS = ["ring8", "grid25", "spiral", "swissroll", "moons", "checkerboard"]


def draw(name: str, n: int, seed: int) -> torch.Tensor:
    toy = build_dataset(DataConfig(name=name))
    return toy.sample(n, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", TOYS)
def test_registered_and_seeded(name):
    assert name in DATASETS
    toy = build_dataset(DataConfig(name=name))
    assert isinstance(toy, ToyDistribution) and toy.name == name
    a, b, c = draw(name, 500, seed=1), draw(name, 500, seed=1), draw(name, 500, seed=2)
    assert a.shape == (500, 2) and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


@pytest.mark.parametrize("name", TOYS)
def test_uses_only_the_given_generator(name):
    np_state, torch_state = np.random.get_state(), torch.get_rng_state()
    draw(name, 100, seed=0)
    assert torch.equal(torch.get_rng_state(), torch_state)
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1]) and after[2] == np_state[2]


@pytest.mark.parametrize("name", TOYS)
def test_within_unit_box_after_scaling(name):
    toy = build_dataset(DataConfig(name=name))
    x = toy.sample(20_000, torch.Generator().manual_seed(3)) / toy.scale
    assert x.abs().max() <= 1.0
    # the scale is not wastefully loose either: the data reaches at least 3/4 of the box
    assert x.abs().max() > 0.75


@pytest.mark.parametrize("name", ["spiral", "swissroll", "moons", "checkerboard"])
def test_continuous_toys_have_no_modes(name):
    toy = build_dataset(DataConfig(name=name))
    assert toy.modes is None and toy.std is None


def nearest_mode_residuals(x: torch.Tensor, modes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    k = torch.cdist(x, modes).argmin(dim=1)
    return x - modes[k], k


def test_ring8_modes_and_std():
    toy = build_dataset(DataConfig(name="ring8"))
    angles = [2 * math.pi * k / 8 for k in range(8)]
    expected = torch.tensor([[math.cos(a), math.sin(a)] for a in angles])
    torch.testing.assert_close(toy.modes, expected, atol=1e-6, rtol=0)
    assert toy.std == 0.01
    n = 40_000
    residual, k = nearest_mode_residuals(toy.sample(n, torch.Generator().manual_seed(0)), toy.modes)
    # sample std of n normal values has relative standard error ~ 1/sqrt(2n) = 0.35%; allow 3%
    assert residual.std(dim=0) == pytest.approx([0.01, 0.01], rel=0.03)
    assert residual.mean(dim=0).abs().max() < 0.001
    # equal weights: each mode's count is Binomial(n, 1/8), sd ~ 66; allow 5 sd
    counts = torch.bincount(k, minlength=8).float()
    assert (counts - n / 8).abs().max() < 5 * math.sqrt(n / 8 * 7 / 8)


def test_grid25_modes_and_std():
    toy = build_dataset(DataConfig(name="grid25"))
    axis = [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert {tuple(m) for m in toy.modes.tolist()} == {(a, b) for a in axis for b in axis}
    assert len(toy.modes) == 25
    residual, k = nearest_mode_residuals(toy.sample(50_000, torch.Generator().manual_seed(0)), toy.modes)
    assert residual.std(dim=0) == pytest.approx([0.05, 0.05], rel=0.03)
    assert len(torch.unique(k)) == 25


def wrap(angle: torch.Tensor) -> torch.Tensor:
    """Angle difference folded into (-pi, pi]."""
    return torch.remainder(angle + math.pi, 2 * math.pi) - math.pi


def test_swissroll_is_sklearns_roll():
    from scipy import stats
    from sklearn.datasets import make_swiss_roll

    x = swissroll_sampler(noise=0.0)(5000, torch.Generator().manual_seed(0)).double()
    r, theta = x.norm(dim=1), torch.atan2(x[:, 1], x[:, 0])
    # on the roll the radius equals the angle parameter t, so the polar angle is r mod 2*pi
    assert wrap(theta - r).abs().max() < 1e-4
    assert r.min() >= 1.5 * math.pi - 1e-4 and r.max() <= 4.5 * math.pi + 1e-4
    # t is uniform on [1.5 pi, 4.5 pi], as in sklearn
    assert stats.kstest(r.numpy(), stats.uniform(1.5 * math.pi, 3 * math.pi).cdf).pvalue > 1e-3
    # sklearn's own (x, z) columns satisfy the same relation
    X, t = make_swiss_roll(500, noise=0.0, random_state=0)
    xs = torch.from_numpy(X[:, [0, 2]])
    assert torch.allclose(xs.norm(dim=1), torch.from_numpy(t))


def test_moons_lie_on_sklearns_arcs():
    from sklearn.datasets import make_moons

    shift = torch.tensor([0.5, 0.25], dtype=torch.float64)

    def arc_distance(p: torch.Tensor) -> torch.Tensor:
        """Distance to the nearer of sklearn's two unit arcs (centres (0, 0) and (1, 0.5))."""
        centre = torch.tensor([1.0, 0.5], dtype=p.dtype)
        upper = (p.norm(dim=1) - 1).abs() + torch.relu(-p[:, 1])                    # the y >= 0 half
        lower = ((p - centre).norm(dim=1) - 1).abs() + torch.relu(p[:, 1] - 0.5)    # the y <= 0.5 half
        return torch.minimum(upper, lower)

    ours = moons_sampler(noise=0.0)(4000, torch.Generator().manual_seed(0)).double()
    assert arc_distance(ours + shift).max() < 1e-5
    X, _ = make_moons(200, noise=0.0, random_state=0)
    assert arc_distance(torch.from_numpy(X)).max() < 1e-9      # the arcs are sklearn's
    assert (ours.mean(dim=0)).abs().max() < 0.05               # centred on the origin
    upper_share = ((ours + shift).norm(dim=1).sub(1).abs() < 1e-5).double().mean()
    assert upper_share == pytest.approx(0.5, abs=0.04)


def test_checkerboard_fills_the_even_squares_uniformly():
    n = 32_000
    x = checkerboard_sampler()(n, torch.Generator().manual_seed(0))
    assert x.min() >= -4 and x.max() < 4
    col, row = torch.floor((x[:, 0] + 4) / 2).long(), torch.floor((x[:, 1] + 4) / 2).long()
    assert ((col + row) % 2 == 0).all()
    counts = torch.bincount(col * 4 + row, minlength=16).float()
    filled = counts[counts > 0]
    assert len(filled) == 8
    assert (filled - n / 8).abs().max() < 5 * math.sqrt(n / 8 * 7 / 8)


def test_spiral_arms():
    x = spiral_sampler(turns=1.5, noise=0.0)(4000, torch.Generator().manual_seed(0)).double()
    r, theta = x.norm(dim=1), torch.atan2(x[:, 1], x[:, 0])
    t = 3 * r  # arm 0 is t*(-cos t, sin t)/3: polar angle pi - t; arm 1 (rotated by pi): -t
    arm0, arm1 = wrap(theta + t - math.pi).abs() < 1e-3, wrap(theta + t).abs() < 1e-3
    assert (arm0 | arm1).all()
    assert arm0.double().mean() == pytest.approx(0.5, abs=0.04)
    assert r.max() <= math.pi + 1e-6

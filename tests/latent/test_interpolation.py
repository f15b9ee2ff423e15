"""lerp and slerp against their closed forms; grids keep the one-hot part as documented."""

import math

import pytest
import torch
import torch.nn.functional as F

from ganforge.latent import interpolate, lerp, slerp
from ganforge.models.latent import LatentPrior


def _unit(n, d, seed):
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return x / x.norm(dim=1, keepdim=True)


def test_slerp_endpoints_are_the_inputs():
    a, b = torch.randn(5, 7), torch.randn(5, 7) * 3
    path = slerp(a, b, torch.linspace(0, 1, 6))
    torch.testing.assert_close(path[:, 0], a, rtol=0, atol=1e-6)
    torch.testing.assert_close(path[:, -1], b, rtol=0, atol=1e-5)


def test_slerp_stays_on_the_unit_arc_at_constant_angular_speed():
    """For unit a, b: |slerp(a, b, t)| = 1 and the angle from a is t * W, W = arccos(a.b)."""
    a, b = _unit(8, 10, 0), _unit(8, 10, 1)
    t = torch.linspace(0, 1, 11, dtype=torch.float64)
    path = slerp(a, b, t)                                                   # [8, 11, 10]
    torch.testing.assert_close(path.norm(dim=2), torch.ones(8, 11, dtype=torch.float64))
    omega = torch.arccos((a * b).sum(1))                                    # [8]
    angle = torch.arccos(((path * a[:, None]).sum(2)).clamp(-1, 1))
    torch.testing.assert_close(angle, omega[:, None] * t[None], rtol=0, atol=1e-6)


def test_slerp_keeps_a_common_norm_and_lerp_does_not():
    a, b = 4 * _unit(3, 50, 2), 4 * _unit(3, 50, 3)                         # nearly orthogonal in 50-D
    t = torch.linspace(0, 1, 5, dtype=torch.float64)
    torch.testing.assert_close(slerp(a, b, t).norm(dim=2), torch.full((3, 5), 4.0, dtype=torch.float64))
    mid = lerp(a, b, 0.5).norm(dim=1)                                       # |a + b| / 2 = 4 cos(W / 2) < 4
    omega = torch.arccos((a * b).sum(1) / 16)
    torch.testing.assert_close(mid, 4 * torch.cos(omega / 2))


def test_parallel_vectors_fall_back_to_the_line():
    a = torch.tensor([[1.0, 2.0, 3.0]])
    out = slerp(a, 2 * a, torch.tensor([0.0, 0.5, 1.0]))
    torch.testing.assert_close(out[0], torch.stack([a[0], 1.5 * a[0], 2 * a[0]]))
    assert torch.isfinite(out).all()


def test_lerp_grid_shape_and_values():
    prior = LatentPrior(4)
    za, zb = prior.sample(3), prior.sample(3)
    grid = interpolate(prior, za, zb, 5, mode="lerp")
    assert grid.shape == (3, 5, 4)
    for j, t in enumerate((0, 0.25, 0.5, 0.75, 1)):
        torch.testing.assert_close(grid[:, j], (1 - t) * za + t * zb)


def test_one_hot_part_between_two_categories():
    prior = LatentPrior(3, categories=4)
    za = torch.cat([torch.randn(1, 3), F.one_hot(torch.tensor([1]), 4).float()], 1)
    zb = torch.cat([torch.randn(1, 3), F.one_hot(torch.tensor([3]), 4).float()], 1)
    near = interpolate(prior, za, zb, 5, mode="slerp")                      # t = 0, .25, .5, .75, 1
    assert near[0, :, 3:].argmax(1).tolist() == [1, 1, 3, 3, 3]             # a valid one-hot, switching at t = 1/2
    assert torch.all(near[0, :, 3:].sum(1) == 1) and torch.all(near[0, :, 3:].max(1).values == 1)
    torch.testing.assert_close(near[0, :, :3], slerp(za[:, :3], zb[:, :3], torch.linspace(0, 1, 5))[0])
    blend = interpolate(prior, za, zb, 5, mode="slerp", onehot="lerp")
    torch.testing.assert_close(blend[0, :, 4], torch.tensor([1.0, 0.75, 0.5, 0.25, 0.0]))  # category 1: 1 - t
    torch.testing.assert_close(blend[0, :, 6], torch.linspace(0, 1, 5))     # weight on category 3: t


def test_same_category_keeps_the_code():
    prior = LatentPrior(3, categories=2)
    za = torch.cat([torch.randn(2, 3), F.one_hot(torch.tensor([0, 1]), 2).float()], 1)
    zb = torch.cat([torch.randn(2, 3), za[:, 3:]], 1)
    for onehot in ("nearest", "lerp"):
        grid = interpolate(prior, za, zb, 4, onehot=onehot)
        assert torch.equal(grid[:, :, 3:], za[:, None, 3:].expand(-1, 4, -1))


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "sphere"}, "valid: lerp, slerp"),
    ({"onehot": "round"}, "valid: nearest, lerp"),
    ({"steps": 1}, "steps >= 2"),
])
def test_bad_arguments(kwargs, message):
    prior = LatentPrior(2)
    with pytest.raises(ValueError, match=message):
        interpolate(prior, torch.zeros(1, 2), torch.ones(1, 2), **{"steps": 3, **kwargs})


def test_wrong_latent_width():
    with pytest.raises(ValueError, match=r"z must be \[N, 5\]"):
        interpolate(LatentPrior(3, categories=2), torch.zeros(1, 3), torch.zeros(1, 3), 3)


def test_constant_angle_sanity():
    # slerp of two orthogonal unit vectors at t = 1/3 is (cos 30deg, sin 30deg)
    out = slerp(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]]), 1 / 3)
    torch.testing.assert_close(out, torch.tensor([[math.cos(math.pi / 6), math.sin(math.pi / 6)]]))

import pytest
import torch
from torch import nn

from ganforge.regularizers import clip_weights, gradient_penalty, interpolate


def test_gradient_penalty_of_linear_critic_is_norm_minus_one_squared():
    torch.manual_seed(0)
    D = nn.Linear(5, 1).double()
    x = torch.randn(64, 5, dtype=torch.float64)
    w_norm = D.weight.norm().item()
    gp = gradient_penalty(lambda v: D(v).squeeze(1), x, center=1.0)
    assert gp.item() == pytest.approx((w_norm - 1) ** 2, rel=1e-12)
    assert gradient_penalty(lambda v: D(v).squeeze(1), x, center=0.0).item() == pytest.approx(w_norm**2, rel=1e-12)


def test_gradient_penalty_reaches_the_critic_weights():
    D = nn.Linear(3, 1).double()
    gp = gradient_penalty(lambda v: D(v).squeeze(1), torch.randn(8, 3, dtype=torch.float64))
    gp.backward()
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||
    w = D.weight.detach()
    expected = 2 * (w.norm() - 1) * w / w.norm()
    torch.testing.assert_close(D.weight.grad, expected, rtol=1e-10, atol=1e-12)


def test_interpolates_lie_on_segments():
    real, fake = torch.zeros(100, 1, 4, 4), torch.ones(100, 1, 4, 4)
    x = interpolate(real, fake, torch.Generator().manual_seed(0))
    per_sample = x.flatten(1)
    assert torch.all(per_sample.min(1).values == per_sample.max(1).values)  # one eps per sample
    assert x.min() >= 0 and x.max() <= 1 and x.std() > 0.2


def test_clip_weights_bounds_every_parameter():
    m = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 1))
    for p in m.parameters():
        nn.init.normal_(p, 0, 1)
    clip_weights(m, 0.01)
    assert all(p.abs().max() <= 0.01 for p in m.parameters())

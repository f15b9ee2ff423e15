"""Gaussian noise layers and weight normalisation (Salimans et al. 2016's semi-supervised D): noise only in training
mode, with the configured std and torch's seeded generator; w = g v / ||v|| row by row, and the invariances that
follow from it."""

import pytest
import torch
from torch import nn

from ganforge.nn import GaussianNoise, apply_spectral_norm, apply_weight_norm, data_dependent_init, is_weight_normalised


def test_noise_is_identity_in_eval_mode_and_at_std_zero():
    x = torch.randn(64, 10)
    assert torch.equal(GaussianNoise(0.5).eval()(x), x)
    assert torch.equal(GaussianNoise(0.0).train()(x), x)


@pytest.mark.parametrize("std", [0.3, 0.5, 2.0])
def test_noise_has_zero_mean_and_the_configured_std(std):
    """y - x ~ N(0, std^2) elementwise: over n = 200,000 draws the sample std has standard error std / sqrt(2n)
    (0.16% of std) and the mean std / sqrt(n); 5 standard errors as tolerance."""
    torch.manual_seed(0)
    n = 200_000
    x = torch.linspace(-3, 3, n).view(1000, 200)
    e = GaussianNoise(std).train()(x) - x
    assert abs(e.mean().item()) < 5 * std / n ** 0.5
    assert abs(e.std().item() - std) < 5 * std / (2 * n) ** 0.5
    # independent across elements: correlation of neighbouring entries ~ 0 (standard error 1 / sqrt(n))
    a, b = e[:, :-1].flatten(), e[:, 1:].flatten()
    assert abs(torch.corrcoef(torch.stack([a, b]))[0, 1].item()) < 5 / a.numel() ** 0.5


def test_noise_comes_from_torchs_seeded_generator():
    """Exact resume rests on this: the same torch seed (the trainer's checkpointed RNG state) gives the same noise,
    and each forward draws fresh noise."""
    layer, x = GaussianNoise(0.5).train(), torch.zeros(8, 4)
    torch.manual_seed(3)
    a, b = layer(x), layer(x)
    torch.manual_seed(3)
    assert torch.equal(layer(x), a) and not torch.equal(a, b)


def test_noise_rejects_a_negative_std():
    with pytest.raises(ValueError, match="std must be >= 0"):
        GaussianNoise(-0.1)


def test_weight_norm_rows_have_norm_g_and_the_layer_starts_unchanged():
    """w_i = g_i v_i / ||v_i||: every output unit's weight vector has norm g_i; g starts at ||v||, so the layer's
    function is unchanged by applying it."""
    torch.manual_seed(0)
    layer = nn.Linear(6, 3)
    x = torch.randn(5, 6)
    before = layer(x).detach()
    apply_weight_norm(layer)
    assert is_weight_normalised(layer)
    torch.testing.assert_close(layer(x), before)
    g, v = layer.parametrizations.weight.original0, layer.parametrizations.weight.original1
    with torch.no_grad():
        g.copy_(torch.tensor([[0.5], [2.0], [3.0]]))
        v.mul_(torch.tensor([[10.0], [0.1], [7.0]]))       # the direction's scale does not matter
    torch.testing.assert_close(layer.weight.norm(dim=1), torch.tensor([0.5, 2.0, 3.0]))
    torch.testing.assert_close(layer.weight / layer.weight.norm(dim=1, keepdim=True), v / v.norm(dim=1, keepdim=True))


def test_weight_norm_gradient_is_orthogonal_to_v():
    """Salimans & Kingma 2016 Eq. 4: grad_v = g/||v|| (I - v v^T / ||v||^2) grad_w, orthogonal to v per row."""
    torch.manual_seed(1)
    layer = apply_weight_norm(nn.Linear(5, 4))
    layer(torch.randn(7, 5)).square().sum().backward()
    v = layer.parametrizations.weight.original1
    assert (v.grad * v).sum(dim=1).abs().max() < 1e-5
    assert layer.parametrizations.weight.original0.grad.abs().sum() > 0


def test_weight_norm_covers_convolutions_and_refuses_to_stack_on_spectral_norm():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4, 2))
    apply_weight_norm(net)
    assert is_weight_normalised(net[0]) and is_weight_normalised(net[3])
    with pytest.raises(ValueError, match="do not stack"):
        apply_weight_norm(apply_spectral_norm(nn.Sequential(nn.Linear(3, 2))))


def test_data_dependent_init_gives_every_unit_zero_mean_unit_std_on_the_init_batch():
    """Salimans & Kingma 2016 Sec. 3: after the init pass, each weight-normalised layer's pre-activations on that
    batch have mean 0 and std 1 per unit (over the batch and, for a conv, the positions), the deeper layers
    measured on the already-initialised earlier ones; no random number is drawn; a layer off the pass is left as is."""
    torch.manual_seed(0)
    net = apply_weight_norm(nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(48, 5), nn.ReLU(),
                                          nn.Linear(5, 4)))
    unused = apply_weight_norm(nn.Linear(4, 2))
    before = {k: v.clone() for k, v in unused.state_dict().items()}
    x = 3 * torch.randn(64, 2, 6, 6) + 1
    rng = torch.get_rng_state()
    assert data_dependent_init(nn.ModuleList([net, unused]), lambda: net(x)) == 3
    assert torch.equal(torch.get_rng_state(), rng)
    with torch.no_grad():
        conv = net[0](x)                                          # [64, 3, 4, 4]
        torch.testing.assert_close(conv.mean((0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
        torch.testing.assert_close(conv.std((0, 2, 3)), torch.ones(3), atol=1e-5, rtol=0)
        h = net[:4](x)
        torch.testing.assert_close(h.mean(0), torch.zeros(5), atol=1e-5, rtol=0)
        torch.testing.assert_close(h.std(0), torch.ones(5), atol=1e-5, rtol=0)
        out = net(x)
        torch.testing.assert_close(out.mean(0), torch.zeros(4), atol=1e-5, rtol=0)
        torch.testing.assert_close(out.std(0), torch.ones(4), atol=1e-5, rtol=0)
    assert all(torch.equal(v, before[k]) for k, v in unused.state_dict().items())


@pytest.mark.parametrize("layer", [nn.Linear(784, 30), nn.Conv2d(3, 4, 3)], ids=["linear", "conv"])
def test_weight_norm_v_std_sets_the_direction_norm_and_keeps_the_weight(layer):
    """v_std: every row of v gets norm v_std * sqrt(fan_in) (0.1 * 28 = 2.8 for 784 inputs; 0.1 * sqrt(27) for a
    3x3 conv on 3 channels), while w = g v / ||v||, hence the layer's output, stays what it was."""
    torch.manual_seed(0)
    x = torch.randn(5, 784) if isinstance(layer, nn.Linear) else torch.randn(2, 3, 8, 8)
    before, w = layer(x).detach(), layer.weight.detach().clone()
    apply_weight_norm(layer, v_std=0.1)
    fan_in = 784 if isinstance(layer, nn.Linear) else 27
    v = layer.parametrizations.weight.original1
    torch.testing.assert_close(v.flatten(1).norm(dim=1), torch.full((v.shape[0],), 0.1 * fan_in ** 0.5))
    torch.testing.assert_close(layer.weight, w)
    torch.testing.assert_close(layer(x), before)

"""Spectral norm against the exact largest singular value; minibatch layers and virtual batch norm against their
formulas (numpy brute force) and the batch dependences they are meant to have, or not have."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganforge.nn import (
    MinibatchDiscrimination,
    MinibatchStdDev,
    VirtualBatchNorm,
    apply_spectral_norm,
    is_spectrally_normalised,
    record_reference,
)


def _flat(weight, transposed=False):
    w = weight.detach()
    if transposed:
        w = w.transpose(0, 1)
    return w.reshape(w.shape[0], -1)


# ------------------------------------------------------------------------------------------------ spectral norm

@pytest.mark.parametrize("make, x_shape, transposed", [
    (lambda: nn.Linear(20, 30), (4, 20), False),
    (lambda: nn.Conv2d(3, 8, 3), (2, 3, 6, 6), False),
    (lambda: nn.ConvTranspose2d(6, 4, 3), (2, 6, 5, 5), True),
])
def test_power_iteration_settles_on_the_largest_singular_value(make, x_shape, transposed):
    torch.manual_seed(0)
    layer = apply_spectral_norm(make().double(), warmup_iterations=0)   # start from a random u: no head start
    sn = layer.parametrizations.weight[0]
    W = layer.parametrizations.weight.original
    exact = torch.linalg.matrix_norm(_flat(W, transposed), 2).item()
    x = torch.randn(x_shape, dtype=torch.float64)
    for _ in range(50):                       # one power iteration per training forward
        layer(x)
    assert sn.sigma(W).item() == pytest.approx(exact, rel=0.01)
    layer.eval()
    assert torch.linalg.matrix_norm(_flat(layer.weight, transposed), 2).item() == pytest.approx(1.0, rel=0.01)


def test_spectral_norm_does_not_update_in_eval_mode_and_gradient_treats_u_v_as_constants():
    torch.manual_seed(1)
    layer = apply_spectral_norm(nn.Linear(5, 3).double()).eval()
    sn = layer.parametrizations.weight[0]
    u, v = sn.u.clone(), sn.v.clone()
    x = torch.randn(7, 5, dtype=torch.float64)
    y1, y2 = layer(x), layer(x)
    assert torch.equal(sn.u, u) and torch.equal(sn.v, v) and torch.equal(y1, y2)
    # y = (W / sigma) x + b with sigma = u^T W v: d sum(y) / dW = (1/sigma) 1 x_sum^T - (1^T W x_sum / sigma^2) u v^T
    y1.sum().backward()
    W = layer.parametrizations.weight.original.detach().numpy()
    un, vn, xs = u.numpy(), v.numpy(), x.sum(0).numpy()
    sigma = un @ W @ vn
    expected = np.outer(np.ones(3), xs) / sigma - (np.ones(3) @ W @ xs) / sigma**2 * np.outer(un, vn)
    np.testing.assert_allclose(layer.parametrizations.weight.original.grad.numpy(), expected, rtol=1e-10)
    # training mode updates u once per forward
    layer.train()
    layer(x)
    assert not torch.equal(sn.u, u)


def test_spectral_norm_state_dict_resume_and_deepcopy():
    torch.manual_seed(2)
    make = lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(16, 1))  # noqa: E731
    net = apply_spectral_norm(make())
    x = torch.randn(5, 3, 4, 4)
    for _ in range(3):
        net(x)
    keys = set(net.state_dict())
    assert {"0.parametrizations.weight.0.u", "0.parametrizations.weight.0.v", "3.parametrizations.weight.0.u"} <= keys
    restored = apply_spectral_norm(make())
    restored.load_state_dict(net.state_dict())
    # the resumed copy continues the same iteration: identical outputs in training mode, step after step
    for _ in range(3):
        torch.testing.assert_close(restored(x), net(x), rtol=0, atol=0)
    twin = copy.deepcopy(net)
    torch.testing.assert_close(twin(x), net(x), rtol=0, atol=0)


def test_apply_spectral_norm_covers_every_weighted_layer_once():
    inner = nn.Sequential(nn.Conv1d(1, 2, 3), nn.ConvTranspose1d(2, 1, 3))
    net = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), inner)
    apply_spectral_norm(net)
    apply_spectral_norm(net)   # idempotent
    assert [is_spectrally_normalised(m) for m in (net[0], net[2][0], net[2][1])] == [True, True, True]
    assert not hasattr(net[1], "parametrizations")
    assert len(net[0].parametrizations.weight) == 1


# ------------------------------------------------------------------------------------------------ minibatch layers

def test_minibatch_discrimination_matches_the_formula():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(4, num_kernels=3, kernel_dim=2, init_std=0.5).double()
    x = torch.randn(5, 4, dtype=torch.float64)
    out = layer(x).detach().numpy()
    T, xn = layer.T.detach().numpy(), x.numpy()
    M = np.einsum("na,abc->nbc", xn, T)
    o = np.array([[sum(np.exp(-np.abs(M[i, b] - M[j, b]).sum()) for j in range(5)) for b in range(3)]
                  for i in range(5)])
    np.testing.assert_allclose(out[:, :4], xn)
    np.testing.assert_allclose(out[:, 4:], o, rtol=1e-12)
    same = layer(x[:1].repeat(6, 1)).detach()[:, 4:]   # a collapsed batch: every c_b = 1
    torch.testing.assert_close(same, torch.full((6, 3), 6.0, dtype=torch.float64))


@pytest.mark.parametrize("layer", [
    MinibatchDiscrimination(12, num_kernels=4, kernel_dim=3, init_std=0.3),
    MinibatchStdDev(group_size=0),
    MinibatchStdDev(group_size=4, num_channels=3),
], ids=["mbdisc", "mbstd-whole-batch", "mbstd-groups"])
def test_outputs_depend_on_other_examples_and_are_permutation_equivariant(layer):
    torch.manual_seed(0)
    layer = layer.double()
    shape = (8, 12) if isinstance(layer, MinibatchDiscrimination) else (8, 3, 2, 2)
    x = torch.randn(shape, dtype=torch.float64)
    out = layer(x)
    changed = x.clone()
    changed[4] += 1.0                                   # in example 0's group in every layout (8 / 4 groups: 0, 4)
    assert not torch.allclose(layer(changed)[0], out[0])
    perm = torch.randperm(8)
    if isinstance(layer, MinibatchStdDev) and layer.group_size == 4:
        # with groups, only a shuffle that keeps each example's group (n mod 2) is a mere relabelling
        perm = torch.tensor([6, 3, 0, 7, 2, 1, 4, 5])
    torch.testing.assert_close(layer(x[perm]), out[perm], rtol=1e-12, atol=1e-12)


def test_minibatch_stddev_matches_the_formula_and_respects_groups():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 4, 3, 3))
    layer = MinibatchStdDev(group_size=4, num_channels=2)
    out = layer(torch.tensor(x)).numpy()
    assert out.shape == (8, 6, 3, 3)
    np.testing.assert_array_equal(out[:, :4], x)
    for n in range(8):
        members = [g * 2 + n % 2 for g in range(4)]     # N / G = 2 groups; example n is in group n mod 2
        for f in range(2):
            chunk = x[members][:, 2 * f:2 * f + 2]          # [G, C/F, H, W]
            s = np.sqrt(chunk.var(axis=0) + 1e-8).mean()     # biased variance over the group
            np.testing.assert_allclose(out[n, 4 + f], np.full((3, 3), s), rtol=1e-12)
    # a member of the OTHER group leaves example 0 alone
    changed = x.copy()
    changed[1] += 5.0
    np.testing.assert_array_equal(layer(torch.tensor(changed)).numpy()[0], out[0])
    with pytest.raises(ValueError, match="divisible"):
        layer(torch.randn(6, 4, 3, 3))


def test_minibatch_stddev_on_feature_vectors():
    x = torch.tensor([[1.0, 2.0], [3.0, 6.0]], dtype=torch.float64)
    out = MinibatchStdDev(group_size=0, eps=0.0)(x)
    # per-feature population std over the batch: [1, 2], averaged: 1.5
    torch.testing.assert_close(out, torch.tensor([[1.0, 2.0, 1.5], [3.0, 6.0, 1.5]], dtype=torch.float64))


# ------------------------------------------------------------------------------------------------ virtual batch norm

def _vbn_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(2, 3, 1), VirtualBatchNorm(3), nn.ReLU()).double()


def test_vbn_is_batch_norm_over_the_reference_batch_plus_the_example():
    net = _vbn_net()
    with torch.no_grad():
        net[1].weight.copy_(torch.tensor([1.0, 2.0, 0.5]))
        net[1].bias.copy_(torch.tensor([0.0, -1.0, 0.3]))
    ref, x = torch.randn(6, 2, 4, 4, dtype=torch.float64), torch.randn(3, 2, 4, 4, dtype=torch.float64)
    ref_out = record_reference(net[:2], ref)
    # the reference batch is normalised by its own statistics: plain (training-mode) batch norm
    h_ref = net[0](ref)
    bn = F.batch_norm(h_ref, None, None, net[1].weight, net[1].bias, training=True, eps=1e-5)
    torch.testing.assert_close(ref_out, bn, rtol=1e-10, atol=1e-10)
    out = net[:2](x).detach().numpy()
    g, b = net[1].weight.detach().numpy(), net[1].bias.detach().numpy()
    h_ref, h_x = h_ref.detach().numpy(), net[0](x).detach().numpy()
    for i in range(3):
        union = np.concatenate([h_ref, h_x[i:i + 1]])              # R plus {x_i}
        mu, var = union.mean(axis=(0, 2, 3)), union.var(axis=(0, 2, 3))
        expected = (h_x[i] - mu[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5) * g[:, None, None] \
            + b[:, None, None]
        np.testing.assert_allclose(out[i], expected, rtol=1e-10, atol=1e-12)


def test_vbn_output_does_not_depend_on_the_rest_of_the_batch():
    net = _vbn_net()
    record_reference(net, torch.randn(8, 2, 3, 3, dtype=torch.float64))
    x = torch.randn(5, 2, 3, 3, dtype=torch.float64)
    out = net(x)
    other = x.clone()
    other[1:] = torch.randn(4, 2, 3, 3, dtype=torch.float64) * 10
    torch.testing.assert_close(net(other)[0], out[0], rtol=0, atol=0)
    torch.testing.assert_close(net(x[2:3])[0], out[2], rtol=1e-12, atol=1e-12)   # alone = in a batch


def test_vbn_gradient_flows_through_the_reference_and_statistics_survive_a_checkpoint():
    net = _vbn_net()
    ref = torch.randn(4, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    record_reference(net, ref)
    x = torch.randn(2, 2, 3, 3, dtype=torch.float64)
    out = net(x)
    (out * torch.randn_like(out)).sum().backward()
    assert ref.grad.abs().sum() > 0        # the example's output depends on R through its statistics
    twin = copy.deepcopy(net)              # deepcopy works although the live statistics carry a graph
    loaded = _vbn_net()
    loaded.load_state_dict(net.state_dict())
    torch.testing.assert_close(loaded(x), out.detach(), rtol=1e-12, atol=1e-12)   # no reference pass needed
    torch.testing.assert_close(twin(x), out.detach(), rtol=1e-12, atol=1e-12)
    with pytest.raises(RuntimeError, match="record_reference"):
        _vbn_net()(x)

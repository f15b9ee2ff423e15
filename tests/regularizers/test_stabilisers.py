"""Zero-centred GP, R1/R2, DRAGAN, orthogonal regularisation, lazy regularisation and historical averaging against
closed forms: a linear D(x) = w.x + b has grad_x D = w everywhere, a quadratic one grad_x D = S x."""

import numpy as np
import pytest
import torch
from torch import nn

from ganforge.nn import apply_spectral_norm, apply_weight_norm
from ganforge.regularizers import (
    HistoricalAverage,
    LazyRegularization,
    dragan_penalty,
    dragan_perturb,
    orthogonal_penalty_matrix,
    orthogonal_regularization,
    r1_penalty,
    r2_penalty,
    zero_centered_gp,
)


def _linear_critic(dim=5, seed=0):
    torch.manual_seed(seed)
    lin = nn.Linear(dim, 1).double()
    return lin, (lambda x: lin(x).squeeze(1))


@pytest.mark.parametrize("penalty", ["r1", "r2", "zero_gp"])
def test_squared_gradient_penalties_of_a_linear_critic_are_norm_w_squared(penalty):
    lin, D = _linear_critic()
    real, fake = torch.randn(16, 5, dtype=torch.float64), torch.randn(16, 5, dtype=torch.float64)
    value = {"r1": lambda: r1_penalty(D, real), "r2": lambda: r2_penalty(D, fake),
             "zero_gp": lambda: zero_centered_gp(D, real, fake)}[penalty]()
    w = lin.weight.detach()
    assert value.item() == pytest.approx(w.pow(2).sum().item(), rel=1e-12)
    value.backward()   # d/dw ||w||^2 = 2 w: the penalty's gradient reaches D's weights
    torch.testing.assert_close(lin.weight.grad, 2 * w, rtol=1e-10, atol=1e-12)


class _Quadratic(nn.Module):
    """D(x) = 1/2 x^T A x, so grad_x D = S x with S = (A + A^T) / 2."""

    def __init__(self, A):
        super().__init__()
        self.A = nn.Parameter(A.clone())

    def forward(self, x, c=None):
        out = 0.5 * torch.einsum("ni,ij,nj->n", x, self.A, x)
        return out if c is None else out + c.sum(1)


def test_r1_of_a_quadratic_critic_and_conditioning_are_passed_through():
    rng = np.random.default_rng(3)
    A, X = rng.standard_normal((4, 4)), rng.standard_normal((10, 4))
    S = (A + A.T) / 2
    expected = np.mean(np.sum((X @ S.T) ** 2, axis=1))
    D = _Quadratic(torch.tensor(A))
    c = torch.randn(10, 2, dtype=torch.float64)   # the label term has no x-gradient
    value = r1_penalty(D, torch.tensor(X), c)
    assert value.item() == pytest.approx(expected, rel=1e-12)
    value.backward()
    # the gradient w.r.t. A, by central differences of the numpy formula
    h, num = 1e-6, np.zeros_like(A)
    for i in range(4):
        for j in range(4):
            E = np.zeros_like(A)
            E[i, j] = h
            f = lambda M: np.mean(np.sum((X @ ((M + M.T) / 2).T) ** 2, axis=1))  # noqa: E731
            num[i, j] = (f(A + E) - f(A - E)) / (2 * h)
    np.testing.assert_allclose(D.A.grad.numpy(), num, rtol=1e-6, atol=1e-8)


def test_dragan_penalty_of_a_linear_critic_and_its_gradient():
    lin, D = _linear_critic(seed=1)
    real = torch.randn(32, 5, dtype=torch.float64)
    value = dragan_penalty(D, real, generator=torch.Generator().manual_seed(0))
    w = lin.weight.detach()
    assert value.item() == pytest.approx((w.norm().item() - 1) ** 2, rel=1e-12)
    value.backward()
    torch.testing.assert_close(lin.weight.grad, 2 * (w.norm() - 1) * w / w.norm(), rtol=1e-10, atol=1e-12)


def test_dragan_perturbation_is_one_sided_and_scaled_by_the_batch_std():
    real = torch.randn(64, 3, 4, 4, dtype=torch.float64) * 3
    delta = dragan_perturb(real, torch.Generator().manual_seed(0)) - real
    bound = 0.5 * real.std().item()
    assert delta.min() >= 0 and delta.max() <= bound
    assert delta.mean().item() == pytest.approx(bound / 2, rel=0.05)   # U[0, 1) has mean 1/2


def test_orthogonal_penalty_is_zero_on_orthogonal_matrices():
    torch.manual_seed(0)
    Q, _ = torch.linalg.qr(torch.randn(6, 6, dtype=torch.float64))
    assert orthogonal_penalty_matrix(Q).item() < 1e-10
    assert orthogonal_penalty_matrix(Q, off_diagonal=True).item() < 1e-10
    # orthogonal columns of any norms: only the full penalty (which pins norms to 1) is positive
    scaled = Q[:, :4] * torch.tensor([0.1, 2.0, 5.0, 1.0], dtype=torch.float64)
    assert orthogonal_penalty_matrix(scaled, off_diagonal=True).item() < 1e-10
    norms2 = np.array([0.01, 4.0, 25.0, 1.0])
    assert orthogonal_penalty_matrix(scaled).item() == pytest.approx(np.sum((norms2 - 1) ** 2), rel=1e-10)
    # a generic matrix is penalised by both
    M = torch.randn(6, 4, dtype=torch.float64)
    assert orthogonal_penalty_matrix(M).item() > 0.1 and orthogonal_penalty_matrix(M, True).item() > 0.1


def test_orthogonal_regularization_sums_over_flattened_layer_filters():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Linear(8, 5), nn.BatchNorm1d(5)).double()
    expected = {False: 0.0, True: 0.0}
    for layer in (net[0], net[2]):
        w = layer.weight.detach().numpy().reshape(layer.weight.shape[0], -1)    # [out, in*k*k]: rows = filters
        gram = w @ w.T
        expected[False] += np.sum((gram - np.eye(len(gram))) ** 2)
        expected[True] += np.sum((gram * (1 - np.eye(len(gram)))) ** 2)
    for off in (False, True):
        assert orthogonal_regularization(net, off_diagonal=off).item() == pytest.approx(expected[off], rel=1e-12)
    # a Linear whose filters (weight rows) are orthonormal costs nothing; penalty gradient reaches the weights
    lin = nn.Linear(6, 4).double()
    with torch.no_grad():
        lin.weight.copy_(torch.linalg.qr(torch.randn(6, 6, dtype=torch.float64))[0][:4])
    assert orthogonal_regularization(lin, off_diagonal=False).item() < 1e-10
    value = orthogonal_regularization(net)
    value.backward()
    assert net[0].weight.grad.abs().sum() > 0 and net[2].weight.grad.abs().sum() > 0


def test_orthogonal_regularization_of_conv_transpose_and_spectral_norm_layers():
    torch.manual_seed(2)
    ct = nn.ConvTranspose2d(3, 5, 2).double()            # weight [in=3, out=5, 2, 2]
    w = ct.weight.detach().numpy().transpose(1, 0, 2, 3).reshape(5, -1)
    gram = w @ w.T
    assert orthogonal_regularization(ct).item() == pytest.approx(np.sum((gram * (1 - np.eye(5))) ** 2), rel=1e-12)
    # with spectral norm the raw (trainable) weight is regularised, and reading it runs no power iteration
    lin = apply_spectral_norm(nn.Linear(6, 4).double())
    sn = lin.parametrizations.weight[0]
    u = sn.u.clone()
    raw = lin.parametrizations.weight.original.detach().numpy()
    gram = raw @ raw.T
    assert orthogonal_regularization(lin).item() == pytest.approx(np.sum((gram * (1 - np.eye(4))) ** 2), rel=1e-12)
    assert torch.equal(sn.u, u)


def test_orthogonal_regularization_of_a_weight_normalised_layer_uses_g_v_over_norm_v():
    """Weight norm keeps g and v under parametrizations; the penalty is on the weight w = g v / ||v|| (rows), here
    with g set away from ||v|| so that w differs from v, computed by hand."""
    torch.manual_seed(3)
    lin = apply_weight_norm(nn.Linear(6, 4).double())
    with torch.no_grad():
        lin.parametrizations.weight.original0.copy_(torch.tensor([[0.5], [1.0], [2.0], [3.0]]))
    v = lin.parametrizations.weight.original1.detach().numpy()
    w = np.array([[0.5], [1.0], [2.0], [3.0]]) * v / np.linalg.norm(v, axis=1, keepdims=True)
    gram = w @ w.T
    assert orthogonal_regularization(lin, off_diagonal=False).item() == pytest.approx(
        np.sum((gram - np.eye(4)) ** 2), rel=1e-12)


def test_lazy_regularization_schedule_and_adam_correction():
    lazy = LazyRegularization(interval=16)
    assert [s for s in range(40) if lazy.due(s)] == [0, 16, 32]
    assert lazy.weight_scale == 16.0
    lr, (b1, b2) = lazy.adam_hparams(0.002, (0.0, 0.99))
    assert lr == pytest.approx(0.002 * 16 / 17) and b1 == 0.0 and b2 == pytest.approx(0.99 ** (16 / 17))
    with pytest.raises(ValueError):
        LazyRegularization(0)


def test_historical_average_is_the_mean_of_past_parameters():
    torch.manual_seed(0)
    net = nn.Linear(3, 2).double()
    hist = HistoricalAverage()
    assert hist.penalty(net).item() == 0.0
    snapshots = []
    for _ in range(5):
        with torch.no_grad():
            for p in net.parameters():
                p.add_(torch.randn_like(p))
        snapshots.append([p.detach().numpy().copy() for p in net.parameters()])
        hist.update(net)
    means = [np.mean([s[i] for s in snapshots], axis=0) for i in range(2)]
    for m, ref in zip(hist.mean, means):
        np.testing.assert_allclose(m.numpy(), ref, rtol=1e-12)
    with torch.no_grad():
        net.weight.add_(1.0)
    value = hist.penalty(net)
    expected = sum(np.sum((p.detach().numpy() - m) ** 2) for p, m in zip(net.parameters(), means))
    assert value.item() == pytest.approx(expected, rel=1e-12)
    value.backward()
    np.testing.assert_allclose(net.weight.grad.numpy(), 2 * (net.weight.detach().numpy() - means[0]), rtol=1e-12)
    restored = HistoricalAverage()
    restored.load_state_dict(hist.state_dict())
    assert restored.count == 5 and restored.penalty(net).item() == pytest.approx(expected, rel=1e-12)

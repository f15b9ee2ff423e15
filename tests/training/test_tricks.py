"""The training tricks as switches of the step: each update against one computed by hand (linear critics and shift
generators make every gradient a closed form), a brute-force reference, or a statistical fact."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from ganforge.config import OptimConfig, RegConfig
from ganforge.losses import LOSSES
from ganforge.losses.tricks import smooth_real_labels
from ganforge.models.mlp import MLPDiscriminator, MLPGenerator
from ganforge.regularizers import HistoricalAverage, instance_noise_std
from ganforge.training.consensus import consensus_step
from ganforge.training.optim import build_optimizer
from ganforge.training.step import d_reg_step, d_step, g_step, generator_loss
from ganforge.training.unrolled import unrolled_critic

f64 = torch.float64


class Linear(nn.Module):
    """D(x) = x.w."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=f64))

    def forward(self, x, c=None):
        return x @ self.w


class LinearTrunk(nn.Module):
    """features(x) = x A, head(h) = h.u: D(x) = x.w with w = A u."""

    def __init__(self, A, u):
        super().__init__()
        self.A, self.u = nn.Parameter(torch.tensor(A, dtype=f64)), nn.Parameter(torch.tensor(u, dtype=f64))

    def features(self, x, c=None):
        return x @ self.A

    def head(self, h, c=None):
        return h @ self.u

    def forward(self, x, c=None):
        return self.head(self.features(x, c), c)


class Quadratic(nn.Module):
    """D(x) = -s/2 ||x||^2: grad_x D = -s x, so a G loss through it sees the inputs themselves."""

    def __init__(self):
        super().__init__()
        self.s = nn.Parameter(torch.ones((), dtype=f64))

    def forward(self, x, c=None):
        return -0.5 * self.s * x.pow(2).sum(1)


class Shift(nn.Module):
    """G(z) = z + theta."""

    def __init__(self, theta=(0.0, 0.0)):
        super().__init__()
        self.theta = nn.Parameter(torch.tensor(theta, dtype=f64))

    def forward(self, z, c=None):
        return z + self.theta


def _sgd(module, lr=1.0):
    return build_optimizer(module.parameters(), OptimConfig(name="sgd", momentum=0.0), lr=lr)


def _batch(n=16, dim=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, dtype=f64, generator=g), torch.randn(n, dim, dtype=f64, generator=g)


# ---- label smoothing ------------------------------------------------------------------------------------------------
def test_label_smoothing_d_update_is_the_closed_form():
    real, z = _batch()
    w0, a = torch.tensor([0.7, -1.2], dtype=f64), 0.9
    D, G = Linear(w0.tolist()), Shift()
    d_step(G, D, _sgd(D), smooth_real_labels(LOSSES.get("ns"), a), RegConfig(), real, z)
    # BCE with real target a: d/dl = sigma(l) - a on each real logit, sigma(l) on each fake one; l = x.w.
    grad = ((torch.sigmoid(real @ w0) - a)[:, None] * real).mean(0) + (torch.sigmoid(z @ w0)[:, None] * z).mean(0)
    torch.testing.assert_close(D.w.detach(), w0 - grad, rtol=1e-12, atol=1e-12)


def test_label_smoothing_is_refused_for_losses_without_a_bce_target():
    assert smooth_real_labels(LOSSES.get("ns"), 1.0) is LOSSES.get("ns")
    with pytest.raises(ValueError, match="ns, minimax"):
        smooth_real_labels(LOSSES.get("hinge"), 0.9)


# ---- instance noise -------------------------------------------------------------------------------------------------
def test_instance_noise_anneals_linearly_to_zero_at_the_end_step():
    assert [instance_noise_std(0.5, 4, s) for s in range(6)] == [0.5, 0.375, 0.25, 0.125, 0.0, 0.0]


def test_instance_noise_in_the_d_step_has_the_configured_std():
    """Linear critic, wgan loss, SGD at lr 1: w moves by mean(x_r + n_r) - mean(x_f + n_f), so the noisy update
    minus the clean one is mean(n_r) - mean(n_f) ~ N(0, 2 sigma^2 / N) in each of 4000 dims."""
    n, dim, sigma = 8, 4000, 0.3
    real, z = _batch(n, dim)
    w0 = torch.zeros(dim, dtype=f64).tolist()
    D_clean, D_noisy, G = Linear(w0), Linear(w0), Shift([0.0] * dim)
    d_step(G, D_clean, _sgd(D_clean), LOSSES.get("wgan"), RegConfig(), real, z)
    d_step(G, D_noisy, _sgd(D_noisy), LOSSES.get("wgan"), RegConfig(), real, z, noise_std=sigma,
           generator=torch.Generator().manual_seed(1))
    diff = (D_noisy.w - D_clean.w).detach()
    expected_std = sigma * np.sqrt(2 / n)
    assert diff.std().item() == pytest.approx(expected_std, rel=0.05)
    assert abs(diff.mean().item()) < 4 * expected_std / np.sqrt(dim)


def test_instance_noise_reaches_d_in_the_g_step_and_zero_noise_draws_nothing():
    """D(x) = -||x||^2 / 2 and the wgan G loss: grad_theta = mean(z + theta + n), so theta's update carries -mean(n),
    N(0, sigma^2 / N) per dim."""
    n, dim, sigma = 8, 4000, 0.3
    _, z = _batch(n, dim)
    G_clean, G_noisy, D = Shift([0.0] * dim), Shift([0.0] * dim), Quadratic()
    g_step(G_clean, D, _sgd(G_clean), LOSSES.get("wgan"), z)
    g_step(G_noisy, D, _sgd(G_noisy), LOSSES.get("wgan"), z, noise_std=sigma,
           generator=torch.Generator().manual_seed(1))
    diff = (G_noisy.theta - G_clean.theta).detach()
    assert diff.std().item() == pytest.approx(sigma / np.sqrt(n), rel=0.05)
    generator = torch.Generator().manual_seed(5)
    before = generator.get_state()
    g_step(G_clean, D, _sgd(G_clean), LOSSES.get("wgan"), z, noise_std=0.0, generator=generator)
    assert torch.equal(generator.get_state(), before)  # std 0 (the end of the annealing): no noise is drawn


# ---- feature matching -----------------------------------------------------------------------------------------------
def test_feature_matching_is_zero_when_g_reproduces_the_real_batch():
    torch.manual_seed(0)
    D = MLPDiscriminator((2,), width=16, depth=2).double()
    real = torch.randn(32, 2, dtype=f64)

    class Replay(nn.Module):  # G returns the real batch, shuffled: same samples, so the same feature means
        def __init__(self):
            super().__init__()
            self.theta = nn.Parameter(torch.zeros(2, dtype=f64))

        def forward(self, z, c=None):
            return real[torch.randperm(len(real))] + self.theta

    G = Replay()
    stats = g_step(G, D, _sgd(G), LOSSES.get("ns"), torch.zeros(32, 1), real=real, fm_weight=1.0, fm_only=True)
    assert stats["loss/G"].item() < 1e-25 and stats["loss/G_fm"].item() < 1e-25
    assert G.theta.abs().max().item() < 1e-12  # and no gradient moves G away from the data


def test_feature_matching_g_update_is_the_closed_form():
    """f(x) = x A: FM = ||(mean x_r - mean z - theta) A||^2, grad_theta = -2 A A^T (mean x_r - mean z - theta)."""
    real, z = _batch()
    D, G = LinearTrunk([[1.0, 0.5, -0.3], [0.2, -1.0, 0.8]], [0.3, 0.4, -0.6]), Shift([0.1, -0.2])
    theta0, A = G.theta.detach().clone(), D.A.detach()
    stats = g_step(G, D, _sgd(G), LOSSES.get("wgan"), z, real=real, fm_weight=0.5, fm_only=True)
    gap = real.mean(0) - z.mean(0) - theta0
    assert stats["loss/G"].item() == pytest.approx(0.5 * (gap @ A).pow(2).sum().item(), rel=1e-12)
    torch.testing.assert_close(G.theta.detach(), theta0 + 0.5 * 2 * A @ A.T @ gap, rtol=1e-12, atol=1e-12)
    # With the adversarial term too: wgan adds -w = -A u to the gradient (theta moves by +w more).
    G2 = Shift([0.1, -0.2])
    g_step(G2, D, _sgd(G2), LOSSES.get("wgan"), z, real=real, fm_weight=0.5)
    torch.testing.assert_close(G2.theta.detach(), theta0 + A @ A.T @ gap + A @ D.u.detach(), rtol=1e-12,
                               atol=1e-12)


def test_feature_matching_shares_d_forward_with_the_logits():
    torch.manual_seed(0)
    D = MLPDiscriminator((2,), width=8, depth=2).double()
    fake, real = torch.randn(6, 2, dtype=f64), torch.randn(6, 2, dtype=f64)
    loss, stats = generator_loss(D, LOSSES.get("ns"), fake, real, fm_weight=2.0)
    expected = LOSSES.get("ns").g_loss(D(fake)) + 2.0 * (D.features(real).mean(0) - D.features(fake).mean(0)).pow(
        2).sum()
    torch.testing.assert_close(loss, expected, rtol=1e-12, atol=1e-12)


# ---- R2, DRAGAN, historical averaging, orthogonal regularisation in the D step ------------------------------------
@pytest.mark.parametrize("r2_gamma, dragan_weight, hist_weight", [(3.0, 0.0, 0.0), (0.0, 10.0, 0.0), (0.0, 0.0, 0.7)])
def test_d_step_penalties_match_the_hand_computed_update(r2_gamma, dragan_weight, hist_weight):
    """Linear critic: grad_x D = w everywhere, so R2 = ||w||^2 and DRAGAN = (||w|| - 1)^2 whatever the points."""
    real, z = _batch()
    w0 = torch.tensor([0.3, -1.7], dtype=f64)
    D, G = Linear(w0.tolist()), Shift()
    history = None
    if hist_weight:
        history = HistoricalAverage()
        past = [torch.tensor([1.0, 2.0], dtype=f64), torch.tensor([-3.0, 0.5], dtype=f64)]
        for w in past:
            history.update(Linear(w.tolist()))
    reg = RegConfig(r2_gamma=r2_gamma, dragan_weight=dragan_weight, hist_weight=hist_weight)
    stats = d_step(G, D, _sgd(D), LOSSES.get("wgan"), reg, real, z, generator=torch.Generator().manual_seed(0),
                   history=history)
    grad = z.mean(0) - real.mean(0)
    grad = grad + 0.5 * r2_gamma * 2 * w0 + dragan_weight * 2 * (w0.norm() - 1) * w0 / w0.norm()
    if hist_weight:
        mean = (past[0] + past[1]) / 2
        grad = grad + hist_weight * 2 * (w0 - mean)
        assert stats["reg/hist_D"].item() == pytest.approx((w0 - mean).pow(2).sum().item(), rel=1e-12)
    torch.testing.assert_close(D.w.detach(), w0 - grad, rtol=1e-12, atol=1e-12)
    assert ("reg/r2" in stats) == (r2_gamma > 0) and ("reg/dragan" in stats) == (dragan_weight > 0)


def _ortho_grad(weight, off_diagonal):
    """d/dW of ||W W^T * M - I'||_F^2 (W = [out, in], M = 1 - I or 1): 4 (W W^T * M - I') W."""
    gram = weight @ weight.T
    eye = torch.eye(len(gram), dtype=weight.dtype)
    residual = gram * (1 - eye) if off_diagonal else gram - eye
    return 4 * residual @ weight


@pytest.mark.parametrize("nets, off_diagonal", [("d", True), ("g", False), ("both", True)])
def test_orthogonal_regularisation_adds_its_gradient_to_the_chosen_nets(nets, off_diagonal):
    """Each update with the penalty minus the same update without it is -lr * beta * dR/dW on every Linear weight
    of the chosen nets (biases untouched) and 0 elsewhere."""
    torch.manual_seed(0)
    G0, D0 = MLPGenerator(4, (2,), 8, 2, "none", False).double(), MLPDiscriminator((2,), 8, 2).double()
    real, z = torch.randn(16, 2, dtype=f64), torch.randn(16, 4, dtype=f64)
    beta, lr = 0.01, 0.1
    ortho = RegConfig(ortho_weight=beta, ortho_nets=nets, ortho_off_diagonal=off_diagonal)
    for net in ("d", "g"):
        after = {}
        for name, reg in (("plain", RegConfig()), ("ortho", ortho)):
            G, D = copy.deepcopy(G0), copy.deepcopy(D0)
            if net == "d":
                d_step(G, D, _sgd(D, lr), LOSSES.get("ns"), reg, real, z)
            else:
                g_step(G, D, _sgd(G, lr), LOSSES.get("ns"), z, reg=reg)
            after[name] = D if net == "d" else G
        start = D0 if net == "d" else G0
        layers = [(m0, mp, mo) for m0, mp, mo in zip(start.modules(), after["plain"].modules(),
                                                     after["ortho"].modules()) if isinstance(m0, nn.Linear)]
        for m0, m_plain, m_ortho in layers:
            on = nets in (net, "both")
            expected = -lr * beta * _ortho_grad(m0.weight.detach(), off_diagonal) if on else torch.zeros_like(m0.weight)
            torch.testing.assert_close((m_ortho.weight - m_plain.weight).detach(), expected, rtol=1e-9, atol=1e-12)
            torch.testing.assert_close(m_ortho.bias, m_plain.bias, rtol=1e-12, atol=1e-12)


# ---- lazy R1 / R2 ---------------------------------------------------------------------------------------------------
def test_lazy_penalty_update_is_the_interval_times_the_penalty_alone():
    real, z = _batch()
    w0 = torch.tensor([0.3, -1.7], dtype=f64)
    reg = RegConfig(r1_gamma=2.0, r2_gamma=0.5, reg_every=4)
    D, G, lr = Linear(w0.tolist()), Shift(), 0.01
    stats = d_step(G, D, _sgd(D, lr), LOSSES.get("wgan"), reg, real, z)
    assert "reg/r1" not in stats and "reg/r2" not in stats  # lazy: not in the main update
    torch.testing.assert_close(D.w.detach(), w0 - lr * (z.mean(0) - real.mean(0)), rtol=1e-12, atol=1e-12)
    D = Linear(w0.tolist())
    stats = d_reg_step(G, D, _sgd(D, lr), reg, real, z)
    # R1 = R2 = ||w||^2 for a linear critic; each weighted gamma / 2 * 4 (the interval); gradient 2 w each.
    torch.testing.assert_close(D.w.detach(), w0 - lr * 4 * (0.5 * 2.0 + 0.5 * 0.5) * 2 * w0, rtol=1e-12, atol=1e-12)
    assert stats["reg/r1"].item() == pytest.approx(w0.pow(2).sum().item(), rel=1e-12)


# ---- unrolled GAN ---------------------------------------------------------------------------------------------------
def test_unrolled_with_zero_steps_is_the_plain_g_step_bit_for_bit():
    torch.manual_seed(0)
    G0, D = MLPGenerator(4, (2,), 8, 2, "none", False), MLPDiscriminator((2,), 8, 2)
    real, z = torch.randn(16, 2), torch.randn(16, 4)
    opt_D = torch.optim.Adam(D.parameters(), lr=1e-3)
    G_plain, G_unrolled = copy.deepcopy(G0), copy.deepcopy(G0)
    plain = g_step(G_plain, D, _sgd(G_plain, 0.1), LOSSES.get("ns"), z, real=real)
    fake = G_unrolled(z)
    critic = unrolled_critic(D, opt_D, LOSSES.get("ns"), real, fake, None, steps=0)
    assert torch.equal(critic(real), D(real))
    loss, _ = generator_loss(D, LOSSES.get("ns"), fake, real, critic=critic)
    opt = _sgd(G_unrolled, 0.1)
    loss.backward()
    opt.step()
    assert torch.equal(loss.detach(), plain["loss/G"])
    for a, b in zip(G_plain.parameters(), G_unrolled.parameters()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_unrolled_g_gradient_flows_through_k_sgd_steps_of_d(k):
    """Linear critic, wgan loss, D's SGD at lr eta: grad_w L_D = mean z + theta - mean x_r does not depend on w,
    so w_k = w - k eta (mean z + theta - mean x_r). L_G = -(mean z + theta).w_k, and d/dtheta = -w_k + k eta
    (mean z + theta): the second term is the look-ahead, absent from a plain step against w_k."""
    real, z = _batch()
    eta, w0 = 0.1, torch.tensor([0.5, -2.0], dtype=f64)
    D, G = Linear(w0.tolist()), Shift([0.2, -0.1])
    theta0 = G.theta.detach().clone()
    g_step(G, D, _sgd(G), LOSSES.get("wgan"), z, real=real, unroll=k, opt_D=_sgd(D, eta))
    fake_mean = z.mean(0) + theta0
    w_k = w0 - k * eta * (fake_mean - real.mean(0))
    torch.testing.assert_close(G.theta.detach(), theta0 - (-w_k + k * eta * fake_mean), rtol=1e-12, atol=1e-12)
    assert torch.equal(D.w.detach(), w0)  # D itself is not moved by the unrolling


def test_unrolled_adam_steps_are_torch_adam_steps():
    """Unrolling continues D's Adam: the unrolled D after k steps judges like a copy of D after k real
    torch.optim.Adam steps on the same batch, and D and its optimiser state are left as they were."""
    torch.manual_seed(0)
    D = MLPDiscriminator((2,), 8, 2).double()
    real, fake, x = (torch.randn(16, 2, dtype=f64) for _ in range(3))
    loss = LOSSES.get("ns")
    opt = torch.optim.Adam(D.parameters(), lr=1e-2, betas=(0.5, 0.9))
    for _ in range(2):  # some optimiser state to continue from
        opt.zero_grad()
        loss.d_loss(D(real), D(fake + 1)).backward()
        opt.step()
    state = copy.deepcopy(opt.state_dict())
    weights = copy.deepcopy(D.state_dict())
    critic = unrolled_critic(D, opt, loss, real, fake, None, steps=3)
    D_ref = copy.deepcopy(D)
    opt_ref = torch.optim.Adam(D_ref.parameters(), lr=1e-2, betas=(0.5, 0.9))
    opt_ref.load_state_dict(copy.deepcopy(state))  # (loading shares the moment tensors, which Adam updates in place)
    for _ in range(3):
        opt_ref.zero_grad()
        loss.d_loss(D_ref(real), D_ref(fake)).backward()
        opt_ref.step()
    torch.testing.assert_close(critic(x), D_ref(x), rtol=1e-10, atol=1e-12)
    assert all(torch.equal(v, D.state_dict()[k]) for k, v in weights.items())
    assert all(torch.equal(opt.state_dict()["state"][i]["exp_avg"], s["exp_avg"]) for i, s in state["state"].items())


# ---- consensus optimisation -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", [0.0, 0.5])
def test_consensus_step_is_the_closed_form(gamma):
    """Linear critic, shift G, wgan, SGD at lr 1 for both. L_D = (mean z + theta - mean x_r).w, L_G = -(mean z +
    theta).w, so v = (-w, d) with d = mean z + theta - mean x_r, and 1/2 ||v||^2 has gradients (d, w). gamma = 0 is
    simultaneous gradient descent: both move from the same (theta, w)."""
    real, z = _batch()
    w0, theta0 = torch.tensor([0.5, -2.0], dtype=f64), torch.tensor([0.2, -0.1], dtype=f64)
    D, G = Linear(w0.tolist()), Shift(theta0.tolist())
    stats = consensus_step(G, D, _sgd(G), _sgd(D), LOSSES.get("wgan"), RegConfig(), real, z, gamma=gamma)
    d = z.mean(0) + theta0 - real.mean(0)
    torch.testing.assert_close(G.theta.detach(), theta0 - (-w0 + gamma * d), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(D.w.detach(), w0 - (d + gamma * w0), rtol=1e-12, atol=1e-12)
    assert stats["reg/consensus"].item() == pytest.approx(0.5 * (w0.pow(2).sum() + d.pow(2).sum()).item(), rel=1e-12)

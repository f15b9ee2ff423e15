"""BEGAN and EBGAN pieces against their papers' formulas (numpy), the k_t controller's bounds, and the pull-away
term's normalisation."""

import numpy as np
import pytest
import torch

from ganforge.losses.energy import (
    ENERGY_LOSSES,
    BEGANBalance,
    BEGANLoss,
    EBGANLoss,
    autoencoder_energy,
    began_convergence,
    began_d_loss,
    began_g_loss,
    began_k_update,
    ebgan_d_loss,
    ebgan_g_loss,
    pullaway_term,
)

rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, (5, 3, 4, 4))
R = rng.uniform(-1, 1, (5, 3, 4, 4))
t64 = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731


def test_autoencoder_energy_is_the_per_sample_mean_error():
    l1 = np.abs(X - R).reshape(5, -1).mean(1)
    l2 = ((X - R) ** 2).reshape(5, -1).mean(1)
    np.testing.assert_allclose(autoencoder_energy(t64(X), t64(R)).numpy(), l1, rtol=1e-12)
    np.testing.assert_allclose(autoencoder_energy(t64(X), t64(R), power=2).numpy(), l2, rtol=1e-12)
    assert torch.all(autoencoder_energy(t64(X), t64(X)) == 0)
    with pytest.raises(ValueError):
        autoencoder_energy(t64(X), t64(R[:, :2]))


def test_began_losses_follow_the_formulas():
    lr, lf = t64([0.2, 0.4, 0.3]), t64([0.5, 0.1, 0.6, 0.8])
    lr.requires_grad_(), lf.requires_grad_()
    d = began_d_loss(lr, lf, k=0.25)
    d.backward()
    assert d.item() == pytest.approx(0.3 - 0.25 * 0.5, rel=1e-12)
    np.testing.assert_allclose(lr.grad.numpy(), np.full(3, 1 / 3))        # d/dL(x_i) of the mean
    np.testing.assert_allclose(lf.grad.numpy(), np.full(4, -0.25 / 4))    # -k_t / N: D pushes fake energy up
    assert began_g_loss(lf).item() == pytest.approx(0.5, rel=1e-12)


def test_k_update_is_the_clipped_proportional_step():
    assert began_k_update(0.3, 0.2, 0.05, gamma=0.5, lambda_k=0.1) == pytest.approx(0.3 + 0.1 * (0.1 - 0.05))
    assert began_k_update(0.3, t64([0.1, 0.3]), t64([0.2, 0.0]), gamma=0.5, lambda_k=0.1) == pytest.approx(
        0.3 + 0.1 * (0.5 * 0.2 - 0.1))   # batch means enter
    assert began_k_update(0.999, 10.0, 0.0, gamma=1.0, lambda_k=1.0) == 1.0
    assert began_k_update(0.001, 0.0, 10.0, gamma=1.0, lambda_k=1.0) == 0.0


def test_k_stays_in_the_unit_interval_over_a_long_random_run():
    balance = BEGANBalance(gamma=0.7, lambda_k=0.05)
    ks = []
    for step in range(2000):
        # phases where G is far too good (k climbs), far too bad (k falls), then anything
        scale = [0.01, 100.0, 0.01, rng.choice([0.01, 1.0, 100.0])][step // 500]
        real, fake = rng.exponential(1.0), rng.exponential(scale)
        balance.update(real, fake)
        ks.append(balance.k)
    ks = np.array(ks)
    assert ks.min() >= 0.0 and ks.max() <= 1.0
    assert (ks == 0.0).any() and (ks == 1.0).any()   # the clip is actually exercised


def test_convergence_measure_and_balance_state():
    assert began_convergence(0.4, 0.1, gamma=0.5) == pytest.approx(0.4 + abs(0.2 - 0.1))
    assert began_convergence(0.4, 0.5, gamma=0.5) == pytest.approx(0.4 + abs(0.2 - 0.5))
    b = BEGANBalance(gamma=0.5, lambda_k=0.1, k=0.2)
    m = b.update(t64([0.4]), t64([0.1]))
    assert m == pytest.approx(0.5) and b.k == pytest.approx(0.2 + 0.1 * 0.1)
    c = BEGANBalance()
    c.load_state_dict(b.state_dict())
    assert c == b


def test_ebgan_margin_loss():
    er, ef = t64([0.1, 0.3]), t64([0.5, 2.0, 0.9])
    m = 1.0
    assert ebgan_d_loss(er, ef, m).item() == pytest.approx(0.2 + np.mean([0.5, 0.0, 0.1]), rel=1e-12)
    assert ebgan_g_loss(ef).item() == pytest.approx(np.mean([0.5, 2.0, 0.9]), rel=1e-12)
    # fakes with energy beyond the margin give D no gradient
    ef.requires_grad_()
    ebgan_d_loss(er, ef, m).backward()
    np.testing.assert_allclose(ef.grad.numpy(), [-1 / 3, 0.0, -1 / 3])


def test_pullaway_term_normalisation():
    q, _ = torch.linalg.qr(torch.randn(6, 6, dtype=torch.float64))
    orthogonal = q[:4] * t64([[1.0], [3.0], [0.2], [7.0]])      # orthogonal rows of any norms
    assert pullaway_term(orthogonal).item() == pytest.approx(0.0, abs=1e-12)
    identical = t64([[1.0, -2.0, 0.5]]).repeat(5, 1) * t64([[1.0], [2.0], [0.5], [4.0], [3.0]])  # same direction
    assert pullaway_term(identical).item() == pytest.approx(1.0, rel=1e-12)


def test_pullaway_term_brute_force_and_g_loss():
    S = rng.standard_normal((5, 2, 3))
    flat = S.reshape(5, -1)
    total = sum((flat[i] @ flat[j] / (np.linalg.norm(flat[i]) * np.linalg.norm(flat[j]))) ** 2
                for i in range(5) for j in range(5) if i != j)
    pt = pullaway_term(t64(S)).item()
    assert pt == pytest.approx(total / (5 * 4), rel=1e-12)
    ef = t64([0.5, 0.7, 0.1, 0.2, 0.3])
    assert ebgan_g_loss(ef, t64(S), pt_weight=0.1).item() == pytest.approx(0.36 + 0.1 * pt, rel=1e-12)
    with pytest.raises(ValueError):
        ebgan_g_loss(ef, None, pt_weight=0.1)


def test_began_loss_k_follows_its_update_rule_on_given_values_and_stays_in_the_unit_interval():
    """The training loop's BEGAN (k_t a tensor on the device) against the rule computed by hand in plain floats."""
    loss = BEGANLoss(gamma=0.5, lambda_k=0.2)
    energies = [([0.4, 0.6], [0.1, 0.1]),     # gamma L(x) = 0.25 > L(G) = 0.1: D must push fakes harder, k rises
                ([0.4, 0.6], [0.1, 0.1]),
                ([1.0], [4.0, 6.0]),          # fakes reconstructed far worse than gamma L(x): k falls, clipped at 0
                ([20.0], [0.0]),              # a huge error: k would pass 1, clipped at 1
                ([0.2], [0.3])]
    k = 0.0
    for real, fake in energies:
        er, ef = torch.tensor(real), torch.tensor(fake)
        lr, lf = sum(real) / len(real), sum(fake) / len(fake)
        d = loss.d_loss(er, ef)
        assert d.item() == pytest.approx(lr - k * lf, rel=1e-6)                 # L_D uses k_t before the update
        assert loss.g_loss(ef, torch.zeros(len(fake), 3))[0].item() == pytest.approx(lf, rel=1e-6)
        stats = loss.update(er, ef)
        k = min(max(k + 0.2 * (0.5 * lr - lf), 0.0), 1.0)
        assert isinstance(loss.balance.k, torch.Tensor) and loss.balance.k.shape == ()
        assert stats["began/k"].item() == pytest.approx(k, abs=1e-6) and 0.0 <= stats["began/k"].item() <= 1.0
        assert stats["began/M_global"].item() == pytest.approx(lr + abs(0.5 * lr - lf), rel=1e-6)
    # the clips were exercised: after the third step k was 0, after the fourth 1
    ks = []
    probe = BEGANLoss(gamma=0.5, lambda_k=0.2)
    for real, fake in energies:
        probe.update(torch.tensor(real), torch.tensor(fake))
        ks.append(probe.balance.k.item())
    assert ks[2] == 0.0 and ks[3] == 1.0


def test_began_loss_state_round_trips_exactly():
    a = BEGANLoss(gamma=0.7, lambda_k=1e-3)
    for _ in range(5):
        a.update(torch.rand(8), torch.rand(8) * 0.1)
    b = BEGANLoss(gamma=0.3, lambda_k=0.01)
    b.load_state_dict(a.state_dict())
    assert torch.equal(a.balance.k, b.balance.k) and a.balance.k.item() > 0
    assert (b.balance.gamma, b.balance.lambda_k) == (0.3, 0.01)   # the resumed run's config decides these
    assert a.state_dict()["k"] is not a.balance.k   # a saved copy, not the live tensor


def test_ebgan_loss_in_training_form_matches_the_functions():
    loss = ENERGY_LOSSES.get("ebgan")(margin=1.0, pt_weight=0.1)
    er, ef, S = t64([0.1, 0.3]), t64([0.5, 2.0, 0.9]), t64(rng.standard_normal((3, 4)))
    assert loss.d_loss(er, ef).item() == pytest.approx(ebgan_d_loss(er, ef, 1.0).item(), rel=1e-12)
    g, stats = loss.g_loss(ef, S)
    assert g.item() == pytest.approx(ebgan_g_loss(ef, S, pt_weight=0.1).item(), rel=1e-12)
    assert stats["reg/pullaway"].item() == pytest.approx(pullaway_term(S).item(), rel=1e-12)
    assert loss.g_loss(ef, S)[0].requires_grad is False and EBGANLoss(pt_weight=0.0).g_loss(ef, S)[1] == {}
    assert (BEGANLoss.power, EBGANLoss.power) == (1, 2)   # L1 energy for BEGAN, squared error for EBGAN

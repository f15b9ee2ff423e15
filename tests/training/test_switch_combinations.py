"""The architecture switches and the energy losses together with the training tricks: the unrolled critic of a
spectrally normalised D against real optimiser steps, the energy steps' weight penalties and instance noise against
hand-computed updates. (That every combination trains is in test_engine.py; what is refused, in the config tests.)"""

import copy

import pytest
import torch

from ganforge.config import RegConfig
from ganforge.losses import LOSSES
from ganforge.losses.energy import EBGANLoss, autoencoder_energy
from ganforge.models.mlp import MLPAutoencoder, MLPDiscriminator, MLPGenerator
from ganforge.nn import apply_spectral_norm
from ganforge.regularizers import HistoricalAverage, orthogonal_regularization
from ganforge.training.step import energy_d_step, energy_g_step
from ganforge.training.unrolled import unrolled_critic

f64 = torch.float64


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
@pytest.mark.parametrize("batch_layers", [{}, {"mbstd_group": 4, "mbdisc_kernels": 3}])
def test_unrolled_critic_of_a_spectrally_normalised_d_is_d_after_real_steps(opt_name, batch_layers):
    """With spectral norm the unrolled forwards run the power iteration on copies of u, v, exactly as k real steps of
    a copy of D would (one iteration per forward): same logits after k steps; D's weights and u, v untouched."""
    torch.manual_seed(0)
    D = apply_spectral_norm(MLPDiscriminator((2,), 8, 2, **batch_layers)).double()
    real, fake, x = (torch.randn(16, 2, dtype=f64) for _ in range(3))
    loss = LOSSES.get("hinge")
    make = (lambda p: torch.optim.SGD(p, lr=0.1)) if opt_name == "sgd" else \
        (lambda p: torch.optim.Adam(p, lr=1e-2, betas=(0.5, 0.9)))
    opt = make(D.parameters())
    before = copy.deepcopy(D.state_dict())
    D_ref = copy.deepcopy(D)   # before the unrolled forwards: they must not move D's u, v
    critic = unrolled_critic(D, opt, loss, real, fake, None, steps=3)
    opt_ref = make(D_ref.parameters())
    for _ in range(3):
        opt_ref.zero_grad()
        loss.d_loss(D_ref(real), D_ref(fake)).backward()
        opt_ref.step()
    torch.testing.assert_close(critic(x), D_ref(x), rtol=1e-10, atol=1e-12)
    assert all(torch.equal(v, D.state_dict()[k]) for k, v in before.items())   # u, v included


def _energy_nets():
    torch.manual_seed(0)
    G = MLPGenerator(3, (2,), 8, 2, "none", False).double()
    D = MLPAutoencoder((2,), 8, 2, code=2).double()
    D.power = EBGANLoss.power
    return G, D


def test_energy_d_step_adds_the_weight_penalties_and_sees_noisy_inputs():
    """energy_d_step = one SGD step on L_D(L(x + n), L(G(z) + n')) + w_o R_ortho(D) + w_h ||phi - mean||^2, with the
    noise drawn from the step's generator (real first, then fake), the same as `d_step` does."""
    G, D = _energy_nets()
    loss = EBGANLoss(margin=0.5, pt_weight=0.1)
    reg = RegConfig(ortho_weight=0.01, ortho_nets="both", hist_weight=0.5)
    history = HistoricalAverage()
    history.update(D)
    with torch.no_grad():
        for p in D.parameters():
            p.add_(0.1 * torch.randn_like(p))   # away from the average, so the penalty has a gradient
    real, z = torch.randn(16, 2, dtype=f64), torch.randn(16, 3, dtype=f64)
    D_ref = copy.deepcopy(D)

    stats = energy_d_step(G, D, torch.optim.SGD(D.parameters(), lr=0.1), loss, real, z, reg=reg, noise_std=0.3,
                          generator=torch.Generator().manual_seed(7), history=history)

    gen = torch.Generator().manual_seed(7)
    noisy_real = real + 0.3 * torch.randn(real.shape, dtype=f64, generator=gen)
    noisy_fake = G(z).detach() + 0.3 * torch.randn(real.shape, dtype=f64, generator=gen)
    e_real = autoencoder_energy(noisy_real, D_ref.autoencode(noisy_real)[1], 2)
    e_fake = autoencoder_energy(noisy_fake, D_ref.autoencode(noisy_fake)[1], 2)
    loss_D = loss.d_loss(e_real, e_fake)
    ortho, hist = orthogonal_regularization(D_ref), history.penalty(D_ref)
    total = loss_D + 0.01 * ortho + 0.5 * hist
    grads = torch.autograd.grad(total, list(D_ref.parameters()))
    for p, p_ref, g in zip(D.parameters(), D_ref.parameters(), grads):
        torch.testing.assert_close(p.detach(), p_ref.detach() - 0.1 * g, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(stats["loss/D"], loss_D.detach())
    torch.testing.assert_close(stats["energy/real"], e_real.mean().detach())
    torch.testing.assert_close(stats["reg/ortho_D"], ortho.detach())
    torch.testing.assert_close(stats["reg/hist_D"], hist.detach())


def test_energy_g_step_adds_g_penalties_and_leaves_d_alone():
    G, D = _energy_nets()
    loss = EBGANLoss(margin=0.5, pt_weight=0.1)
    reg = RegConfig(ortho_weight=0.01, ortho_nets="g")
    z = torch.randn(16, 3, dtype=f64)
    G_ref, D_before = copy.deepcopy(G), copy.deepcopy(D.state_dict())

    stats = energy_g_step(G, D, torch.optim.SGD(G.parameters(), lr=0.1), loss, z, reg=reg)

    fake = G_ref(z)
    code, rec = D.autoencode(fake)
    loss_G, _ = loss.g_loss(autoencoder_energy(fake, rec, 2), code)
    grads = torch.autograd.grad(loss_G + 0.01 * orthogonal_regularization(G_ref), list(G_ref.parameters()))
    for p, p_ref, g in zip(G.parameters(), G_ref.parameters(), grads):
        torch.testing.assert_close(p.detach(), p_ref.detach() - 0.1 * g, rtol=1e-10, atol=1e-12)
    assert "reg/ortho_G" in stats and "reg/ortho_D" not in stats
    assert all(torch.equal(v, D.state_dict()[k]) for k, v in D_before.items())
    assert all(p.requires_grad for p in D.parameters())

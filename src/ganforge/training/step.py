"""One discriminator update and one generator update. Each returns detached scalar tensors; the engine decides
when to read them (reading forces a device sync, so it does that only at log steps).

d_step / g_step train a classifier D on logits with a loss from LOSSES; energy_d_step / energy_g_step train an
autoencoder D on its reconstruction energies with a loss from ENERGY_LOSSES (BEGAN, EBGAN)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..config.schema import RegConfig
from ..losses import EnergyLoss, GANLoss
from ..losses.energy import autoencoder_energy
from ..regularizers import clip_weights, gradient_penalty, interpolate, squared_grad_norm


def d_step(G: nn.Module, D: nn.Module, opt_D: torch.optim.Optimizer, loss: GANLoss, reg: RegConfig,
           real: Tensor, z: Tensor, c: Tensor | None = None,
           generator: torch.Generator | None = None) -> dict[str, Tensor]:
    """(1) Update D: minimise loss.d_loss(D(x), D(G(z))) [+ lambda GP + gamma/2 R1], i.e. maximise
    E f(D(x)) + E g(D(G(z))) under the penalties."""
    with torch.no_grad():
        fake = G(z, c)                                   # G is not updated here: no graph through it
    if reg.r1_gamma > 0:
        real = real.detach().requires_grad_(True)        # R1 differentiates this forward; no second D(real)
    real_logits, fake_logits = D(real, c), D(fake, c)    # [N], [N]
    loss_D = loss.d_loss(real_logits, fake_logits)
    stats = {"loss/D": loss_D.detach(), "D/real": real_logits.detach().mean(), "D/fake": fake_logits.detach().mean()}
    total = loss_D
    if reg.gp_weight > 0:
        gp = gradient_penalty(D, interpolate(real.detach(), fake, generator), center=reg.gp_center, c=c)
        total = total + reg.gp_weight * gp
        stats["reg/gp"] = gp.detach()
    if reg.r1_gamma > 0:
        r1 = squared_grad_norm(real_logits, real)
        total = total + 0.5 * reg.r1_gamma * r1
        stats["reg/r1"] = r1.detach()
    opt_D.zero_grad(set_to_none=True)
    total.backward()
    opt_D.step()
    if reg.clip > 0:
        clip_weights(D, reg.clip)
    return stats


def g_step(G: nn.Module, D: nn.Module, opt_G: torch.optim.Optimizer, loss: GANLoss, z: Tensor,
           c: Tensor | None = None, real: Tensor | None = None) -> dict[str, Tensor]:
    """(2) Update G: minimise loss.g_loss(D(G(z))). D is frozen so backward skips its weight gradients."""
    requires_grad(D, False)
    fake_logits = D(G(z, c), c)
    real_logits = D(real, c) if loss.needs_real_for_g and real is not None else None
    loss_G = loss.g_loss(fake_logits, real_logits)
    opt_G.zero_grad(set_to_none=True)
    loss_G.backward()
    opt_G.step()
    requires_grad(D, True)
    return {"loss/G": loss_G.detach()}


def energy_d_step(G: nn.Module, D: nn.Module, opt_D: torch.optim.Optimizer, loss: EnergyLoss, real: Tensor,
                  z: Tensor, c: Tensor | None = None) -> dict[str, Tensor]:
    """(1) Update the autoencoder D: minimise loss.d_loss(L(x), L(G(z))) with the energy L(v) = mean |v - AE(v)|^p,
    i.e. BEGAN's L(x) - k_t L(G(z)) or EBGAN's L(x) + [m - L(G(z))]^+: reals reconstructed well, fakes badly."""
    with torch.no_grad():
        fake = G(z, c)                                                          # no graph through G
    energy_real = autoencoder_energy(real, D.autoencode(real, c)[1], loss.power)   # [N]
    energy_fake = autoencoder_energy(fake, D.autoencode(fake, c)[1], loss.power)   # [N]
    loss_D = loss.d_loss(energy_real, energy_fake)
    opt_D.zero_grad(set_to_none=True)
    loss_D.backward()
    opt_D.step()
    return {"loss/D": loss_D.detach(), "energy/real": energy_real.detach().mean(),
            "energy/fake": energy_fake.detach().mean()}


def energy_g_step(G: nn.Module, D: nn.Module, opt_G: torch.optim.Optimizer, loss: EnergyLoss, z: Tensor,
                  c: Tensor | None = None) -> dict[str, Tensor]:
    """(2) Update G: minimise loss.g_loss(L(G(z))), G's samples reconstructed well (+ EBGAN's pull-away term on their
    codes Enc(G(z))). D is frozen."""
    requires_grad(D, False)
    fake = G(z, c)
    code_fake, reconstruction = D.autoencode(fake, c)
    energy_fake = autoencoder_energy(fake, reconstruction, loss.power)         # [N]
    loss_G, extra = loss.g_loss(energy_fake, code_fake)
    opt_G.zero_grad(set_to_none=True)
    loss_G.backward()
    opt_G.step()
    requires_grad(D, True)
    return {"loss/G": loss_G.detach(), "energy/fake_G": energy_fake.detach().mean(), **extra}


def requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)

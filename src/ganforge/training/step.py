"""One discriminator update and one generator update. Each returns detached scalar tensors; the engine decides
when to read them (reading forces a device sync, so it does that only at log steps).

Class-conditional runs pass the labels c [N] of the real batch: D judges (real, c) against (G(z, c), c), so each
class is as frequent among fakes as among reals and a penalty's interpolates lie between a real and a fake of the
same class. With ``ac_weight`` > 0 (AC-GAN) D's classifier head adds its cross-entropy on reals and fakes to D's loss,
and on fakes to G's (ganforge.losses.auxiliary)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..config.schema import RegConfig
from ..losses import GANLoss, class_accuracy, class_cross_entropy
from ..regularizers import clip_weights, gradient_penalty, interpolate, squared_grad_norm


def d_step(G: nn.Module, D: nn.Module, opt_D: torch.optim.Optimizer, loss: GANLoss, reg: RegConfig,
           real: Tensor, z: Tensor, c: Tensor | None = None,
           generator: torch.Generator | None = None, ac_weight: float = 0.0) -> dict[str, Tensor]:
    """(1) Update D: minimise loss.d_loss(D(x), D(G(z))) [+ lambda GP + gamma/2 R1 + w (CE_real + CE_fake)], i.e.
    maximise E f(D(x)) + E g(D(G(z))) under the penalties (and, for AC-GAN, its class log-likelihood L_C)."""
    with torch.no_grad():
        fake = G(z, c)                                   # G is not updated here: no graph through it
    if reg.r1_gamma > 0:
        real = real.detach().requires_grad_(True)        # R1 differentiates this forward; no second D(real)
    if ac_weight > 0:                                    # one trunk pass feeds both heads
        h_real, h_fake = D.features(real, c), D.features(fake, c)
        real_logits, fake_logits = D.head(h_real, c), D.head(h_fake, c)
    else:
        real_logits, fake_logits = D(real, c), D(fake, c)    # [N], [N]
    loss_D = loss.d_loss(real_logits, fake_logits)
    stats = {"loss/D": loss_D.detach(), "D/real": real_logits.detach().mean(), "D/fake": fake_logits.detach().mean()}
    total = loss_D
    if ac_weight > 0:
        real_class, fake_class = D.classify(h_real), D.classify(h_fake)   # [N, K] each
        ac_real, ac_fake = class_cross_entropy(real_class, c), class_cross_entropy(fake_class, c)
        total = total + ac_weight * (ac_real + ac_fake)
        stats.update({"ac/real": ac_real.detach(), "ac/fake": ac_fake.detach(),
                      "ac/real_acc": class_accuracy(real_class, c), "ac/fake_acc": class_accuracy(fake_class, c)})
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
           c: Tensor | None = None, real: Tensor | None = None, ac_weight: float = 0.0) -> dict[str, Tensor]:
    """(2) Update G: minimise loss.g_loss(D(G(z))) [+ w CE(D's class logits of G(z, c), c) for AC-GAN]. D is frozen
    so backward skips its weight gradients."""
    requires_grad(D, False)
    fake = G(z, c)
    stats: dict[str, Tensor] = {}
    if ac_weight > 0:
        h = D.features(fake, c)
        fake_logits = D.head(h, c)
        ac = class_cross_entropy(D.classify(h), c)
        stats["ac/G"] = ac.detach()
    else:
        fake_logits = D(fake, c)
    real_logits = D(real, c) if loss.needs_real_for_g and real is not None else None
    loss_G = loss.g_loss(fake_logits, real_logits)
    total = loss_G + ac_weight * ac if ac_weight > 0 else loss_G
    opt_G.zero_grad(set_to_none=True)
    total.backward()
    opt_G.step()
    requires_grad(D, True)
    return {"loss/G": loss_G.detach(), **stats}


def requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)

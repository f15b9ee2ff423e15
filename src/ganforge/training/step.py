"""The updates of one training step, each returning detached scalar tensors; the engine decides when to read them
(reading forces a device sync, so it does that only at log steps).

    (1)  d_step:      D minimises loss.d_loss(D(x + n), D(G(z) + n')) + D's penalties
    (1b) d_reg_step:  lazy R1/R2 every reg.reg_every D updates, as an update of its own (StyleGAN2)
    (2)  g_step:      G minimises loss.g_loss(D'(G(z) + n)) [+ feature matching] + G's penalties
n, n' = instance noise (0 when off); D' = D, or D unrolled k steps ahead (`unrolled_critic`). D's penalties: GP,
R1, R2, DRAGAN, orthogonal, historical average; G's: orthogonal, historical average. The alternative to (1)-(2),
one simultaneous update of both players, is `consensus_step`.

d_step / g_step train a classifier D on logits with a loss from LOSSES; energy_d_step / energy_g_step train an
autoencoder D on its reconstruction energies with a loss from ENERGY_LOSSES (BEGAN, EBGAN), with instance noise and
the weight penalties (orthogonal, historical average); the gradient penalties, clipping, unrolling, consensus and
feature matching are classifier-D tricks (config validation says so).

Class-conditional runs pass the labels c [N] of the real batch: D judges (real, c) against (G(z, c), c), so each
class is as frequent among fakes as among reals and a penalty's interpolates lie between a real and a fake of the
same class. With ``ac_weight`` > 0 (AC-GAN, Odena et al. 2017) D's classifier head adds its cross-entropy on reals
and fakes to D's loss, and on fakes to G's (ganforge.losses.auxiliary).

InfoGAN (``info_weight`` = lambda > 0, Chen et al. 2016): D's Q head predicts the codes in z from D.features of G(z);
lambda * info_loss (ganforge.losses.info, the negative mutual-information bound -L_I) is added to D's loss, where it
trains Q and the shared trunk (Q's weights are D's and take D's optimiser), and to G's, where it trains G. D's
real/fake output layer psi never sees it: the term reads the features only.

Semi-supervised GAN (``labelled`` = (x, y), Salimans et al. 2016 Sec. 5): D's logit is log Z = logsumexp of its K
class logits, so loss.d_loss (ns) on reals and fakes is the paper's unsupervised loss, and D adds the supervised
cross-entropy of its class logits on the labelled batch (ganforge.losses.semi).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..config.schema import RegConfig
from ..losses import EnergyLoss, GANLoss, class_accuracy, class_cross_entropy, info_loss, sgan_supervised_loss
from ..losses.energy import autoencoder_energy
from ..losses.tricks import feature_matching_loss
from ..regularizers import (
    HistoricalAverage,
    LazyRegularization,
    add_instance_noise,
    clip_weights,
    dragan_penalty,
    gradient_penalty,
    interpolate,
    orthogonal_regularization,
    squared_grad_norm,
)
from .unrolled import unrolled_critic

Penalties = dict[str, tuple[float, Tensor]]  # name -> (weight, penalty)
Codes = tuple[Tensor | None, Tensor | None]  # InfoGAN's codes of z: (k int64 [N] or None, u [N, m] or None)


def d_step(G: nn.Module, D: nn.Module, opt_D: torch.optim.Optimizer, loss: GANLoss, reg: RegConfig,
           real: Tensor, z: Tensor, c: Tensor | None = None, generator: torch.Generator | None = None, *,
           noise_std: float = 0.0, history: HistoricalAverage | None = None,
           ac_weight: float = 0.0, info_weight: float = 0.0,
           labelled: tuple[Tensor, Tensor] | None = None) -> dict[str, Tensor]:
    """(1) Update D: minimise loss.d_loss(D(x), D(G(z))) + `d_penalties` [+ w (CE_real + CE_fake) for AC-GAN], i.e.
    maximise E f(D(x)) + E g(D(G(z))) under the penalties (and AC-GAN's class log-likelihood L_C). With instance
    noise of std `noise_std` D (and every penalty) sees x + n and G(z) + n'.
    `history` holds D's past weights for historical averaging (the engine updates it after the step).
    InfoGAN: + info_weight * info_loss(Q(G(z)), codes of z). Semi-supervised: + CE(D.classify(x_l), y_l) on
    `labelled` = (x_l, y_l)."""
    with torch.no_grad():
        fake = G(z, c)                                   # G is not updated here: no graph through it
    real, fake = add_instance_noise(real, noise_std, generator), add_instance_noise(fake, noise_std, generator)
    eager = reg.reg_every == 1                           # R1/R2 in this update; lazy ones run in d_reg_step
    if reg.r1_gamma > 0 and eager:
        real = real.detach().requires_grad_(True)        # R1 differentiates this forward; no second D(real)
    if reg.r2_gamma > 0 and eager:
        fake = fake.detach().requires_grad_(True)        # R2 likewise on the fakes
    if ac_weight > 0 or info_weight > 0:                 # one trunk pass feeds both heads
        h_real, h_fake = D.features(real, c), D.features(fake, c)
        real_logits, fake_logits = D.head(h_real, c), D.head(h_fake, c)
    else:
        real_logits, fake_logits = D(real, c), D(fake, c)    # [N], [N]
    loss_D = loss.d_loss(real_logits, fake_logits)
    penalty, reg_stats = weighted_sum(d_penalties(D, reg, real, fake, real_logits, fake_logits, c, generator, history))
    ac_loss, ac_stats = 0.0, {}
    if ac_weight > 0:
        real_class, fake_class = D.classify(h_real), D.classify(h_fake)   # [N, K] each
        ac_real, ac_fake = class_cross_entropy(real_class, c), class_cross_entropy(fake_class, c)
        ac_loss = ac_weight * (ac_real + ac_fake)
        ac_stats = {"ac/real": ac_real.detach(), "ac/fake": ac_fake.detach(),
                    "ac/real_acc": class_accuracy(real_class, c), "ac/fake_acc": class_accuracy(fake_class, c)}
    if info_weight > 0:                                  # Q (and the trunk) learn to read G's codes back
        mi, mi_stats = info_term(D, h_fake, G.latent.codes(z))
        ac_loss = ac_loss + info_weight * mi
        ac_stats.update({f"{k}_D": v for k, v in mi_stats.items()})
    if labelled is not None:                             # supervised CE on the few labelled reals
        x_l, y_l = labelled
        class_logits = D.classify(D.features(x_l))       # [N_l, K]
        sup = sgan_supervised_loss(class_logits, y_l)
        ac_loss = ac_loss + sup
        ac_stats.update({"semi/sup": sup.detach(), "semi/sup_acc": class_accuracy(class_logits, y_l)})
    opt_D.zero_grad(set_to_none=True)
    (loss_D + penalty + ac_loss).backward()
    opt_D.step()
    if reg.clip > 0:
        clip_weights(D, reg.clip)
    return {"loss/D": loss_D.detach(), "D/real": real_logits.detach().mean(), "D/fake": fake_logits.detach().mean(),
            **reg_stats, **ac_stats}


def d_reg_step(G: nn.Module, D: nn.Module, opt_D: torch.optim.Optimizer, reg: RegConfig, real: Tensor, z: Tensor,
               c: Tensor | None = None, *, noise_std: float = 0.0,
               generator: torch.Generator | None = None) -> dict[str, Tensor]:
    """(1b) Lazy R1/R2 (Karras et al. 2020, StyleGAN2, Sec. 3.1 and Appendix B): an extra D update on
    N * (r1_gamma/2 R1(x) + r2_gamma/2 R2(G(z))) alone, run by the engine every N = reg.reg_every D updates, so
    the penalties' average strength per D update is that of the eager ones. The engine builds D's optimiser with
    StyleGAN2's correction for the extra updates (lr * c, Adam betas ** c, c = N / (N + 1))."""
    scale = LazyRegularization(reg.reg_every).weight_scale
    terms: Penalties = {}
    if reg.r1_gamma > 0:
        x = add_instance_noise(real, noise_std, generator).detach().requires_grad_(True)
        terms["r1"] = (0.5 * reg.r1_gamma * scale, squared_grad_norm(D(x, c), x))
    if reg.r2_gamma > 0:
        with torch.no_grad():
            fake = G(z, c)
        x = add_instance_noise(fake, noise_std, generator).detach().requires_grad_(True)
        terms["r2"] = (0.5 * reg.r2_gamma * scale, squared_grad_norm(D(x, c), x))
    penalty, stats = weighted_sum(terms)
    opt_D.zero_grad(set_to_none=True)
    penalty.backward()
    opt_D.step()
    if reg.clip > 0:
        clip_weights(D, reg.clip)
    return stats


def g_step(G: nn.Module, D: nn.Module, opt_G: torch.optim.Optimizer, loss: GANLoss, z: Tensor,
           c: Tensor | None = None, real: Tensor | None = None, *, reg: RegConfig | None = None,
           fm_weight: float = 0.0, fm_only: bool = False, unroll: int = 0,
           opt_D: torch.optim.Optimizer | None = None, noise_std: float = 0.0,
           generator: torch.Generator | None = None, history: HistoricalAverage | None = None,
           ac_weight: float = 0.0, info_weight: float = 0.0) -> dict[str, Tensor]:
    """(2) Update G: minimise `generator_loss` (+ AC-GAN's w CE(D's class logits of G(z, c), c)) + `g_penalties`.
    D is frozen so backward skips its weight gradients.
    With unroll = k > 0 the adversarial term is taken against D advanced k steps by `opt_D`'s rule on this batch
    (`unrolled_critic`, Metz et al. 2017). With instance noise D sees G(z) + n here too: G is trained against the
    D of the noisy distributions (Arjovsky & Bottou 2017, Sec. 3.1: G's gradient is taken at G(z) + noise)."""
    if unroll > 0 and (opt_D is None or real is None):
        raise ValueError("an unrolled G step needs D's optimiser (opt_D) and the real batch")
    requires_grad(D, False)
    fake = add_instance_noise(G(z, c), noise_std, generator)
    if real is not None and (fm_weight > 0 or loss.needs_real_for_g or unroll > 0):
        real = add_instance_noise(real, noise_std, generator)
    critic = unrolled_critic(D, opt_D, loss, real, fake, c, unroll) if unroll > 0 else D
    loss_G, stats = generator_loss(D, loss, fake, real, c, fm_weight=fm_weight, fm_only=fm_only, critic=critic,
                                   ac_weight=ac_weight, info_weight=info_weight,
                                   codes=G.latent.codes(z) if info_weight > 0 else None)
    penalty, reg_stats = weighted_sum(g_penalties(G, reg if reg is not None else RegConfig(), history))
    opt_G.zero_grad(set_to_none=True)
    (loss_G + penalty).backward()
    opt_G.step()
    requires_grad(D, True)
    return {**stats, **reg_stats}


def generator_loss(D: nn.Module, loss: GANLoss, fake: Tensor, real: Tensor | None = None, c: Tensor | None = None,
                   *, fm_weight: float = 0.0, fm_only: bool = False,
                   critic: nn.Module | None = None, ac_weight: float = 0.0, info_weight: float = 0.0,
                   codes: Codes | None = None) -> tuple[Tensor, dict[str, Tensor]]:
    """G's objective on a batch of fakes (with their graph to G):

        loss.g_loss(D'(fake), D'(real)) + fm_weight * ||E f(real) - E f(fake)||^2  [+ ac_weight CE(D.classify(f), c)]
                                                  [+ info_weight info_loss(D.info(f), codes of z)]
                                                                                         f = D.features of the fakes

    the first term dropped when `fm_only` (Salimans et al. 2016 Sec. 3.1 train G on feature matching alone). D' is
    `critic` (an unrolled D) or D; feature matching reads the current D. With D' = D and feature matching on, the
    logits are D.head of the same features: one forward of D on the fakes. Returns (loss, {"loss/G", "loss/G_fm"}).
    """
    critic = D if critic is None else critic
    stats: dict[str, Tensor] = {}
    total: Tensor | None = None
    fake_features = D.features(fake, c) if fm_weight > 0 or ac_weight > 0 or info_weight > 0 else None  # [N, ...]
    if fm_weight > 0:
        if real is None:
            raise ValueError("feature matching needs the real batch")
        real_features = D.features(real, c)
        fm = feature_matching_loss(real_features, fake_features)
        stats["loss/G_fm"] = fm.detach()
        total = fm_weight * fm
    if not fm_only:
        shared = critic is D and fake_features is not None
        fake_logits = D.head(fake_features, c) if shared else critic(fake, c)
        real_logits = critic(real, c) if loss.needs_real_for_g and real is not None else None
        adversarial = loss.g_loss(fake_logits, real_logits)
        total = adversarial if total is None else total + adversarial
    if total is None:
        raise ValueError("G has no objective: fm_only needs fm_weight > 0")
    stats["loss/G"] = total.detach()                     # AC-GAN's class term is logged apart, as ac/G
    if ac_weight > 0:
        ac = class_cross_entropy(D.classify(fake_features), c)
        stats["ac/G"] = ac.detach()
        total = total + ac_weight * ac
    if info_weight > 0:                                  # G keeps its codes readable in its samples
        if codes is None:
            raise ValueError("the mutual-information term needs the codes of the z the fakes came from")
        mi, mi_stats = info_term(D, fake_features, codes)
        stats.update({f"{k}_G": v for k, v in mi_stats.items()})
        total = total + info_weight * mi
    return total, stats


def info_term(D: nn.Module, h_fake: Tensor, codes: Codes) -> tuple[Tensor, dict[str, Tensor]]:
    """InfoGAN's info_loss of Q's prediction from the fakes' features h_fake against the codes (k, u) of their z
    (`LatentPrior.codes`)."""
    cat_logits, cont_mean = D.info(h_fake)
    return info_loss(cat_logits, codes[0], cont_mean, codes[1])


def d_penalties(D: nn.Module, reg: RegConfig, real: Tensor, fake: Tensor, real_logits: Tensor, fake_logits: Tensor,
                c: Tensor | None = None, generator: torch.Generator | None = None,
                history: HistoricalAverage | None = None) -> Penalties:
    """D's penalties at the batch D just judged, name -> (weight, value). R1 and R2 reuse that forward (`real` /
    `fake` must then require grad) unless they are lazy (reg.reg_every > 1: `d_reg_step` runs them)."""
    terms: Penalties = {}
    if reg.gp_weight > 0:  # gp_center 1: WGAN-GP (Gulrajani 2017); 0: zero-centred GP (Thanh-Tung et al. 2019)
        x_hat = interpolate(real.detach(), fake.detach(), generator)
        terms["gp"] = (reg.gp_weight, gradient_penalty(D, x_hat, center=reg.gp_center, c=c))
    if reg.dragan_weight > 0:
        terms["dragan"] = (reg.dragan_weight, dragan_penalty(D, real.detach(), c, generator, scale=reg.dragan_scale))
    if reg.reg_every == 1 and reg.r1_gamma > 0:
        terms["r1"] = (0.5 * reg.r1_gamma, squared_grad_norm(real_logits, real))
    if reg.reg_every == 1 and reg.r2_gamma > 0:
        terms["r2"] = (0.5 * reg.r2_gamma, squared_grad_norm(fake_logits, fake))
    return {**terms, **weight_penalties(D, "d", reg, history)}


def g_penalties(G: nn.Module, reg: RegConfig, history: HistoricalAverage | None = None) -> Penalties:
    """G's penalties, name -> (weight, value): orthogonal regularisation (BigGAN) and historical averaging."""
    return weight_penalties(G, "g", reg, history)


def weight_penalties(net: nn.Module, who: str, reg: RegConfig, history: HistoricalAverage | None = None) -> Penalties:
    """The penalties on a network's weights alone, no data needed (so any D, classifier or autoencoder, takes them):
    orthogonal regularisation when reg.ortho_nets names `who` ("g" or "d"), and historical averaging against
    `history`. Names end in _G / _D."""
    terms: Penalties = {}
    if reg.ortho_weight > 0 and reg.ortho_nets in (who, "both"):
        terms[f"ortho_{who.upper()}"] = (reg.ortho_weight,
                                         orthogonal_regularization(net, off_diagonal=reg.ortho_off_diagonal))
    if history is not None:
        terms[f"hist_{who.upper()}"] = (reg.hist_weight, history.penalty(net))
    return terms


def weighted_sum(terms: Penalties) -> tuple[Tensor | float, dict[str, Tensor]]:
    """(sum of weight * penalty, {"reg/<name>": penalty}); the sum is 0.0 when there are none."""
    total: Tensor | float = 0.0
    for weight, value in terms.values():
        total = total + weight * value
    return total, {f"reg/{name}": value.detach() for name, (_, value) in terms.items()}


def energy_d_step(G: nn.Module, D: nn.Module, opt_D: torch.optim.Optimizer, loss: EnergyLoss, real: Tensor,
                  z: Tensor, c: Tensor | None = None, *, reg: RegConfig | None = None, noise_std: float = 0.0,
                  generator: torch.Generator | None = None,
                  history: HistoricalAverage | None = None) -> dict[str, Tensor]:
    """(1) Update the autoencoder D: minimise loss.d_loss(L(x), L(G(z))) + D's weight penalties with the energy
    L(v) = mean |v - AE(v)|^p, i.e. BEGAN's L(x) - k_t L(G(z)) or EBGAN's L(x) + [m - L(G(z))]^+: reals
    reconstructed well, fakes badly. With instance noise D reconstructs (and is scored on) x + n and G(z) + n'."""
    with torch.no_grad():
        fake = G(z, c)                                                          # no graph through G
    real, fake = add_instance_noise(real, noise_std, generator), add_instance_noise(fake, noise_std, generator)
    energy_real = autoencoder_energy(real, D.autoencode(real, c)[1], loss.power)   # [N]
    energy_fake = autoencoder_energy(fake, D.autoencode(fake, c)[1], loss.power)   # [N]
    loss_D = loss.d_loss(energy_real, energy_fake)
    penalty, reg_stats = weighted_sum(weight_penalties(D, "d", reg if reg is not None else RegConfig(), history))
    opt_D.zero_grad(set_to_none=True)
    (loss_D + penalty).backward()
    opt_D.step()
    return {"loss/D": loss_D.detach(), "energy/real": energy_real.detach().mean(),
            "energy/fake": energy_fake.detach().mean(), **reg_stats}


def energy_g_step(G: nn.Module, D: nn.Module, opt_G: torch.optim.Optimizer, loss: EnergyLoss, z: Tensor,
                  c: Tensor | None = None, *, reg: RegConfig | None = None, noise_std: float = 0.0,
                  generator: torch.Generator | None = None,
                  history: HistoricalAverage | None = None) -> dict[str, Tensor]:
    """(2) Update G: minimise loss.g_loss(L(G(z))) + G's weight penalties, G's samples reconstructed well (+ EBGAN's
    pull-away term on their codes Enc(G(z))). D is frozen. With instance noise D sees G(z) + n, as in `g_step`.
    `energy/fake_G` is L(G(z) + n), the energy BEGAN's k_t update reads."""
    requires_grad(D, False)
    fake = add_instance_noise(G(z, c), noise_std, generator)
    code_fake, reconstruction = D.autoencode(fake, c)
    energy_fake = autoencoder_energy(fake, reconstruction, loss.power)         # [N]
    loss_G, extra = loss.g_loss(energy_fake, code_fake)
    penalty, reg_stats = weighted_sum(g_penalties(G, reg if reg is not None else RegConfig(), history))
    opt_G.zero_grad(set_to_none=True)
    (loss_G + penalty).backward()
    opt_G.step()
    requires_grad(D, True)
    return {"loss/G": loss_G.detach(), "energy/fake_G": energy_fake.detach().mean(), **extra, **reg_stats}


def requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)

"""BiGAN / ALI (Donahue et al. 2016, "Adversarial Feature Learning"; Dumoulin et al. 2016, "Adversarially Learned
Inference"): an encoder E learns to invert G by playing G's side of the game against a D of pairs (x, z).

    real pair (x, E(x)),  x ~ data          fake pair (G(z), z),  z ~ p(z) = G.latent
    V(D, G, E) = E_x[ log D(x, E(x)) ] + E_z[ log(1 - D(G(z), z)) ]          min_{G, E} max_D V

At the optimum the joint distributions of the two pairs match, so E = G^{-1} (Donahue et al. Theorem 2): images map
back to latents, and G(E(x)) reconstructs x although no reconstruction loss is ever trained.

How it is wired. A run is BiGAN when model.encoder is deterministic (z = E(x), Donahue) or gaussian (z = mu(x) +
sigma(x) eps, reparameterised, Dumoulin); the adversarial loss is any logit loss of the registry (loss.name=ns by
default), so BiGAN combines with ns, lsgan, hinge, wgan (+ reg.clip), the relativistic and f-GAN losses alike. That
is a model switch, not a loss name as the VAE's, because the objective stays the loss's: only the players change.
D is `JointDiscriminator` (models/encoder.py), E the family's D trunk with a linear head; E and its optimiser (G's
rate) live in the checkpoint slots 'E' and 'opt_E' that the VAE uses. The steps:

    (1) D:     minimise loss.d_loss(D(x, E(x)), D(G(z), z))                    G and E fixed (no graph to them)
    (2) G, E:  minimise loss.d_loss(D(G(z), z), D(x, E(x)))                     D fixed
i.e. G and E are trained on D's own loss with the labels of the two pairs swapped: the fake pair should be called
real and the real pair fake. Donahue et al. (Sec. 3.4) train G and E exactly so ("inverting" D's labels) because the
literal min_{G,E} V saturates as G's side of a GAN does; for ns it is, per pair,

    softplus(-D(G(z), z)) + softplus(D(x, E(x)))        (= -log D(G(z), z) - log(1 - D(x, E(x))))

For losses whose G side already is -D's loss (wgan), swapping is the same as the literal game. For `minimax` (the
saturating game taken literally, Goodfellow et al. 2014 Eq. 1) G and E minimise V itself, -loss.d_loss(real, fake):
the swap would silently turn it into ns.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..losses import GANLoss
from ..losses.vae import reparameterise
from ..regularizers import clip_weights


def encode_sample(E: nn.Module, x: Tensor, eps: Tensor | None) -> Tensor:
    """z of the real pair: E(x) for a deterministic E; mu(x) + sigma(x) eps for a Gaussian one (eps [N, z_dim])."""
    out = E(x)
    if isinstance(out, tuple):                                # (mu, logvar) of a Gaussian encoder
        if eps is None:
            raise ValueError("a Gaussian encoder's sample needs eps ~ N(0, I) [N, z_dim]")
        return reparameterise(*out, eps)
    return out


def generator_encoder_loss(loss: GANLoss, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """G and E's joint objective (module docstring): D's loss with the pairs swapped, loss.d_loss(fake, real); for
    `minimax` the literal game, -loss.d_loss(real, fake). real_logits = D(x, E(x)), fake_logits = D(G(z), z)."""
    if loss.name == "minimax":
        return -loss.d_loss(real_logits, fake_logits)
    return loss.d_loss(fake_logits, real_logits)


def bigan_d_step(G: nn.Module, D: nn.Module, E: nn.Module, opt_D: torch.optim.Optimizer, loss: GANLoss,
                 real: Tensor, z: Tensor, eps: Tensor | None = None, *, clip: float = 0.0) -> dict[str, Tensor]:
    """(1) Update D: minimise loss.d_loss(D(x, E(x)), D(G(z), z)); G and E are evaluated without a graph, so this
    step never touches their weights or gradients. `clip` > 0: WGAN's weight clipping of D afterwards."""
    with torch.no_grad():
        z_real = encode_sample(E, real, eps)                  # [N, z_dim]
        fake = G(z)                                           # [N, ...]
    real_logits, fake_logits = D(real, z_real), D(fake, z)    # [N], [N]
    loss_D = loss.d_loss(real_logits, fake_logits)
    opt_D.zero_grad(set_to_none=True)
    loss_D.backward()
    opt_D.step()
    if clip > 0:
        clip_weights(D, clip)
    return {"loss/D": loss_D.detach(), "D/real": real_logits.detach().mean(), "D/fake": fake_logits.detach().mean()}


def bigan_ge_step(G: nn.Module, D: nn.Module, E: nn.Module, opt_G: torch.optim.Optimizer,
                  opt_E: torch.optim.Optimizer, loss: GANLoss, real: Tensor, z: Tensor,
                  eps: Tensor | None = None) -> dict[str, Tensor]:
    """(2) Update G and E together on `generator_encoder_loss`; D is frozen (no gradients to its weights)."""
    D.requires_grad_(False)
    try:
        real_logits, fake_logits = D(real, encode_sample(E, real, eps)), D(G(z), z)
        loss_GE = generator_encoder_loss(loss, real_logits, fake_logits)
        opt_G.zero_grad(set_to_none=True)
        opt_E.zero_grad(set_to_none=True)
        loss_GE.backward()
        opt_G.step()
        opt_E.step()
    finally:
        D.requires_grad_(True)
    return {"loss/G": loss_GE.detach()}


@torch.no_grad()
def reconstruction_errors(G: nn.Module, E: nn.Module, x: Tensor, z_prior: Tensor) -> dict[str, float]:
    """How well E inverts G on the data x [N, ...] (training coordinates), as mean squared errors per coordinate:
    recon/mse of G(E.encode(x)) against x, and two baselines that know nothing of x: recon/mse_prior of G(z) at
    z = z_prior [N, z_dim] drawn from the prior (a random latent), recon/mse_mean of the data's mean. Call it with
    G and E in eval mode."""
    def mse(y: Tensor) -> float:
        return float((y - x).pow(2).mean())

    return {"recon/mse": mse(G(E.encode(x))), "recon/mse_prior": mse(G(z_prior)),
            "recon/mse_mean": mse(x.mean(0, keepdim=True).expand_as(x))}


__all__ = ["bigan_d_step", "bigan_ge_step", "encode_sample", "generator_encoder_loss", "reconstruction_errors"]

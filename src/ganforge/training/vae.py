"""The VAE's training step (Kingma & Welling 2014): encoder E and decoder G updated together on one objective.

    (1) mu, logvar = E(x);  z = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)        (reparameterisation)
    (2) minimise  E_x[ -log p(x | z) + beta KL(N(mu, sigma^2) || N(0, I)) ]      over E's and G's weights
        (beta = 1: the negative ELBO; p(x|z) the decoder of losses/vae.py with mean G(z))

The decoder is the family's G, so G(z), z ~ N(0, I) = G.latent, samples the VAE exactly as it samples a GAN.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..losses.vae import gaussian_kl, log_likelihood, reparameterise


def vae_step(G: nn.Module, E: nn.Module, opt_G: torch.optim.Optimizer, opt_E: torch.optim.Optimizer, real: Tensor,
             eps: Tensor, *, beta: float = 1.0, decoder: str = "gaussian",
             decoder_std: float = 1.0) -> dict[str, Tensor]:
    """One joint update of E and G on the batch `real` with the noise `eps` [N, z_dim]; returns detached scalars:
    loss/G (the minimised -ELBO_beta), vae/elbo (beta = 1, nats per sample), vae/recon (-log p(x|z)), vae/kl."""
    mu, logvar = E(real)                                             # [N, z_dim] each
    z = reparameterise(mu, logvar, eps)
    recon = -log_likelihood(real, G(z), decoder, decoder_std)        # [N]
    kl = gaussian_kl(mu, logvar)                                     # [N]
    loss = (recon + beta * kl).mean()
    opt_G.zero_grad(set_to_none=True)
    opt_E.zero_grad(set_to_none=True)
    loss.backward()
    opt_G.step()
    opt_E.step()
    return {"loss/G": loss.detach(), "vae/elbo": -(recon + kl).detach().mean(), "vae/recon": recon.detach().mean(),
            "vae/kl": kl.detach().mean()}


@torch.no_grad()
def reconstruct(G: nn.Module, E: nn.Module, x: Tensor) -> Tensor:
    """The decoder's mean at the encoder's mean, G(mu(x)): what the reconstructions grid shows."""
    return G(E(x)[0])

"""The VAE's training step (Kingma & Welling 2014): encoder E and decoder G updated together on one objective.

    (1) mu, logvar = E(x);  z = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)        (reparameterisation)
    (2) minimise  E_x[ -log p(x | z) + beta KL(N(mu, sigma^2) || N(0, I)) ]      over E's and G's weights
        (beta = 1: the negative ELBO; p(x|z) the decoder of losses/vae.py with mean G(z))

The decoder is the family's G, so G(z), z ~ N(0, I) = G.latent, samples the VAE exactly as it samples a GAN.
`vaegan_step` adds Larsen et al. 2016's D: reconstruction measured on D's features, and D judging x~ and G(z_p).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..losses import GANLoss
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
    """G at the encoder's point estimate, G(E.encode(x)): the VAE's decoder mean at mu(x), BiGAN's G(E(x)); what the
    reconstructions grid shows."""
    return G(E.encode(x))


def vaegan_step(G: nn.Module, D: nn.Module, E: nn.Module, opt_G: torch.optim.Optimizer,
                opt_D: torch.optim.Optimizer, opt_E: torch.optim.Optimizer, loss: GANLoss, real: Tensor, eps: Tensor,
                z_p: Tensor, *, beta: float = 1.0, gamma: float = 1.0) -> dict[str, Tensor]:
    """VAE-GAN (Larsen et al. 2016, Algorithm 1): one forward, then E, G (the decoder) and D updated from the same
    weights with their own objectives:

        z = mu(x) + sigma(x) eps;  x~ = G(z);  x_p = G(z_p), z_p ~ N(0, I)
        L_prior = KL(q(z|x) || N(0, I));  L_llike = 1/2 ||D.features(x) - D.features(x~)||^2   (a Gaussian on D's
        features: the "learned similarity"; summed over features, averaged over the batch)
        E:  min beta L_prior + L_llike
        G:  min gamma L_llike + loss.g_loss(D(x~), D(x_p))    (the adversarial term on both kinds of fakes)
        D:  min loss.d_loss(D(x), D([x~, x_p]))                (D is not trained on L_llike)
    """
    mu, logvar = E(real)
    fake_rec = G(reparameterise(mu, logvar, eps))                    # x~ [N, ...]
    fake_p = G(z_p)                                                  # x_p [N, ...]
    h_real, h_rec, h_p = D.features(real), D.features(fake_rec), D.features(fake_p)
    real_logits, fake_logits = D.head(h_real), torch.cat([D.head(h_rec), D.head(h_p)])
    kl = gaussian_kl(mu, logvar).mean()
    llike = 0.5 * (h_real - h_rec).pow(2).flatten(1).sum(1).mean()
    loss_E = beta * kl + llike
    loss_G = gamma * llike + loss.g_loss(fake_logits, real_logits if loss.needs_real_for_g else None)
    loss_D = loss.d_loss(real_logits, fake_logits)
    updates = ((E, opt_E, loss_E), (G, opt_G, loss_G), (D, opt_D, loss_D))
    grads = [torch.autograd.grad(objective, list(net.parameters()), retain_graph=True, allow_unused=True)
             for net, _, objective in updates]                       # all at the same weights, then all steps
    for (net, opt, _), net_grads in zip(updates, grads):
        opt.zero_grad(set_to_none=True)
        for p, g in zip(net.parameters(), net_grads):
            p.grad = g
        opt.step()
    return {"loss/D": loss_D.detach(), "loss/G": loss_G.detach(), "loss/E": loss_E.detach(), "vae/kl": kl.detach(),
            "vaegan/llike": llike.detach(), "D/real": real_logits.detach().mean(),
            "D/fake": fake_logits.detach().mean()}

"""The VAE's objective as pure functions (Kingma & Welling 2014, "Auto-Encoding Variational Bayes"):

    ELBO(x) = E_{q(z|x)} log p(x|z) - KL(q(z|x) || p(z)) <= log p(x),   q(z|x) = N(mu(x), diag sigma(x)^2),
    p(z) = N(0, I);  the VAE minimises E_x[-log p(x|z) + beta KL]  (beta = 1: the ELBO; beta > 1: beta-VAE,
    Higgins et al. 2017), with z = mu + sigma * eps, eps ~ N(0, I) (the reparameterisation trick, Sec. 2.4).

Every function returns one value per sample, [N], summed over the data or latent dimensions; the step averages.
Decoders (p(x|z), the mean of which is G(z) in [-1, 1] for images):
    gaussian:   N(x; G(z), s^2 I) with a fixed std s (loss.decoder_std), in the data's training coordinates;
    bernoulli:  images only. Pixels x in [-1, 1] are mapped to p-targets (x + 1) / 2 in [0, 1], the decoder's
                Bernoulli mean is (G(z) + 1) / 2 (G's tanh output mapped the same way), and the log-likelihood is
                the binary cross-entropy with those soft targets (Kingma & Welling's MNIST likelihood; for grey
                pixels it is not a normalised density, the usual practice). Samples are the mean image G(z).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

DECODERS = ("gaussian", "bernoulli")
BERNOULLI_EPS = 1e-6  # keeps log p finite where tanh saturates at +-1


def reparameterise(mu: Tensor, logvar: Tensor, eps: Tensor) -> Tensor:
    """z = mu + sigma * eps with sigma = exp(logvar / 2): a sample of N(mu, sigma^2) differentiable in mu, logvar."""
    return mu + torch.exp(0.5 * logvar) * eps


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(mu, diag exp(logvar)) || N(0, I)) = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)  [N]
    (Kingma & Welling 2014, Appendix B)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).flatten(1).sum(1)


def gaussian_log_likelihood(x: Tensor, mean: Tensor, std: float) -> Tensor:
    """log N(x; mean, std^2 I) = -||x - mean||^2 / (2 std^2) - d/2 log(2 pi std^2)  [N], d = dims per sample."""
    d = x[0].numel()
    sq = (x - mean).pow(2).flatten(1).sum(1)
    return -sq / (2 * std**2) - 0.5 * d * math.log(2 * math.pi * std**2)


def bernoulli_log_likelihood(x: Tensor, mean: Tensor) -> Tensor:
    """sum_j t_j log p_j + (1 - t_j) log(1 - p_j)  [N] with t = (x + 1) / 2 and p = (mean + 1) / 2: images in
    [-1, 1] read as Bernoulli probabilities in [0, 1] (see the module docstring)."""
    t = (x + 1) / 2
    p = ((mean + 1) / 2).clamp(BERNOULLI_EPS, 1 - BERNOULLI_EPS)
    return (t * p.log() + (1 - t) * (1 - p).log()).flatten(1).sum(1)


def log_likelihood(x: Tensor, mean: Tensor, decoder: str, std: float = 1.0) -> Tensor:
    """log p(x|z) [N] of the decoder named `decoder` (gaussian, bernoulli) whose mean is `mean` = G(z)."""
    if decoder == "gaussian":
        return gaussian_log_likelihood(x, mean, std)
    if decoder == "bernoulli":
        return bernoulli_log_likelihood(x, mean)
    raise ValueError(f"unknown VAE decoder '{decoder}'; known: {', '.join(DECODERS)}")


__all__ = ["DECODERS", "bernoulli_log_likelihood", "gaussian_kl", "gaussian_log_likelihood", "log_likelihood",
           "reparameterise"]

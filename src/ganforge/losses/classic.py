"""The classic adversarial losses of the lecture table. D outputs logits l = D(x); sigma is the logistic function.

| loss     | D maximises                                   | G minimises                 | paper                  |
|----------|-----------------------------------------------|-----------------------------|------------------------|
| minimax  | E log sigma(l_r) + E log(1 - sigma(l_f))       | E log(1 - sigma(l_f))       | Goodfellow et al. 2014 |
| ns       | same                                          | -E log sigma(l_f)           | Goodfellow et al. 2014 |
| wgan     | E l_r - E l_f                                 | -E l_f                      | Arjovsky et al. 2017   |
| lsgan    | -E (l_r - 1)^2 - E l_f^2   (a=0, b=1, c=1)    | E (l_f - 1)^2 (x 1/2 both)  | Mao et al. 2017        |
| hinge    | -E relu(1 - l_r) - E relu(1 + l_f)            | -E l_f                      | Lim & Ye 2017          |

log sigma(l) is computed as -softplus(-l) and log(1 - sigma(l)) as -softplus(l): exact and never log(0).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from . import LOSSES
from .base import GANLoss


def bce_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """-[E log D(x) + E log(1 - D(G(z)))] with D = sigma(logits): binary cross-entropy, real = 1, fake = 0."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def minimax_g_loss(fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
    """E log(1 - D(G(z))): the original, saturating objective. Its gradient dies when D rejects fakes confidently:
    d/dl log(1 - sigma(l)) = -sigma(l) -> 0 as l -> -inf."""
    return -F.softplus(fake_logits).mean()


def ns_g_loss(fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
    """-E log D(G(z)): the non-saturating fix. d/dl = -(1 - sigma(l)) -> -1 as l -> -inf, so G keeps learning."""
    return F.softplus(-fake_logits).mean()


def wasserstein_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """-(E D(x) - E D(G(z))): the critic's estimate of W1, valid when D is 1-Lipschitz (clipping or GP)."""
    return fake_logits.mean() - real_logits.mean()


def wasserstein_g_loss(fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
    """-E D(G(z))."""
    return -fake_logits.mean()


def least_squares_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """1/2 E (D(x) - 1)^2 + 1/2 E D(G(z))^2 (LSGAN with a = 0, b = 1; minimising Pearson chi^2 when b - c = 1)."""
    return 0.5 * ((real_logits - 1).pow(2).mean() + fake_logits.pow(2).mean())


def least_squares_g_loss(fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
    """1/2 E (D(G(z)) - 1)^2 (c = 1)."""
    return 0.5 * (fake_logits - 1).pow(2).mean()


def hinge_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """E relu(1 - D(x)) + E relu(1 + D(G(z)))."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


LOSSES.add("minimax", GANLoss("minimax", bce_d_loss, minimax_g_loss,
                              "original saturating: G minimises E log(1 - D(G(z)))"))
LOSSES.add("ns", GANLoss("ns", bce_d_loss, ns_g_loss, "non-saturating: G maximises E log D(G(z))"))
LOSSES.add("wgan", GANLoss("wgan", wasserstein_d_loss, wasserstein_g_loss,
                           "Wasserstein critic: E D(x) - E D(G(z)), needs a Lipschitz constraint"))
LOSSES.add("lsgan", GANLoss("lsgan", least_squares_d_loss, least_squares_g_loss,
                            "least squares, 0-1 coding"))
LOSSES.add("hinge", GANLoss("hinge", hinge_d_loss, wasserstein_g_loss, "hinge D, linear G"))

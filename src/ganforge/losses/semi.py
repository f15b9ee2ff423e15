"""The semi-supervised GAN's discriminator loss (Salimans et al. 2016, "Improved Techniques for Training GANs",
Sec. 5). D is a K-class classifier with logits l_1..l_K; "generated" is an implicit class K+1 whose logit is fixed
at 0, so

    p(y = K+1 | x) = 1 / (Z(x) + 1),   D(x) = p(real | x) = Z(x) / (Z(x) + 1),   Z(x) = sum_k exp l_k(x),

i.e. D's real/fake logit is log Z(x) = logsumexp_k l_k(x). D minimises

    L = L_supervised + L_unsupervised
    L_supervised   = -E_{(x, y) labelled} log p(y | x, y < K+1)   = CE(l(x), y)
    L_unsupervised = -E_{x unlabelled} log D(x) - E_{z} log(1 - D(G(z)))
                   = E softplus(-log Z(x)) + E softplus(log Z(G(z)))

the unsupervised part being the GAN's BCE loss on the logits log Z. G is trained by feature matching (Sec. 3.1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def sgan_logit(class_logits: Tensor) -> Tensor:
    """D's real/fake logit log Z(x) = logsumexp_k l_k(x): class_logits [N, K] -> [N]; higher = more real."""
    return torch.logsumexp(class_logits, dim=1)


def sgan_unsupervised_loss(real_class_logits: Tensor, fake_class_logits: Tensor) -> Tensor:
    """-E log D(x) - E log(1 - D(G(z))) with D = Z / (Z + 1): unlabelled reals and fakes, [N, K] logits each."""
    return F.softplus(-sgan_logit(real_class_logits)).mean() + F.softplus(sgan_logit(fake_class_logits)).mean()


def sgan_supervised_loss(class_logits: Tensor, y: Tensor) -> Tensor:
    """-E log p(y | x, y < K+1) = CE(l(x), y) on the labelled batch: class_logits [N, K], y int64 [N]."""
    return F.cross_entropy(class_logits, y)


__all__ = ["sgan_logit", "sgan_supervised_loss", "sgan_unsupervised_loss"]

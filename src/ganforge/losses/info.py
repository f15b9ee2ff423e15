"""InfoGAN's mutual-information term (Chen et al. 2016, "InfoGAN: Interpretable Representation Learning by
Information Maximizing Generative Adversarial Nets", Sec. 5). With codes c in z and an auxiliary distribution
Q(c | x) sharing D's trunk, the variational lower bound

    L_I(G, Q) = E_{c ~ p(c), x ~ G(z, c)} [log Q(c | x)] + H(c)  <=  I(c; G(z, c))

is maximised by both G and Q: min_{G, Q} max_D V(D, G) - lambda L_I(G, Q). As a minimised loss (H(c) is a constant):

    info_loss = CE(Q's category logits, k)                 categorical code k ~ U{0..K-1}
              + mean_j 1/2 (u_j - mu_j(x))^2 summed over j   continuous codes u ~ U[-1, 1]^m, Q(u | x) = N(mu(x), I)

The continuous codes' Q is a factored Gaussian with unit std (the released InfoGAN code's fix_std=True), so
-log Q(u | x) = 1/2 ||u - mu(x)||^2 + const. Not in the loss registry: the training step adds lambda * info_loss to G's
loss and to D's (Q's weights live in D, trained by D's optimiser).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def info_loss(cat_logits: Tensor | None, k: Tensor | None, cont_mean: Tensor | None,
              u: Tensor | None) -> tuple[Tensor, dict[str, Tensor]]:
    """-(L_I - H(c)) up to constants: cat_logits [N, K] with k int64 [N]; cont_mean, u [N, m]. Either pair may be
    None (no such code). Returns (loss, detached {"info/cat", "info/cont"} parts)."""
    total, stats = None, {}
    if cat_logits is not None and k is not None:
        cat = F.cross_entropy(cat_logits, k)
        total, stats["info/cat"] = cat, cat.detach()
    if cont_mean is not None and u is not None:
        if cont_mean.shape != u.shape:
            raise ValueError(f"Q's continuous means {tuple(cont_mean.shape)} do not match the codes {tuple(u.shape)}")
        cont = 0.5 * (u - cont_mean).pow(2).sum(1).mean()
        total = cont if total is None else total + cont
        stats["info/cont"] = cont.detach()
    if total is None:
        raise ValueError("the mutual-information term needs codes: model.z_categories >= 2 or model.z_continuous > 0")
    return total, stats


__all__ = ["info_loss"]

"""AC-GAN's auxiliary classifier loss (Odena, Olah & Shlens 2017, "Conditional Image Synthesis with Auxiliary
Classifier GANs", Sec. 3). D has two outputs, P(S | X) (real or fake: its logit) and P(C | X) (the class); with

    L_S = E[log P(S = real | X_real)] + E[log P(S = fake | X_fake)]
    L_C = E[log P(C = c | X_real)] + E[log P(C = c | X_fake)]

D maximises L_S + L_C and G maximises L_C - L_S. As minimised losses, for any adversarial loss in place of L_S:

    D:  d_loss(real_logits, fake_logits) + w (CE(real_class_logits, c) + CE(fake_class_logits, c_fake))
    G:  g_loss(fake_logits)              + w  CE(fake_class_logits, c_fake)

with w = loss.ac_weight (1 in the paper). Not in the loss registry: it is added to whichever adversarial loss is
chosen, by the training step.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ..nn.conditional import check_labels


def class_cross_entropy(class_logits: Tensor, c: Tensor) -> Tensor:
    """-E log P(C = c | x) = E[-log softmax(class_logits)_c]: class_logits [N, K], c int64 [N] in [0, K)."""
    if class_logits.ndim != 2:
        raise ValueError(f"class_logits must be [N, K], got {tuple(class_logits.shape)}")
    c = check_labels(c, class_logits.shape[1], class_logits.shape[0], "the auxiliary classifier")
    return F.cross_entropy(class_logits, c)


def class_accuracy(class_logits: Tensor, c: Tensor) -> Tensor:
    """Fraction of rows whose largest class logit is at c (a detached scalar, for logging)."""
    return (class_logits.detach().argmax(1) == c).float().mean()


__all__ = ["class_accuracy", "class_cross_entropy"]

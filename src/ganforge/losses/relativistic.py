"""Relativistic discriminators (Jolicoeur-Martineau 2018, "The relativistic discriminator: a key element missing
from standard GAN", arXiv:1807.00734). D still returns logits C(x), higher = more real, but the loss asks how much
more real a real sample looks than a fake one, not whether each is real on its own.

rsgan (real and fake paired one to one in the batch):
    D: -E log sigma(C(x_r) - C(x_f))            G: -E log sigma(C(x_f) - C(x_r))
ragan (each sample against the other batch's mean logit):
    D: -E_r log sigma(C(x_r) - E_f C(x_f)) - E_f log(1 - sigma(C(x_f) - E_r C(x_r)))
    G: -E_f log sigma(C(x_f) - E_r C(x_r)) - E_r log(1 - sigma(C(x_r) - E_f C(x_f)))     (roles swapped)

With -log sigma(a) = softplus(-a) and -log(1 - sigma(a)) = softplus(a) every term is exact and finite.
The batch means E_f C(x_f), E_r C(x_r) are *not* detached, as in the paper's code: gradients reach every logit.
Adding one constant to all logits changes nothing (only differences enter), so D has no absolute "realness" to
saturate. Both losses read the real logits in the G step: ``needs_real_for_g=True``.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from . import LOSSES
from .base import GANLoss


def _require_real(real_logits: Tensor | None, name: str) -> Tensor:
    # The step passes None when it has no real batch in the G step; a relativistic G loss is undefined then.
    if real_logits is None:
        raise ValueError(f"the {name} generator loss compares fakes with reals: pass real_logits (D(real)) to g_loss")
    return real_logits


def _require_pairs(a: Tensor, b: Tensor) -> None:
    if a.shape != b.shape:
        raise ValueError(f"rsgan pairs real and fake logits one to one; got shapes {tuple(a.shape)} "
                         f"and {tuple(b.shape)}")


def rsgan_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """RSGAN D loss: -E log sigma(C(x_r) - C(x_f)) = E softplus(C(x_f) - C(x_r)), the i-th real with the i-th fake."""
    _require_pairs(real_logits, fake_logits)
    return F.softplus(fake_logits - real_logits).mean()


def rsgan_g_loss(fake_logits: Tensor, real_logits: Tensor | None) -> Tensor:
    """RSGAN G loss: -E log sigma(C(x_f) - C(x_r)) = E softplus(C(x_r) - C(x_f))."""
    real_logits = _require_real(real_logits, "rsgan")
    _require_pairs(real_logits, fake_logits)
    return F.softplus(real_logits - fake_logits).mean()


def _relativistic_average(first: Tensor, second: Tensor) -> Tensor:
    """-E_1 log sigma(C_1 - E C_2) - E_2 log(1 - sigma(C_2 - E C_1)): 'first' should look more real than 'second'."""
    return F.softplus(second.mean() - first).mean() + F.softplus(second - first.mean()).mean()


def ragan_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """RaGAN D loss: -E_r log sigma(C(x_r) - E_f C(x_f)) - E_f log(1 - sigma(C(x_f) - E_r C(x_r)))."""
    return _relativistic_average(real_logits, fake_logits)


def ragan_g_loss(fake_logits: Tensor, real_logits: Tensor | None) -> Tensor:
    """RaGAN G loss: -E_f log sigma(C(x_f) - E_r C(x_r)) - E_r log(1 - sigma(C(x_r) - E_f C(x_f))).

    The second term depends on G through E_f C(x_f): G also learns from the real batch (the paper's point)."""
    return _relativistic_average(fake_logits, _require_real(real_logits, "ragan"))


LOSSES.add("rsgan", GANLoss("rsgan", rsgan_d_loss, rsgan_g_loss,
                            "relativistic standard: sigma(C(x_r) - C(x_f)), pairs in the batch",
                            needs_real_for_g=True))
LOSSES.add("ragan", GANLoss("ragan", ragan_d_loss, ragan_g_loss,
                            "relativistic average: sigma(C(x_r) - E C(x_f)) and sigma(C(x_f) - E C(x_r))",
                            needs_real_for_g=True))

"""The shape every adversarial loss has.

The lecture table writes a GAN as
    max_D  E_x[f(D(x))] + E_z[g(D(G(z)))]        min_G  E_z[h(D(G(z)))]
and a loss here is the pair of *minimised* quantities:
    d_loss(real_logits, fake_logits) = -(E[f(real_logits)] + E[g(fake_logits)])
    g_loss(fake_logits, real_logits) =   E[h(fake_logits)]
``real_logits`` is passed to g_loss too, for losses that compare real and fake (relativistic GANs); the classic
ones ignore it. Neither function calls backward: the training step does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor


@dataclass(frozen=True)
class GANLoss:
    name: str
    d_loss: Callable[[Tensor, Tensor], Tensor]            # (real_logits [N], fake_logits [N]) -> scalar
    g_loss: Callable[[Tensor, Tensor | None], Tensor]     # (fake_logits [N], real_logits [N] or None) -> scalar
    summary: str = ""                                     # one line for `ganforge presets` and docs
    needs_real_for_g: bool = False                        # g_loss reads real_logits (D must see reals in the G step)

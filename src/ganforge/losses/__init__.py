"""Adversarial losses as pure functions of discriminator logits, found by name: ``LOSSES.get("hinge")``.

Sign convention, everywhere in ganforge: D returns logits (a real number per sample); higher = more real.
"""

from ..registry import Registry
from .base import GANLoss

LOSSES: Registry[GANLoss] = Registry("loss")

from . import classic  # noqa: E402, F401  (registers minimax, ns, wgan, lsgan, hinge)

__all__ = ["LOSSES", "GANLoss"]

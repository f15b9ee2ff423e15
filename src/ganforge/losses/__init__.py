"""Adversarial losses as pure functions of discriminator logits, found by name: ``LOSSES.get("hinge")``.

Sign convention, everywhere in ganforge: D returns logits (a real number per sample); higher = more real.
The energy losses (BEGAN, EBGAN) are in ``ENERGY_LOSSES``: they need an autoencoder D, whose logit is -energy.
"""

from ..registry import Registry
from .base import GANLoss

LOSSES: Registry[GANLoss] = Registry("loss")

# Importing a module registers its losses: classic (minimax, ns, wgan, lsgan, hinge), relativistic (rsgan, ragan),
# fgan (fgan-tv, fgan-kl, ..., fgan-gan).
from . import classic, fgan, relativistic  # noqa: E402, F401
from .auxiliary import class_accuracy, class_cross_entropy  # noqa: E402
from .energy import ENERGY_LOSSES, EnergyLoss  # noqa: E402  (began, ebgan: losses of an autoencoder D's energies)
from .fgan import DIVERGENCES, fgan_divergence_estimate  # noqa: E402
from .info import info_loss  # noqa: E402  (InfoGAN's mutual-information term)
from .semi import sgan_logit, sgan_supervised_loss, sgan_unsupervised_loss  # noqa: E402  (semi-supervised GAN)

__all__ = ["DIVERGENCES", "ENERGY_LOSSES", "LOSSES", "EnergyLoss", "GANLoss", "class_accuracy", "class_cross_entropy",
           "fgan_divergence_estimate", "info_loss", "sgan_logit", "sgan_supervised_loss", "sgan_unsupervised_loss"]

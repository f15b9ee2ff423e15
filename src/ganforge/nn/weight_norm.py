"""Weight normalisation (Salimans & Kingma 2016, "Weight Normalization: A Simple Reparameterization to Accelerate
Training of Deep Neural Networks"): each output unit's weight vector is w = g * v / ||v||, with the direction v and
the gain g trained separately. Salimans et al. 2016 (improved GANs) use it in every layer of their semi-supervised
MNIST discriminator.

We use torch's parametrization (torch.nn.utils.parametrizations.weight_norm, dim 0 = output units, the norm over
everything else), so state_dict / deepcopy carry g (``parametrizations.weight.original0``) and v (``original1``).
The gain starts at ||v||, so a layer computes at first exactly what it did before; the papers' data-dependent
initialisation (g and the bias set from a first batch so pre-activations start at zero mean, unit variance) is not
done. Apply weight norm *before* loading a checkpoint of a weight-normalised network.
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm as _torch_weight_norm

_NORMALISED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def apply_weight_norm(module: nn.Module) -> nn.Module:
    """Weight-normalise every Linear and Conv layer inside `module` (in place; returns it). Layers that already
    carry a parametrization of their weight (spectral norm) are an error: the two normalisations do not stack."""
    for layer in list(module.modules()):
        if isinstance(layer, _NORMALISED):
            if parametrize.is_parametrized(layer, "weight"):
                raise ValueError(f"{type(layer).__name__} already has a parametrized weight (spectral norm?); "
                                 f"weight norm and spectral norm do not stack")
            _torch_weight_norm(layer, name="weight", dim=0)
    return module


def is_weight_normalised(layer: nn.Module) -> bool:
    """True when `layer`'s weight is computed as g * v / ||v|| by apply_weight_norm."""
    return parametrize.is_parametrized(layer, "weight") and any(
        type(p).__name__ == "_WeightNorm" for p in layer.parametrizations["weight"])


__all__ = ["apply_weight_norm", "is_weight_normalised"]

"""Training tricks of Salimans et al. 2016 ("Improved Techniques for Training GANs", arXiv:1606.03498) that are
losses: one-sided label smoothing (Sec. 3.4) and feature matching (Sec. 3.1). Historical averaging is a penalty
(`ganforge.regularizers.HistoricalAverage`); minibatch discrimination and virtual batch norm are layers (`ganforge.nn`).
"""

from __future__ import annotations

import dataclasses
from functools import partial

import torch.nn.functional as F
from torch import Tensor

from .base import GANLoss
from .classic import bce_d_loss


def label_smoothing_d_loss(real_logits: Tensor, fake_logits: Tensor, real_target: float = 0.9) -> Tensor:
    """BCE D loss with the real target smoothed to `real_target` and the fake target left at 0 (one-sided):

        -E[a log sigma(l_r) + (1 - a) log(1 - sigma(l_r))] - E[log(1 - sigma(l_f))],   a = real_target

    The optimal D becomes a * p_data / (p_data + p_model) instead of p_data / (p_data + p_model); smoothing the fake
    side too would put (1 - a) p_model in the numerator and reward fakes where there is no data, hence one-sided.
    Written with softplus: -log sigma(l) = softplus(-l), -log(1 - sigma(l)) = softplus(l).
    """
    if not 0.0 <= real_target <= 1.0:
        raise ValueError(f"real_target must be in [0, 1], got {real_target}")
    real = real_target * F.softplus(-real_logits) + (1 - real_target) * F.softplus(real_logits)
    return real.mean() + F.softplus(fake_logits).mean()


def smooth_real_labels(loss: GANLoss, real_label: float) -> GANLoss:
    """`loss` with D's real target smoothed to `real_label` (`label_smoothing_d_loss`); G's loss is unchanged.
    real_label = 1 returns `loss` itself. Only a BCE D loss (ns, minimax) has a target to smooth."""
    if real_label == 1.0:
        return loss
    if loss.d_loss is not bce_d_loss:
        raise ValueError(f"one-sided label smoothing needs a BCE D loss (ns, minimax); '{loss.name}' has none")
    return dataclasses.replace(loss, name=f"{loss.name}+real_label={real_label:g}",
                               d_loss=partial(label_smoothing_d_loss, real_target=real_label))


def feature_matching_loss(real_features: Tensor, fake_features: Tensor) -> Tensor:
    """G's feature matching loss ||E_x f(x) - E_z f(G(z))||_2^2 on an intermediate D feature f: [N, ...] each
    (flattened per sample; batch sizes may differ). The means are over the batch, the norm over features.

    Compute real_features under torch.no_grad() (they do not depend on G) and keep D frozen in the G step."""
    diff = real_features.flatten(1).mean(0) - fake_features.flatten(1).mean(0)
    return diff.pow(2).sum()

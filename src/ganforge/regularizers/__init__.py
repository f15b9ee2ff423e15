"""Penalties returned as tensors (the step adds them to D's loss) and constraints applied after an update.

None of them calls backward."""

from .gradient_penalty import (
    dragan_penalty,
    dragan_perturb,
    gradient_penalty,
    interpolate,
    r1_penalty,
    r2_penalty,
    squared_grad_norm,
    zero_centered_gp,
)
from .historical import HistoricalAverage
from .instance_noise import add_instance_noise, instance_noise_std
from .lazy import LazyRegularization
from .orthogonal import orthogonal_penalty_matrix, orthogonal_regularization
from .weight_clip import clip_weights

__all__ = ["HistoricalAverage", "LazyRegularization", "add_instance_noise", "clip_weights", "dragan_penalty",
           "dragan_perturb", "gradient_penalty", "instance_noise_std", "interpolate", "orthogonal_penalty_matrix",
           "orthogonal_regularization", "r1_penalty", "r2_penalty", "squared_grad_norm", "zero_centered_gp"]

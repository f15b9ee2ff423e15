"""Penalties returned as tensors (the step adds them to D's loss) and constraints applied after an update.

None of them calls backward."""

from .gradient_penalty import gradient_penalty, interpolate
from .weight_clip import clip_weights

__all__ = ["clip_weights", "gradient_penalty", "interpolate"]

"""Image-array helpers shared by the built-in image datasets (digits, MNIST): resolution and channels."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .base import DataError


def check_resolution(resolution: int | None, name: str) -> int | None:
    """``data.resolution`` must be a positive int (or None for the dataset's native size)."""
    if resolution is None:
        return None
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 1:
        raise DataError(f"{name}: data.resolution must be a positive integer (or unset for the native size), "
                        f"got {resolution!r}")
    return resolution


def resize_square(images: Tensor, size: int, chunk: int = 4096) -> Tensor:
    """Resize uint8 [N, C, H, W] images to [N, C, size, size] with antialiased bilinear interpolation.

    torch's ``interpolate(mode="bilinear", antialias=True)`` follows PIL's BILINEAR filter: plain bilinear
    when upsampling, a triangle filter widened by the scale factor when downsampling (so no aliasing).
    Results are rounded to the nearest integer and clipped to 0..255. Works in chunks so 60k MNIST images at
    64x64 need only chunk-sized float buffers.
    """
    if images.dtype != torch.uint8 or images.ndim != 4:
        raise DataError(f"resize_square expects uint8 [N, C, H, W], got {images.dtype} {tuple(images.shape)}")
    if images.shape[-2:] == (size, size):
        return images
    out = torch.empty((images.shape[0], images.shape[1], size, size), dtype=torch.uint8)
    for start in range(0, len(images), chunk):
        x = images[start:start + chunk].float()
        y = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        out[start:start + chunk] = y.round_().clamp_(0, 255).to(torch.uint8)
    return out


def gray_to_channels(images: Tensor, channels: int | None, name: str) -> Tensor:
    """Grayscale [N, 1, H, W] images as 1 channel (default) or 3 identical channels (``data.channels=3``)."""
    if channels is None or channels == 1:
        return images
    if channels == 3:
        return images.expand(-1, 3, -1, -1).contiguous()
    raise DataError(f"{name}: data.channels must be 1 or 3 (or unset for 1), got {channels!r}")

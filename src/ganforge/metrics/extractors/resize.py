"""Resizing images to a feature network's input size, with the resampler named explicitly.

The resampler changes FID by whole points (Parmar et al. 2022, "On Aliased Resizing and Surprising
Subtleties in GAN Evaluation"), so every score records which one ran. Modes:

- ``tf1-bilinear``: TensorFlow 1.x ``tf.image.resize_bilinear(align_corners=False)``, the resize inside the
  original TF FID/IS graphs and torch-fidelity's default. It maps output pixel ``d`` to input coordinate
  ``s = d * in/out`` (the legacy "asymmetric" mapping, no half-pixel offset) and interpolates linearly between
  ``floor(s)`` and ``min(floor(s) + 1, in - 1)``.
- ``bilinear``, ``bicubic``, ``nearest``: ``torch.nn.functional.interpolate(align_corners=False,
  antialias=False)``; ``bilinear`` is what pytorch-fid does (half-pixel centres, so it is NOT tf1-bilinear).
- ``pil-bicubic``: PIL's antialiased bicubic on float32 pixels, one channel at a time, as clean-fid does.

All modes take and return float [N, C, H, W] on the 0..255 scale; none clamps (bicubic may overshoot slightly,
as it does in PIL and in clean-fid).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from ...registry import UnknownNameError, unknown_name_message

RESIZE_MODES = ("tf1-bilinear", "bilinear", "bicubic", "nearest", "pil-bicubic")


def check_resize_mode(mode: str) -> str:
    """`mode` if it is in RESIZE_MODES, else an UnknownNameError (KeyError and ValueError) listing them."""
    if mode not in RESIZE_MODES:
        raise UnknownNameError(unknown_name_message("resize mode", mode, list(RESIZE_MODES)))
    return mode


def _tf1_source_coords(in_size: int, out_size: int, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
    """(lo, hi, frac) per output index d: s = d * (in/out) in float32 (as TF computes it), lo = floor(s)."""
    scale = torch.tensor(in_size / out_size, dtype=torch.float32)
    src = torch.arange(out_size, dtype=torch.float32, device=device) * scale.to(device)
    lo = src.floor().long().clamp(max=in_size - 1)  # src >= 0; the clamp only guards float rounding
    hi = (lo + 1).clamp(max=in_size - 1)            # TF clamps the upper neighbour at the last pixel
    return lo, hi, src - lo.to(torch.float32)


def resize_bilinear_tf1(x: Tensor, size: tuple[int, int]) -> Tensor:
    """TensorFlow 1.x ``resize_bilinear`` with ``align_corners=False, half_pixel_centers=False``.

    x: float [N, C, H, W] -> float [N, C, size[0], size[1]]. Follows the kernel in TF's
    ``core/kernels/resize_bilinear_op.cc`` (legacy scaler ``in = out_index * in_size / out_size``): it
    interpolates along x first (top row, bottom row), then along y, in that order, so float32 results match.
    """
    assert x.ndim == 4 and x.is_floating_point(), f"expected float [N, C, H, W], got {x.dtype} {x.shape}"
    out_h, out_w = size
    y_lo, y_hi, dy = _tf1_source_coords(x.shape[2], out_h, x.device)
    x_lo, x_hi, dx = _tf1_source_coords(x.shape[3], out_w, x.device)
    dx = dx.to(x.dtype).view(1, 1, 1, out_w)
    dy = dy.to(x.dtype).view(1, 1, out_h, 1)

    def lerp_x(rows: Tensor) -> Tensor:  # rows [N, C, out_h, W] -> [N, C, out_h, out_w]
        left = rows.index_select(3, x_lo)
        return left + (rows.index_select(3, x_hi) - left) * dx

    top = lerp_x(x.index_select(2, y_lo))
    bottom = lerp_x(x.index_select(2, y_hi))
    return top + (bottom - top) * dy


def _resize_pil_bicubic(x: Tensor, size: tuple[int, int]) -> Tensor:
    """PIL bicubic (antialiased when shrinking) per channel on float32 'F' images, as clean-fid's resizer."""
    out_h, out_w = size
    arr = x.detach().to("cpu", torch.float32).numpy()
    out = np.empty((arr.shape[0], arr.shape[1], out_h, out_w), dtype=np.float32)
    for i in range(arr.shape[0]):
        for c in range(arr.shape[1]):
            img = Image.fromarray(np.ascontiguousarray(arr[i, c]))  # float32 -> mode "F": no 8-bit rounding
            out[i, c] = np.asarray(img.resize((out_w, out_h), resample=Image.Resampling.BICUBIC))
    return torch.from_numpy(out).to(device=x.device, dtype=x.dtype)


def resize_images(x: Tensor, size: tuple[int, int], mode: str = "tf1-bilinear") -> Tensor:
    """Resize float [N, C, H, W] (0..255 scale) to `size` = (H', W') with resampler `mode` (see RESIZE_MODES).

    Returns `x` unchanged when it already has the target size: every mode is the identity there.
    """
    check_resize_mode(mode)
    assert x.ndim == 4 and x.is_floating_point(), f"expected float [N, C, H, W], got {x.dtype} {x.shape}"
    size = (int(size[0]), int(size[1]))
    if tuple(x.shape[2:]) == size:
        return x
    if mode == "tf1-bilinear":
        return resize_bilinear_tf1(x, size)
    if mode == "pil-bicubic":
        return _resize_pil_bicubic(x, size)
    if mode == "nearest":
        return F.interpolate(x, size=size, mode="nearest")
    return F.interpolate(x, size=size, mode=mode, align_corners=False, antialias=False)

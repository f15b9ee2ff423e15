"""Images and masks from files, brought to a generator's shape: the input side of inversion and inpainting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch import Tensor

from ..data.base import DataError
from ..data.folder import load_image


def _check_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) != 3 or shape[0] not in (1, 3):
        raise ValueError(f"these latent tools work on image generators ([C, H, W], C = 1 or 3); this one makes "
                         f"{tuple(shape)}")
    if shape[1] != shape[2]:
        raise ValueError(f"reading images for a non-square generator ({shape[1]}x{shape[2]}) is not supported")
    return shape[0], shape[1]


def read_image(path: str | Path, shape: tuple[int, ...]) -> Tensor:
    """float [C, H, W] in [-1, 1] for a generator of images `shape` (C, H, W): converted to grayscale or RGB as C
    says, the short side resized to H (Lanczos) and the centre cropped, as ``data.name=folder`` does at training.
    Any format PIL reads (PNG, JPEG, ...). FileNotFoundError / DataError naming the file otherwise."""
    channels, size = _check_shape(shape)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image not found: {path}")
    x = torch.tensor(load_image(path, size, channels), dtype=torch.float32)  # uint8 [C, H, W] -> float (a copy)
    return x / 127.5 - 1


def image_size(path: str | Path) -> str:
    """'WxH MODE' of an image file, to report what was read and what it became."""
    try:
        with Image.open(path) as im:
            return f"{im.width}x{im.height} {im.mode}"
    except (UnidentifiedImageError, OSError) as err:
        raise DataError(f"{path}: cannot read this image ({type(err).__name__}: {err})") from None


def read_mask(path: str | Path, shape: tuple[int, ...]) -> Tensor:
    """The known-pixel mask M [1, H, W] (1 = known, 0 = to fill) of a mask image whose WHITE pixels (>= 128 in
    grayscale) mark the hole to fill and black pixels the known context, the convention of most inpainting tools.
    Resized with nearest neighbour (no grey edges) after the same short-side resize and centre crop as the image."""
    _, size = _check_shape(shape)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"mask not found: {path}")
    try:
        with Image.open(path) as im:
            im = im.convert("L")
            w, h = im.size
            s = size / min(w, h)
            full = (max(size, round(w * s)), max(size, round(h * s)))
            im = im.resize(full, Image.Resampling.NEAREST)
            left, top = (full[0] - size) // 2, (full[1] - size) // 2
            hole = np.asarray(im.crop((left, top, left + size, top + size))) >= 128
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise DataError(f"{path}: cannot read this mask ({type(err).__name__}: {err})") from None
    known = torch.from_numpy(~hole).float()[None]
    check_mask(known, str(path))
    return known


def check_mask(known: Tensor, name: str = "the mask") -> None:
    """ValueError when a known-pixel mask is not 0/1, has no hole (nothing to inpaint) or no known pixel."""
    if not torch.all((known == 0) | (known == 1)):
        raise ValueError(f"{name}: a mask must hold only 0 (to fill) and 1 (known)")
    if bool(known.all()):
        raise ValueError(f"{name}: the mask has no hole (white pixels mark the region to fill)")
    if not bool(known.any()):
        raise ValueError(f"{name}: the mask hides every pixel; inpainting needs some known context (black pixels)")

"""scikit-learn's bundled 8x8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", test part):
1,797 grayscale images, labels 0-9. Nothing to download: the file ships inside scikit-learn.

Pixels are counts 0..16 (the number of "on" pixels in each 4x4 block of the original 32x32 bitmaps); they
are mapped to uint8 by round(v * 255 / 16), so 0 -> 0 and 16 -> 255. The one tie, v = 8 -> 127.5, rounds half
to even (128), like Python's ``round``.
"""

from __future__ import annotations

import numpy as np
import torch

from ..config.schema import DataConfig
from . import DATASETS
from .base import DataError, ImageDataset
from .transforms import check_resolution, gray_to_channels, resize_square


def digits_to_uint8(values: np.ndarray) -> np.ndarray:
    """round(v * 255 / 16) for integer counts v in 0..16, as uint8."""
    whole = np.array_equal(values, np.round(values))
    if values.size and (values.min() < 0 or values.max() > 16 or not whole):
        raise DataError("digits: expected integer pixel counts in 0..16; is scikit-learn's digits file "
                        "intact?")
    return np.rint(values.astype(np.float64) * (255.0 / 16.0)).astype(np.uint8)


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [1797, 8, 8], labels int64 [1797]) from ``sklearn.datasets.load_digits``."""
    from sklearn.datasets import load_digits  # scikit-learn is slow to import; only pay for it when used

    bunch = load_digits()
    return digits_to_uint8(bunch.images), bunch.target.astype(np.int64)


@DATASETS.register("digits")
def digits(cfg: DataConfig) -> ImageDataset:
    """ImageDataset [1797, 1, 8, 8]; ``data.resolution`` resizes (antialiased bilinear, see
    :func:`~ganforge.data.transforms.resize_square`), ``data.channels=3`` repeats the gray channel."""
    resolution = check_resolution(cfg.resolution, "digits")
    images, labels = load_digits_arrays()
    x = torch.from_numpy(images)[:, None]  # [N, 1, 8, 8]
    if resolution is not None:
        x = resize_square(x, resolution)
    x = gray_to_channels(x, cfg.channels, "digits")
    return ImageDataset(x, torch.from_numpy(labels), name="digits", class_names=[str(d) for d in range(10)])

"""scikit-learn's 8x8 digits as an ImageDataset."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.config import DataConfig
from ganforge.data import DataError, ImageDataset, build_dataset
from ganforge.data.digits import digits_to_uint8


@pytest.fixture(scope="module")
def sklearn_digits():
    from sklearn.datasets import load_digits

    return load_digits()


def test_shape_labels_and_range(sklearn_digits):
    ds = build_dataset(DataConfig(name="digits"))
    assert isinstance(ds, ImageDataset)
    assert ds.images.shape == (1797, 1, 8, 8) and ds.images.dtype == torch.uint8
    assert ds.labels.shape == (1797,) and ds.labels.dtype == torch.int64
    assert sorted(ds.labels.unique().tolist()) == list(range(10))
    assert ds.num_classes == 10
    assert ds.images.min() == 0 and ds.images.max() == 255
    # same images and labels as sklearn, through Python's round(v * 255 / 16) per value
    table = np.array([round(v * 255 / 16) for v in range(17)])
    expected = table[sklearn_digits.images.astype(int)]
    np.testing.assert_array_equal(ds.images[:, 0].numpy(), expected)
    np.testing.assert_array_equal(ds.labels.numpy(), sklearn_digits.target)


def test_uint8_mapping_endpoints_and_tie():
    out = digits_to_uint8(np.arange(17, dtype=float))
    assert out[0] == 0 and out[16] == 255 and out[8] == 128  # 127.5 rounds half to even, like round()
    assert np.all(np.diff(out.astype(int)) > 0)
    with pytest.raises(DataError):
        digits_to_uint8(np.array([17.0]))


@pytest.mark.parametrize("size", [4, 13, 32])
def test_resolution_matches_pil_bilinear(sklearn_digits, size):
    ds = build_dataset(DataConfig(name="digits", resolution=size))
    assert ds.images.shape == (1797, 1, size, size)
    base = build_dataset(DataConfig(name="digits")).images[:50, 0].numpy()
    pil = np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.Resampling.BILINEAR))
                    for im in base])
    # PIL works in fixed point, torch in float: the two agree to within one grey level
    assert np.abs(ds.images[:50, 0].numpy().astype(int) - pil.astype(int)).max() <= 1


def test_native_resolution_is_untouched():
    a = build_dataset(DataConfig(name="digits")).images
    b = build_dataset(DataConfig(name="digits", resolution=8)).images
    assert torch.equal(a, b)


def test_three_channels_repeat_gray():
    ds = build_dataset(DataConfig(name="digits", channels=3))
    assert ds.images.shape == (1797, 3, 8, 8)
    assert torch.equal(ds.images[:, 0], ds.images[:, 2])


@pytest.mark.parametrize("bad", [0, -8, 2.5])
def test_bad_resolution(bad):
    with pytest.raises(DataError, match="resolution"):
        build_dataset(DataConfig(name="digits", resolution=bad))


def test_bad_channels():
    with pytest.raises(DataError, match="channels"):
        build_dataset(DataConfig(name="digits", channels=2))

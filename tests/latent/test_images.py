"""Image and mask files brought to a generator's shape, and their errors."""

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.data import DataError
from ganforge.latent import read_image, read_mask


def test_an_image_of_the_right_size_reads_exactly(tmp_path):
    pixels = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    Image.fromarray(pixels).save(tmp_path / "x.png")
    x = read_image(tmp_path / "x.png", (1, 8, 8))
    assert x.shape == (1, 8, 8) and x.dtype == torch.float32
    torch.testing.assert_close(x[0], torch.from_numpy(pixels).float() / 127.5 - 1)


def test_colour_and_size_are_converted(tmp_path):
    rgb = np.zeros((40, 60, 3), dtype=np.uint8)
    rgb[..., 0] = 255                                                       # pure red
    Image.fromarray(rgb).save(tmp_path / "red.png")
    gray = read_image(tmp_path / "red.png", (1, 8, 8))
    assert gray.shape == (1, 8, 8)
    # PIL's L = R * 299/1000 + G * 587/1000 + B * 114/1000 -> 76 for pure red
    torch.testing.assert_close(gray, torch.full((1, 8, 8), 76 / 127.5 - 1))
    colour = read_image(tmp_path / "red.png", (3, 16, 16))
    assert colour.shape == (3, 16, 16) and torch.all(colour[0] == 1) and torch.all(colour[1:] == -1)


def test_image_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="image not found"):
        read_image(tmp_path / "missing.png", (1, 8, 8))
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(DataError, match="junk.png: cannot read this image"):
        read_image(tmp_path / "junk.png", (1, 8, 8))
    with pytest.raises(ValueError, match="image generators"):
        read_image(tmp_path / "junk.png", (2,))


def test_mask_white_is_the_hole(tmp_path):
    m = np.zeros((16, 16), dtype=np.uint8)
    m[:8] = 255                                                             # top half white: to fill
    Image.fromarray(m).save(tmp_path / "m.png")
    known = read_mask(tmp_path / "m.png", (1, 8, 8))
    assert known.shape == (1, 8, 8)
    assert torch.all(known[0, :4] == 0) and torch.all(known[0, 4:] == 1)


def test_mask_errors(tmp_path):
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(tmp_path / "black.png")
    with pytest.raises(ValueError, match="no hole"):
        read_mask(tmp_path / "black.png", (1, 8, 8))
    Image.fromarray(np.full((8, 8), 255, dtype=np.uint8)).save(tmp_path / "white.png")
    with pytest.raises(ValueError, match="hides every pixel"):
        read_mask(tmp_path / "white.png", (1, 8, 8))
    with pytest.raises(FileNotFoundError, match="mask not found"):
        read_mask(tmp_path / "none.png", (1, 8, 8))

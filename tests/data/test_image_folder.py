"""The image-folder loader: layout -> labels, colour modes, resize + centre crop, and its errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.config import DataConfig
from ganforge.data import DataError, ImageDataset, build_dataset
from ganforge.data.folder import image_extensions, load_image_folder

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def solid(path, colour, size=(12, 12)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def bands(path, colours, band: int = 20, vertical: bool = True) -> None:
    """Three equal bands (left->right when vertical, else top->bottom)."""
    n = len(colours)
    w, h = (band * n, band) if vertical else (band, band * n)
    array = np.zeros((h, w, 3), np.uint8)
    for i, colour in enumerate(colours):
        if vertical:
            array[:, i * band:(i + 1) * band] = colour
        else:
            array[i * band:(i + 1) * band, :] = colour
    Image.fromarray(array).save(path)


def test_class_subfolders_give_sorted_labels(tmp_path):
    solid(tmp_path / "zebra" / "1.png", RED)
    solid(tmp_path / "ant" / "b.jpg", GREEN)
    solid(tmp_path / "ant" / "a.png", BLUE)
    (tmp_path / "ant" / "notes.txt").write_text("not an image")
    (tmp_path / "empty_dir").mkdir()
    ds = build_dataset(DataConfig(name="folder", path=str(tmp_path), resolution=8))
    assert isinstance(ds, ImageDataset)
    assert ds.class_names == ["ant", "zebra"] and ds.num_classes == 2
    assert ds.labels.tolist() == [0, 0, 1]
    assert ds.images.shape == (3, 3, 8, 8) and ds.images.dtype == torch.uint8
    # files in sorted order: ant/a.png (blue), ant/b.jpg (green), zebra/1.png (red)
    assert ds.images[0, :, 4, 4].tolist() == list(BLUE)
    assert ds.images[2, :, 4, 4].tolist() == list(RED)
    assert np.abs(ds.images[1, :, 4, 4].numpy().astype(int) - GREEN).max() <= 8  # JPEG is lossy


def test_flat_folder_is_unlabelled_with_default_size(tmp_path):
    solid(tmp_path / "a.png", RED, size=(100, 80))
    solid(tmp_path / "b.bmp", BLUE)
    solid(tmp_path / ".hidden.png", GREEN)
    (tmp_path / ".broken.png").write_bytes(b"hidden files are ignored")
    ds = build_dataset(DataConfig(name="folder", path=str(tmp_path)))
    assert ds.labels is None and ds.class_names is None
    assert ds.images.shape == (2, 3, 64, 64)


def test_grayscale_uses_itu_601_luma(tmp_path):
    solid(tmp_path / "red.png", RED)
    solid(tmp_path / "green.png", GREEN)
    ds = load_image_folder(tmp_path, resolution=4, channels=1)
    assert ds.images.shape == (2, 1, 4, 4)
    # L = 0.299 R + 0.587 G + 0.114 B; files sorted: green, red
    assert ds.images[0].unique().tolist() == [round(0.587 * 255)]
    assert ds.images[1].unique().tolist() == [round(0.299 * 255)]


@pytest.mark.parametrize("vertical", [True, False])
def test_short_side_resize_then_centre_crop(tmp_path, vertical):
    # 60x20 (or 20x60): short side 20 -> 10, long side 60 -> 30, the centre crop keeps the middle band
    bands(tmp_path / "img.png", [RED, GREEN, BLUE], vertical=vertical)
    x = load_image_folder(tmp_path, resolution=10, channels=3).images[0].numpy().astype(int)
    assert x.shape == (3, 10, 10)
    inner = x[:, 2:8, :] if not vertical else x[:, :, 2:8]   # away from the band edges (Lanczos ringing)
    assert np.abs(inner - np.array(GREEN)[:, None, None]).max() <= 2


def test_exact_size_is_lossless(tmp_path):
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(array).save(tmp_path / "x.png")
    x = load_image_folder(tmp_path, resolution=16, channels=3).images[0]
    np.testing.assert_array_equal(x.permute(1, 2, 0).numpy(), array)


def test_webp_when_supported(tmp_path):
    if ".webp" not in image_extensions():
        pytest.skip("this PIL build cannot write WebP")
    Image.new("RGB", (10, 10), RED).save(tmp_path / "x.webp", lossless=True)
    assert load_image_folder(tmp_path, resolution=10).images[0, :, 5, 5].tolist() == list(RED)


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        build_dataset(DataConfig(name="folder", path=str(tmp_path / "nope")))
    with pytest.raises(DataError, match="data.path"):
        build_dataset(DataConfig(name="folder"))


def test_empty_folder_says_what_it_looked_for(tmp_path):
    (tmp_path / "readme.txt").write_text("no images here")
    (tmp_path / "sub").mkdir()
    with pytest.raises(DataError) as info:
        load_image_folder(tmp_path)
    assert "no images" in str(info.value) and ".png" in str(info.value) and ".jpg" in str(info.value)


def test_corrupt_image_is_named(tmp_path):
    solid(tmp_path / "cats" / "ok.png", RED)
    (tmp_path / "cats" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    with pytest.raises(DataError, match="broken.png"):
        load_image_folder(tmp_path)


def test_truncated_jpeg_is_named(tmp_path):
    solid(tmp_path / "ok.jpg", RED, size=(64, 64))
    data = (tmp_path / "ok.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cut.jpg"):
        load_image_folder(tmp_path)


def test_mixed_layout_and_bad_channels(tmp_path):
    solid(tmp_path / "top.png", RED)
    solid(tmp_path / "cls" / "a.png", RED)
    with pytest.raises(DataError, match="both images at the top level and class subfolders"):
        load_image_folder(tmp_path)
    with pytest.raises(DataError, match="channels"):
        load_image_folder(tmp_path / "cls", channels=2)

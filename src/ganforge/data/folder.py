"""Your own images from a folder (``data.name=folder data.path=photos/``), read with PIL.

Layout: either images directly in the folder (unlabelled), or one level of class subfolders
(``photos/cat/*.png, photos/dog/*.jpg``): labels are the subfolder indices in sorted name order, and
``class_names`` the sorted names. Hidden files and folders (names starting with '.') are ignored, and so are
images nested deeper than one level.

Each image: EXIF orientation applied, converted to grayscale ("L", ITU-R 601 luma) for ``data.channels=1`` or
RGB for 3 (the default; an alpha channel is dropped), resized so its short side is ``data.resolution``
(default 64) with PIL's Lanczos filter (as StyleGAN's dataset_tool does), then centre-cropped to a square.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError, features

from ..config.schema import DataConfig
from . import DATASETS
from .base import DataError, ImageDataset
from .transforms import check_resolution

DEFAULT_RESOLUTION = 64
DEFAULT_CHANNELS = 3


def image_extensions() -> tuple[str, ...]:
    """File extensions read as images: PNG, JPEG and BMP always; WebP when this PIL build supports it."""
    exts = [".png", ".jpg", ".jpeg", ".bmp"]
    if features.check("webp"):
        exts.append(".webp")
    return tuple(exts)


def _images_in(directory: Path, exts: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in exts)


def find_images(root: str | Path) -> tuple[list[Path], list[int] | None, list[str] | None]:
    """(files, labels or None, class names or None) of an image folder; DataError if missing or empty."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"image folder {str(root)!r} does not exist (or is not a folder); set data.path to "
                        f"a folder of images")
    exts = image_extensions()
    top = _images_in(root, exts)
    subdirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    classes = [(d.name, files) for d in subdirs if (files := _images_in(d, exts))]
    if top and classes:
        raise DataError(f"{root}: holds both images at the top level and class subfolders "
                        f"({', '.join(name for name, _ in classes)}); move the top-level images into a "
                        f"subfolder, or remove the subfolders for an unlabelled set")
    if top:
        return top, None, None
    if not classes:
        raise DataError(f"{root}: no images found (looked for {', '.join(exts)} files in the folder and in "
                        f"its direct subfolders)")
    files = [f for _, fs in classes for f in fs]
    labels = [k for k, (_, fs) in enumerate(classes) for _ in fs]
    return files, labels, [name for name, _ in classes]


def load_image(path: Path, resolution: int, channels: int) -> np.ndarray:
    """One image as uint8 [channels, resolution, resolution]: short side resized to ``resolution`` (Lanczos),
    centre crop. DataError naming the file if PIL cannot read it."""
    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)  # phone photos store rotation in EXIF; apply it
            im = im.convert("L" if channels == 1 else "RGB")
            w, h = im.size
            s = resolution / min(w, h)
            # round the long side, but never below the crop size
            size = (max(resolution, round(w * s)), max(resolution, round(h * s)))
            if size != (w, h):
                im = im.resize(size, Image.Resampling.LANCZOS)
            left, top = (size[0] - resolution) // 2, (size[1] - resolution) // 2
            im = im.crop((left, top, left + resolution, top + resolution))
            array = np.asarray(im, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise DataError(f"{path}: cannot read this image ({type(e).__name__}: {e}); delete or replace the "
                        f"file") from None
    return array[None] if channels == 1 else array.transpose(2, 0, 1)


def load_image_folder(root: str | Path, resolution: int = DEFAULT_RESOLUTION,
                      channels: int = DEFAULT_CHANNELS) -> ImageDataset:
    """ImageDataset uint8 [N, channels, resolution, resolution] of the images under ``root`` (module doc)."""
    if channels not in (1, 3):
        raise DataError(f"folder: data.channels must be 1 (grayscale) or 3 (RGB), got {channels!r}")
    files, labels, class_names = find_images(root)
    images = np.stack([load_image(f, resolution, channels) for f in files])
    return ImageDataset(torch.from_numpy(images), torch.tensor(labels, dtype=torch.int64) if labels else None,
                        name="folder", class_names=class_names)


@DATASETS.register("folder")
def folder(cfg: DataConfig) -> ImageDataset:
    if not cfg.path:
        raise DataError("the 'folder' dataset reads your own images: set data.path to a folder of images "
                        "(optionally one subfolder per class)")
    resolution = check_resolution(cfg.resolution, "folder") or DEFAULT_RESOLUTION
    channels = DEFAULT_CHANNELS if cfg.channels is None else cfg.channels
    return load_image_folder(cfg.path, resolution, channels)

"""Datasets, found by name: ``build_dataset(DataConfig(name="grid25"))``.

Every builder takes the :class:`~ganforge.config.DataConfig` and returns an ImageDataset, PointDataset or
ToyDistribution (see :mod:`ganforge.data.base`); batches are float in [-1, 1].
"""

from __future__ import annotations

from collections.abc import Callable

from ..config.schema import DataConfig
from ..registry import Registry
from .base import BatchStream, DataError, Dataset, ImageDataset, PointDataset, ToyDistribution, labelled_subset

DATASETS: Registry[Callable[[DataConfig], Dataset]] = Registry("dataset")
# Datasets of 2-D points (the rest are images): presets carry separate settings for them.
POINT_DATASETS = ("ring8", "grid25", "spiral", "swissroll", "moons", "checkerboard", "points")

# Importing the modules registers their datasets.
from . import digits, folder, mnist, points, toy2d  # noqa: E402, F401
from .fetchers import fetch  # noqa: E402


def build_dataset(cfg: DataConfig) -> Dataset:
    return DATASETS.get(cfg.name)(cfg)


__all__ = ["POINT_DATASETS", "DATASETS", "BatchStream", "DataError", "Dataset", "ImageDataset", "PointDataset",
           "ToyDistribution", "build_dataset", "fetch", "labelled_subset"]

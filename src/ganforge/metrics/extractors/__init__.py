"""Feature extractors for FID, KID, IS and precision/recall, behind one protocol (see :mod:`.base`).

    ext = get_extractor("inception")                  # FID Inception-v3; weights from a local file
    feats = extract_features(ext, images_uint8, batch_size=50, progress=True)   # {"pool": ..., "logits": ...}

Extractors are found by short name in ``EXTRACTORS``; a new one registers its constructor there
(``EXTRACTORS.add("classifier", build_classifier)``) and ``get_extractor`` passes keyword arguments through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...registry import Registry
from .base import (
    CallableExtractor,
    FeatureExtractor,
    ImageSource,
    check_images,
    extract_features,
    module_sha256,
    to_uint8,
)
from .inception import (
    HOME_ENV_VAR,
    INCEPTION_FILENAME,
    INCEPTION_SHA256,
    INCEPTION_URL,
    WEIGHTS_ENV_VAR,
    FIDInceptionV3,
    InceptionExtractor,
    WeightsHashError,
    WeightsNotFoundError,
    find_inception_weights,
)
from .resize import RESIZE_MODES, resize_bilinear_tf1, resize_images

EXTRACTORS: Registry[Callable[..., FeatureExtractor]] = Registry("feature extractor")
EXTRACTORS.add("inception", InceptionExtractor)
from . import classifier as _classifier  # noqa: E402, F401  (registers "classifier")


def get_extractor(name: str, **kwargs: Any) -> FeatureExtractor:
    """The extractor registered as `name`, built with `kwargs`; an unknown name raises UnknownNameError."""
    return EXTRACTORS.get(name)(**kwargs)


__all__ = [
    "EXTRACTORS",
    "HOME_ENV_VAR",
    "INCEPTION_FILENAME",
    "INCEPTION_SHA256",
    "INCEPTION_URL",
    "RESIZE_MODES",
    "WEIGHTS_ENV_VAR",
    "CallableExtractor",
    "FIDInceptionV3",
    "FeatureExtractor",
    "ImageSource",
    "InceptionExtractor",
    "WeightsHashError",
    "WeightsNotFoundError",
    "check_images",
    "extract_features",
    "find_inception_weights",
    "get_extractor",
    "module_sha256",
    "resize_bilinear_tf1",
    "resize_images",
    "to_uint8",
]

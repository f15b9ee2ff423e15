"""The one protocol every feature network speaks, so FID, KID, IS and precision/recall take any of them.

A feature extractor maps uint8 images [N, C, H, W] (values 0..255, the format datasets store and samples are
saved in) to named float features, each [N, D]. It owns every choice that changes the numbers, resizing and
normalisation included, and records them (``name``, ``weights_hash``, ``resize_mode``) so that a score can say
exactly which network produced it. The design follows torch-fidelity's ``FeatureExtractorBase`` (Obukhov et
al., github.com/toshas/torch-fidelity): uint8 in, named features out, metrics pick the feature they need.

    ext = get_extractor("inception")                   # FID Inception-v3 from a local weights file
    feats = extract_features(ext, real_uint8, batch_size=50)
    feats["pool"]                                      # np.float32 [N, 2048]

Generator samples in [-1, 1] become uint8 with :func:`to_uint8`, or pass a sampler ``fn(n)`` that does it.
"""

from __future__ import annotations

import abc
import hashlib
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from .resize import check_resize_mode, resize_images

# What extract_features accepts: a whole set, batches one after another, or a sampler drawing n images.
ImageSource = Tensor | np.ndarray | Iterable[Any] | Callable[[int], Any]


def to_uint8(images: Tensor) -> Tensor:
    """Float images in [-1, 1] (ganforge's data and generator range) -> uint8 0..255, rounded, clamped."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def check_images(
    images: Tensor | np.ndarray, in_channels: int | None = 3, who: str = "feature extractor"
) -> Tensor:
    """uint8 images [N, C, H, W] as a tensor, grayscale repeated to RGB when `in_channels` is 3.

    in_channels: 3 = RGB network (1-channel images are repeated to 3); 1 = grayscale network; None = any C.
    Raises ValueError naming what was received and what is expected.
    """
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(images)
    if not isinstance(images, Tensor):
        raise ValueError(f"{who}: expected uint8 images [N, C, H, W] as a torch.Tensor or numpy array, "
                         f"got {type(images).__name__}")
    expected = f"uint8 images [N, C, H, W] with values 0..255 and C in {_channel_choices(in_channels)}"
    got = f"got dtype {images.dtype} with shape {tuple(images.shape)}"
    if images.dtype != torch.uint8:
        hint = (" Float images in [-1, 1] convert with ganforge.metrics.extractors.to_uint8(images)."
                if images.is_floating_point() else "")
        raise ValueError(f"{who}: expected {expected}; {got}.{hint}")
    if images.ndim != 4:
        hint = " Add a batch dimension: images[None]." if images.ndim == 3 else ""
        raise ValueError(f"{who}: expected {expected}; {got}.{hint}")
    n, c, h, w = images.shape
    if n == 0 or h == 0 or w == 0:
        raise ValueError(f"{who}: expected {expected} and at least one pixel; {got}")
    if in_channels is None:
        return images
    if c == in_channels:
        return images
    if c == 1 and in_channels == 3:
        # Grayscale through an RGB network: equal channels are what an RGB camera records for a gray scene.
        return images.expand(n, 3, h, w)
    channels_last = w in (1, 3) and c not in (1, 3)
    hint = " It looks channels-last: use images.permute(0, 3, 1, 2)." if channels_last else ""
    raise ValueError(f"{who}: expected {expected}; {got}.{hint}")


def _channel_choices(in_channels: int | None) -> str:
    return "(1, 3)" if in_channels == 3 else "any" if in_channels is None else f"({in_channels},)"


class FeatureExtractor(abc.ABC):
    """uint8 images [N, C, H, W] -> {feature name: float [N, D]}, always in eval mode, no gradients.

    Subclasses set the attributes below and implement :meth:`extract` and :meth:`to`. ``__call__`` checks
    the input, repeats grayscale to RGB when ``in_channels == 3``, moves the batch to ``device`` and checks
    that the output has exactly ``feature_names``, each [N, D]. Features must not depend on which other images
    share a batch (metrics batch freely), so networks run in eval mode.
    """

    name: str                          # short label recorded with every score, e.g. "inception-v3-fid"
    feature_names: tuple[str, ...]     # keys of the returned dict, e.g. ("pool", "logits")
    weights_hash: str | None           # SHA-256 of the weights; "random": untrained; None: unknown
    resize_mode: str                   # resampler to the network's input size (see resize.RESIZE_MODES)
    in_channels: int | None = 3        # 3: grayscale is repeated to RGB; 1: grayscale only; None: any C
    device: torch.device = torch.device("cpu")

    def __call__(self, images: Tensor | np.ndarray) -> dict[str, Tensor]:
        images = check_images(images, self.in_channels, who=self.name)
        with torch.inference_mode():
            features = self.extract(images.to(self.device))
        return check_features(features, len(images), self.feature_names, who=self.name)

    @abc.abstractmethod
    def extract(self, images: Tensor) -> Mapping[str, Tensor]:
        """Checked uint8 [N, C, H, W] on ``self.device`` (C = in_channels) -> {name: float [N, D]}."""

    @abc.abstractmethod
    def to(self, device: torch.device | str) -> FeatureExtractor:
        """Move the network to `device`; later calls move their images there. Returns self."""

    def describe(self) -> dict[str, Any]:
        """What a score must record to be reproducible: which network, which weights, which resize."""
        return {"extractor": self.name, "weights_hash": self.weights_hash, "resize_mode": self.resize_mode,
                "features": list(self.feature_names)}


def check_features(
    features: Any, n: int, names: Sequence[str], who: str = "feature extractor"
) -> dict[str, Tensor]:
    """Assert the extractor's output border: exactly `names`, each a float tensor [n, D]."""
    if not isinstance(features, Mapping) or set(features) != set(names):
        got = sorted(features) if isinstance(features, Mapping) else type(features).__name__
        raise ValueError(f"{who}: expected features {list(names)}, got {got}")
    out = {}
    for key in names:
        f = features[key]
        if not isinstance(f, Tensor) or f.ndim != 2 or f.shape[0] != n or not f.is_floating_point():
            desc = f"{f.dtype} {tuple(f.shape)}" if isinstance(f, Tensor) else type(f).__name__
            raise ValueError(f"{who}: feature '{key}' must be float [{n}, D], got {desc}")
        out[key] = f
    return out


def module_sha256(module: nn.Module) -> str:
    """SHA-256 over a module's state_dict (name, dtype, shape and bytes of every tensor, in order).

    Identifies in-memory weights as a file hash identifies a weights file; it is not the hash of any file.
    """
    h = hashlib.sha256()
    for key, t in module.state_dict().items():
        t = t.detach().to("cpu").contiguous()
        h.update(f"{key}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


class CallableExtractor(FeatureExtractor):
    """Any user network or function as a feature extractor, e.g. a domain classifier for MNIST FID.

    ``fn`` gets float images in [-1, 1] (ganforge's data range) or, with ``takes_uint8=True``, the uint8
    batch, optionally resized to ``image_size`` first; it returns a tensor [N, ...] (named
    ``feature_names[0]``) or a dict holding at least ``feature_names``. Trailing dimensions are flattened to
    [N, D]. An ``nn.Module`` is put in eval mode, moved by :meth:`to`, and hashed with :func:`module_sha256`
    unless ``weights_hash`` is given.
    """

    def __init__(
        self,
        fn: Callable[[Tensor], Tensor | Mapping[str, Tensor]],
        *,
        name: str = "custom",
        feature_names: Sequence[str] = ("features",),
        takes_uint8: bool = False,                      # False: fn gets float [-1, 1]; True: uint8 0..255
        in_channels: int | None = None,                 # 3: repeat gray to RGB; 1: gray only; None: as given
        image_size: int | tuple[int, int] | None = None,  # resize to this (H, W) first; None keeps the size
        resize_mode: str = "bilinear",                  # resampler when image_size is set (RESIZE_MODES)
        weights_hash: str | None = None,                # None: module_sha256(fn) for modules, else unknown
        device: torch.device | str | None = None,       # None: where an nn.Module's parameters are, else CPU
    ) -> None:
        if not callable(fn):
            raise ValueError(f"CallableExtractor needs a callable or nn.Module, got {type(fn).__name__}")
        if len(feature_names) == 0 or len(set(feature_names)) != len(feature_names):
            raise ValueError(f"feature_names must be non-empty and distinct, got {list(feature_names)}")
        if in_channels not in (None, 1, 3):
            raise ValueError(f"in_channels must be 1, 3 or None, got {in_channels}")
        self.fn = fn
        self.name = name
        self.feature_names = tuple(feature_names)
        self.takes_uint8 = takes_uint8
        self.in_channels = in_channels
        self.image_size = (image_size, image_size) if isinstance(image_size, int) else image_size
        self.resize_mode = check_resize_mode(resize_mode) if image_size is not None else "none"
        if isinstance(fn, nn.Module):
            fn.eval()  # BatchNorm/dropout in train mode would make features depend on the batch
            self.weights_hash = weights_hash if weights_hash is not None else module_sha256(fn)
            first = next(iter(fn.parameters()), None)
            self.device = torch.device(device) if device is not None else (
                first.device if first is not None else torch.device("cpu"))
            fn.to(self.device)
        else:
            self.weights_hash = weights_hash
            self.device = torch.device(device or "cpu")

    def to(self, device: torch.device | str) -> CallableExtractor:
        self.device = torch.device(device)
        if isinstance(self.fn, nn.Module):
            self.fn.to(self.device)
        return self

    def extract(self, images: Tensor) -> dict[str, Tensor]:
        n = len(images)
        x: Tensor = images
        if self.image_size is not None:
            x = resize_images(x.float(), self.image_size, self.resize_mode)
            # A uint8 network gets uint8 again: resampling yields fractional values in between.
            x = x.round().clamp(0, 255).to(torch.uint8) if self.takes_uint8 else x
        if not self.takes_uint8:
            x = x.float() / 127.5 - 1.0  # 0..255 -> [-1, 1]
        out = self.fn(x)
        if isinstance(out, Tensor):
            if len(self.feature_names) != 1:
                raise ValueError(f"{self.name}: fn returned one tensor but feature_names = "
                                 f"{list(self.feature_names)}; return a dict with those keys")
            out = {self.feature_names[0]: out}
        if not isinstance(out, Mapping):
            raise ValueError(f"{self.name}: fn must return a tensor or a dict of tensors, "
                             f"got {type(out).__name__}")
        missing = [k for k in self.feature_names if k not in out]
        if missing:
            raise ValueError(f"{self.name}: fn returned features {sorted(out)}, missing {missing}")
        feats = {}
        for k in self.feature_names:
            f = out[k]
            if not isinstance(f, Tensor) or f.ndim == 0 or f.shape[0] != n:
                desc = f"{tuple(f.shape)}" if isinstance(f, Tensor) else type(f).__name__
                raise ValueError(f"{self.name}: feature '{k}' must be a tensor [{n}, ...], got {desc}")
            feats[k] = f.reshape(n, -1).float()
        return feats


def _as_batch(batch: Any) -> Tensor | np.ndarray:
    """A yielded batch: the images themselves, or the first item of an (images, labels, ...) tuple/list."""
    if isinstance(batch, (tuple, list)) and len(batch) > 0:
        return batch[0]
    return batch


def _batches(
    images: ImageSource, batch_size: int, num_images: int | None
) -> tuple[Iterator[Tensor | np.ndarray], int | None]:
    """(iterator over raw batches of at most `batch_size` images, total count when known)."""
    if isinstance(images, (Tensor, np.ndarray)):
        if num_images is not None and num_images > len(images):
            raise ValueError(f"extract_features: num_images={num_images} but only {len(images)} images given")
        total = len(images) if num_images is None else num_images
        return (images[i:min(i + batch_size, total)] for i in range(0, total, batch_size)), total

    if inspect.isgeneratorfunction(images):  # a generator function: call it once, iterate what it yields
        images = images()
    elif callable(images) and not isinstance(images, Iterable):
        sample = images
        if num_images is None:
            raise ValueError("extract_features: a sampler fn(n) -> uint8 [n, C, H, W] needs num_images=")

        def drawn() -> Iterator[Tensor | np.ndarray]:
            left = num_images
            while left > 0:
                n = min(batch_size, left)
                batch = _as_batch(sample(n))
                if len(batch) != n:
                    raise ValueError(f"extract_features: sampler asked for {n} images returned {len(batch)}")
                left -= n
                yield batch

        return drawn(), num_images

    if isinstance(images, Iterable):
        def chunked() -> Iterator[Tensor | np.ndarray]:
            left = num_images
            for raw in images:
                batch = _as_batch(raw)
                for i in range(0, len(batch), batch_size):
                    chunk = batch[i:i + batch_size]
                    if left is not None:
                        chunk = chunk[:left]
                        left -= len(chunk)
                    if len(chunk):
                        yield chunk
                    if left == 0:
                        return
            if left:  # an explicit count that was not met would silently change the metric's sample size
                raise ValueError(f"extract_features: num_images={num_images} but the batches ran out after "
                                 f"{num_images - left}")

        return chunked(), num_images

    raise ValueError("extract_features: images must be a uint8 tensor/array [N, C, H, W], an iterable of "
                     f"such batches, or a sampler fn(n); got {type(images).__name__}")


def extract_features(
    extractor: FeatureExtractor,
    images: ImageSource,
    *,
    batch_size: int = 64,                      # images per forward pass; features do not depend on it
    device: torch.device | str | None = None,  # move the extractor (and batches) here first; None: leave it
    progress: bool = False,                    # tqdm bar over images
    num_images: int | None = None,             # exactly this many (error if fewer); required for fn(n)
) -> dict[str, np.ndarray]:
    """Run `extractor` over all images in batches under ``torch.inference_mode``; {name: float32 [N, D]}.

    images:
      - a uint8 tensor or numpy array [N, C, H, W];
      - an iterable of such batches (a list, a generator, a DataLoader; an (images, labels) tuple contributes
        its images), re-split into ``batch_size`` chunks; a generator *function* is called once and iterated;
      - a sampler ``fn(n) -> uint8 [n, C, H, W]`` (e.g. ``lambda n: to_uint8(G(torch.randn(n, z_dim)))``),
        called until ``num_images`` are drawn.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if num_images is not None and num_images < 1:
        raise ValueError(f"num_images must be >= 1 or None, got {num_images}")
    if device is not None:
        extractor.to(device)
    batches, total = _batches(images, batch_size, num_images)
    parts: dict[str, list[Tensor]] = {k: [] for k in extractor.feature_names}
    seen = 0
    bar = tqdm(total=total, unit="img", desc=extractor.name, disable=not progress)
    with torch.inference_mode(), bar:
        for batch in batches:
            feats = extractor(batch)
            for k, f in feats.items():
                parts[k].append(f.to("cpu", torch.float32))
            seen += len(batch)
            bar.update(len(batch))
    if seen == 0:
        raise ValueError("extract_features: no images were given")
    out = {k: torch.cat(v).numpy() for k, v in parts.items()}
    assert all(v.shape[0] == seen for v in out.values())
    return out

"""What every dataset hands the trainer, and the seeded, resumable stream of batches drawn from it.

Two kinds of data:
- points: 2-D samples. A :class:`ToyDistribution` draws fresh samples every batch (infinite data); a
  :class:`PointDataset` holds a user's finite set. Both live in *data coordinates* (grid25 means at +-4) and
  are divided by ``scale`` for training, so the networks see values in [-1, 1]; samples are multiplied back.
- images: an :class:`ImageDataset` stores uint8 [N, C, H, W]; batches are float in [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import torch
from torch import Tensor


class DataError(ValueError):
    """Data that cannot be used: empty, corrupt, wrong shape, missing file. The message says what to do."""


@dataclass
class ImageDataset:
    images: Tensor                      # uint8 [N, C, H, W], values 0..255
    labels: Tensor | None = None        # int64 [N] class indices, or None when unlabelled
    name: str = "images"
    class_names: list[str] | None = None
    kind: Literal["images"] = "images"

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise DataError(f"{self.name}: images must be uint8 [N, C, H, W], got {self.images.dtype} "
                            f"{tuple(self.images.shape)}")
        if len(self.images) == 0:
            raise DataError(f"{self.name}: the dataset is empty")
        if self.images.shape[1] not in (1, 3):
            raise DataError(f"{self.name}: images need 1 or 3 channels, got {self.images.shape[1]}")
        if self.labels is not None and self.labels.shape != (len(self.images),):
            raise DataError(f"{self.name}: {len(self.labels)} labels for {len(self.images)} images")

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.images.shape[1:])

    @property
    def num_classes(self) -> int | None:
        if self.labels is None:
            return None
        return len(self.class_names) if self.class_names else int(self.labels.max()) + 1

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, index: Tensor) -> tuple[Tensor, Tensor | None]:
        """float images in [-1, 1] and labels (or None) at `index`."""
        x = self.images[index].float().div_(127.5).sub_(1.0)
        return x, (self.labels[index] if self.labels is not None else None)


@dataclass
class PointDataset:
    points: Tensor                      # float32 [N, 2] in data coordinates
    scale: float = 1.0                  # training sees points / scale, chosen so that they lie in [-1, 1]
    name: str = "points"
    labels: Tensor | None = None
    modes: Tensor | None = None         # [K, 2] mode centres in data coordinates, when known (for 2-D metrics)
    std: float | None = None            # per-mode standard deviation, when known
    kind: Literal["points"] = "points"

    def __post_init__(self) -> None:
        if self.points.ndim != 2 or self.points.shape[1] != 2:
            raise DataError(f"{self.name}: points must have shape [N, 2], got {tuple(self.points.shape)}")
        if len(self.points) == 0:
            raise DataError(f"{self.name}: the point set is empty")
        if not torch.isfinite(self.points).all():
            raise DataError(f"{self.name}: the point set holds NaN or Inf values")

    shape = property(lambda self: (2,))
    num_classes = property(lambda self: None)

    def __len__(self) -> int:
        return len(self.points)

    def batch(self, index: Tensor) -> tuple[Tensor, Tensor | None]:
        return self.points[index] / self.scale, None


@dataclass
class ToyDistribution:
    """An infinite 2-D distribution: every call draws fresh samples from the seeded generator."""

    name: str
    sampler: Any = field(repr=False)    # (n, generator) -> float32 [n, 2] in data coordinates
    scale: float = 1.0
    modes: Tensor | None = None         # [K, 2] mode centres, for the PacGAN metrics (None: no discrete modes)
    std: float | None = None            # per-mode standard deviation
    kind: Literal["points"] = "points"
    labels: None = None

    shape = property(lambda self: (2,))
    num_classes = property(lambda self: None)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n samples in data coordinates."""
        return self.sampler(n, generator)


Dataset = ImageDataset | PointDataset | ToyDistribution


class Source(Protocol):
    kind: str

    @property
    def shape(self) -> tuple[int, ...]: ...


class BatchStream:
    """Seeded batches that survive resume exactly.

    Finite datasets: epoch e is the permutation drawn from a generator seeded with (seed, e); the stream's whole
    state is the number of batches drawn so far, so resuming is a matter of restoring one integer. Infinite toy
    distributions: the state is the generator's state. Incomplete last batches of an epoch are dropped.
    """

    def __init__(self, dataset: Dataset, batch_size: int, seed: int, device: torch.device | str = "cpu") -> None:
        self.dataset = dataset
        self.batch_size = batch_size
        self.seed = seed
        self.device = torch.device(device)
        self.batches_drawn = 0
        self._generator = torch.Generator().manual_seed(seed)  # toy sampling (CPU: identical on every device)
        self._perm: Tensor | None = None
        self._perm_epoch = -1
        if not isinstance(dataset, ToyDistribution):
            if len(dataset) < batch_size:
                raise DataError(f"{dataset.name}: {len(dataset)} samples is fewer than one batch of {batch_size}; "
                                f"lower train.batch_size")
            self.batches_per_epoch = len(dataset) // batch_size

    def _permutation(self, epoch: int) -> Tensor:
        if epoch != self._perm_epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._perm = torch.randperm(len(self.dataset), generator=g)
            self._perm_epoch = epoch
        assert self._perm is not None
        return self._perm

    def next(self) -> tuple[Tensor, Tensor | None]:
        """(x, c): x float in [-1, 1] on the stream's device, [B, 2] or [B, C, H, W]; c int64 [B] or None."""
        ds = self.dataset
        if isinstance(ds, ToyDistribution):
            x, c = ds.sample(self.batch_size, self._generator) / ds.scale, None
        else:
            epoch, pos = divmod(self.batches_drawn, self.batches_per_epoch)
            index = self._permutation(epoch)[pos * self.batch_size:(pos + 1) * self.batch_size]
            x, c = ds.batch(index)
        self.batches_drawn += 1
        x = x.to(self.device, non_blocking=True)
        return x, (c.to(self.device, non_blocking=True) if c is not None else None)

    def state_dict(self) -> dict[str, Any]:
        return {"batches_drawn": self.batches_drawn, "generator": self._generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.batches_drawn = int(state["batches_drawn"])
        self._generator.set_state(state["generator"])


def labelled_subset(dataset: ImageDataset, per_class: int, seed: int) -> ImageDataset:
    """The semi-supervised GAN's labelled images: `per_class` of each class, drawn without replacement by a
    generator seeded with `seed` (the same subset on every run and resume with that seed), in class order."""
    if dataset.labels is None or not dataset.num_classes:
        raise DataError(f"{dataset.name} has no labels: data.labels_per_class needs a labelled dataset")
    g = torch.Generator().manual_seed(seed)
    chosen = []
    for k in range(dataset.num_classes):
        members = (dataset.labels == k).nonzero().flatten()
        if len(members) < per_class:
            raise DataError(f"{dataset.name}: class {k} has {len(members)} images, fewer than "
                            f"data.labels_per_class={per_class}")
        chosen.append(members[torch.randperm(len(members), generator=g)[:per_class]])
    index = torch.cat(chosen)
    return ImageDataset(dataset.images[index], dataset.labels[index], name=f"{dataset.name}[labelled]",
                        class_names=dataset.class_names)

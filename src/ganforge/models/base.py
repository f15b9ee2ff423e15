"""What a model family is: a name, defaults, and a builder of (G, D) for a data shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from torch import nn

from ..config.schema import ModelConfig


@dataclass(frozen=True)
class DataSpec:
    """What a network needs to know of the data: no tensors, so a checkpoint can rebuild G without the dataset."""

    kind: Literal["points", "images"]
    shape: tuple[int, ...]              # (2,) or (C, H, W)
    num_classes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "shape": list(self.shape), "num_classes": self.num_classes}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DataSpec:
        return cls(d["kind"], tuple(d["shape"]), d.get("num_classes"))


@dataclass(frozen=True)
class ModelFamily:
    name: str
    build: Callable[[ModelConfig, DataSpec], tuple[nn.Module, nn.Module]]
    summary: str = ""


def resolved(cfg: ModelConfig, **defaults: Any) -> dict[str, Any]:
    """The config's values with None replaced by the family's defaults."""
    return {k: (getattr(cfg, k) if getattr(cfg, k) is not None else v) for k, v in defaults.items()}

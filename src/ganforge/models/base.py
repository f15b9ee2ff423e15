"""What a model family is: a name, defaults, and a builder of (G, D) for a data shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from torch import Tensor, nn

from ..config.parse import ConfigError
from ..config.schema import ModelConfig
from ..nn.conditional import ClassProjection, check_labels


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


# How G reads c when model.g_conditioning=auto: the pairing of each D with the G of its paper.
G_CONDITIONING_AUTO = {"none": "none", "input": "input", "hidden": "hidden", "projection": "cbn", "acgan": "input"}
LABELLED_DATASETS = "digits, mnist, or folder with one subfolder per class"


@dataclass(frozen=True)
class Conditioning:
    """How one (G, D) pair reads the class c (see ModelConfig.conditioning)."""

    num_classes: int | None             # K; None for an unconditional pair
    d: str = "none"                     # none | input | hidden | projection | acgan
    g: str = "none"                     # none | input | hidden | cbn

    @classmethod
    def of(cls, cfg: ModelConfig, spec: DataSpec) -> Conditioning:
        if cfg.conditioning == "none":
            if cfg.g_conditioning != "auto":
                raise ConfigError(f"model.g_conditioning={cfg.g_conditioning} needs model.conditioning other than none")
            return cls(None)
        if not spec.num_classes:
            raise ConfigError(f"model.conditioning={cfg.conditioning} needs class labels, and this {spec.kind} data "
                              f"has none: use a labelled dataset ({LABELLED_DATASETS}) or model.conditioning=none")
        g = G_CONDITIONING_AUTO[cfg.conditioning] if cfg.g_conditioning == "auto" else cfg.g_conditioning
        return cls(spec.num_classes, cfg.conditioning, g)


UNCONDITIONAL = Conditioning(None)


class Discriminator(nn.Module):
    """D(x, c) = head(features(x, c), c); logits [N], higher = more real.

    A family builds ``self.net`` (trunk layers, then psi: the layer mapping features to the unconditional logit),
    writes ``features`` and calls :meth:`add_class_parts`, which adds what the conditioning needs after the trunk:
    the projection term (head = psi(h) + <V_c, h>) or AC-GAN's classifier (``classify(h)`` -> [N, K] logits).
    """

    net: nn.Sequential

    def __init__(self) -> None:
        super().__init__()
        self.num_classes: int | None = None         # K for a conditional D
        self.conditioning = "none"                  # how it reads c: none | input | hidden | projection | acgan
        self.projection: ClassProjection | None = None
        self.classifier: nn.Linear | None = None

    def add_class_parts(self, cond: Conditioning, feature_dim: int) -> None:
        """feature_dim: the flattened size of features(x, c) per sample."""
        self.num_classes, self.conditioning = cond.num_classes, cond.d
        if cond.d == "projection":
            self.projection = ClassProjection(cond.num_classes, feature_dim)
        if cond.d == "acgan":
            self.classifier = nn.Linear(feature_dim, cond.num_classes)

    def trunk_labels(self, c: Tensor | None, n: int) -> Tensor | None:
        """c, checked, when the trunk (features) reads it: input and hidden conditioning; else None (unused)."""
        if self.conditioning not in ("input", "hidden"):
            return None
        return check_labels(c, self.num_classes, n, "D")  # type: ignore[arg-type]

    def features(self, x: Tensor, c: Tensor | None = None) -> Tensor:  # pragma: no cover - per family
        raise NotImplementedError

    def head(self, h: Tensor, c: Tensor | None = None) -> Tensor:
        logits = self.net[-1](h).flatten()                                    # psi(h): [N]
        if self.projection is not None:
            logits = logits + self.projection(h, check_labels(c, self.num_classes, h.shape[0], "D"))
        return logits

    def classify(self, h: Tensor) -> Tensor:
        """AC-GAN's class logits [N, K] from features h (model.conditioning=acgan only)."""
        if self.classifier is None:
            raise ValueError(f"this D has no classifier head (model.conditioning={self.conditioning}; AC-GAN's "
                             f"is model.conditioning=acgan)")
        return self.classifier(h.flatten(1))

    def forward(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        return self.head(self.features(x, c), c)

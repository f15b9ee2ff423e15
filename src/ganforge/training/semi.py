"""The semi-supervised GAN's scores: D's test accuracy as a classifier, and the baseline it is measured against,
the same D architecture trained by cross-entropy on the labelled subset alone (Salimans et al. 2016, Table 1:
"the same classifier trained on the labels only" is the row a GAN has to beat).
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from ..config.schema import Config
from ..data import BatchStream, ImageDataset, build_dataset, labelled_subset
from ..losses import sgan_supervised_loss
from ..models import DataSpec, build_models
from ..models.base import weight_norm_init_from_data
from .optim import build_optimizer


@torch.no_grad()
def classifier_accuracy(D: nn.Module, images: Tensor, labels: Tensor, batch_size: int = 500) -> float:
    """Fraction of uint8 images [N, C, H, W] whose argmax of D.classify(D.features(x)) is their label [N]; x is
    mapped to [-1, 1] as in training. D is put in eval mode for the pass (BatchNorm's running statistics)."""
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"need as many labels as images (> 0), got {len(images)} and {len(labels)}")
    device = next(D.parameters()).device
    data = ImageDataset(images, labels)
    was_training, correct = D.training, 0
    D.eval()
    for index in torch.arange(len(images)).split(batch_size):
        x, y = data.batch(index)
        correct += int((D.classify(D.features(x.to(device))).argmax(1).cpu() == y).sum())
    D.train(was_training)
    return correct / len(images)


def train_labels_only(cfg: Config, steps: int, device: torch.device | str = "cpu") -> nn.Module:
    """The baseline: D of `cfg` (model.semi_supervised, the same initial weights as the GAN run's D: same seed,
    same build order) trained for `steps` updates of CE on batches of the labelled subset (data.labels_per_class,
    the GAN run's subset) with D's optimiser settings; no unlabelled or generated data."""
    if not cfg.model.semi_supervised:
        raise ValueError("the labels-only baseline trains a semi-supervised D: set model.semi_supervised=true")
    dataset = build_dataset(cfg.data)
    subset = labelled_subset(dataset, cfg.data.labels_per_class, cfg.train.seed)  # type: ignore[arg-type]
    torch.manual_seed(cfg.train.seed)
    _, D = build_models(cfg.model, DataSpec(dataset.kind, tuple(dataset.shape), dataset.num_classes))
    D = D.to(device)
    weight_norm_init_from_data(cfg.model, D, dataset, device)   # as the GAN run's D (model.d_norm=weight)
    opt = build_optimizer(D.parameters(), cfg.optim, cfg.optim.d_lr)
    stream = BatchStream(subset, min(cfg.train.batch_size, len(subset)), seed=cfg.train.seed + 4, device=device)
    for _ in range(steps):
        x, y = stream.next()
        loss = sgan_supervised_loss(D.classify(D.features(x)), y)  # type: ignore[arg-type]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return copy.deepcopy(D).eval()


__all__ = ["classifier_accuracy", "train_labels_only"]

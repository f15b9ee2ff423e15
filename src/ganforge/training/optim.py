"""Optimisers with each paper's knobs, and the learning-rate schedule (a pure function of the step)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from ..config.schema import OptimConfig


def build_optimizer(params: Iterable[nn.Parameter], cfg: OptimConfig, lr: float,
                    betas: tuple[float, float] | None = None) -> torch.optim.Optimizer:
    """Adam(beta1, beta2) | RMSProp(momentum) | SGD(momentum), at learning rate `lr` (G and D get their own).
    `betas` overrides (beta1, beta2) for Adam (lazy regularisation's correction); None = the config's."""
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas if betas is not None else (cfg.beta1, cfg.beta2))
    if cfg.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=cfg.momentum)
    if cfg.name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum)
    raise ValueError(f"unknown optimiser '{cfg.name}'; known: adam, rmsprop, sgd")


def lr_factor(cfg: OptimConfig, step: int, total_steps: int) -> float:
    """Multiplier of the base rates at G step `step`: 1 throughout ('none') or 1 -> 0 linearly ('linear')."""
    if cfg.lr_decay == "linear":
        return max(0.0, 1.0 - step / max(1, total_steps))
    return 1.0


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr

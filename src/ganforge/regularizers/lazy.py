"""Lazy regularisation (Karras et al. 2020, StyleGAN2, "Analyzing and Improving the Image Quality of StyleGAN",
Sec. 3.1 and Appendix B): apply a penalty only every `interval` minibatches, as its own optimiser step, with its
weight multiplied by `interval` so the regulariser's average strength per step is unchanged.

StyleGAN2 also rescales Adam for the optimiser that sees those extra steps: with c = interval / (interval + 1),
lr <- lr * c and (beta1, beta2) <- (beta1^c, beta2^c), so that k + 1 updates move as far as k did without them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LazyRegularization:
    """When to run a lazy penalty and how to scale it.

        lazy = LazyRegularization(interval=16)
        if lazy.due(step):
            loss = (gamma / 2) * r1_penalty(D, real) * lazy.weight_scale
            ... backward, opt_D.step()
    """

    interval: int = 16   # run the penalty every `interval` D steps; 1 = every step (not lazy, scale 1)

    def __post_init__(self) -> None:
        if self.interval < 1:
            raise ValueError(f"lazy regularisation interval must be >= 1, got {self.interval}")

    def due(self, step: int) -> bool:
        """True on steps 0, interval, 2 interval, ... (step counts D updates from 0)."""
        return step % self.interval == 0

    @property
    def weight_scale(self) -> float:
        """Multiply the penalty by this (= interval) on the steps where it runs."""
        return float(self.interval)

    def adam_hparams(self, lr: float, betas: tuple[float, float]) -> tuple[float, tuple[float, float]]:
        """StyleGAN2's Adam correction: lr * c and betas ** c with c = interval / (interval + 1)."""
        c = self.interval / (self.interval + 1)
        return lr * c, (betas[0] ** c, betas[1] ** c)

"""Historical averaging (Salimans et al. 2016, "Improved Techniques for Training GANs", Sec. 3.3):
add ||theta - (1/t) sum_{i=1}^t theta[i]||^2 to a player's cost, theta[i] its parameters at past step i. Inspired by
fictitious play: it damps the circling around an equilibrium that plain gradient descent on a game can fall into.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn


class HistoricalAverage:
    """The running mean of a module's past parameters and the penalty against it. Call `update(module)` after each
    optimiser step (the mean then covers theta[1..t]); add `penalty(module)` (times a weight) to the next loss.
    Keep `state_dict()` in checkpoints so a resumed run continues the same average."""

    def __init__(self) -> None:
        self.count = 0                   # t: how many snapshots the mean holds; 0 = none yet (penalty is 0)
        self.mean: list[Tensor] = []     # one detached tensor per parameter, in module.parameters() order

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        """mean <- mean + (theta - mean) / (t + 1): the exact cumulative mean, without storing every snapshot."""
        params = [p.detach() for p in module.parameters()]
        if self.count == 0:
            self.mean = [p.clone() for p in params]
        else:
            if len(params) != len(self.mean):
                raise ValueError("module has a different number of parameters than the recorded average")
            for m, p in zip(self.mean, params):
                m.add_(p - m, alpha=1.0 / (self.count + 1))
        self.count += 1

    def penalty(self, module: nn.Module) -> Tensor:
        """sum over parameters of ||theta - mean||^2 (differentiable in theta); 0 before the first update."""
        params = list(module.parameters())
        if self.count == 0:
            return params[0].new_zeros(()) if params else torch.zeros(())
        return torch.stack([(p - m).pow(2).sum() for p, m in zip(params, self.mean)]).sum()

    def state_dict(self) -> dict[str, Any]:
        return {"count": self.count, "mean": [m.clone() for m in self.mean]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.count = int(state["count"])
        self.mean = [m.clone() for m in state["mean"]]

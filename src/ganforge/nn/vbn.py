"""Virtual batch normalisation (Salimans et al. 2016, "Improved Techniques for Training GANs", Sec. 3.4).

Batch norm makes each generated example depend on the others in its batch. VBN instead normalises each example x
with the statistics of a *reference batch* R (chosen once at the start of training and kept fixed) combined with x
itself, so an example's output does not depend on the rest of the current batch.

The formula implemented (per channel c; "mean over positions" is over the spatial dims, trivial for [N, C] input):

    mu_R,  m2_R  = mean over (R's examples, positions) of x_c and x_c^2               (recorded in a reference pass)
    mu_x,  m2_x  = mean over positions of this example's x_c and x_c^2
    mu    = (mu_x  + |R| mu_R) / (|R| + 1)
    m2    = (m2_x  + |R| m2_R) / (|R| + 1)
    var   = m2 - mu^2
    y     = gamma_c (x_c - mu) / sqrt(var + eps) + beta_c

i.e. the batch-norm statistics of the batch R plus {x} (OpenAI's improved-gan code uses the same 1/(|R|+1) weights).
The reference batch itself is normalised with its own statistics (plain batch norm), as it flows through the net.

Use: call `record_reference(model, *reference_inputs)` before each forward pass of the real batch (every training
step: R's statistics depend on the current weights, and the gradient flows through them, as in the paper; a stale
reference after an optimiser step makes backward fail loudly). Detached copies of the last reference statistics are
also kept as buffers, so a model loaded from a checkpoint can sample without a reference pass.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn


class VirtualBatchNorm(nn.Module):
    """VBN over dim 1 of x [N, C, *spatial] (or [N, C]); see the module docstring for the formula."""

    def __init__(self, num_features: int, eps: float = 1e-5, affine: bool = True) -> None:
        super().__init__()
        self.num_features = num_features   # C
        self.eps = eps                     # added to the variance
        self.weight = nn.Parameter(torch.ones(num_features)) if affine else None   # gamma; None = no affine
        self.bias = nn.Parameter(torch.zeros(num_features)) if affine else None    # beta
        self.recording = False             # True during a reference pass (`record_reference` sets it)
        # Last reference statistics, detached, for checkpoints and sampling; count 0 = never recorded.
        self.register_buffer("ref_mean", torch.zeros(num_features))
        self.register_buffer("ref_sq", torch.zeros(num_features))
        self.register_buffer("ref_count", torch.zeros((), dtype=torch.long))
        # The same statistics with their graph (so gradients reach the weights through R), until the next pass.
        self._live: tuple[Tensor, Tensor] | None = None

    def _affine(self, y: Tensor, shape: tuple[int, ...]) -> Tensor:
        if self.weight is None or self.bias is None:
            return y
        return y * self.weight.view(shape) + self.bias.view(shape)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[1] != self.num_features:
            raise ValueError(f"expected {self.num_features} channels, got {x.shape[1]}")
        spatial = tuple(range(2, x.ndim))
        per_channel = (1, self.num_features) + (1,) * len(spatial)   # broadcast [C] over [N, C, *s]
        if self.recording:
            mean, sq = x.mean((0, *spatial)), x.pow(2).mean((0, *spatial))          # [C]: over R and positions
            self._live = (mean, sq)
            with torch.no_grad():
                self.ref_mean.copy_(mean)
                self.ref_sq.copy_(sq)
                self.ref_count.fill_(x.shape[0])
            var = (sq - mean.pow(2)).clamp_min(0)
            return self._affine((x - mean.view(per_channel)) / torch.sqrt(var.view(per_channel) + self.eps),
                                per_channel)
        if int(self.ref_count) == 0:
            raise RuntimeError("VirtualBatchNorm has no reference statistics: call record_reference(model, ...) first")
        ref_mean, ref_sq = self._live if self._live is not None else (self.ref_mean, self.ref_sq)
        n_ref = float(self.ref_count)
        x_mean = x.mean(spatial) if spatial else x                                  # [N, C]: this example only
        x_sq = x.pow(2).mean(spatial) if spatial else x.pow(2)
        mean = (x_mean + n_ref * ref_mean) / (n_ref + 1)                            # [N, C]
        var = ((x_sq + n_ref * ref_sq) / (n_ref + 1) - mean.pow(2)).clamp_min(0)
        shape = mean.shape + (1,) * len(spatial)
        return self._affine((x - mean.view(shape)) / torch.sqrt(var.view(shape) + self.eps), per_channel)

    def __getstate__(self) -> dict[str, Any]:
        # deepcopy (G_ema) and pickle cannot copy a tensor with a graph; the live statistics are per-step anyway.
        state = self.__dict__.copy()
        state["_live"] = None
        return state

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
        # Loaded statistics replace whatever the last reference pass recorded in this process.
        self._live = None
        super()._load_from_state_dict(state_dict, prefix, *args)


def record_reference(model: nn.Module, *inputs: Any, **kwargs: Any) -> Any:
    """Run `model(*inputs, **kwargs)` on the reference batch with every VirtualBatchNorm in it recording its
    statistics; returns the model's output on the reference batch. Under torch.no_grad() the recorded statistics
    carry no graph (enough for a D step's fake batch); otherwise the next forward's gradient flows through them."""
    layers = [m for m in model.modules() if isinstance(m, VirtualBatchNorm)]
    for m in layers:
        m.recording = True
    try:
        return model(*inputs, **kwargs)
    finally:
        for m in layers:
            m.recording = False

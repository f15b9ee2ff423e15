"""Spectral normalisation (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral Normalization for Generative
Adversarial Networks", ICLR, Algorithm 1): W_SN = W / sigma(W), sigma(W) = max_{h != 0} ||W h|| / ||h|| the largest
singular value, so every normalised layer is 1-Lipschitz and so is D (with 1-Lipschitz activations).

sigma is estimated by power iteration with persistent vectors u [out] and v [fan_in]:

    v <- W^T u / ||W^T u||,    u <- W v / ||W v||,    sigma ~ u^T W v

one iteration per training forward (W changes little per step, so u, v stay near the top singular pair; the paper's
point is that one iteration suffices). u, v are constants for autograd (no gradient through the iteration); the
gradient reaches W through both W and sigma = u^T W v. In eval mode u, v are not updated, so evaluation is
deterministic and does not change the model.

Convolution kernels are reshaped to [out, in * k * k] (the paper's practical choice; the conv's exact operator norm
differs). ConvTranspose stores its kernel as [in, out, k, k]: we move the output-channel dim first, [out, in * k * k],
so u always lives in the output-channel space, as for Conv and Linear (torch's own spectral_norm does the same with
dim=1).

Implemented as a torch parametrization: the layer's trainable tensor becomes ``parametrizations.weight.original``
and u, v are buffers of ``parametrizations.weight[0]``, so state_dict / load_state_dict / deepcopy carry them and a
resumed run continues the same iteration. Apply spectral norm *before* loading an SN checkpoint. Reading
``layer.weight`` in training mode runs one iteration (that is what the layer's forward does).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import parametrize

_TRANSPOSED = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_NORMALISED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, *_TRANSPOSED)


class SpectralNorm(nn.Module):
    """The parametrization weight -> weight / sigma(weight), with the power-iteration state u, v as buffers."""

    def __init__(self, weight: Tensor, dim: int = 0, n_power_iterations: int = 1, warmup_iterations: int = 15,
                 eps: float = 1e-12) -> None:
        super().__init__()
        self.dim = dim                                   # weight dim holding the output units (1 for ConvTranspose)
        self.n_power_iterations = n_power_iterations     # iterations per training forward; the paper uses 1
        self.eps = eps                                   # guards the normalisations against a zero vector
        W = self._matrix(weight.detach())                # [out, fan_in]
        self.register_buffer("u", F.normalize(torch.randn(W.shape[0], dtype=W.dtype, device=W.device), dim=0))
        self.register_buffer("v", F.normalize(torch.randn(W.shape[1], dtype=W.dtype, device=W.device), dim=0))
        # A few iterations up front so sigma is already a good estimate at the first step (0 = start from random u).
        self._power_iteration(W, warmup_iterations)

    def _matrix(self, weight: Tensor) -> Tensor:
        """The weight as [out, fan_in]: output units first, everything else flattened."""
        if self.dim != 0:
            weight = weight.movedim(self.dim, 0)
        return weight.reshape(weight.shape[0], -1)

    @torch.no_grad()
    def _power_iteration(self, W: Tensor, n: int) -> None:
        for _ in range(n):
            self.v.copy_(F.normalize(W.T @ self.u, dim=0, eps=self.eps))
            self.u.copy_(F.normalize(W @ self.v, dim=0, eps=self.eps))

    def sigma(self, weight: Tensor) -> Tensor:
        """The current estimate u^T W v of the largest singular value of the [out, fan_in] weight (no update)."""
        # u, v are updated in place by the next training forward; autograd keeps these copies for backward.
        u, v = self.u.clone(), self.v.clone()
        return torch.dot(u, self._matrix(weight) @ v)

    def forward(self, weight: Tensor) -> Tensor:
        if self.training:
            self._power_iteration(self._matrix(weight.detach()), self.n_power_iterations)
        return weight / self.sigma(weight)


def spectral_norm(module: nn.Module, name: str = "weight", n_power_iterations: int = 1, warmup_iterations: int = 15,
                  eps: float = 1e-12) -> nn.Module:
    """Spectrally normalise one layer's `name` parameter in place; returns the module. ConvTranspose layers use their
    output-channel dim (1) as the row dim, everything else dim 0."""
    dim = 1 if isinstance(module, _TRANSPOSED) else 0
    sn = SpectralNorm(getattr(module, name), dim, n_power_iterations, warmup_iterations, eps)
    sn.train(module.training)
    # unsafe=True skips parametrize's trial call of forward, which would run one extra (training) power iteration.
    parametrize.register_parametrization(module, name, sn, unsafe=True)
    return module


def is_spectrally_normalised(module: nn.Module, name: str = "weight") -> bool:
    return parametrize.is_parametrized(module, name) and any(
        isinstance(p, SpectralNorm) for p in module.parametrizations[name])


def apply_spectral_norm(root: nn.Module, n_power_iterations: int = 1, warmup_iterations: int = 15,
                        eps: float = 1e-12) -> nn.Module:
    """Spectrally normalise the weight of every Linear, Conv{1,2,3}d and ConvTranspose{1,2,3}d in `root` (itself
    included) that is not normalised yet; returns `root`. Biases, norm layers and embeddings are left alone."""
    for m in list(root.modules()):
        if isinstance(m, _NORMALISED) and not is_spectrally_normalised(m):
            spectral_norm(m, "weight", n_power_iterations, warmup_iterations, eps)
    return root

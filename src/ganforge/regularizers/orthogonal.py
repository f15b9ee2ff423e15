"""Orthogonal regularisation of weight matrices.

Full (Brock et al. 2017, "Neural Photo Editing with Introspective Adversarial Networks"):
    R(W) = ||W^T W - I||_F^2
BigGAN's relaxed variant (Brock, Donahue & Simonyan 2019, "Large Scale GAN Training ...", Sec. 3.1):
    R(W) = ||W^T W * (1 - I)||_F^2       (* elementwise)
which only asks the filters to be pairwise orthogonal (minimises their squared cosines times norms) and leaves their
norms free; the full one also pins every filter's norm to 1, which BigGAN found too limiting.

In the papers the columns of W are the filters. A torch layer's weight holds one filter per output unit in its first
dim, so we take W = weight.reshape(out, -1).T ([in*k*k, out] for a conv, [in, out] for a Linear; see `_filters`
for ConvTranspose): W^T W is then the [out, out] Gram matrix of the filters, as in BigGAN's official `ortho`
(w @ w.T with w = param.view(out, -1)). The caller multiplies by beta (BigGAN: 1e-4).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

_WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def orthogonal_penalty_matrix(W: Tensor, off_diagonal: bool = False) -> Tensor:
    """||W^T W - I||_F^2, or ||W^T W * (1 - I)||_F^2 with off_diagonal=True, for one matrix W [d, n] whose n
    columns are the filters."""
    gram = W.T @ W                                                          # [n, n]
    eye = torch.eye(gram.shape[0], dtype=gram.dtype, device=gram.device)
    residual = gram * (1 - eye) if off_diagonal else gram - eye
    return residual.pow(2).sum()


def _raw_weight(module: nn.Module) -> Tensor:
    # A spectrally normalised layer (ganforge.nn.spectral_norm) keeps its trainable weight under parametrizations;
    # regularise that (as BigGAN does), and do not touch `.weight`, which would run a power iteration. A
    # weight-normalised layer (ganforge.nn.weight_norm) keeps two tensors there, g and v; its weight g v / ||v|| is
    # what the penalty is about, and computing it changes nothing.
    parametrizations = getattr(module, "parametrizations", None)
    if parametrizations is not None and "weight" in parametrizations and hasattr(parametrizations["weight"],
                                                                                 "original"):
        return parametrizations["weight"].original
    return module.weight


def _filters(module: nn.Module) -> Tensor:
    """The layer's filters as the columns of a matrix: [fan_in, out]. ConvTranspose stores [in, out, *k], so its
    output-channel dim is moved first before flattening (the same convention as our spectral norm)."""
    w = _raw_weight(module)
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        w = w.transpose(0, 1)
    return w.reshape(w.shape[0], -1).T


def orthogonal_regularization(module: nn.Module, off_diagonal: bool = True) -> Tensor:
    """Sum of `orthogonal_penalty_matrix` over every Linear / Conv / ConvTranspose weight in `module` (biases, norm
    layers and embeddings excluded). Default: BigGAN's off-diagonal variant. Returns 0 if there are none."""
    terms = [orthogonal_penalty_matrix(_filters(m), off_diagonal) for m in module.modules() if isinstance(m, _WEIGHTED)]
    if not terms:
        return torch.zeros(())
    return torch.stack(terms).sum()

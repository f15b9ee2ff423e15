"""Quality of 2-D samples from a Gaussian mixture with known modes: the PacGAN protocol (Lin et al. 2018, after
Srivastava et al. 2017, VEEGAN).

On N samples (2,500 in the protocol):
- a sample is *high quality* when it lies within 3 standard deviations of its nearest mode;
- *modes* = the number of modes with at least one high-quality sample;
- *reverse KL* = KL(p_hat || uniform) of the histogram of high-quality samples over the modes
  (sum_k p_k log(p_k K) over modes with p_k > 0);
- *spread* = RMS offset per coordinate of high-quality samples from their mode, divided by what a perfect sampler
  gives (std * 0.97436, the RMS of a 2-D Gaussian truncated at 3 std). 1 is honest; a generator that shrinks every
  mode to a point scores near 0 while its high-quality rate looks perfect. It counts a mode whose samples sit off
  its centre as wide;
- *width* = "sample std / data std" inside each mode: the pooled standard deviation of high-quality samples about
  their own mode's sample mean (per coordinate, unbiased: sum ||x - mean_k||^2 / (2 (N_hq - modes))), over the same
  truncated std. It does not count an offset centre, so a G that puts narrow blobs beside the modes scores its true,
  narrow width here and a wider spread above.
A perfect sampler's high-quality rate is P(chi_2 <= 3) = 1 - exp(-4.5) = 98.89%.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

PERFECT_HQ_RATE = 1.0 - math.exp(-4.5)
# sqrt(E[r^2 | r <= 3] / 2) for r ~ Rayleigh(1): E[r^2 1{r<=3}] = 2(1 - e^{-4.5}(1 + 4.5)).
TRUNCATED_RMS = math.sqrt((2 * (1 - math.exp(-4.5) * 5.5) / PERFECT_HQ_RATE) / 2)


def mode_quality(samples: Tensor, modes: Tensor, std: float, threshold: float = 3.0) -> dict[str, float]:
    """PacGAN metrics of `samples` [N, 2] against mixture `modes` [K, 2] with per-mode `std` (data coordinates).

    Returns {"modes": captured count, "hq": fraction high quality, "reverse_kl": KL(p_hat || U), "spread": ...,
    "width": ...}.
    """
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"samples must be [N, 2], got {tuple(samples.shape)}")
    samples, modes = samples.double().cpu(), modes.double().cpu()
    finite = torch.isfinite(samples).all(dim=1)
    dist = torch.cdist(samples[finite], modes)                  # [N, K]
    nearest_dist, nearest = dist.min(dim=1)
    hq = nearest_dist <= threshold * std
    counts = torch.bincount(nearest[hq], minlength=len(modes)).double()
    total_hq = counts.sum()
    if total_hq > 0:
        p = counts / total_hq
        nz = p > 0
        reverse_kl = float((p[nz] * (p[nz] * len(modes)).log()).sum())
        kept, owner = samples[finite][hq], nearest[hq]
        offsets = kept - modes[owner]
        spread = float(offsets.pow(2).mean().sqrt()) / (std * TRUNCATED_RMS)
        own_means = torch.zeros_like(modes).index_add_(0, owner, kept) / counts.clamp(min=1).unsqueeze(1)
        dof = 2 * (total_hq - (counts > 0).sum())      # each captured mode's mean uses up one sample per coordinate
        within = (kept - own_means[owner]).pow(2).sum()
        width = float((within / dof).sqrt()) / (std * TRUNCATED_RMS) if dof > 0 else 0.0
    else:
        reverse_kl, spread, width = float("inf"), 0.0, 0.0
    return {
        "modes": int((counts > 0).sum()),
        "hq": float(hq.sum()) / len(samples),
        "reverse_kl": reverse_kl,
        "spread": spread,
        "width": width,
    }

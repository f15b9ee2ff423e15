"""Discriminator rejection sampling (Azadi, Olsson, Darrell, Goodfellow & Odena 2019, "Discriminator Rejection
Sampling", ICLR): use a discriminator to correct what G gets wrong, at sampling time.

The optimal discriminator of a GAN is D*(x) = p_data / (p_data + p_G) (Goodfellow et al. 2014, Prop. 1); in logit
form r(x) = log p_data(x) - log p_G(x). Rejection sampling from the proposal p_G with acceptance probability

    a(x) = exp(r(x) - M),          M >= max_x r(x)

returns exactly p_data: p_G(x) a(x) is proportional to p_G(x) p_data(x) / p_G(x). In practice (as in the paper):
- r is a critic trained to convergence on real against generated samples with G *fixed* after training (the GAN's
  own D is not: it tracks a moving G and, at the end of a decayed schedule, hardly separates the two);
- M is estimated from r over a burn-in set of generated samples: the largest, as the paper, or a high quantile
  (sampler.drs_m_quantile). One outlying logit as M scales every acceptance down by exp(outlier - typical max)
  (ring8 seed 3 of our pacgan runs: 1 proposal in 9,000 kept); a quantile is robust to it, and the samples above M
  are only capped at acceptance 1. A higher quantile (0.9999 of 100,000) let an outlier drop the sampler again
  (benchmarks/toy2d.py; the README's 2-D table);
- the critic cannot undo a badly uneven G. A 6,000-step `pacgan` G under-fills some grid25 modes up to 25x, the
  critic's ratio there comes out up to 5x too low (more critic steps, width, batch or Fourier scale did not
  change that), and the sampler's reverse KL stayed at 0.03-0.10 on 6 of 10 seeds; a G trained 12,000 steps has
  even mode masses, and DRS then keeps them even (reverse KL 0.011, the `pacgan-drs` preset);
- a shift gamma >= 0 trades exactness for acceptance: a(x) = min(1, exp(r(x) - M + gamma)). gamma = 0 is the exact
  rule (but for the samples above a quantile M, capped at 1); the paper's gamma shifts
  F(x) = r - M - log(1 - exp(r - M - eps)) - gamma, and this is the simpler rule of its Sec. 3.2 with the cap at 1.

What it does and does not do: it removes G's mass where the data have none (the "bridges" a continuous G leaves
between separated modes) and re-weights over-full regions; it cannot add mass where G has none, so it never
recovers a dropped mode. The PacGAN metrics of a run that uses it are those of the refined sampler; the engine logs
G's own as well (toy_g/*).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.auto import tqdm

from ..models.latent import LatentPrior
from ..nn.fourier import FourierFeatures


class RatioCritic(nn.Module):
    """r(x) [N]: logit of "real" for one 2-D point, an estimate of log p_data(x) / p_G(x) once trained.

    x -> [Fourier features (sigma; none when sigma = 0)] -> [Linear -> LeakyReLU(0.2)] x depth -> Linear."""

    def __init__(self, in_features: int = 2, width: int = 256, depth: int = 3, fourier_sigma: float = 4.0,
                 num_frequencies: int = 64, seed: int = 0) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.embed = FourierFeatures(in_features, num_frequencies, fourier_sigma, g) if fourier_sigma > 0 else None
        fan_in = self.embed.out_features if self.embed is not None else in_features
        layers: list[nn.Module] = []
        for _ in range(depth):
            layers += [nn.Linear(fan_in, width), nn.LeakyReLU(0.2)]
            fan_in = width
        self.net = nn.Sequential(*layers, nn.Linear(fan_in, 1))

    def forward(self, x: Tensor) -> Tensor:
        x = x.flatten(1)
        return self.net(self.embed(x) if self.embed is not None else x).squeeze(1)


@dataclass
class RejectionSampler:
    critic: nn.Module            # r(x) [N], the density-ratio logit
    log_m: float                 # M: a high quantile (or the largest) of r on the burn-in set
    gamma: float = 0.0           # acceptance shift; 0 = exact rejection sampling under an ideal critic

    @torch.no_grad()
    def acceptance(self, x: Tensor) -> Tensor:
        """a(x) = min(1, exp(r(x) - M + gamma)) [N]."""
        return acceptance_from_logits(self.critic(x), self.log_m, self.gamma)

    @torch.no_grad()
    def sample(self, generate: Callable[[Tensor], Tensor], latent: LatentPrior, n: int,
               generator: torch.Generator, device: torch.device | str = "cpu", batch_size: int = 8192,
               max_proposals: int | None = None) -> tuple[Tensor, float]:
        """n accepted samples (on the CPU) and the acceptance rate. Proposals x = generate(z), z from `latent` with
        `generator` (CPU), which also draws the uniforms: the result depends on the seed only."""
        limit = max_proposals if max_proposals is not None else 2000 * n
        kept: list[Tensor] = []
        count = proposed = 0
        while count < n:
            if proposed >= limit:
                raise RuntimeError(f"rejection sampling accepted {count} of {proposed} proposals (rate "
                                   f"{count / max(proposed, 1):.2g}); raise sampler.drs_gamma or turn DRS off")
            z = latent.sample(batch_size, generator)
            x = generate(z.to(device))
            accept = torch.rand(batch_size, generator=generator) < self.acceptance(x).cpu()
            kept.append(x.cpu()[accept])
            count += int(accept.sum())
            proposed += batch_size
        return torch.cat(kept)[:n], count / proposed

    def state_dict(self) -> dict:
        return {"critic": self.critic.state_dict(), "log_m": self.log_m, "gamma": self.gamma}


def fit_rejection_sampler(critic: nn.Module, generate: Callable[[Tensor], Tensor], latent: LatentPrior,
                          next_real: Callable[[], Tensor], steps: int, lr: float = 1e-3, gamma: float = 0.0,
                          burn_in: int = 20_000, generator: torch.Generator | None = None,
                          device: torch.device | str = "cpu", progress: bool = True,
                          m_quantile: float = 1.0, min_accept: float = 0.0) -> RejectionSampler:
    """Train `critic` for `steps` Adam steps (betas (0.5, 0.999); the rate constant for the first half, then
    linearly to 0) on the logistic loss softplus(-r(x)) + softplus(r(G(z))) with G fixed (`generate` runs it
    without gradients), real batches from `next_real()`; then M = the `m_quantile` quantile of r over `burn_in`
    generated samples (1 = the largest, as Azadi et al.). With `min_accept` > 0, M is then lowered, if need be, until
    the expected acceptance on those samples, mean min(1, exp(r - M + gamma)), is at least `min_accept` (bisection;
    it falls monotonically in M): exact where that is affordable, capped only where one outlying logit would
    otherwise make sampling impractical."""
    if steps < 1:
        raise ValueError(f"the ratio critic needs >= 1 training step, got {steps}")
    if not 0.0 < m_quantile <= 1.0 or not 0.0 <= min_accept < 1.0:
        raise ValueError(f"m_quantile must be in (0, 1] and min_accept in [0, 1), got {m_quantile} and {min_accept}")
    critic = critic.to(device).train()
    opt = torch.optim.Adam(critic.parameters(), lr, betas=(0.5, 0.999))
    for step in tqdm(range(steps), desc="DRS critic", unit="step", disable=not progress, leave=False):
        for group in opt.param_groups:
            group["lr"] = lr * min(1.0, 2.0 * (1.0 - step / steps))
        real = next_real()
        with torch.no_grad():
            fake = generate(latent.sample(real.shape[0], generator).to(device))
        loss = F.softplus(-critic(real)).mean() + F.softplus(critic(fake)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    critic.eval().requires_grad_(False)
    with torch.no_grad():
        z = latent.sample(burn_in, generator)
        logits = torch.cat([critic(generate(chunk.to(device))).float().cpu() for chunk in z.split(8192)])
    # nearest-rank quantile (kthvalue, unlike torch.quantile, takes any burn-in size); 1 = the largest
    log_m = float(logits.kthvalue(max(1, math.ceil(m_quantile * len(logits)))).values)
    if min_accept > 0:
        log_m = _lower_m_to_acceptance(logits.double(), log_m, gamma, min_accept)
    return RejectionSampler(critic, log_m, gamma)


def acceptance_from_logits(logits: Tensor, log_m: float, gamma: float) -> Tensor:
    """min(1, exp(r - M + gamma)) per proposal."""
    return (logits - log_m + gamma).clamp(max=0).exp()


def expected_acceptance(logits: Tensor, log_m: float, gamma: float) -> float:
    """The fraction of proposals with these logits that rejection sampling keeps."""
    return float(acceptance_from_logits(logits, log_m, gamma).mean())


def _lower_m_to_acceptance(logits: Tensor, log_m: float, gamma: float, min_accept: float) -> float:
    if expected_acceptance(logits, log_m, gamma) >= min_accept:
        return log_m
    lo, hi = float(logits.min()) + gamma, log_m      # acceptance 1 at lo, below min_accept at hi
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if expected_acceptance(logits, mid, gamma) >= min_accept else (lo, mid)
    return lo


def load_rejection_sampler(state: dict, critic: nn.Module) -> RejectionSampler:
    critic.load_state_dict(state["critic"])
    return RejectionSampler(critic.eval().requires_grad_(False), float(state["log_m"]), float(state["gamma"]))

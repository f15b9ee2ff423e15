import math

import pytest
import torch
from torch import nn

from ganforge.models import LatentPrior
from ganforge.nn.fourier import FourierFeatures
from ganforge.sampling import RatioCritic, RejectionSampler, fit_rejection_sampler


class ExactRatio(nn.Module):
    """r(x) = log N(x; 0, s^2 I) - log N(x; 0, I) for 2-D x: the true log density ratio of target over proposal."""

    def __init__(self, s: float) -> None:
        super().__init__()
        self.s = s

    def forward(self, x):
        sq = x.pow(2).sum(1)
        return -sq / (2 * self.s**2) + sq / 2 - 2 * math.log(self.s)


def test_exact_critic_turns_the_proposal_into_the_target():
    """Proposal N(0, I) (an identity 'generator'), target N(0, 0.5^2 I): with the exact ratio and M = max r
    (= r(0) = -2 log s), gamma = 0 is exact rejection sampling, so the accepted points have std 0.5; the acceptance
    rate is 1 / e^M = s^2 = 0.25 (the normalising constants' ratio)."""
    s = 0.5
    sampler = RejectionSampler(ExactRatio(s), log_m=-2 * math.log(s), gamma=0.0)
    x, rate = sampler.sample(lambda z: z, LatentPrior(2), 20_000, torch.Generator().manual_seed(0))
    assert x.shape == (20_000, 2)
    assert abs(float(x.std(0).mean()) - s) < 0.01
    assert abs(rate - s**2) < 0.01


def test_acceptance_is_capped_and_shifted():
    sampler = RejectionSampler(ExactRatio(0.5), log_m=-2 * math.log(0.5), gamma=1.0)
    a = sampler.acceptance(torch.tensor([[0.0, 0.0], [3.0, 0.0]]))
    assert float(a[0]) == 1.0                                      # exp(0 + 1) capped at 1
    r = ExactRatio(0.5)(torch.tensor([[3.0, 0.0]]))
    assert float(a[1]) == pytest.approx(math.exp(float(r) + 2 * math.log(0.5) + 1.0))


def test_too_low_acceptance_is_a_clear_error():
    never = RejectionSampler(ExactRatio(0.5), log_m=1e6, gamma=0.0)
    with pytest.raises(RuntimeError, match="raise sampler.drs_gamma"):
        never.sample(lambda z: z, LatentPrior(2), 10, torch.Generator().manual_seed(0), batch_size=100,
                     max_proposals=1000)


def test_fitted_critic_removes_mass_where_the_data_have_none():
    """Data: N((1, 0), 0.1^2); proposal: an equal mixture of that and N((-1, 0), 0.1^2). A trained critic must
    reject the half of the proposals that sit where the data have no mass and keep the rest."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)

    def generate(z):          # z [N, 2] ~ N(0, I): the sign of z_0 picks the blob
        centre = torch.where(z[:, :1] > 0, 1.0, -1.0)
        return torch.cat([centre, torch.zeros_like(centre)], 1) + 0.1 * z.roll(1, dims=1)

    def next_real():
        return torch.tensor([1.0, 0.0]) + 0.1 * torch.randn(256, 2, generator=g)

    sampler = fit_rejection_sampler(RatioCritic(2, width=32, depth=2, fourier_sigma=0), generate, LatentPrior(2),
                                    next_real, steps=300, lr=3e-3, gamma=0.0, burn_in=2000, generator=g,
                                    progress=False)
    x, rate = sampler.sample(generate, LatentPrior(2), 1000, torch.Generator().manual_seed(2))
    assert (x[:, 0] > 0).float().mean() > 0.97      # the wrong blob is (almost) all rejected
    assert 0.1 < rate < 0.6                          # about half the proposals were wrong


class FirstCoordinate(nn.Module):
    """r(x) = x_0 + b with b ~ 0 (a parameter only so that the critic has something to train)."""

    def __init__(self) -> None:
        super().__init__()
        self.b = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return x[:, 0] + self.b


@pytest.mark.parametrize("quantile", [0.999, 0.99, 1.0])
def test_m_is_the_requested_quantile_of_the_burn_in_logits(quantile):
    """Identity G on z ~ N(0, I) and r(x) = x_0: the burn-in logits are N(0, 1) draws, so M is their `quantile`
    quantile, Phi^-1(q) (3.090 at 0.999, 2.326 at 0.99); at 1 it is their maximum, which lies above both."""
    g = torch.Generator().manual_seed(0)
    sampler = fit_rejection_sampler(FirstCoordinate(), lambda z: z, LatentPrior(2), lambda: torch.zeros(8, 2),
                                    steps=1, lr=1e-12, burn_in=200_000, generator=g, progress=False,
                                    m_quantile=quantile)
    if quantile < 1:
        expected = float(torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor(quantile)))
        assert sampler.log_m == pytest.approx(expected, abs=0.03)
    else:
        assert sampler.log_m > 3.5          # the largest of 200,000 N(0, 1) draws: P(below 3.5) ~ 1e-20


def _gaussian_acceptance(m: float) -> float:
    """E min(1, exp(x - M)) for x ~ N(0, 1): P(x > M) + exp(1/2 - M) Phi(M - 1)."""
    phi = lambda t: 0.5 * (1 + math.erf(t / math.sqrt(2)))   # noqa: E731
    return 1 - phi(m) + math.exp(0.5 - m) * phi(m - 1)


def test_min_accept_lowers_m_to_the_acceptance_floor():
    """Burn-in logits N(0, 1): the largest of 200,000 gives an expected acceptance near 2%; a 20% floor lowers M to
    the M* with E min(1, exp(x - M*)) = 0.2 in closed form (found here by bisection on the formula)."""
    lo, hi = -5.0, 5.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _gaussian_acceptance(mid) >= 0.2 else (lo, mid)
    g = torch.Generator().manual_seed(0)
    sampler = fit_rejection_sampler(FirstCoordinate(), lambda z: z, LatentPrior(2), lambda: torch.zeros(8, 2),
                                    steps=1, lr=1e-12, burn_in=200_000, generator=g, progress=False,
                                    min_accept=0.2)
    assert sampler.log_m == pytest.approx(lo, abs=0.02)
    x, rate = sampler.sample(lambda z: z, LatentPrior(2), 20_000, torch.Generator().manual_seed(1))
    assert rate == pytest.approx(0.2, abs=0.01)


def test_min_accept_keeps_m_where_the_largest_is_affordable():
    g = torch.Generator().manual_seed(0)
    exact = fit_rejection_sampler(FirstCoordinate(), lambda z: z, LatentPrior(2), lambda: torch.zeros(8, 2),
                                  steps=1, lr=1e-12, burn_in=50_000, generator=g, progress=False)
    g = torch.Generator().manual_seed(0)
    floored = fit_rejection_sampler(FirstCoordinate(), lambda z: z, LatentPrior(2), lambda: torch.zeros(8, 2),
                                    steps=1, lr=1e-12, burn_in=50_000, generator=g, progress=False,
                                    min_accept=0.001)           # the largest already keeps ~2%
    assert floored.log_m == exact.log_m


@pytest.mark.parametrize("quantile", [0.0, 1.5])
def test_m_quantile_outside_0_1_is_an_error(quantile):
    with pytest.raises(ValueError, match="m_quantile"):
        fit_rejection_sampler(FirstCoordinate(), lambda z: z, LatentPrior(2), lambda: torch.zeros(8, 2), steps=1,
                              progress=False, m_quantile=quantile)


def test_fourier_features_shape_and_formula():
    f = FourierFeatures(2, num_frequencies=3, sigma=2.0, generator=torch.Generator().manual_seed(0))
    x = torch.tensor([[0.1, -0.2]])
    angles = 2 * math.pi * x @ f.B
    torch.testing.assert_close(f(x), torch.cat([angles.sin(), angles.cos()], 1))
    assert f(x).shape == (1, 6) and "B" in dict(f.named_buffers())
    with pytest.raises(ValueError, match="sigma > 0"):
        FourierFeatures(2, sigma=0)


def test_drs_run_logs_both_samplers_and_checkpoint_samples_through_it(tiny_config, tmp_path):
    import ganforge
    from ganforge.metrics.toy2d import mode_quality
    from ganforge.training.engine import Trainer

    cfg = tiny_config("pacgan", "ring8", "train.steps=30", "sampler.name=drs", "sampler.drs_steps=150",
                      "sampler.drs_batch_size=256", "sampler.drs_gamma=8")
    result = Trainer(cfg, run_dir=tmp_path / "run").fit()
    m = result.metrics
    assert {"toy/hq", "toy/drs_accept", "toy_g/hq", "toy_g/modes"} <= m.keys() and 0 < m["toy/drs_accept"] <= 1
    G = ganforge.load(result.checkpoint)
    assert G.rejection is not None
    refined, plain = G.sample(2500, seed=7), G.sample(2500, seed=7, drs=False)
    assert refined.shape == plain.shape == (2500, 2)
    modes, std = G.data["modes"], G.data["std"]
    modes = torch.as_tensor(modes)
    # the critic keeps points near the data: at least as many high-quality samples as G alone
    assert mode_quality(refined, modes, std)["hq"] >= mode_quality(plain, modes, std)["hq"]


def test_drs_is_for_points(tiny_config, tmp_path):
    from ganforge.training.engine import Trainer

    with pytest.raises(ValueError, match="sampler.name=drs is implemented for 2-D points"):
        Trainer(tiny_config("dcgan", "digits", "sampler.name=drs"), run_dir=tmp_path / "run")


def test_a_sampler_that_accepts_almost_nothing_is_dropped_and_the_run_kept(tiny_config, tmp_path, monkeypatch):
    from ganforge.sampling import rejection
    from ganforge.training.engine import Trainer

    def refuse(self, *args, **kwargs):
        raise RuntimeError("rejection sampling accepted 1 of 5000000 proposals")

    monkeypatch.setattr(rejection.RejectionSampler, "sample", refuse)
    cfg = tiny_config("pacgan", "ring8", "train.steps=10", "sampler.name=drs", "sampler.drs_steps=5")
    result = Trainer(cfg, run_dir=tmp_path / "run").fit()
    assert result.checkpoint.exists() and "toy/hq" in result.metrics and "toy/drs_accept" not in result.metrics

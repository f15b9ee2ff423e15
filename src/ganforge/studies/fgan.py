"""Study `fgan`: a trained variational function T recovers every f-divergence between two known Gaussians.

f-GAN's bound (Nowozin et al. 2016, after Nguyen et al. 2010): for any T = g_f(V(x)),

    D_f(P || Q) >= E_P[T(x)] - E_Q[f*(T(x))],    with equality at T*(x) = f'(p(x) / q(x)).

For each divergence of `ganforge.losses.DIVERGENCES` the study trains only V (a small MLP; the divergence's output
activation g_f makes T) to maximise the bound between P = N(0, 1) and Q = N(1, 1), through the registered loss
`fgan-<name>`'s D loss, and reads `fgan_divergence_estimate` off fresh samples. The exact values:

- closed forms between Gaussians N(m0, s0^2) = P and N(m1, s1^2) = Q:
  KL(P||Q) = log(s1/s0) + (s0^2 + (m0 - m1)^2) / (2 s1^2) - 1/2; reverse KL swapped; Jeffrey = KL + reverse KL;
  squared Hellinger = 2 - 2 BC with BC = sqrt(2 s0 s1 / (s0^2 + s1^2)) exp(-(m0 - m1)^2 / (4 (s0^2 + s1^2)));
  Pearson chi^2 = int p^2/q - 1 and Neyman chi^2 = int q^2/p - 1, Gaussian integrals (finite when
  2 s1^2 > s0^2, resp. 2 s0^2 > s1^2; for equal variances both are exp((m0 - m1)^2 / s^2) - 1);
- by numerical integration (scipy.integrate.quad): total variation, JS (as ganforge defines it,
  KL(P||M) + KL(Q||M) = 2 JSD) and GAN (= 2 JSD - log 4).

Care with chi^2: T* = 2(p/q - 1) grows exponentially in x, so E_Q[f*(T)] is a heavy-tailed mean; large batches
(the gradient's noise) and many evaluation samples (the estimate's) keep it honest. The report gives each
estimate's Monte Carlo standard error.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..config.parse import ConfigError
from ..losses import DIVERGENCES, LOSSES, fgan_divergence_estimate
from ..models.mlp import MLPDiscriminator
from .critic import train_critic
from .spec import Run, RunRecord, Study, StudyOptions, seed_list

P, Q = (0.0, 1.0), (1.0, 1.0)                      # (mean, std) of the data P and the model Q
FULL = {"steps": 2000, "batch": 2048, "width": 64, "lr": 1e-3, "n_eval": 1_000_000}
QUICK = {"steps": 400, "batch": 2048, "width": 32, "lr": 3e-3, "n_eval": 1_000_000}
TOLERANCE = 0.05                                   # the bar: every estimate within 5% of the exact value
NUMERICAL = ("tv", "js", "gan")                    # exact values by quadrature; the rest in closed form


def _gauss_kl(m0: float, s0: float, m1: float, s1: float) -> float:
    return math.log(s1 / s0) + (s0**2 + (m0 - m1) ** 2) / (2 * s1**2) - 0.5


def _int_square_ratio(ma: float, sa: float, mb: float, sb: float) -> float:
    """int N(x; ma, sa^2)^2 / N(x; mb, sb^2) dx, a Gaussian integral; finite iff 2 sb^2 > sa^2."""
    if not 2 * sb**2 > sa**2:
        return math.inf
    a, b = 1 / sa**2, 1 / (2 * sb**2)
    scale = sb / (math.sqrt(2 * math.pi) * sa**2) * math.sqrt(math.pi / (a - b))
    return scale * math.exp(a * b * (ma - mb) ** 2 / (a - b))


def exact_divergence(name: str, p: tuple[float, float] = P, q: tuple[float, float] = Q) -> float:
    """D_f(P || Q) between the Gaussians p = (mean, std) and q, in ganforge's convention for each f."""
    (m0, s0), (m1, s1) = p, q
    if name == "kl":
        return _gauss_kl(m0, s0, m1, s1)
    if name == "reverse-kl":
        return _gauss_kl(m1, s1, m0, s0)
    if name == "jeffrey":
        return _gauss_kl(m0, s0, m1, s1) + _gauss_kl(m1, s1, m0, s0)
    if name == "hellinger":
        bc = math.sqrt(2 * s0 * s1 / (s0**2 + s1**2)) * math.exp(-((m0 - m1) ** 2) / (4 * (s0**2 + s1**2)))
        return 2 - 2 * bc
    if name == "pearson":
        return _int_square_ratio(m0, s0, m1, s1) - 1
    if name == "neyman":
        return _int_square_ratio(m1, s1, m0, s0) - 1
    if name not in NUMERICAL:
        raise ValueError(f"no exact value for divergence '{name}'; known: {', '.join(DIVERGENCES)}")
    import scipy.integrate
    import scipy.stats

    def integrand(x: float) -> float:
        px, qx = scipy.stats.norm.pdf(x, m0, s0), scipy.stats.norm.pdf(x, m1, s1)
        if name == "tv":
            return 0.5 * abs(px - qx)
        m = px + qx   # js: p log(2p/(p+q)) + q log(2q/(p+q)); gan: the same without the 2s
        k = 2.0 if name == "js" else 1.0
        return (px * math.log(k * px / m) if px > 0 else 0.0) + (qx * math.log(k * qx / m) if qx > 0 else 0.0)

    lo, hi = min(m0 - 12 * s0, m1 - 12 * s1), max(m0 + 12 * s0, m1 + 12 * s1)
    # TV's integrand has a kink where p = q; quad is told where the densities sit so it resolves both bumps
    return scipy.integrate.quad(integrand, lo, hi, points=sorted({m0, m1, (m0 + m1) / 2}), limit=400,
                                epsabs=1e-12, epsrel=1e-10)[0]


def variational_estimate(name: str, seed: int, steps: int, batch: int, width: int, lr: float, n_eval: int,
                         p: tuple[float, float] = P, q: tuple[float, float] = Q) -> tuple[float, float]:
    """Train V (an MLP 1 -> 2 layers of `width` -> 1) to maximise the f-GAN bound between p and q through the
    registered loss `fgan-<name>`; return (estimate, its Monte Carlo standard error) on n_eval fresh samples each."""
    torch.manual_seed(seed)
    V = MLPDiscriminator((1,), width, depth=2)
    g = torch.Generator().manual_seed(seed + 1)
    real = lambda n, gen: p[0] + p[1] * torch.randn(n, 1, generator=gen)   # noqa: E731
    fake = lambda n, gen: q[0] + q[1] * torch.randn(n, 1, generator=gen)   # noqa: E731
    d_loss = LOSSES.get(f"fgan-{name}").d_loss
    train_critic(V, lambda V, x_r, x_f: d_loss(V(x_r), V(x_f)), real, fake, steps, batch, lr, (0.5, 0.999), g)
    div = DIVERGENCES.get(name)
    with torch.no_grad():
        real_logits = torch.cat([V(x) for x in real(n_eval, g).split(100_000)]).double()
        fake_logits = torch.cat([V(x) for x in fake(n_eval, g).split(100_000)]).double()
        estimate = fgan_divergence_estimate(real_logits, fake_logits, name)
        # F = mean_P[g_f(V)] - mean_Q[f*(g_f(V))]: two independent sample means
        se = math.sqrt(div.activation(real_logits).var().item() / n_eval +
                       div.conjugate_of_activation(fake_logits).var().item() / n_eval)
    return float(estimate), se


def fgan_job(params: dict[str, Any], seed: int, run_dir: Path) -> dict[str, float]:
    name, p, q = params["divergence"], tuple(params["p"]), tuple(params["q"])
    estimate, se = variational_estimate(name, seed, **params["settings"], p=p, q=q)
    exact = exact_divergence(name, p, q)
    return {"estimate": estimate, "exact": exact, "rel_error": (estimate - exact) / abs(exact), "std_error": se}


def figures(records: list[RunRecord], out: Path) -> tuple[list[Path], str]:
    from ..artifacts.plots import pyplot, save_figure

    plt = pyplot()
    done = [r for r in records if r.status != "failed"]
    names = [n for n in DIVERGENCES if any(r.run.config == n for r in done)]
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4.4), dpi=100)
    for j, name in enumerate(names):
        rs = [r for r in done if r.run.config == name]
        exact = rs[0].metrics["exact"]
        est = [r.metrics["estimate"] for r in rs]
        err = [100 * r.metrics["rel_error"] for r in rs]
        ax0.bar(j - 0.2, exact, width=0.4, color="lightgray", edgecolor="black", label="exact" if j == 0 else None)
        ax0.bar(j + 0.2, float(np.mean(est)), width=0.4, color="tab:blue", alpha=0.7,
                label="trained T (mean over seeds)" if j == 0 else None)
        ax0.scatter([j + 0.2] * len(est), est, s=10, color="black", zorder=3)
        ax1.scatter([j] * len(err), err, s=18, color="tab:blue", zorder=3)
    for ax in (ax0, ax1):
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right")
        ax.grid(axis="y", alpha=0.3)
    ax0.axhline(0, color="black", lw=0.8)
    ax0.set_title(f"D_f(P || Q), P = N({P[0]:g}, {P[1]:g}^2), Q = N({Q[0]:g}, {Q[1]:g}^2)", fontsize=10)
    ax0.legend(fontsize=8)
    ax1.axhspan(-100 * TOLERANCE, 100 * TOLERANCE, color="tab:green", alpha=0.12, label="within 5%")
    ax1.axhline(0, color="black", lw=0.8)
    ax1.set_ylabel("relative error of the estimate (%)")
    ax1.set_title("estimate - exact, per seed", fontsize=10)
    ax1.legend(fontsize=8)
    path = save_figure(fig, out / "fgan.png")

    lines = ["## Estimate against the exact value", "",
             "| divergence | exact | exact by | estimate (mean ± std over seeds) | MC std error | relative error | "
             "within 5% |", "|---|---|---|---|---|---|---|"]
    for name in names:
        rs = [r for r in done if r.run.config == name]
        est = [r.metrics["estimate"] for r in rs]
        exact = rs[0].metrics["exact"]
        worst = max(abs(r.metrics["rel_error"]) for r in rs)
        how = "numerical integration" if name in NUMERICAL else "closed form"
        spread = f" ± {np.std(est, ddof=1):.2g}" if len(est) > 1 else ""
        lines.append(f"| {name} | {exact:.4f} | {how} | {np.mean(est):.4f}{spread} | "
                     f"{np.mean([r.metrics['std_error'] for r in rs]):.2g} | "
                     f"{100 * np.mean([r.metrics['rel_error'] for r in rs]):+.2f}% | "
                     f"{'yes' if worst <= TOLERANCE else 'NO'} (worst seed {100 * worst:.2f}%) |")
    return [path], "\n".join(lines)


def build(options: StudyOptions) -> Study:
    if options.overrides:
        raise ConfigError("study fgan trains no GAN: it takes no key=value overrides")
    seeds = seed_list(options.seeds or (1 if options.quick else 3), "seeds")
    settings = QUICK if options.quick else FULL
    runs = [Run(name, seed, fgan_job, {"divergence": name, "p": list(P), "q": list(Q), "settings": settings})
            for name in DIVERGENCES for seed in seeds]
    claim = ("Any f-divergence is the optimum of a variational problem over a critic T: "
             "D_f(P||Q) = sup_T E_P[T] - E_Q[f*(T)] (lecture: \"Can we use other divergence?\", the f-GAN table; "
             "Nowozin et al. 2016). Trained alone, T recovers each divergence to within 5%.")
    s = settings
    notes = (f"P = N({P[0]:g}, {P[1]:g}^2) (data), Q = N({Q[0]:g}, {Q[1]:g}^2) (model). V: MLP 1 -> 2 LeakyReLU "
             f"layers of {s['width']} -> 1, T = g_f(V); Adam {s['lr']:g} betas (0.5, 0.999), {s['steps']} steps "
             f"of {s['batch']} + {s['batch']} fresh samples, rate decayed linearly to 0; estimate on "
             f"{s['n_eval']:,} fresh samples of each. `rel_error` = (estimate - exact) / |exact|; `std_error` is the "
             f"estimate's Monte Carlo standard error. Exact values: closed forms, except tv, js and gan by "
             f"numerical integration (scipy quad).")
    return Study("fgan", "The f-GAN variational bound E_P[T] - E_Q[f*(T)] of a trained T against the exact "
                 "f-divergence between two Gaussians, for every divergence of the f-GAN table", runs,
                 ["estimate", "exact", "rel_error", "std_error"], claim=claim, figures=figures, notes=notes)

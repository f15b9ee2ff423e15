"""Study `js-flat`: on distributions with disjoint supports the JS divergence is flat, W1 is not.

The parallel lines of Arjovsky et al. 2017 (Example 1), the lecture's "JS divergence is always log 2 if two
distributions do not overlap": P = (0, Z) and Q_theta = (theta, Z) with Z ~ U[0, 1], two vertical segments in the
plane. For theta != 0

    JS(P, Q_theta) = log 2        W1(P, Q_theta) = |theta|          (both 0 at theta = 0)

so JS gives G no hint which way to move the line, while W1 shrinks as the line comes closer.

For each theta the study trains two critics alone (G fixed = Q_theta), on fresh samples:
- a standard GAN discriminator with the BCE loss (`ns`'s D loss). At its optimum the GAN value
  V = E_P log D + E_Q log(1 - D) equals 2 JS - log 4 (Goodfellow et al. 2014, Theorem 1), so the JS estimate is
  (V + log 4) / 2, read off fresh samples;
- a WGAN-GP critic (`wgan` loss + gradient penalty, lambda = 10, Gulrajani et al. 2017): the estimate is
  E_P f - E_Q f. The penalty is soft, so its optimum is not exactly W1: a linear critic with slope s along theta
  earns s |theta| - lambda (s - 1)^2, maximal at s = 1 + |theta| / (2 lambda), where E_P f - E_Q f equals
  |theta| + theta^2 / (2 lambda). The figure draws that curve beside |theta|.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..config.parse import ConfigError
from ..losses import LOSSES
from ..models.mlp import MLPDiscriminator
from ..regularizers import gradient_penalty, interpolate
from .critic import train_critic
from .spec import Run, RunRecord, Study, StudyOptions, seed_list

THETAS = [-2.0, -1.5, -1.0, -0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0]
REPORTED = (0.1, 0.5, 1.0, 2.0)
CRITICS = {  # label -> (kind, settings): Adam on fresh batches, the rate decayed linearly to 0
    "gan-discriminator": ("js", {"steps": 500, "batch": 256, "lr": 1e-2, "betas": [0.5, 0.999]}),
    "wgan-gp-critic": ("w", {"steps": 800, "batch": 256, "lr": 2e-3, "betas": [0.0, 0.9], "gp_weight": 10.0}),
}
N_EVAL = 20_000  # fresh samples per distribution for the estimate


def parallel_line(n: int, theta: float, generator: torch.Generator) -> torch.Tensor:
    """n points of (theta, Z), Z ~ U[0, 1]: [n, 2]."""
    return torch.cat([torch.full((n, 1), theta), torch.rand(n, 1, generator=generator)], dim=1)


def critic_estimate(kind: str, theta: float, seed: int, steps: int, batch: int, lr: float, betas: list[float],
                    width: int = 64, gp_weight: float = 10.0) -> float:
    """Train one critic between P = (0, Z) and Q = (theta, Z); return its JS (kind "js") or W1 ("w") estimate."""
    torch.manual_seed(seed)
    D = MLPDiscriminator((2,), width, depth=2)
    g = torch.Generator().manual_seed(seed + 1)
    real = lambda n, gen: parallel_line(n, 0.0, gen)       # noqa: E731
    fake = lambda n, gen: parallel_line(n, theta, gen)     # noqa: E731
    if kind == "js":
        bce = LOSSES.get("ns").d_loss
        loss = lambda D, x_r, x_f: bce(D(x_r), D(x_f))    # noqa: E731
    elif kind == "w":
        wgan = LOSSES.get("wgan").d_loss

        def loss(D, x_r, x_f):
            return wgan(D(x_r), D(x_f)) + gp_weight * gradient_penalty(D, interpolate(x_r, x_f, g))
    else:
        raise ValueError(f"unknown critic kind '{kind}'; known: js, w")
    train_critic(D, loss, real, fake, steps, batch, lr, (betas[0], betas[1]), g)
    with torch.no_grad():
        real_logits, fake_logits = D(real(N_EVAL, g)), D(fake(N_EVAL, g))
        if kind == "js":   # V = -(BCE loss) = 2 JS - log 4 at the optimum
            value = -LOSSES.get("ns").d_loss(real_logits, fake_logits)
            return float((value + math.log(4)) / 2)
        return float(real_logits.mean() - fake_logits.mean())


def least_squares_slope(thetas: list[float], values: list[float]) -> float:
    """Slope of the least-squares line through the points (|theta|, estimate) with theta != 0."""
    x = np.array([abs(t) for t in thetas if t != 0])
    y = np.array([v for t, v in zip(thetas, values) if t != 0])
    return float(np.polyfit(x, y, 1)[0])


def js_flat_job(params: dict[str, Any], seed: int, run_dir: Path) -> dict[str, float]:
    kind, settings = params["kind"], params["settings"]
    estimates = [critic_estimate(kind, theta, seed, **settings) for theta in params["thetas"]]
    (run_dir / "curve.json").write_text(json.dumps({"theta": params["thetas"], "estimate": estimates}) + "\n")
    metrics = {f"est@{t:g}": estimates[params["thetas"].index(t)] for t in REPORTED if t in params["thetas"]}
    metrics["slope"] = least_squares_slope(params["thetas"], estimates)
    return metrics


def figures(records: list[RunRecord], out: Path) -> tuple[list[Path], str]:
    from ..artifacts.plots import pyplot, save_figure

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), dpi=100)
    done = [r for r in records if r.status != "failed" and (r.dir / "curve.json").is_file()]
    t = np.linspace(-2, 2, 401)
    panels = {"gan-discriminator": (axes[0], "JS estimate of a trained GAN discriminator", "tab:red"),
              "wgan-gp-critic": (axes[1], "W1 estimate of a trained WGAN-GP critic", "tab:blue")}
    lam = CRITICS["wgan-gp-critic"][1]["gp_weight"]
    axes[0].plot(t[t != 0], np.full((t != 0).sum(), math.log(2)), color="black", lw=1, label="JS = log 2 (theta != 0)")
    axes[0].plot([0], [0], "ks", mfc="none", label="JS = 0 at theta = 0")
    axes[1].plot(t, np.abs(t), color="black", lw=1, label="W1 = |theta|")
    axes[1].plot(t, np.abs(t) + t**2 / (2 * lam), color="black", lw=1, ls="--",
                 label=f"GP optimum |theta| + theta^2/(2 lambda), lambda = {lam:g}")
    lines = ["## Estimates against theta", "",
             "| theta | JS estimate (mean over seeds) | exact JS | W1 estimate (mean over seeds) | exact W1 | "
             f"GP optimum (lambda {lam:g}) |", "|---|---|---|---|---|---|"]
    curves: dict[str, list[dict]] = {}
    for label, (ax, title, colour) in panels.items():
        curves[label] = [json.loads((r.dir / "curve.json").read_text()) for r in done if r.run.config == label]
        for k, c in enumerate(curves[label]):
            ax.plot(c["theta"], c["estimate"], "o", color=colour, ms=5, alpha=0.7,
                    label=f"trained critic, {len(curves[label])} seed(s)" if k == 0 else None)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("theta (Q = the line at x = theta; P at x = 0)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylim(-0.05, 0.8)
    path = save_figure(fig, out / "js-flat.png")
    if all(curves.values()):
        thetas = curves["gan-discriminator"][0]["theta"]
        for i, theta in enumerate(thetas):
            js = np.mean([c["estimate"][i] for c in curves["gan-discriminator"]])
            w = np.mean([c["estimate"][i] for c in curves["wgan-gp-critic"]])
            lines.append(f"| {theta:g} | {js:.4f} | {0 if theta == 0 else math.log(2):.4f} | {w:.4f} | "
                         f"{abs(theta):.4f} | {abs(theta) + theta**2 / (2 * lam):.4f} |")
        return [path], "\n".join(lines)
    return [path], ""


def build(options: StudyOptions) -> Study:
    if options.overrides:
        raise ConfigError("study js-flat trains no GAN: it takes no key=value overrides")
    seeds = seed_list(options.seeds or (1 if options.quick else 3), "seeds")
    runs = [Run(label, seed, js_flat_job, {"kind": kind, "settings": settings, "thetas": THETAS})
            for label, (kind, settings) in CRITICS.items() for seed in seeds]
    claim = ("JS divergence is always log 2 if two distributions do not overlap, so an optimal GAN discriminator "
             "tells G nothing about how far it is; the Wasserstein distance grows with the distance (lecture: "
             "\"What is the problem of JS divergence?\"; Arjovsky et al. 2017, Example 1).")
    notes = (f"P = (0, Z), Q = (theta, Z), Z ~ U[0, 1]; theta in {{{', '.join(f'{t:g}' for t in THETAS)}}}. "
             "Critics: MLP 2 -> 2 LeakyReLU layers of 64 -> 1. GAN discriminator: BCE, Adam 1e-2, 500 steps; "
             "WGAN-GP critic: lambda 10, Adam 2e-3 betas (0, 0.9), 800 steps; batches of 256, rate decayed "
             "linearly to 0, estimates on 20,000 fresh samples. `est@t` is the estimate at theta = t; `slope` the "
             "least-squares slope of the estimate against |theta| over theta != 0 (JS: 0; W1: 1).")
    return Study("js-flat", "A trained GAN discriminator's JS estimate and a WGAN-GP critic's W1 estimate between "
                 "two parallel lines at distance theta", runs, [f"est@{t:g}" for t in REPORTED] + ["slope"],
                 claim=claim, figures=figures, notes=notes)

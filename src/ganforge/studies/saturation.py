"""Study `saturation`: the minimax G loss loses its gradient when D is confident; the non-saturating loss does not.

Goodfellow et al. 2014, Sec. 3: "Early in learning, when G is poor, D can reject samples with high confidence ...
log(1 - D(G(z))) saturates." With D's logit l on a fake and D(G(z)) = sigma(l):

    minimax         L_G = E log(1 - sigma(l))    d/dl log(1 - sigma(l)) = -sigma(l)        -> 0 as l -> -inf
    non-saturating  L_G = -E log sigma(l)        d/dl -log sigma(l)     = -(1 - sigma(l))  -> -1

By the chain rule G's weight gradient is grad_theta L_G = (1/N) sum_i L'(l_i) grad_theta l_i. The study builds a
small G and D (seeded MLPs), fixes a batch of z, and makes D more and more confident by shifting its bias so that
the mean logit on the fakes sweeps from +10 down to -30 (D(G(z)) from 0.99995 down to 1e-13). At each level it
measures ||grad_theta L_G|| by autograd through the registered losses (`minimax`, `ns`) and compares it with the
closed form: the same sum with L' = -sigma(l) or -(1 - sigma(l)) and per-sample gradients grad_theta l_i.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..config.parse import ConfigError
from ..losses import LOSSES
from ..models.mlp import MLPDiscriminator, MLPGenerator
from .spec import Run, RunRecord, Study, StudyOptions, seed_list

LOGITS = [round(float(v), 2) for v in np.linspace(-30.0, 10.0, 81)]   # D's mean logit on the fakes, step 0.5
REPORTED = (0.0, -5.0, -10.0, -20.0)                                  # levels shown in the report's table
LOSS_NAMES = ("minimax", "ns")


def closed_form_derivative(loss: str, logits: torch.Tensor) -> torch.Tensor:
    """dL_G/dl per sample for L_G = loss(l): -sigma(l) (minimax) or -(1 - sigma(l)) = -sigma(-l) (ns)."""
    if loss == "minimax":
        return -torch.sigmoid(logits)
    if loss == "ns":
        return -torch.sigmoid(-logits)
    raise ValueError(f"no closed form for loss '{loss}'; known: {', '.join(LOSS_NAMES)}")


def gradient_sweep(loss: str, seed: int, logits: list[float], n: int = 64, z_dim: int = 4, width: int = 32,
                   depth: int = 2) -> dict[str, list[float]]:
    """||grad_theta L_G|| of a small G against D's mean logit on its fakes, measured and in closed form.

    float64 throughout, so that sigma(-30) = 9e-14 is resolved. Returns lists over `logits`: the mean logit, the
    mean D(G(z)), the measured norm and the closed-form norm.
    """
    torch.manual_seed(seed)
    G = MLPGenerator(z_dim, (2,), width, depth, norm="none", tanh=False, activation="tanh").double()
    D = MLPDiscriminator((2,), width, depth).double().requires_grad_(False)   # D is fixed; only theta = G's weights
    theta = list(G.parameters())
    z = torch.randn(n, z_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(seed + 1))
    base = D(G(z)).detach()                                                   # [n] logits before the shift

    def flat_grad(value: torch.Tensor) -> torch.Tensor:
        return torch.cat([g.flatten() for g in torch.autograd.grad(value, theta)])

    # Per-sample gradients grad_theta l_i, [n, P]: the shift b does not change them (d(l + b)/dtheta = dl/dtheta).
    jac = torch.stack([flat_grad(D(G(z[i:i + 1])).sum()) for i in range(n)])
    g_loss = LOSSES.get(loss).g_loss
    out: dict[str, list[float]] = {"logit": [], "d_of_g": [], "measured": [], "closed_form": []}
    for target in logits:
        shift = target - base.mean()                                         # D's bias moved by `shift`
        measured = flat_grad(g_loss(D(G(z)) + shift)).norm()
        l = base + shift
        closed = (closed_form_derivative(loss, l)[:, None] * jac).mean(0).norm()
        out["logit"].append(float(l.mean()))
        out["d_of_g"].append(float(torch.sigmoid(l).mean()))
        out["measured"].append(float(measured))
        out["closed_form"].append(float(closed))
    return out


def saturation_job(params: dict[str, Any], seed: int, run_dir: Path) -> dict[str, float]:
    sweep = gradient_sweep(params["loss"], seed, params["logits"], n=params["n"])
    (run_dir / "sweep.json").write_text(json.dumps(sweep) + "\n")
    metrics = {}
    for level in REPORTED:
        if level in params["logits"]:
            metrics[f"grad_norm@{level:g}"] = sweep["measured"][params["logits"].index(level)]
    rel = [abs(m - c) / c for m, c in zip(sweep["measured"], sweep["closed_form"]) if c > 0]
    metrics["max_rel_err"] = max(rel)
    return metrics


def figures(records: list[RunRecord], out: Path) -> tuple[list[Path], str]:
    from ..artifacts.plots import pyplot, save_figure

    plt = pyplot()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4.4), dpi=100)
    colours = {"minimax": "tab:red", "ns": "tab:blue"}
    titles = {"minimax": "minimax  log(1 - D(G(z)))", "ns": "non-saturating  -log D(G(z))"}

    # Left: the derivative itself, closed form (lines) against autograd through the registered losses (dots).
    l = torch.linspace(-30, 10, 401, dtype=torch.float64)
    for loss in LOSS_NAMES:
        ax0.semilogy(l, closed_form_derivative(loss, l).abs(), color=colours[loss],
                     label=f"{titles[loss]}: closed form")
        pts = torch.tensor([-30.0, -20.0, -10.0, -5.0, 0.0, 5.0, 10.0], dtype=torch.float64, requires_grad=True)
        (grad,) = torch.autograd.grad(LOSSES.get(loss).g_loss(pts) * len(pts), pts)   # per-sample dL/dl
        ax0.semilogy(pts.detach(), grad.abs(), "o", color=colours[loss], mfc="none", label=f"{loss}: autograd")
    ax0.set_xlabel("D's logit l on a fake  (D(G(z)) = sigma(l) -> 0 to the left)")
    ax0.set_ylabel("|dL_G / dl|")
    ax0.set_title("the loss's derivative in D's logit", fontsize=10)

    # Right: G's weight-gradient norm as D grows confident: each seed's measurement, and the closed form.
    done = [r for r in records if r.status != "failed" and (r.dir / "sweep.json").is_file()]
    for loss in LOSS_NAMES:
        sweeps = [json.loads((r.dir / "sweep.json").read_text()) for r in done if r.run.params["loss"] == loss]
        for k, s in enumerate(sweeps):
            ax1.semilogy(s["logit"], s["closed_form"], color=colours[loss], lw=1, alpha=0.8,
                         label=f"{titles[loss]}: closed form" if k == 0 else None)
            ax1.semilogy(s["logit"][::4], s["measured"][::4], "o", ms=3, color=colours[loss], mfc="none",
                         label=f"{loss}: measured (autograd), {len(sweeps)} seeds" if k == 0 else None)
    ax1.set_xlabel("D's mean logit on the fakes (D's bias shifted)")
    ax1.set_ylabel("||grad_theta L_G||")
    ax1.set_title("a small G's weight gradient as D grows confident", fontsize=10)
    for ax in (ax0, ax1):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    path = save_figure(fig, out / "saturation.png")

    lines = ["## Gradient norm against D's confidence", "",
             "Mean over seeds of ||grad_theta L_G|| (measured by autograd; the closed form agrees to the "
             "`max_rel_err` column above).", "",
             "| D's mean logit on fakes | mean D(G(z)) | minimax | non-saturating | ratio minimax / ns |",
             "|---|---|---|---|---|"]
    by_loss = {loss: [json.loads((r.dir / "sweep.json").read_text()) for r in done if r.run.params["loss"] == loss]
               for loss in LOSS_NAMES}
    if all(by_loss.values()):
        ref = by_loss["minimax"][0]
        for level in REPORTED:
            if level not in [round(v, 6) for v in ref["logit"]]:
                continue
            i = [round(v, 6) for v in ref["logit"]].index(level)
            mm = float(np.mean([s["measured"][i] for s in by_loss["minimax"]]))
            ns = float(np.mean([s["measured"][i] for s in by_loss["ns"]]))
            d = float(np.mean([s["d_of_g"][i] for s in by_loss["minimax"]]))
            lines.append(f"| {level:g} | {d:.3g} | {mm:.3g} | {ns:.3g} | {mm / ns:.3g} |")
    else:
        lines = []
    return [path], "\n".join(lines)


def build(options: StudyOptions) -> Study:
    if options.overrides:
        raise ConfigError("study saturation trains no GAN: it takes no key=value overrides")
    seeds = seed_list(options.seeds or (1 if options.quick else 3), "seeds")
    params = {"logits": LOGITS, "n": 64}
    runs = [Run(loss, seed, saturation_job, {"loss": loss, **params}) for loss in LOSS_NAMES for seed in seeds]
    claim = ("With the minimax loss, G's gradient vanishes as D grows confident: d/dl log(1 - sigma(l)) = "
             "-sigma(l), so at logit l = -10 (D(G(z)) = 4.5e-5) it is e^-10, 22,000 times smaller than the "
             "non-saturating loss's, whose derivative -(1 - sigma(l)) tends to -1 (Goodfellow et al. 2014, Sec. 3; "
             "lecture: vanishing (saturating) gradients in G).")
    notes = (f"A seeded MLP G (z 4 -> 2 tanh layers of 32 -> 2) and D (2 -> 2 LeakyReLU layers of 32 -> 1), "
             f"float64, a fixed batch of 64 z; D's bias shifted so that its mean logit on the fakes takes "
             f"{len(LOGITS)} values from {LOGITS[0]:g} to {LOGITS[-1]:g}. `grad_norm@l` is ||grad_theta L_G|| at "
             f"mean logit l; `max_rel_err` is the largest relative gap between autograd and the closed form (ns: 1e-9, "
             f"because F.softplus turns linear above 20 and drops 1 - sigma(20) = 2e-9).")
    metrics = [f"grad_norm@{level:g}" for level in REPORTED] + ["max_rel_err"]
    return Study("saturation", "||grad_theta L_G|| of a small G for the minimax and the non-saturating loss as D "
                 "grows confident, against the closed forms", runs, metrics, claim=claim, figures=figures,
                 notes=notes)


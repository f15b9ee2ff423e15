"""Why the original minimax GAN stalls: `gan-minimax` against `gan` (non-saturating) on the same data and seed.

Goodfellow et al. 2014, Section 3: "Early in learning, when G is poor, D can reject samples with high confidence
... log(1 - D(G(z))) saturates". With logits l = D(G(z)), d/dl log(1 - sigma(l)) = -sigma(l), which vanishes as D
grows confident (l -> -inf), while the non-saturating -log sigma(l) has gradient -(1 - sigma(l)) -> -1.

The default setting is the paper's regime, where that shows: MLPs on 8x8 digits, plain SGD with momentum 0.5
(the paper's optimiser; ours is the rate 0.05), and k = 5 D steps per G step (Algorithm 1's k; the paper's
analysis assumes a D near its optimum, k = 5 brings it closer). Everything else is the presets'.

    python benchmarks/minimax_vs_ns.py                          # digits, SGD, k = 5, 3000 G steps, seeds 0-2
    python benchmarks/minimax_vs_ns.py --seeds 0                # one seed: about 2 minutes
    python benchmarks/minimax_vs_ns.py --optimizer adam         # the presets' Adam instead of SGD
    python benchmarks/minimax_vs_ns.py --data ring8 --n-critic 1 --optimizer adam   # 2-D: % high quality

Every `--every` G steps it measures, at fixed probe latents (so curves are not batch noise): D's mean logit on
G(z); the norm of the gradient of G's loss w.r.t. G's weights, ||d L_G / d theta_G||, and as a control the norm
that -log sigma(l) would give at the same G and D (for gan-minimax: is the loss the only cause?); and quality:
for 2-D data the PacGAN % high-quality samples (2,500 samples), for images precision and recall (Kynkaenniemi
et al. 2019, k = 3) of 1,000 samples against every training image in pixel space (no classifier). The probe never
changes the run (no .grad is written, BatchNorm buffers are restored, it draws no random numbers).

Writes docs/figures/minimax_vs_ns.png and benchmarks/results/minimax_vs_ns.json; one CPU thread per run, one run
at a time (about 65 s per digits run on a shared 2-core machine, so 6.5 minutes for the default).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

# Goodfellow et al. 2014 trained with SGD and momentum (their code: momentum 0.5 rising to 0.7); the rate is ours.
PAPER_SGD = ["optim.name=sgd", "optim.g_lr=0.05", "optim.d_lr=0.05", "optim.momentum=0.5"]
N_PROBE = 512        # latents for D's logit and G's gradient norm
N_QUALITY = 1000     # generated images for precision / recall


@torch.enable_grad()
def probe(trainer, z: torch.Tensor) -> dict[str, float]:
    """At the run's current G and D, without touching the run: D's mean logit on G(z), the norm of the gradient of
    G's own loss w.r.t. G's weights, and (the control) that norm for the non-saturating loss -log sigma(l)."""
    from ganforge.losses import LOSSES

    G, D = trainer.G, trainer.D
    buffers = [b.clone() for b in G.buffers()]           # BatchNorm running stats: a train-mode forward moves them
    fake = G(z)                                          # train mode: the G that the G step differentiates
    logits = D(fake)                                     # [N]
    params = [p for p in G.parameters() if p.requires_grad]
    norms = {}
    for key, loss in (("G/grad_norm", trainer.loss), ("G/grad_norm_ns", LOSSES.get("ns"))):
        grads = torch.autograd.grad(loss.g_loss(logits, None), params, retain_graph=True)  # not written to .grad
        norms[key] = math.sqrt(sum(float(g.pow(2).sum()) for g in grads))
    with torch.no_grad():
        for b, saved in zip(G.buffers(), buffers):
            b.copy_(saved)
    return {"D/fake": float(logits.detach().mean()), **norms}


def quality(trainer, real: np.ndarray | None, z: torch.Tensor) -> dict[str, float]:
    """2-D: the PacGAN metrics (toy/hq, toy/modes, ...). Images: pixel-space precision / recall, k = 3, of G(z)
    against `real` [N, C*H*W] (every training image, in [-1, 1])."""
    if real is None:
        return trainer.toy_metrics()
    from ganforge.metrics.prdc import precision_recall

    fake = trainer.generate(z).flatten(1).cpu().double().numpy()
    precision, recall = precision_recall(real, fake, k=3)
    return {"precision": precision, "recall": recall}


def run(preset: str, data: str, seed: int, steps: int, every: int, overrides: list[str]) -> dict:
    from ganforge.config.presets import build_config
    from ganforge.training.engine import Trainer

    with tempfile.TemporaryDirectory() as tmp:
        cfg = build_config(preset, data, [f"train.steps={steps}", f"train.seed={seed}", "train.threads=1",
                                          "output.progress=false", "output.tensorboard=false", *overrides])
        trainer = Trainer(cfg, run_dir=Path(tmp) / "run")  # we drive train_step ourselves: nothing is written
    looks = torch.Generator().manual_seed(10_000 + seed)   # the probe's own latents, not the run's generators
    z_probe = trainer.latent.sample(N_PROBE, looks).to(trainer.device)
    z_quality = trainer.latent.sample(N_QUALITY, looks).to(trainer.device)
    real = None
    if trainer.spec.kind == "images":
        ds = trainer.dataset
        real = ds.batch(torch.arange(len(ds)))[0].flatten(1).double().numpy()  # [N, C*H*W] in [-1, 1]
    records, t0 = [], time.perf_counter()
    for step in range(steps + 1):
        if step % every == 0 or step == steps:
            records.append({"step": step, **probe(trainer, z_probe), **quality(trainer, real, z_quality)})
        if step < steps:
            trainer.train_step()
    seconds = time.perf_counter() - t0
    return {"preset": preset, "seed": seed, "seconds": seconds, "records": records}


def plot(runs: list[dict], data: str, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.3), dpi=110)
    colours = {"gan": "tab:blue", "gan-minimax": "tab:red"}
    first_seed = min(r["seed"] for r in runs)
    for r in runs:
        rec, colour = r["records"], colours.get(r["preset"], "tab:gray")
        alpha = 1.0 if r["seed"] == first_seed else 0.45
        label = f"{r['preset']}, seed {r['seed']}"
        steps = [x["step"] for x in rec]
        axes[0].plot(steps, [x["D/fake"] for x in rec], color=colour, alpha=alpha, label=label)
        axes[1].semilogy(steps, [x["G/grad_norm"] for x in rec], color=colour, alpha=alpha, label=label)
        if r["preset"] == "gan-minimax":  # the control: what -log sigma(l) would give at these very weights
            axes[1].semilogy(steps, [x["G/grad_norm_ns"] for x in rec], color=colour, alpha=alpha, ls=":", lw=1.2)
        if "precision" in rec[0]:
            axes[2].plot(steps, [100 * x["precision"] for x in rec], color=colour, alpha=alpha, label=label)
            axes[2].plot(steps, [100 * x["recall"] for x in rec], color=colour, alpha=alpha, ls=":", lw=1.2)
        else:
            axes[2].plot(steps, [100 * x["toy/hq"] for x in rec], color=colour, alpha=alpha, label=label)
    axes[0].set_title("D's mean logit on G(z)  (< 0: rejected)")
    axes[1].set_title("||d L_G / d theta_G||: G's learning signal\n"
                      "dotted: -log sigma(l)'s at gan-minimax's own G and D", fontsize=10)
    if "precision" in runs[0]["records"][0]:
        axes[2].set_title(f"% of generated {data} inside the real set (precision);\n"
                          "dotted: % of real ones covered (recall); pixel space, k = 3", fontsize=10)
    else:
        axes[2].set_title(f"% high-quality samples ({data}, within 3 std of a mode)")
    for ax in axes:
        ax.set_xlabel("generator step")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="digits")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd",
                   help="sgd: the paper's SGD + momentum 0.5, rate 0.05; adam: the presets' own (Adam 2e-4, beta1 0.5)")
    p.add_argument("--n-critic", type=int, default=5, help="D steps per G step (k in Algorithm 1)")
    p.add_argument("--every", type=int, default=100, help="measure every N G steps")
    p.add_argument("--figure", default="docs/figures/minimax_vs_ns.png")
    p.add_argument("--out", default="benchmarks/results/minimax_vs_ns.json")
    p.add_argument("overrides", nargs="*", help="key=value overrides for both runs, applied last")
    args = p.parse_intermixed_args()   # key=value overrides may come before or after options

    overrides = [*(PAPER_SGD if args.optimizer == "sgd" else []), f"train.n_critic={args.n_critic}", *args.overrides]
    runs = []
    for seed in args.seeds:
        for preset in ("gan", "gan-minimax"):
            runs.append(run(preset, args.data, seed, args.steps, args.every, overrides))
            last = runs[-1]["records"][-1]
            print(f"  {preset} seed {seed}: {runs[-1]['seconds']:.0f} s, D/fake {last['D/fake']:.2f}, "
                  f"|grad G| {last['G/grad_norm']:.2e}", flush=True)

    optimiser = "SGD, momentum 0.5, lr 0.05" if args.optimizer == "sgd" else "Adam (the presets')"
    title = f"gan vs gan-minimax on {args.data}: {optimiser}, k = {args.n_critic} D steps per G step"
    plot(runs, args.data, title, Path(args.figure))

    images = "precision" in runs[0]["records"][-1]
    q1, q2 = ("precision", "recall") if images else ("toy/hq", "toy/modes")
    print(f"\n{title}; final values at step {args.steps}")
    print("|grad G| late: median over the second half of the run; ns at same: -log sigma(l)'s at the same G, D")
    print(f"{'preset':<12} {'seed':>4} {'D/fake':>8} {'|grad G|':>9} {'|grad G| late':>13} {'ns at same':>10} "
          f"{'% prec' if images else '% HQ':>7} {'% rec' if images else 'modes':>6} {'seconds':>8}")
    for r in runs:
        last = r["records"][-1]
        second = f"{100 * last[q2]:6.1f}" if images else f"{last[q2]:6d}"
        late = statistics.median(x["G/grad_norm"] for x in r["records"] if x["step"] >= args.steps / 2)
        print(f"{r['preset']:<12} {r['seed']:>4} {last['D/fake']:>8.2f} {last['G/grad_norm']:>9.2e} "
              f"{late:>13.2e} {last['G/grad_norm_ns']:>10.2e} {100 * last[q1]:>7.1f} {second} "
              f"{r['seconds']:>8.0f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"args": vars(args), "overrides": overrides, "runs": runs}, indent=1) + "\n")
    print(f"wrote {args.figure} and {args.out}")


if __name__ == "__main__":
    main()

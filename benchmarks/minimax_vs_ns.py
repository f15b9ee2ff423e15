"""Why the original minimax GAN stalls: `gan-minimax` against `gan` (non-saturating) on the same data and seed.

Goodfellow et al. 2014, Section 3: "Early in learning, when G is poor, D can reject samples with high confidence
... log(1 - D(G(z))) saturates". With logits l = D(G(z)), d/dl log(1 - sigma(l)) = -sigma(l), which vanishes as D
grows confident (l -> -inf), while the non-saturating -log sigma(l) has gradient -(1 - sigma(l)) -> -1.

    python benchmarks/minimax_vs_ns.py                     # ring8, 3000 steps, seed 0
    python benchmarks/minimax_vs_ns.py --data grid25 --steps 5000

Writes docs/figures/minimax_vs_ns.png (D's mean logit on fakes, the G loss's gradient scale, % high-quality samples)
and benchmarks/results/minimax_vs_ns.json.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="ring8")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--figure", default="docs/figures/minimax_vs_ns.png")
    p.add_argument("--out", default="benchmarks/results/minimax_vs_ns.json")
    p.add_argument("overrides", nargs="*")
    args = p.parse_args()

    import ganforge
    from ganforge.tracking import read_jsonl

    curves = {}
    with tempfile.TemporaryDirectory() as tmp:
        for preset in ("gan", "gan-minimax"):
            result = ganforge.train(preset=preset, data=args.data, run_dir=Path(tmp) / preset, overrides=[
                f"train.steps={args.steps}", f"train.seed={args.seed}", "train.log_every=50", "train.eval_every=250",
                "train.sample_every=0", "output.progress=false", "output.tensorboard=false", *args.overrides])
            curves[preset] = read_jsonl(result.run_dir / "metrics.jsonl")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4), dpi=110)
    colours = {"gan": "tab:blue", "gan-minimax": "tab:red"}
    for preset, records in curves.items():
        steps = [r["step"] for r in records]
        fake = [r["D/fake"] for r in records]
        sig = [0.5 * (1 + math.tanh(f / 2)) for f in fake]  # sigma(f), without overflow
        # |dL_G/dl| per sample: minimax sigma(l), non-saturating 1 - sigma(l) (at the mean logit)
        grad = [s if preset == "gan-minimax" else 1 - s for s in sig]
        axes[0].plot(steps, fake, color=colours[preset], label=preset)
        axes[1].semilogy(steps, grad, color=colours[preset], label=preset)
        q = [(r["step"], r["toy/hq"]) for r in records if "toy/hq" in r]
        axes[2].plot(*zip(*q), color=colours[preset], marker=".", label=preset)
    axes[0].set_title("D's mean logit on generated samples")
    axes[1].set_title("|dL_G / d logit| at that logit (G's learning signal)")
    axes[2].set_title(f"fraction of high-quality samples ({args.data})")
    for ax in axes:
        ax.set_xlabel("generator step")
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.figure)
    final = {k: {key: v[-1].get(key) for key in ("D/fake", "loss/G", "toy/modes", "toy/hq")} for k, v in curves.items()}
    print(f"{'preset':<12} {'D/fake':>8} {'loss/G':>8} {'modes':>6} {'% HQ':>6}")
    for k, v in final.items():
        print(f"{k:<12} {v['D/fake']:>8.2f} {v['loss/G']:>8.3f} {v['toy/modes']:>6} {100 * v['toy/hq']:>6.1f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"final": final, "curves": curves, "args": vars(args)}, indent=2) + "\n")
    print(f"wrote {args.figure} and {args.out}")


if __name__ == "__main__":
    main()

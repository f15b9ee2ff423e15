"""Class control of a conditional GAN: per-class accuracy of its samples under the domain classifier.

    python benchmarks/class_control.py runs/<run>                          # a conditional run (or checkpoint file)
    python benchmarks/class_control.py --train acgan --minutes 8 train.threads=1   # train first (MNIST, CPU settings)
    python benchmarks/class_control.py --train cgan --data digits --minutes 1 train.threads=1

For each class k: --n-per-class samples G(z, k) (the same z for every class), classified by ganforge's domain
classifier of the data (`ganforge classifier train mnist`, or digits); the accuracy of k is the fraction classified
as k (ganforge.metrics.class_control). The bar of issue #5: >= 95% for every class. Prints the per-class table and
writes benchmarks/results/class_control.json.

Training settings (--train, all overrides of the preset, listed in CPU_SETTINGS): the CPU choices of
benchmarks/mnist_dcgan.py: DCGAN width 32 at the data's native size, channels_last convolutions, an EMA of G.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from _budget import checkpoint_or_train, train_under_budget  # benchmarks/_budget.py (this script's folder)

CPU_SETTINGS = ["model.g_width=32", "model.d_width=32", "model.channels_last=true", "train.ema=0.999",
                "train.ema_start=200", "train.steps=1000000", "train.log_every=100", "train.sample_every=1000",
                "train.ckpt_every=2000", "output.tensorboard=false"]
BAR = 0.95


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", nargs="?", help="run directory or checkpoint of a conditional run")
    p.add_argument("--train", metavar="PRESET", help="train this preset first (cgan, cgan-projection, acgan)")
    p.add_argument("--data", default=None, help="with --train: the data (default: the preset's, MNIST)")
    p.add_argument("--minutes", type=float, default=8.0, help="with --train: wall-clock budget (default 8)")
    p.add_argument("--out", help="with --train: run directory (default runs/bench-class-<preset>-<data>)")
    p.add_argument("--n-per-class", type=int, default=1000)
    p.add_argument("--classifier", help="classifier dataset, mnist or digits (default: the run's data)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-ema", action="store_true", help="score G instead of G_ema")
    p.add_argument("--json", default="benchmarks/results/class_control.json")
    p.add_argument("overrides", nargs="*", help="with --train: key=value settings for the run")
    args = p.parse_intermixed_args()   # key=value overrides may come before or after options
    checkpoint_or_train(p, args, bool(args.train))

    import ganforge
    from ganforge.metrics.class_control import class_control, format_class_table
    from ganforge.metrics.extractors.classifier import CLASSIFIER_DATASETS, ClassifierExtractor

    record: dict = {}
    if args.train:
        args.checkpoint, record["training"] = train_under_budget(
            args.train, args.data, [*CPU_SETTINGS, *args.overrides], args.minutes, args.out,
            f"runs/bench-class-{args.train}-{{data}}")

    G = ganforge.load(args.checkpoint, use_ema=not args.no_ema, device=args.device)
    if G.num_classes is None:
        print(f"error: {args.checkpoint} is not a conditional run (model.conditioning=none)", file=sys.stderr)
        return 2
    dataset = args.classifier or G.data["name"]
    if dataset not in CLASSIFIER_DATASETS:
        print(f"error: no domain classifier for '{dataset}'; use --classifier mnist|digits", file=sys.stderr)
        return 2
    try:
        ext = ClassifierExtractor(dataset, device=args.device)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    scores = class_control(G, G.num_classes, G.latent, ext, n_per_class=args.n_per_class, seed=args.seed,
                           device=args.device)
    passed = scores["min_accuracy"] >= BAR
    cfg = G.config
    record.update({
        "checkpoint": args.checkpoint, "step": G.step, "preset": cfg.preset, "data": G.data["name"],
        "conditioning": cfg.model.conditioning, "g_conditioning": cfg.model.g_conditioning, "loss": cfg.loss.name,
        "uses_ema": G.uses_ema, "classifier": ext.describe(), "seed": args.seed, "score_seconds":
        round(time.perf_counter() - t0, 1), **scores, "bar": BAR, "passes_bar": passed})

    print(f"\n{cfg.preset} ({cfg.model.conditioning}-conditional D, {cfg.loss.name} loss) on {G.data['name']}, "
          f"step {G.step}, {'G_ema' if G.uses_ema else 'G'}: {args.n_per_class} samples per class, classifier "
          f"{ext.name} (held-out accuracy {ext.meta.get('test_accuracy', float('nan')):.2%})")
    print(format_class_table(scores))
    print(f"bar: every class >= {BAR:.0%}: {'PASS' if passed else 'FAIL'}")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

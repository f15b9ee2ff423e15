"""The semi-supervised GAN against its labels-only baseline: test accuracy with N labels.

    python benchmarks/sgan_accuracy.py --minutes 19 train.threads=1           # MNIST, 100 labels (the sgan preset)
    python benchmarks/sgan_accuracy.py --data digits --labels-per-class 5 --minutes 1 "model.d_widths=[128, 64]"

Trains the sgan preset for its train.steps (8,000; its rate decays linearly to 0 over them), stopping early at
--minutes (D: a K-class classifier on the labelled subset + the unsupervised GAN loss on all training
images and G's samples; G: feature matching; Salimans et al. 2016 Sec. 5), then the same D architecture from the
same initial weights on the labelled subset alone (cross-entropy, D's optimiser, as many updates as the GAN run's D
made; ganforge.training.semi), and reports both test accuracies in one table. MNIST: its test split (10,000);
digits: the held-out 360 of ganforge's digits split (the GAN saw all 1,797 digits unlabelled, so on digits the
GAN row is transductive). The bar of issue #5 on MNIST with 100 labels: test error < 5% (Salimans et al. report
~1%). Prints the table, writes benchmarks/results/sgan_accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

CPU_SETTINGS = ["train.log_every=100", "train.sample_every=1000", "train.ckpt_every=2000", "train.eval_every=1000",
                "output.tensorboard=false"]
BAR_ERROR = 0.05


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=None, help="mnist (the preset's) or digits")
    p.add_argument("--labels-per-class", type=int, default=None, help="labels per class (default: the preset's 10)")
    p.add_argument("--minutes", type=float, default=20.0, help="wall-clock budget of the GAN run (default 20)")
    p.add_argument("--out", help="run directory (default runs/bench-sgan-<data>)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", default="benchmarks/results/sgan_accuracy.json")
    p.add_argument("overrides", nargs="*", help="key=value settings for the run (and the baseline's D)")
    args = p.parse_intermixed_args()   # key=value overrides may come before or after options

    import torch

    from ganforge.config.presets import build_config
    from ganforge.metrics.classifier import load_split
    from ganforge.tracking import read_jsonl
    from ganforge.training.engine import Trainer
    from ganforge.training.semi import classifier_accuracy, train_labels_only

    overrides = [*CPU_SETTINGS, f"train.max_minutes={args.minutes}", f"train.device={args.device}", *args.overrides]
    if args.labels_per_class is not None:
        overrides.append(f"data.labels_per_class={args.labels_per_class}")
    cfg = build_config("sgan", args.data, overrides)
    test_images, test_labels = load_split(cfg.data.name, "test", cfg.data.root)
    n_labels = cfg.data.labels_per_class * 10

    t0 = time.perf_counter()
    trainer = Trainer(cfg, run_dir=args.out or f"runs/bench-sgan-{cfg.data.name}")
    result = trainer.fit()
    gan_seconds = time.perf_counter() - t0
    d_updates = result.step * cfg.train.n_critic
    # The engine scores D (and D_ema) on this same test split at every evaluation and at the end (semi/test_acc)
    gan_acc = result.metrics["semi/test_acc"]
    ema_acc = result.metrics.get("semi/test_acc_ema")
    curve = [(r["step"], r["semi/test_acc"]) for r in read_jsonl(result.run_dir / "metrics.jsonl")
             if "semi/test_acc" in r]

    t0 = time.perf_counter()
    baseline = train_labels_only(cfg, d_updates, device=trainer.device)
    base_seconds = time.perf_counter() - t0
    base_acc = classifier_accuracy(baseline, test_images, test_labels)

    judged = cfg.data.name == "mnist" and n_labels == 100          # the bar is set for this setting only
    passed = (1 - gan_acc < BAR_ERROR) if judged else None
    rows = [("sgan (labels + unlabelled + G's samples)", gan_acc, gan_seconds)]
    if ema_acc is not None:                                           # the same run's running average of D
        rows.append((f"sgan, D_ema (train.d_ema={cfg.train.d_ema:g})", ema_acc, gan_seconds))
    rows.append(("labels only (same D, same init)", base_acc, base_seconds))
    print(f"\n{cfg.data.name}: {n_labels} labels, {len(test_labels)} test images, {d_updates} D updates each, "
          f"device {trainer.device}")
    print(f"{'classifier':<42} {'test acc':>9} {'error':>7} {'seconds':>8}")
    for name, acc, seconds in rows:
        print(f"{name:<42} {acc:>9.2%} {1 - acc:>7.2%} {seconds:>8.0f}")
    if curve:
        print("D's test accuracy along the run: " + ", ".join(f"{step}: {acc:.2%}" for step, acc in curve))
    verdict = "not judged (other data or labels)" if passed is None else "PASS" if passed else "FAIL"
    print(f"bar (MNIST, 100 labels): sgan error < {BAR_ERROR:.0%}: {verdict}")
    record = {"data": cfg.data.name, "labels": n_labels, "test_images": len(test_labels), "d_updates": d_updates,
              "steps": result.step, "run_dir": str(result.run_dir), "overrides": overrides,
              "sgan_test_accuracy": gan_acc, "sgan_test_accuracy_curve": curve,
              "sgan_d_ema_test_accuracy": ema_acc, "labels_only_test_accuracy": base_acc,
              "sgan_seconds": round(gan_seconds, 1), "labels_only_seconds": round(base_seconds, 1),
              "bar_error": BAR_ERROR, "passes_bar": passed, "torch": torch.__version__}
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The `dcgan` preset on MNIST for a fixed wall-clock budget (default 10 minutes) of this machine's CPU.

    python benchmarks/mnist_dcgan.py                          # 10 minutes, our chosen CPU settings
    python benchmarks/mnist_dcgan.py --minutes 2 key=value    # overrides go to the run

Prints steps, images/s and (when the MNIST domain classifier is trained: `ganforge classifier train mnist`)
FID-LeNet / KID / precision / recall of 10k samples against the MNIST test set; writes the sample grid to the run
directory and the numbers to benchmarks/results/mnist_dcgan.json.

Where the CPU goes: a DCGAN at MNIST's native 28x28 (no upscaling to 64), width 32 (the paper's 128 at 64x64
scaled to 28x28 and halved: quality on 28x28 digits saturates early and a 2-core CPU pays per channel), batch
64 (more updates per second than 128), channels_last convolutions, and an EMA of G (decay 0.999), which cleans
up the samples of a short run at the cost of one lerp per step.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

CPU_SETTINGS = ["model.g_width=32", "model.d_width=32", "train.batch_size=64", "model.channels_last=true",
                "train.ema=0.999", "train.ema_start=200", "train.steps=1000000", "train.log_every=100",
                "train.sample_every=1000", "train.ckpt_every=2000"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--out", default="runs/bench-mnist-dcgan")
    p.add_argument("--n-eval", type=int, default=10000)
    p.add_argument("--json", default="benchmarks/results/mnist_dcgan.json")
    p.add_argument("overrides", nargs="*")
    args = p.parse_intermixed_args()   # key=value overrides may come before or after options

    import ganforge
    from ganforge.config.presets import build_config

    cfg = build_config("dcgan", "mnist", [*CPU_SETTINGS, f"train.max_minutes={args.minutes}",
                                          "output.tensorboard=false", *args.overrides])
    t0 = time.perf_counter()
    result = ganforge.train(cfg, run_dir=args.out)
    seconds = time.perf_counter() - t0
    record = {"minutes_budget": args.minutes, "seconds": seconds, "steps": result.step,
              "images_per_s": result.step * cfg.train.batch_size * cfg.train.n_critic / seconds,
              "run_dir": str(result.run_dir), "overrides": [*CPU_SETTINGS, *args.overrides]}
    try:
        from ganforge.metrics.evaluate import evaluate

        scores = evaluate(result.run_dir, metrics=("fid", "kid", "is", "pr", "modes"), n=args.n_eval,
                          ref="mnist:test", extractor="classifier", progress=True)
        record["eval"] = scores
    except Exception as err:  # the classifier is not trained, or the metrics module is missing
        record["eval_error"] = f"{type(err).__name__}: {err}"
    print(f"\nMNIST DCGAN, {args.minutes:g} min budget: {result.step} G steps, {record['images_per_s']:.0f} images/s")
    if "eval" in record:
        print(json.dumps(record["eval"], indent=2, default=str)[:3000])
    else:
        print(f"evaluation skipped: {record['eval_error']}")
    print(f"samples: {result.run_dir / 'samples.png'}")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

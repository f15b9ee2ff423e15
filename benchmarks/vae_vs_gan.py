"""VAE vs GAN on the same data and budget: the lecture's contrast between a likelihood model and an adversarial one.

    python benchmarks/vae_vs_gan.py                                    # grid25: vae, gan, pacgan, 2000 steps each
    python benchmarks/vae_vs_gan.py --steps 1500 --minutes 1.2         # a step and a wall-time budget per run
    python benchmarks/vae_vs_gan.py --data mnist --presets vae,dcgan   # images: FID-LeNet (needs the classifier)

Each run is an ordinary training run of its preset (one CPU thread) with the same number of steps (and, with
--minutes, the same wall-time cap). 2-D points are scored by the PacGAN protocol on 2,500 samples (modes captured,
% high-quality, reverse KL, within-mode spread); images by FID on the MNIST classifier's features
(`ganforge classifier train mnist` writes it to ~/.cache/ganforge/classifiers/mnist.safetensors; without it the
image table has no FID column). Prints a table, writes benchmarks/results/vae_vs_gan.json and a side-by-side figure
of the samples, docs/figures/vae_vs_gan.png.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch


def run_one(preset: str, data: str, steps: int, minutes: float, seed: int, overrides: list[str],
            keep: Path | None = None) -> dict:
    """Train one preset; returns its scores, seconds and samples (points in data coordinates or images). keep: the
    run directory is kept as keep/<preset> (e.g. for benchmarks/inversion.py) instead of a temporary one."""
    from ganforge.config.presets import build_config
    from ganforge.training.engine import N_TOY_EVAL, Trainer

    with tempfile.TemporaryDirectory() as tmp:
        cfg = build_config(preset, data, [f"train.steps={steps}", f"train.max_minutes={minutes}", "train.threads=1",
                                          f"train.seed={seed}", "output.progress=false", "output.tensorboard=false",
                                          "train.sample_every=0", "train.ckpt_every=0", "train.eval_every=0",
                                          f"output.dir={tmp}", *overrides])
        t0 = time.perf_counter()
        trainer = Trainer(cfg, run_dir=keep / preset if keep is not None else Path(tmp) / "run")
        result = trainer.fit()
        seconds = time.perf_counter() - t0
        row = {"preset": preset, "data": data, "steps": result.step, "seconds": seconds,
               "batch_size": cfg.train.batch_size,
               **{k.removeprefix("toy/"): v for k, v in result.metrics.items() if k.startswith("toy/")}}
        if trainer.spec.kind == "points":
            samples = trainer.to_data_coords(trainer.generate(trainer.eval_z)).cpu()
            row["_real"] = trainer.real_points(N_TOY_EVAL)
        else:
            samples = trainer.generate(trainer.fixed_z[:64]).cpu()
            row.update(image_scores(result.checkpoint, data))
        row["_samples"] = samples
    return row


IMAGE_SCORES = ("fid", "precision", "recall", "modes_covered", "modes_reverse_kl")


def image_scores(checkpoint: Path, data: str) -> dict:
    """On the dataset's classifier (when it has been trained): FID-LeNet, precision/recall (Kynkaanniemi 2019:
    quality vs coverage in feature space) and mode coverage (classes among the samples' predicted labels, and the
    reverse KL of that histogram against uniform): the lecture's sharp-vs-covering contrast in numbers."""
    from ganforge.metrics.evaluate import evaluate
    from ganforge.metrics.extractors.classifier import classifier_path

    if not classifier_path(data).is_file():
        return {}
    result = evaluate(checkpoint, metrics=("fid", "pr", "modes"), n=2000, ref=f"{data}:test",
                      extractor="classifier", progress=False, write=False)
    return {name: result["scores"][f"{name}_classifier"] for name in IMAGE_SCORES}


def print_table(rows: list[dict]) -> None:
    if rows[0].get("modes") is not None:
        print(f"\n{rows[0]['data']} (PacGAN protocol, 2,500 samples)")
        print(f"{'preset':<10} {'steps':>6} {'batch':>6} {'modes':>6} {'% HQ':>7} {'reverse KL':>11} {'spread':>7} "
              f"{'seconds':>8}")
        for r in rows:
            print(f"{r['preset']:<10} {r['steps']:>6} {r['batch_size']:>6} {r['modes']:>6.0f} {100 * r['hq']:>7.1f} "
                  f"{r['reverse_kl']:>11.3f} {r['spread']:>7.3f} {r['seconds']:>8.1f}")
    else:
        print(f"\n{rows[0]['data']} (on the data set's classifier, 2,000 samples vs the test split; '-': no "
              f"classifier)")
        print(f"{'preset':<10} {'steps':>6} {'batch':>6} {'FID':>8} {'precision':>10} {'recall':>7} {'classes':>8} "
              f"{'rev. KL':>8} {'seconds':>8}")
        for r in rows:
            cells = [f"{r[k]:.3f}" if k in r else "-" for k in IMAGE_SCORES]
            print(f"{r['preset']:<10} {r['steps']:>6} {r['batch_size']:>6} {cells[0]:>8} {cells[1]:>10} "
                  f"{cells[2]:>7} {cells[3]:>8} {cells[4]:>8} {r['seconds']:>8.1f}")


def save_figure(rows: list[dict], path: Path) -> Path:
    from ganforge.artifacts.plots import draw_scatter, image_grid, pyplot
    from ganforge.artifacts.plots import save_figure as save

    plt = pyplot()
    fig, axes = plt.subplots(1, len(rows), figsize=(3.6 * len(rows), 3.8), squeeze=False)
    for ax, r in zip(axes[0], rows):
        if "_real" in r:
            title = (f"{r['preset']}: {r['modes']:.0f} modes, {100 * r['hq']:.0f}% HQ\n"
                     f"{r['steps']} steps, {r['seconds']:.0f} s")
            draw_scatter(ax, r["_samples"], real=r["_real"], title=title, colorbar=False, point_size=2.0)
        else:
            grid = image_grid(r["_samples"], nrow=8)                  # uint8 [H, W, C]
            ax.imshow(grid[..., 0] if grid.shape[2] == 1 else grid, cmap="gray", vmin=0, vmax=255)
            ax.set_axis_off()
            fid = (f", FID {r['fid']:.1f}\nprecision {r['precision']:.2f}, recall {r['recall']:.2f}" if "fid" in r
                   else "")
            ax.set_title(f"{r['preset']}{fid}\n{r['steps']} steps, {r['seconds']:.0f} s", fontsize=9)
    fig.suptitle(f"VAE vs GAN on {rows[0]['data']}, same budget", fontsize=10)
    fig.tight_layout()
    return save(fig, path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="grid25")
    p.add_argument("--presets", default=None, help="comma-separated (default: vae,gan,pacgan on points, "
                                                   "vae,dcgan on images)")
    p.add_argument("--steps", type=int, default=2000, help="G (decoder) steps per run")
    p.add_argument("--minutes", type=float, default=0.0, help="wall-time cap per run; 0 = none")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="benchmarks/results/vae_vs_gan.json")
    p.add_argument("--figure", default="docs/figures/vae_vs_gan.png")
    p.add_argument("--keep", type=Path, help="keep each run as KEEP/<preset> (default: temporary directories)")
    p.add_argument("overrides", nargs="*", help="key=value applied to every run")
    args = p.parse_intermixed_args()   # key=value overrides may come before or after options
    from ganforge.data import POINT_DATASETS

    points = args.data in POINT_DATASETS
    presets = args.presets.split(",") if args.presets else (["vae", "gan", "pacgan"] if points else ["vae", "dcgan"])
    torch.set_num_threads(1)
    rows = []
    for preset in presets:
        row = run_one(preset, args.data, args.steps, args.minutes, args.seed, args.overrides, args.keep)
        print(f"  {preset:<8} {row['steps']} steps in {row['seconds']:.0f}s", flush=True)
        rows.append(row)
    print_table(rows)
    figure = save_figure(rows, Path(args.figure))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    public = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    out.write_text(json.dumps({"runs": public, "steps": args.steps, "minutes": args.minutes, "seed": args.seed,
                               "overrides": args.overrides}, indent=2) + "\n")
    print(f"\nwrote {out} and {figure}")


if __name__ == "__main__":
    main()

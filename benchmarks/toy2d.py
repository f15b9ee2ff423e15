"""The PacGAN protocol on ring8 and grid25: modes captured, % high-quality samples, reverse KL, within-mode spread
and width (ganforge.metrics.toy2d: 1 = honest; width is the std about each mode's own sample mean, spread also counts
an offset centre) and seconds to train, averaged over seeds, printed beside the published rows.

    python benchmarks/toy2d.py                                  # the default preset, 10 seeds, both data sets
    python benchmarks/toy2d.py --presets gan,wgan-gp,lsgan --seeds 3 --jobs 2
    python benchmarks/toy2d.py --presets toy --data grid25 key=value ...   # overrides go to every run

Each run is an ordinary `ganforge train` (one CPU thread per run, `--jobs` runs in parallel) evaluated on 2,500
samples of its final generator. Writes benchmarks/results/toy2d.json with every run's numbers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import tempfile
import time
from pathlib import Path

# Published numbers, 2,500 samples, mean over runs. Lin et al. 2018 (PacGAN) Table 2 quotes the VEEGAN rows from
# Srivastava et al. 2017 Table 1 and adds its own; both use 3-std high-quality and reverse KL as here.
PUBLISHED = {
    "ring8": [("GAN (PacGAN T2)", 6.3, 98.2, 0.45), ("ALI", 6.6, 97.6, 0.36),
              ("Unrolled GAN (VEEGAN T1)", 7.6, 35.6, None), ("VEEGAN", 8.0, 52.9, None),
              ("PacGAN2", 7.9, 95.6, 0.07), ("PacGAN3", 7.8, 97.7, 0.07),
              ("PacGAN4", 7.8, 95.9, 0.07)],
    "grid25": [("GAN (PacGAN T2)", 17.3, 94.8, 0.70), ("ALI", 24.1, 95.7, 0.14),
               ("Unrolled GAN (VEEGAN T1)", 23.6, 16.0, None), ("VEEGAN", 24.6, 40.0, None),
               ("PacGAN2", 23.8, 91.3, 0.13), ("PacGAN3", 24.6, 94.2, 0.06),
               ("PacGAN4", 24.8, 93.6, 0.04)],
}


def run_one(job: tuple[str, str, int, list[str]]) -> dict:
    preset, data, seed, overrides = job
    import torch

    torch.set_num_threads(1)
    from ganforge.config.presets import build_config
    from ganforge.training.engine import Trainer

    with tempfile.TemporaryDirectory() as tmp:
        cfg = build_config(preset, data, [f"train.seed={seed}", "output.progress=false", "output.tensorboard=false",
                                          "train.sample_every=0", "train.ckpt_every=0", "train.eval_every=0",
                                          f"output.dir={tmp}", *overrides])
        t0 = time.perf_counter()
        trainer = Trainer(cfg, run_dir=Path(tmp) / "run")
        result = trainer.fit()
        seconds = time.perf_counter() - t0
    toy = {k.removeprefix("toy/"): v for k, v in result.metrics.items() if k.startswith("toy/")}
    # with sampler.name=drs, toy/* score the rejection sampler and toy_g/* the generator alone
    toy.update({"g_" + k.removeprefix("toy_g/"): v for k, v in result.metrics.items() if k.startswith("toy_g/")})
    return {"preset": preset, "data": data, "seed": seed, "seconds": seconds, "steps": cfg.train.steps, **toy}


def _mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def summarise(rows: list[dict]) -> list[dict]:
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["preset"], r["data"]), []).append(r)
    out = []
    for (preset, data), rs in groups.items():
        out.append({"preset": preset, "data": data, "runs": len(rs),
                    **{k: _mean_std([float(r[k]) for r in rs])
                       for k in ("modes", "hq", "reverse_kl", "spread", "width", "seconds")},
                    "width_range": (min(r["width"] for r in rs), max(r["width"] for r in rs))})
        if all("g_hq" in r for r in rs):  # a DRS run: also G alone, and the acceptance rate
            out.append({"preset": f"{preset} (G alone)", "data": data, "runs": len(rs),
                        **{k: _mean_std([float(r["g_" + k]) for r in rs])
                           for k in ("modes", "hq", "reverse_kl", "spread", "width")},
                        "width_range": (min(r["g_width"] for r in rs), max(r["g_width"] for r in rs)),
                        "seconds": out[-1]["seconds"]})
            out[-2]["drs_accept"] = _mean_std([float(r["drs_accept"]) for r in rs])
    return out


def print_table(summary: list[dict]) -> None:
    for data in ("ring8", "grid25"):
        rows = [s for s in summary if s["data"] == data]
        if not rows:
            continue
        k = 8 if data == "ring8" else 25
        print(f"\n{data} (PacGAN protocol, 2,500 samples; perfect sampler: {k} modes, 98.9% HQ, reverse KL ~0)")
        print(f"{'preset / source':<28} {'runs':>4} {'modes':>12} {'% HQ':>13} {'reverse KL':>14} "
              f"{'spread':>12} {'width':>12} {'width range':>12} {'seconds':>9}")
        for s in rows:
            m, h, kl, sp, wd, sec = (s[x] for x in ("modes", "hq", "reverse_kl", "spread", "width", "seconds"))
            lo, hi = s["width_range"]
            print(f"{s['preset']:<28} {s['runs']:>4} {m[0]:>6.2f}±{m[1]:<5.2f} {100 * h[0]:>6.1f}±{100 * h[1]:<5.1f} "
                  f"{kl[0]:>7.3f}±{kl[1]:<6.3f} {sp[0]:>5.2f}±{sp[1]:<5.2f} {wd[0]:>5.2f}±{wd[1]:<5.2f} "
                  f"{lo:>5.2f}-{hi:<5.2f} {sec[0]:>9.1f}")
        for name, modes, hq, kl in PUBLISHED[data]:
            kl_text = f"{kl:>7.2f}" if kl is not None else f"{'-':>7}"
            print(f"{'  ' + name:<28} {'':>4} {modes:>6.1f}{'':6} {hq:>6.1f}{'':6} {kl_text}{'':7}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--presets", default=None, help="comma-separated presets (default: the default preset)")
    p.add_argument("--data", default="ring8,grid25")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    p.add_argument("--jobs", type=int, default=2, help="runs in parallel (one thread each)")
    p.add_argument("--out", default="benchmarks/results/toy2d.json")
    p.add_argument("overrides", nargs="*", help="key=value applied to every run")
    args = p.parse_intermixed_args()   # key=value overrides may come before or after options
    from ganforge.config.presets import DEFAULT_PRESET

    presets = args.presets.split(",") if args.presets else [DEFAULT_PRESET]
    jobs = [(preset, data, seed, args.overrides) for preset in presets for data in args.data.split(",")
            for seed in range(args.first_seed, args.first_seed + args.seeds)]
    print(f"{len(jobs)} runs: presets {presets}, data {args.data}, seeds {args.first_seed}.."
          f"{args.first_seed + args.seeds - 1}, {args.jobs} in parallel")
    rows = []
    with mp.get_context("spawn").Pool(args.jobs) as pool:
        for row in pool.imap_unordered(run_one, jobs):
            rows.append(row)
            g_alone = (f"; G alone: modes {row['g_modes']}, HQ {100 * row['g_hq']:.1f}%, spread "
                       f"{row['g_spread']:.2f}, width {row['g_width']:.2f}, DRS acceptance {row['drs_accept']:.3f}"
                       if "g_hq" in row else "")
            print(f"  {row['preset']:<12} {row['data']:<7} seed {row['seed']:>2}: modes {row['modes']:>2}, "
                  f"HQ {100 * row['hq']:5.1f}%, rKL {row['reverse_kl']:.3f}, spread {row['spread']:.2f}, "
                  f"width {row['width']:.2f}, {row['seconds']:.0f}s{g_alone}", flush=True)
    summary = summarise(rows)
    print_table(summary)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"runs": rows, "summary": summary, "overrides": args.overrides}, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()

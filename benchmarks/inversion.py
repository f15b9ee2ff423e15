"""GAN inversion and inpainting on held-out digits: do the optimised latents beat the trivial answers?

    python benchmarks/inversion.py runs/bench-mnist-dcgan               # a run of benchmarks/mnist_dcgan.py
    python benchmarks/inversion.py RUN --n 32 --restarts 8 --mask left

For N digits of the checkpoint's dataset (MNIST: the test split, never seen in training; sklearn digits has no
split, so its digits were seen), brought to G's resolution and channels as in training, it reports
    inversion         mean MSE of G(z*) to x, z* by Adam on z with restarts (ganforge.latent.invert)
    best of K random  mean MSE of the closest of K latents drawn from the prior (the same K for every digit)
    inpainting        mean MSE inside the hole of Yeh et al.'s fill (ganforge.latent.inpaint, prior loss from D)
    mean image        mean MSE inside the hole of the training set's mean image
MSE is per pixel on the [-1, 1] scale. Prints a table and writes JSON (default benchmarks/results/inversion.json).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", help="checkpoint file or run directory of an image GAN (MNIST, digits, ...)")
    p.add_argument("--n", type=int, default=16, help="held-out digits (default 16)")
    p.add_argument("--random", type=int, default=1000, help="random latents of the baseline (default 1000)")
    p.add_argument("--steps", type=int, default=500, help="inversion Adam steps (default 500)")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--restarts", type=int, default=4)
    p.add_argument("--mask", default="center", help="inpainting hole: center, left, right, top, bottom, random")
    p.add_argument("--inpaint-steps", type=int, default=1000)
    p.add_argument("--inpaint-lr", type=float, default=0.03)
    p.add_argument("--prior-weight", type=float, default=0.003, help="inpainting's lambda (Yeh et al.: 0.003)")
    p.add_argument("--latent-weight", type=float, default=0.0, help="inpainting's optional |eps|^2 / d term")
    p.add_argument("--window", type=int, default=7, help="importance weighting's window (Yeh et al.: 7); 0 = "
                   "no weighting: every known pixel counts (W = M)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-ema", action="store_true", help="use G instead of G_ema")
    p.add_argument("--json", default="benchmarks/results/inversion.json")
    args = p.parse_args()

    import torch

    import ganforge
    from ganforge.data import build_dataset
    from ganforge.latent import best_of_random, hole_mse, inpaint, invert, make_mask

    if args.threads:
        torch.set_num_threads(args.threads)
    G = ganforge.load(args.checkpoint, use_ema=not args.no_ema, device=args.device)
    if G.spec.kind != "images":
        raise SystemExit(f"{args.checkpoint} makes {G.spec.kind}; this benchmark needs an image GAN")
    if G.num_classes:
        raise SystemExit("class-conditional generators are not supported here yet (labels would be needed)")
    data_cfg = G.config.data
    held_out = data_cfg.name == "mnist"
    test = build_dataset(dataclasses.replace(data_cfg, split="test"))
    train = build_dataset(dataclasses.replace(data_cfg, split="train"))
    if tuple(test.shape) != tuple(G.spec.shape):
        raise SystemExit(f"the dataset gives {test.shape} images but G makes {G.spec.shape}")
    gen = torch.Generator().manual_seed(args.seed)
    index = torch.randperm(len(test), generator=gen)[: args.n]
    x, _ = test.batch(index)                                                  # [N, C, H, W] in [-1, 1]
    x = x.to(G.device)
    mean_image = torch.stack([train.batch(chunk)[0].sum(0) for chunk in torch.arange(len(train)).split(4096)]
                             ).sum(0) / len(train)

    t0 = time.perf_counter()
    inv = invert(G.G, x, steps=args.steps, lr=args.lr, restarts=args.restarts,
                 generator=torch.Generator().manual_seed(args.seed + 1))
    t_inv = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = best_of_random(G.G, x, args.random, generator=torch.Generator().manual_seed(args.seed + 2))
    t_base = time.perf_counter() - t0

    known = make_mask(args.mask, G.spec.shape, torch.Generator().manual_seed(args.seed + 3))[None].to(G.device)
    D = G.discriminator() if args.prior_weight > 0 else None
    t0 = time.perf_counter()
    filled = inpaint(G.G, D, x, known, steps=args.inpaint_steps, lr=args.inpaint_lr, restarts=args.restarts,
                     prior_weight=args.prior_weight, latent_weight=args.latent_weight,
                     weighting=args.window > 0, window=max(args.window, 1),
                     generator=torch.Generator().manual_seed(args.seed + 4))
    t_inp = time.perf_counter() - t0
    hole_ours = hole_mse(filled.inpainted, x, known).cpu()
    hole_mean = hole_mse(mean_image.to(x).expand_as(x), x, known).cpu()
    inv_err, base_err = inv.error.cpu(), base.error.cpu()

    def row(values: torch.Tensor, seconds: float | None) -> dict:
        return {"mse_mean": float(values.mean()), "mse_std": float(values.std()) if len(values) > 1 else 0.0,
                "per_image": [round(float(v), 6) for v in values], "seconds": seconds}

    rows = {
        f"inversion ({args.restarts} restarts x {args.steps} Adam steps)": row(inv_err, t_inv),
        f"best of {args.random} random latents": row(base_err, t_base),
        f"inpainting, {args.mask} hole (lambda {args.prior_weight}, latent {args.latent_weight}, window "
        f"{args.window})": row(hole_ours, t_inp),
        "training-set mean image, same hole": row(hole_mean, None),
    }
    record = {
        "checkpoint": str(args.checkpoint), "step": G.step, "data": data_cfg.name, "held_out": held_out,
        "n": args.n, "uses_ema": G.uses_ema, "settings": vars(args), "results": rows,
        "inversion_wins": int((inv_err < base_err).sum()), "inpainting_wins": int((hole_ours < hole_mean).sum()),
    }
    print(f"\n{G}; {args.n} {'held-out test' if held_out else 'training (no held-out split)'} "
          f"{data_cfg.name} images; MSE per pixel on [-1, 1]")
    print(f"{'method':<52} {'MSE mean':>9} {'± std':>8} {'seconds':>8}")
    for name, r in rows.items():
        secs = f"{r['seconds']:.1f}" if r["seconds"] is not None else "-"
        print(f"{name:<52} {r['mse_mean']:>9.4f} {r['mse_std']:>8.4f} {secs:>8}")
    print(f"inversion beats the best of {args.random} on {record['inversion_wins']}/{args.n} images; "
          f"inpainting beats the mean image on {record['inpainting_wins']}/{args.n}")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

"""Framework overhead: ganforge's DCGAN training step against a plain PyTorch loop.

Both sides use the identical networks (built by ganforge, so the same layers and init), the same batch, the same
optimiser settings and the same data tensor in memory. The plain loop is the pytorch/examples dcgan loop written
with BCE-with-logits; ganforge runs ``Trainer.train_step`` (D step, G step, EMA hook, on-device bookkeeping).
They run alternately in one process, several rounds each, so drifting CPU clocks hit both alike.

    python benchmarks/throughput.py                       # MNIST-sized 28x28 DCGAN, batch 128, CPU
    python benchmarks/throughput.py --device cuda --steps 200

Prints a table and writes benchmarks/results/throughput.json. The bar: ratio ganforge / plain >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from ganforge.config.presets import build_config
from ganforge.data.base import ImageDataset
from ganforge.training.engine import Trainer


def synthetic_digits(n: int, size: int, seed: int = 0) -> ImageDataset:
    """Blobs in uint8; the content does not matter for speed, the shape and dtype do."""
    g = torch.Generator().manual_seed(seed)
    images = (torch.rand(n, 1, size, size, generator=g) * 255).to(torch.uint8)
    return ImageDataset(images, torch.randint(10, (n,), generator=g), name="synthetic")


def make_trainer(args: argparse.Namespace, dataset: ImageDataset) -> Trainer:
    cfg = build_config("dcgan", "digits", [f"train.batch_size={args.batch}", f"train.device={args.device}",
                                           f"data.resolution={args.size}",
                                           f"model.g_width={args.width}", f"model.d_width={args.width}",
                                           "output.progress=false", "output.tensorboard=false",
                                           f"model.channels_last={str(args.channels_last).lower()}"])
    trainer = Trainer(cfg, run_dir=Path("/tmp/ganforge-throughput"))
    # Same data for both loops: swap the dataset under the stream (same batch size and seed).
    from ganforge.data.base import BatchStream

    trainer.dataset = dataset
    trainer.stream = BatchStream(dataset, args.batch, seed=0, device=trainer.device)
    return trainer


def plain_loop(G, D, opt_G, opt_D, data: torch.Tensor, batch: int, z_dim: int, device: torch.device):
    """pytorch/examples dcgan/main.py, logits form. Returns a function that runs n steps."""
    ones = torch.ones(batch, device=device)
    zeros = torch.zeros(batch, device=device)

    def run(n: int) -> None:
        for _ in range(n):
            idx = torch.randint(len(data), (batch,))
            real = data[idx].to(device).float().div_(127.5).sub_(1.0)
            # (1) Update D: maximize log D(x) + log(1 - D(G(z)))
            opt_D.zero_grad(set_to_none=True)
            z = torch.randn(batch, z_dim, device=device)
            fake = G(z)
            err_real = F.binary_cross_entropy_with_logits(D(real), ones)
            err_fake = F.binary_cross_entropy_with_logits(D(fake.detach()), zeros)
            (err_real + err_fake).backward()
            opt_D.step()
            # (2) Update G: maximize log D(G(z))
            opt_G.zero_grad(set_to_none=True)
            err_G = F.binary_cross_entropy_with_logits(D(fake), ones)
            err_G.backward()
            opt_G.step()

    return run


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--width", type=int, default=64, help="DCGAN width (channels at the finest level)")
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--steps", type=int, default=20, help="G steps per timed block")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--out", default="benchmarks/results/throughput.json")
    args = p.parse_args()

    dataset = synthetic_digits(4096, args.size)
    trainer = make_trainer(args, dataset)
    device = trainer.device
    # The plain loop gets its own copies of the same networks and optimisers (same init).
    import copy

    G, D = copy.deepcopy(trainer.G), copy.deepcopy(trainer.D)
    o = trainer.cfg.optim
    opt_G = torch.optim.Adam(G.parameters(), lr=o.g_lr, betas=(o.beta1, o.beta2))
    opt_D = torch.optim.Adam(D.parameters(), lr=o.d_lr, betas=(o.beta1, o.beta2))
    plain = plain_loop(G, D, opt_G, opt_D, dataset.images, args.batch, trainer.z_dim, device)

    def ours(n: int) -> None:
        for _ in range(n):
            trainer.train_step()

    for fn in (ours, plain):  # warm-up: allocator, cudnn autotune, thread pools
        fn(3)
    times: dict[str, list[float]] = {"ganforge": [], "plain": []}
    for r in range(args.rounds):
        order = [("ganforge", ours), ("plain", plain)] if r % 2 == 0 else [("plain", plain), ("ganforge", ours)]
        for name, fn in order:
            sync(device)
            t0 = time.perf_counter()
            fn(args.steps)
            sync(device)
            times[name].append(time.perf_counter() - t0)

    ips = {k: args.steps * args.batch / statistics.median(v) for k, v in times.items()}
    ratio = ips["ganforge"] / ips["plain"]
    print(f"DCGAN {args.size}x{args.size}, width {args.width}, batch {args.batch}, {device}, "
          f"{torch.get_num_threads()} threads, {args.rounds} rounds x {args.steps} steps (median)")
    print(f"{'loop':<10} {'images/s':>10} {'s/step':>10}")
    for k in ("ganforge", "plain"):
        print(f"{k:<10} {ips[k]:>10.1f} {statistics.median(times[k]) / args.steps:>10.4f}")
    print(f"ratio ganforge / plain = {ratio:.3f}  (bar: >= 0.95)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"device": str(device), "threads": torch.get_num_threads(), "batch": args.batch,
                               "width": args.width, "size": args.size, "steps": args.steps, "rounds": args.rounds,
                               "images_per_s": ips, "ratio": ratio, "times": times,
                               "torch": torch.__version__, "machine": platform.processor() or platform.machine()},
                              indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

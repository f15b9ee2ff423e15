"""The command line: thin wrappers that parse, build a config and call the library.

    ganforge train [--preset P] [--data D] [--config FILE] [--out DIR] [--resume RUN] [key=value ...]
    ganforge sample CHECKPOINT --n N --out FILE [--class K] [--truncation T]   (.png, .npz images, .npy/.csv points)
    ganforge interpolate CHECKPOINT [--mode slerp|lerp] [--rows R] [--steps S] --out FILE
    ganforge invert CHECKPOINT IMAGE [IMAGE ...] [--restarts R] [--steps S] --out FILE.png   (+ FILE.npz)
    ganforge inpaint CHECKPOINT IMAGE [IMAGE ...] --mask MASK|center|left|... --out FILE.png  (+ FILE.npz)
    ganforge presets | info CHECKPOINT | data fetch NAME
    ganforge eval RUN|CHECKPOINT [--metrics fid,kid,is,pr,dc,modes] [--n N] [--ref mnist:test] [--extractor E]
    ganforge classifier train mnist|digits [--epochs N] [--out PATH]
    ganforge study NAME|FILE.yaml [--quick] [--seeds N] [--only A,B] [--jobs N] [--out DIR] [key=value ...]
    ganforge study --list
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED = 2, 3, 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ganforge", description="Train, evaluate and understand GANs.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = sub.add_parser("train", help="train a GAN (default: the demo on the 25-Gaussian grid)",
                       description="Train a GAN. Later settings win: preset < --config < --data < key=value.")
    t.add_argument("--preset", help="a preset from `ganforge presets`")
    t.add_argument("--data", help="dataset: ring8, grid25, spiral, swissroll, moons, checkerboard, points, digits, "
                                  "mnist, folder")
    t.add_argument("--config", help="a YAML file of config keys")
    t.add_argument("--out", help="the run directory (default: runs/<preset>-<data>-<time>)")
    t.add_argument("--resume", metavar="RUN", help="continue a run directory or checkpoint exactly")
    t.add_argument("overrides", nargs="*", metavar="key=value", help="e.g. train.steps=2000 optim.g_lr=1e-4")

    s = sub.add_parser("sample", help="draw samples from a checkpoint (no dataset needed)")
    s.add_argument("checkpoint", help="checkpoint file or run directory")
    s.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    s.add_argument("--out", required=True, help="file: .png (grid or scatter), .npz (images), .npy/.csv (points)")
    s.add_argument("--seed", type=int, default=0)
    _latent_args(s)
    s.add_argument("--no-ema", action="store_true", help="use G instead of G_ema")
    s.add_argument("--no-drs", action="store_true",
                   help="plain G(z) even when the run fitted a rejection sampler (sampler.name=drs)")
    s.add_argument("--device", default="cpu")

    li = sub.add_parser("interpolate", help="latent interpolation grids: one path between two random latents per row",
                        description="Each row is a path from one random latent to another in --steps equal steps "
                                    "of t. Only the Gaussian part of z is interpolated; with a one-hot part "
                                    "(model.z_categories) see --onehot.")
    li.add_argument("checkpoint", help="checkpoint file or run directory")
    li.add_argument("--mode", default="slerp", choices=["slerp", "lerp"],
                    help="slerp (default): spherical, keeps |z| for endpoints of equal norm; lerp: straight line")
    li.add_argument("--rows", type=int, default=8, help="number of paths (default 8)")
    li.add_argument("--steps", type=int, default=10, help="points per path, both ends included (default 10)")
    li.add_argument("--onehot", default="nearest", choices=["nearest", "lerp"],
                    help="a one-hot latent part between two different categories: nearest (default) switches "
                         "at t = 1/2, lerp blends the codes")
    li.add_argument("--out", required=True, help="file: .png (grid; scatter for points), .npz (images/points "
                                                 "and z), .npy (points [rows, steps, 2])")
    li.add_argument("--seed", type=int, default=0)
    _latent_args(li)
    li.add_argument("--no-ema", action="store_true", help="use G instead of G_ema")
    li.add_argument("--device", default="cpu")

    v = sub.add_parser("invert", help="find the latent whose image matches each given image (GAN inversion)",
                       description="Adam on z to minimise the pixel error |G(z) - x| (plus an optional prior "
                                   "term), from --restarts random starts; reports it against the best of "
                                   "--baseline random latents. Images are converted and resized to G's shape. "
                                   "Writes OUT.png (targets, then reconstructions) and OUT.npz (z, "
                                   "reconstructions, targets, errors).")
    v.add_argument("checkpoint", help="checkpoint file or run directory (an image model)")
    v.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, ...)")
    _optimise_args(v, steps=500, lr=0.05)
    v.add_argument("--loss", default="mse", choices=["mse", "l1"], help="pixel loss (default mse)")
    v.add_argument("--prior-weight", type=float, default=0.0,
                   help="weight of the prior term |eps|^2 / d (about 1 for a prior sample); default 0 (off)")
    v.add_argument("--baseline", type=int, default=1000,
                   help="also report the best of this many random latents (default 1000; 0 skips it)")
    v.add_argument("--out", default="inversion.png", help="PNG grid; the .npz goes next to it (default "
                                                          "inversion.png)")

    n = sub.add_parser("inpaint", help="fill masked regions of images with a GAN (Yeh et al. 2017)",
                       description="Semantic inpainting (Yeh et al. 2017): Adam on z to minimise the context loss "
                                   "|W * (G(z) - y)|_1 on the known pixels plus the prior loss lambda * log(1 - "
                                   "D(G(z))) from the checkpoint's D, then the known pixels are kept and the hole "
                                   "is filled from G(z) (plain blending; the paper's Poisson blending is not "
                                   "done). Writes OUT.png (rows: input with the hole grey, G(z), result) and "
                                   "OUT.npz.")
    n.add_argument("checkpoint", help="checkpoint file or run directory (an image model)")
    n.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, ...)")
    n.add_argument("--mask", required=True,
                   help="a mask image whose WHITE pixels mark the hole to fill (black = known), resized to G's "
                        "size; or a built-in hole: center, left, right, top, bottom, random (80%% of pixels)")
    _optimise_args(n, steps=1000, lr=0.03)
    n.add_argument("--prior-weight", type=float, default=0.003,
                   help="lambda of the prior loss (default 0.003, the paper's; 0 = context loss only)")
    n.add_argument("--latent-weight", type=float, default=0.0,
                   help="weight of a Gaussian prior term |eps|^2 / d on z (not in the paper; helps when z has more "
                        "dimensions than there are known pixels); default 0 (off)")
    n.add_argument("--no-weighting", action="store_true",
                   help="weight every known pixel equally instead of Yeh et al.'s importance weighting")
    n.add_argument("--window", type=int, default=7, help="importance-weighting window, odd (default 7)")
    n.add_argument("--out", default="inpainting.png", help="PNG grid; the .npz goes next to it (default "
                                                           "inpainting.png)")

    sub.add_parser("presets", help="list the presets as a table")

    i = sub.add_parser("info", help="describe a checkpoint")
    i.add_argument("checkpoint")

    d = sub.add_parser("data", help="dataset utilities")
    dsub = d.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    f = dsub.add_parser("fetch", help="download/cache a dataset (mnist)")
    f.add_argument("name")
    f.add_argument("--root", help="cache folder (default $GANFORGE_HOME or ~/.cache/ganforge)")

    e = sub.add_parser("eval", help="score a checkpoint: FID, KID, IS, precision/recall, density/coverage, modes",
                       description="Score a run or checkpoint against a reference set; writes eval.json.")
    e.add_argument("checkpoint", help="run directory or checkpoint file")
    e.add_argument("--metrics", default="fid,kid,is,pr,dc,modes", help="comma-separated (default: all six)")
    e.add_argument("--n", type=int, default=10000, help="images to generate (default 10000)")
    e.add_argument("--ref", default="mnist:test", help="reference DATASET:SPLIT (default mnist:test)")
    e.add_argument("--extractor", default="classifier",
                   help="classifier (ganforge's domain classifier, default) or inception")
    e.add_argument("--out", help="JSON file (default: <run>/eval.json or <checkpoint>.eval.json)")
    e.add_argument("--device", default="cpu")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--batch-size", type=int, default=250)
    e.add_argument("--no-ema", action="store_true", help="use G instead of G_ema")

    c = sub.add_parser("classifier", help="the domain classifiers behind `ganforge eval --extractor classifier`")
    csub = c.add_subparsers(dest="classifier_command", required=True, metavar="ACTION")
    ct = csub.add_parser("train", help="train and cache the classifier of a dataset (mnist, digits)")
    ct.add_argument("dataset", help="mnist or digits")
    ct.add_argument("--epochs", type=int, help="default: 5 for mnist, 20 for digits")
    ct.add_argument("--out", help=".safetensors file or folder (default: the cache, "
                                  "$GANFORGE_HOME or ~/.cache/ganforge/classifiers/)")
    ct.add_argument("--seed", type=int, default=0)
    ct.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")

    st = sub.add_parser("study", help="a grid of configs x seeds, reported as mean ± std (lecture studies, YAML)",
                        description="Run a study: every config x seed (one torch thread per run, --jobs at a time), "
                                    "then results.csv, results.json, report.md and figures. Finished runs are "
                                    "skipped on a re-run; interrupted training runs resume.")
    st.add_argument("study", nargs="?", help="a built-in study (see --list) or a study file (.yaml)")
    st.add_argument("--list", action="store_true", help="list the built-in studies")
    st.add_argument("--quick", action="store_true", help="fewer steps and seeds: a first look")
    st.add_argument("--seeds", type=int, help="seeds 0..N-1 instead of the study's default")
    st.add_argument("--only", help="comma-separated configs to run: row labels (gan@ring8) or presets (gan)")
    st.add_argument("--jobs", type=int, help="runs in parallel (default: one per CPU core)")
    st.add_argument("--out", help="study folder (default: runs/studies/<name>, or <name>-quick with --quick)")
    st.add_argument("overrides", nargs="*", metavar="key=value", help="for every GAN training run of the study")
    return p


def _latent_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--class", dest="cls", type=int, metavar="K",
                   help="class label for a class-conditional generator (default: random classes)")
    p.add_argument("--truncation", type=float, metavar="T",
                   help="truncation trick (BigGAN): redraw every latent coordinate with |z_i| > T; smaller T = "
                        "less variety, cleaner samples (default: off)")


def _optimise_args(p: argparse.ArgumentParser, steps: int, lr: float) -> None:
    p.add_argument("--steps", type=int, default=steps, help=f"Adam steps on z (default {steps})")
    p.add_argument("--lr", type=float, default=lr, help=f"Adam learning rate (default {lr})")
    p.add_argument("--restarts", type=int, default=4,
                   help="random starts per image (per one-hot category, if any); the best is kept (default 4)")
    p.add_argument("--class", dest="cls", type=int, metavar="K",
                   help="class label of the images, for a class-conditional generator")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-ema", action="store_true", help="use G instead of G_ema")
    p.add_argument("--device", default="cpu")


def cmd_train(args: argparse.Namespace) -> int:
    from ..api import train
    from ..config import ConfigError
    from ..config.presets import build_config

    overrides = list(args.overrides)
    if args.resume:
        if args.preset or args.data or args.config:
            raise ConfigError("--resume takes the run's own config; give only key=value overrides (e.g. "
                              "train.steps=4000)")
        result = train(resume=args.resume, overrides=overrides)
    else:
        cfg = build_config(args.preset, args.data, overrides, config_file=args.config)
        result = train(cfg, run_dir=args.out)
    print(result.run_dir)
    return 0


def _uint8(x: Any) -> Any:
    """uint8 numpy array of images in [-1, 1]."""
    import torch

    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()


def cmd_sample(args: argparse.Namespace) -> int:
    import numpy as np

    from ..api import load
    from ..artifacts.plots import save_image_grid, save_scatter

    out = Path(args.out)
    G = load(args.checkpoint, use_ema=not args.no_ema, device=args.device)
    suffix = out.suffix.lower()
    allowed = {"images": (".png", ".npz"), "points": (".png", ".npy", ".csv")}[G.spec.kind]
    if suffix not in allowed:
        raise ValueError(f"--out {out}: for {G.spec.kind} use one of {', '.join(allowed)}")
    x = G.sample(args.n, seed=args.seed, cls=args.cls, truncation=args.truncation, drs=not args.no_drs)
    out.parent.mkdir(parents=True, exist_ok=True)
    if G.spec.kind == "images":
        if suffix == ".png":
            save_image_grid(x, out)
        else:
            np.savez_compressed(out, images=_uint8(x))
    else:
        pts = x.numpy()
        if suffix == ".png":
            save_scatter(x, out, title=f"{args.n} samples, {G}")
        elif suffix == ".npy":
            np.save(out, pts)
        else:
            np.savetxt(out, pts, delimiter=",", header="x,y", comments="")
    print(f"wrote {args.n} samples to {out}", file=sys.stderr)
    return 0


def cmd_interpolate(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from ..api import load
    from ..artifacts.plots import save_image_grid, save_scatter
    from ..latent import class_labels, interpolate, sample_truncated

    out = Path(args.out)
    G = load(args.checkpoint, use_ema=not args.no_ema, device=args.device)
    suffix = out.suffix.lower()
    allowed = {"images": (".png", ".npz"), "points": (".png", ".npz", ".npy")}[G.spec.kind]
    if suffix not in allowed:
        raise ValueError(f"--out {out}: for {G.spec.kind} use one of {', '.join(allowed)}")
    if args.rows < 1:
        raise ValueError(f"--rows must be >= 1, got {args.rows}")
    gen = torch.Generator().manual_seed(args.seed)
    ends = sample_truncated(G.latent, 2 * args.rows, args.truncation, gen)
    z = interpolate(G.latent, ends[: args.rows], ends[args.rows:], args.steps, args.mode, args.onehot)
    c = class_labels(G.G, args.cls, args.rows, gen)                       # one class per row
    x = G(z.flatten(0, 1), None if c is None else c.repeat_interleave(args.steps))
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npz":
        key = "images" if G.spec.kind == "images" else "points"
        values = _uint8(x) if key == "images" else x.numpy()
        np.savez_compressed(out, **{key: values.reshape(args.rows, args.steps, *values.shape[1:])},
                            z=z.numpy(), t=np.linspace(0, 1, args.steps),
                            **({} if c is None else {"c": c.numpy()}))
    elif suffix == ".npy":
        np.save(out, x.numpy().reshape(args.rows, args.steps, -1))
    elif G.spec.kind == "images":
        save_image_grid(x, out, nrow=args.steps)
    else:
        save_scatter(x, out, title=f"{args.rows} {args.mode} paths of {args.steps} points, {G}")
    print(f"wrote {args.rows} {args.mode} paths of {args.steps} steps to {out}", file=sys.stderr)
    return 0


def _load_for_images(args: argparse.Namespace, command: str) -> Any:
    from ..api import load

    G = load(args.checkpoint, use_ema=not args.no_ema, device=args.device)
    if G.spec.kind != "images":
        raise ValueError(f"{command} works on image generators; {args.checkpoint} makes {G.spec.kind}")
    return G


def _read_images(paths: list[str], shape: tuple[int, ...]) -> Any:
    import torch

    from ..latent import read_image
    from ..latent.images import image_size

    images = []
    for path in paths:
        images.append(read_image(path, shape))
        print(f"read {path} ({image_size(path)}) as {'x'.join(map(str, shape))}", file=sys.stderr)
    return torch.stack(images)


def _image_labels(G: Any, cls: int | None, n: int) -> Any:
    """Labels c [n] for images of class `cls` (None for an unconditional G); a conditional G needs --class."""
    from ..latent import class_labels

    if cls is None and G.num_classes:
        raise ValueError(f"this generator is class-conditional: give the images' class with --class "
                         f"(valid: 0..{G.num_classes - 1})")
    c = class_labels(G.G, cls, n)
    return None if c is None else c.to(G.device)


def _npz_next_to(out: Path) -> Path:
    if out.suffix.lower() != ".png":
        raise ValueError(f"--out {out}: give a .png file (the .npz is written next to it)")
    return out.with_suffix(".npz")


def cmd_invert(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from ..artifacts.plots import save_image_grid
    from ..latent import best_of_random, invert

    out = Path(args.out)
    npz = _npz_next_to(out)
    G = _load_for_images(args, "invert")
    x = _read_images(args.images, G.spec.shape).to(G.device)
    c = _image_labels(G, args.cls, len(x))
    gen = torch.Generator().manual_seed(args.seed)
    result = invert(G.G, x, c=c, steps=args.steps, lr=args.lr, restarts=args.restarts, loss=args.loss,
                    prior_weight=args.prior_weight, generator=gen)
    arrays = {"z": result.z.cpu().numpy(), "reconstructions": _uint8(result.reconstruction.cpu()),
              "targets": _uint8(x.cpu()), f"{args.loss}": result.error.cpu().numpy()}
    line = f"inversion {args.loss}: mean {result.error.mean():.4f} over {len(x)} images"
    if args.baseline:
        base = best_of_random(G.G, x, args.baseline, c=c, loss=args.loss, generator=gen)
        arrays[f"baseline_{args.loss}"] = base.error.cpu().numpy()
        line += f"; best of {args.baseline} random latents: {base.error.mean():.4f}"
    print(line)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_image_grid(torch.cat([x.cpu(), result.reconstruction.cpu()]), out, nrow=len(x))
    np.savez_compressed(npz, **arrays)
    print(f"wrote {out} (top: targets, bottom: reconstructions) and {npz}", file=sys.stderr)
    return 0


def cmd_inpaint(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from ..artifacts.plots import save_image_grid
    from ..latent import inpaint, make_mask, read_mask
    from ..latent.inpainting import MASKS

    out = Path(args.out)
    npz = _npz_next_to(out)
    G = _load_for_images(args, "inpaint")
    x = _read_images(args.images, G.spec.shape).to(G.device)
    gen = torch.Generator().manual_seed(args.seed)
    if args.mask in MASKS and not Path(args.mask).exists():
        known = make_mask(args.mask, G.spec.shape, gen)
    else:
        known = read_mask(args.mask, G.spec.shape)
    known = known[None].to(G.device)                                      # [1, 1, H, W]
    c = _image_labels(G, args.cls, len(x))
    D = G.discriminator() if args.prior_weight > 0 else None
    result = inpaint(G.G, D, x, known, c=c, steps=args.steps, lr=args.lr, restarts=args.restarts,
                     prior_weight=args.prior_weight, weighting=not args.no_weighting, window=args.window,
                     latent_weight=args.latent_weight, generator=gen)
    shown = (x * known).cpu()                                             # the hole at 0: mid-grey
    out.parent.mkdir(parents=True, exist_ok=True)
    save_image_grid(torch.cat([shown, result.generated.cpu(), result.inpainted.cpu()]), out, nrow=len(x))
    np.savez_compressed(npz, z=result.z.cpu().numpy(), inpainted=_uint8(result.inpainted.cpu()),
                        generated=_uint8(result.generated.cpu()), inputs=_uint8(x.cpu()),
                        known=known[0, 0].bool().cpu().numpy())
    hole = int((known == 0).sum())
    print(f"inpainted {len(x)} images, {hole} of {known[0, 0].numel()} pixels each filled from G(z)")
    print(f"wrote {out} (rows: input with the hole grey, G(z), result) and {npz}", file=sys.stderr)
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from ..artifacts.checkpoint import load_checkpoint, resolve_checkpoint_path

    path = resolve_checkpoint_path(args.checkpoint)
    state = load_checkpoint(path)
    cfg = state["config"]
    n_g = sum(v.numel() for v in state["G"].values() if hasattr(v, "numel"))
    n_d = sum(v.numel() for v in state["D"].values() if hasattr(v, "numel"))
    spec = state["data"]["spec"]
    lines = [
        f"checkpoint   {path}",
        f"format       {state['format']} v{state['version']} (ganforge {state.get('ganforge_version', '?')})",
        f"step         {state['step']} of {cfg['train']['steps']}",
        f"preset       {cfg['preset']}",
        f"data         {state['data']['name']} {spec['kind']} {spec['shape']}",
        f"model        {cfg['model']['name']} (G {n_g:,} / D {n_d:,} values)",
        f"loss         {cfg['loss']['name']}",
        f"optimiser    {cfg['optim']['name']} g_lr {cfg['optim']['g_lr']} d_lr {cfg['optim']['d_lr']}",
        f"G_ema        {'yes, decay ' + str(cfg['train']['ema']) if state.get('G_ema') is not None else 'no'}",
    ]
    metrics = path.parent.parent / "metrics.json"
    if metrics.is_file():
        lines.append(f"metrics      {json.loads(metrics.read_text())}")
    print("\n".join(lines))
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from ..data import fetch

    path = fetch(args.name, root=args.root)
    print(path)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from ..metrics.evaluate import evaluate, format_table

    result = evaluate(args.checkpoint, metrics=args.metrics, n=args.n, ref=args.ref, extractor=args.extractor,
                      batch_size=args.batch_size, seed=args.seed, device=args.device, out=args.out,
                      use_ema=not args.no_ema)
    print(format_table(result))
    print(f"wrote {result['path']}", file=sys.stderr)
    return 0


def cmd_classifier(args: argparse.Namespace) -> int:
    from ..metrics.classifier import train_classifier

    path = train_classifier(args.dataset, epochs=args.epochs, seed=args.seed, out=args.out, threads=args.threads)
    print(path)
    return 0


def cmd_study(args: argparse.Namespace) -> int:
    import shlex

    from ..config import ConfigError
    from ..studies import StudyOptions, get_study, run_study, study_table
    from ..studies.spec import slug
    from ..training.engine import TrainingInterrupted

    if args.list or not args.study:
        print(study_table())
        return 0
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs must be >= 1, got {args.jobs}")
    only = tuple(name.strip() for name in args.only.split(",") if name.strip()) if args.only else ()
    study = get_study(args.study, StudyOptions(quick=args.quick, seeds=args.seeds, overrides=tuple(args.overrides),
                                               only=only))
    # a narrowed study gets its own folder, so that its report does not replace the whole study's
    folder = study.name + ("-quick" if args.quick else "") + ("-only-" + slug("+".join(only)) if only else "")
    out = Path(args.out) if args.out else Path("runs") / "studies" / folder
    flags = [args.study, *(["--quick"] if args.quick else []), *(["--seeds", str(args.seeds)] if args.seeds else []),
             *(["--only", ",".join(only)] if only else []), *args.overrides]
    command = "ganforge study " + shlex.join(flags)
    try:
        result = run_study(study, out, jobs=args.jobs, command=command)
    except (TrainingInterrupted, KeyboardInterrupt) as err:
        # finished runs are kept; an interrupted training run has a checkpoint to resume from
        raise TrainingInterrupted(f"{err or 'Ctrl-C'}. Run `{command} --out {out}` again to continue: finished runs "
                                  f"are skipped, interrupted training runs resume from their last checkpoint") from None
    print(f"\n{study.name}: mean ± std over seeds\n\n{result.table}")
    if result.extra:
        print(f"\n{result.extra}")
    print(f"\nwrote {result.paths['markdown']}, {result.paths['csv'].name}, {result.paths['json'].name} and "
          f"{len([k for k in result.paths if k not in ('markdown', 'csv', 'json')])} figures", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # argparse gives a positional list only one chance: `study NAME --quick key=value` leaves key=value over
        if args.command == "study" and all("=" in e and not e.startswith("-") for e in extra):
            args.overrides = [*args.overrides, *extra]
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from ..artifacts.checkpoint import CheckpointError
    from ..config import ConfigError
    from ..data import DataError
    from ..studies.runner import StudyError
    from ..training.engine import TrainingDiverged, TrainingInterrupted

    try:
        if args.command == "train":
            return cmd_train(args)
        if args.command == "sample":
            return cmd_sample(args)
        if args.command == "interpolate":
            return cmd_interpolate(args)
        if args.command == "invert":
            return cmd_invert(args)
        if args.command == "inpaint":
            return cmd_inpaint(args)
        if args.command == "presets":
            from ..config.presets import preset_table

            print(preset_table())
            return 0
        if args.command == "info":
            return cmd_info(args)
        if args.command == "data":
            return cmd_data(args)
        if args.command == "eval":
            return cmd_eval(args)
        if args.command == "classifier":
            return cmd_classifier(args)
        if args.command == "study":
            return cmd_study(args)
    except TrainingDiverged as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_DIVERGED
    except TrainingInterrupted as err:
        print(f"stopped: {err}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ConfigError, DataError, CheckpointError, StudyError, KeyError, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())

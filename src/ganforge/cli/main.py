"""The command line: thin wrappers that parse, build a config and call the library.

    ganforge train [--preset P] [--data D] [--config FILE] [--out DIR] [--resume RUN] [key=value ...]
    ganforge sample CHECKPOINT --n N --out FILE       (.png grid/scatter, .npz images, .npy/.csv points)
    ganforge presets | info CHECKPOINT | data fetch NAME
    ganforge eval RUN|CHECKPOINT [--metrics fid,kid,is,pr,dc,modes] [--n N] [--ref mnist:test] [--extractor E]
    ganforge classifier train mnist|digits [--epochs N] [--out PATH]
    ganforge study NAME|FILE.yaml [--quick] [--seeds N] [--jobs N] [--out DIR] [key=value ...] | study --list
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

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
    s.add_argument("--no-ema", action="store_true", help="use G instead of G_ema")
    s.add_argument("--device", default="cpu")

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
    st.add_argument("--jobs", type=int, help="runs in parallel (default: one per CPU core)")
    st.add_argument("--out", help="study folder (default: runs/studies/<name>, or <name>-quick with --quick)")
    st.add_argument("overrides", nargs="*", metavar="key=value", help="for every GAN training run of the study")
    return p


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


def cmd_sample(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from ..api import load
    from ..artifacts.plots import save_image_grid, save_scatter

    out = Path(args.out)
    G = load(args.checkpoint, use_ema=not args.no_ema, device=args.device)
    suffix = out.suffix.lower()
    allowed = {"images": (".png", ".npz"), "points": (".png", ".npy", ".csv")}[G.spec.kind]
    if suffix not in allowed:
        raise ValueError(f"--out {out}: for {G.spec.kind} use one of {', '.join(allowed)}")
    x = G.sample(args.n, seed=args.seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    if G.spec.kind == "images":
        if suffix == ".png":
            save_image_grid(x, out)
        else:
            images = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
            np.savez_compressed(out, images=images)
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
    from ..training.engine import TrainingInterrupted

    if args.list or not args.study:
        print(study_table())
        return 0
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs must be >= 1, got {args.jobs}")
    study = get_study(args.study, StudyOptions(quick=args.quick, seeds=args.seeds, overrides=tuple(args.overrides)))
    out = Path(args.out) if args.out else Path("runs") / "studies" / (study.name + ("-quick" if args.quick else ""))
    flags = [args.study, *(["--quick"] if args.quick else []), *(["--seeds", str(args.seeds)] if args.seeds else []),
             *args.overrides]
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

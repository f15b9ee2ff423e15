"""What the scoring benchmarks (class_control.py, infogan_purity.py) share: score a given run, or train one first
under a wall-clock budget and record how far it got."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def checkpoint_or_train(p: argparse.ArgumentParser, args: argparse.Namespace, train: bool) -> None:
    """argparse hands the first key=value to the optional `checkpoint` positional: move it back to the overrides;
    then require exactly one of a checkpoint to score and --train."""
    if args.checkpoint and "=" in args.checkpoint and not Path(args.checkpoint).exists():
        args.overrides.insert(0, args.checkpoint)
        args.checkpoint = None
    if bool(args.checkpoint) == train:
        p.error("give a run/checkpoint to score, or --train (not both)")


def train_under_budget(preset: str, data: str | None, overrides: list[str], minutes: float,
                       run_dir: str | None, default_dir: str) -> tuple[str, dict]:
    """Train `preset` with `overrides` until train.max_minutes=`minutes`; returns the run directory and a record of
    the training (steps reached, seconds). run_dir None: `default_dir` with {data} filled in."""
    import ganforge
    from ganforge.config.presets import build_config

    overrides = [*overrides, f"train.max_minutes={minutes}"]
    cfg = build_config(preset, data, overrides)
    t0 = time.perf_counter()
    result = ganforge.train(cfg, run_dir=run_dir or default_dir.format(data=cfg.data.name))
    record = {"preset": preset, "data": cfg.data.name, "minutes_budget": minutes,
              "seconds": round(time.perf_counter() - t0, 1), "steps": result.step, "overrides": overrides,
              "run_dir": str(result.run_dir)}
    return str(result.run_dir), record

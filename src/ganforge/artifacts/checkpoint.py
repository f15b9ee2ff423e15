"""Checkpoints: complete, versioned plain dicts, written atomically, loaded without unpickling code.

Layout (``FORMAT`` / ``VERSION`` identify it):
    format, version, ganforge_version, step, config (nested dict), data (DataSpec dict + scale/modes/std),
    G, D, G_ema, D_ema (state dicts; D_ema absent in older checkpoints), opt_G, opt_D (optimiser state dicts),
    hist_G, hist_D (historical weight averages or None), loss_state (an energy loss's state: BEGAN's k_t; {}
    otherwise; absent in older checkpoints, which had no such loss), rng (torch CPU/CUDA, noise, data stream)
Only tensors, numbers, strings, lists, dicts and None are stored, so ``torch.load(weights_only=True)`` reads it:
a checkpoint from a stranger cannot run code on your machine.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

FORMAT = "ganforge.checkpoint"
VERSION = 1
REQUIRED_KEYS = ("format", "version", "step", "config", "data", "G")


class CheckpointError(ValueError):
    """A checkpoint that is missing, corrupt or not a ganforge checkpoint."""


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """Write `state` to `path` atomically: a temporary file in the same folder, fsync, then os.replace.

    A crash at any moment leaves either the previous file or the new one, never a torn file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"format": FORMAT, "version": VERSION, **state}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def resolve_checkpoint_path(path: str | Path) -> Path:
    """A checkpoint file, or a run directory (-> its checkpoints/last.pt)."""
    path = Path(path)
    if path.is_dir():
        candidate = path / "checkpoints" / "last.pt"
        if not candidate.is_file():
            raise CheckpointError(f"no checkpoint in run directory {path} (looked for {candidate})")
        return candidate
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    return path


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint (file or run directory) safely and check that it is a complete ganforge checkpoint."""
    path = resolve_checkpoint_path(path)
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # truncated zip, random bytes, a pickle with code in it, ...
        raise CheckpointError(f"cannot read checkpoint {path}: it is corrupt or not a ganforge checkpoint "
                              f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a ganforge checkpoint (no '{FORMAT}' format tag)")
    if state.get("version", 0) > VERSION:
        raise CheckpointError(f"{path} has checkpoint version {state['version']}; this ganforge reads up to "
                              f"{VERSION}: upgrade ganforge")
    missing = [k for k in REQUIRED_KEYS if k not in state]
    if missing:
        raise CheckpointError(f"{path} is incomplete: missing {', '.join(missing)}")
    return state

"""Scalars to metrics.jsonl (one JSON object per line, always), TensorBoard (when installed) and the console."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN/Inf; keep them visible as strings
    return value


class RunLogger:
    def __init__(self, run_dir: Path, tensorboard: bool = True, append: bool = False) -> None:
        self.path = run_dir / "metrics.jsonl"
        self._file = open(self.path, "a" if append else "w", buffering=1)  # noqa: SIM115  (line-buffered, closed in close())
        self._tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._tb = SummaryWriter(str(run_dir / "tensorboard"))
            except Exception:  # tensorboard not installed: JSONL and console only
                self._tb = None

    def log(self, step: int, scalars: dict[str, float]) -> None:
        record = {"step": step, **{k: _jsonable(v) for k, v in scalars.items()}}
        self._file.write(json.dumps(record) + "\n")
        if self._tb is not None:
            for key, value in scalars.items():
                if isinstance(value, (int, float)) and math.isfinite(value):
                    self._tb.add_scalar(key, value, step)

    def close(self) -> None:
        self._file.close()
        if self._tb is not None:
            self._tb.close()


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """All records of a metrics.jsonl (a torn last line, from a crash, is skipped)."""
    records = []
    for line in Path(path).read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            print(f"warning: skipping an unreadable line in {path}", file=sys.stderr)
    return records

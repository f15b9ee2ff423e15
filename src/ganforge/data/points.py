"""A user's own 2-D point set, read from a ``.npy`` or ``.csv`` file (``data.name=points data.path=pts.csv``).

- ``.npy``: a numeric array of shape [N, 2], read with ``allow_pickle=False`` (a pickled object array
  could run code when loaded, so it is refused).
- ``.csv``: one point per line, ``x,y``; an optional header line (e.g. ``x,y``) is detected and skipped
  when the first line does not parse as numbers. Blank lines are ignored.

The points keep their data coordinates; ``scale = 1.05 * max |coordinate|`` maps the whole set into
[-1/1.05, 1/1.05] for training (5% headroom so the generator's targets are not pinned to the edge of [-1, 1]).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch

from ..config.schema import DataConfig
from . import DATASETS
from .base import DataError, PointDataset

POINT_EXTENSIONS = (".npy", ".csv")


def _parse_row(row: list[str]) -> list[float] | None:
    """The row as floats, or None when any cell is not a number."""
    try:
        return [float(cell) for cell in row]
    except ValueError:
        return None


def _read_csv(path: Path) -> np.ndarray:
    """[N, k] float64 from a comma-separated file; the first line may be a header."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:  # utf-8-sig: drop a BOM that Excel may write
            rows = [(i, [cell.strip() for cell in row]) for i, row in enumerate(csv.reader(f), start=1)]
    except (UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"{path}: cannot read it as a CSV text file ({e}); save the points as plain 'x,y' "
                        f"lines") from None
    rows = [(i, row) for i, row in rows if any(row)]
    if rows and _parse_row(rows[0][1]) is None:
        rows = rows[1:]  # a header line such as 'x,y'
    values = []
    for line, row in rows:
        parsed = _parse_row(row)
        if parsed is None:
            raise DataError(f"{path}, line {line}: cannot parse {','.join(row)!r} as numbers; every line "
                            f"after an optional header must be 'x,y'")
        if len(parsed) != 2:
            raise DataError(f"{path}, line {line}: found {len(parsed)} values; points must have shape "
                            f"[N, 2], one 'x,y' per line")
        values.append(parsed)
    return np.asarray(values, dtype=np.float64).reshape(-1, 2)


def _read_npy(path: Path) -> np.ndarray:
    with path.open("rb") as f:
        if f.read(6) != b"\x93NUMPY":  # the .npy magic string (numpy's format spec)
            raise DataError(f"{path}: not a .npy file (no NUMPY header); write it with np.save(path, points)")
        f.seek(0)
        try:
            array = np.load(f, allow_pickle=False)
        except ValueError as e:  # object arrays need pickle; numpy says so in a ValueError
            raise DataError(f"{path}: cannot load it without unpickling ({e}); save a plain numeric array "
                            f"with np.save(path, points.astype('float32'))") from None
        except (OSError, EOFError) as e:
            raise DataError(f"{path}: not a readable .npy file ({e})") from None
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise DataError(f"{path}: holds {array.dtype} values; points must be real numbers")
    return array


def load_points(path: str | Path) -> np.ndarray:
    """Read a point file (.npy or .csv) as float32 [N, 2]; DataError says what is wrong and what to do."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"point file {str(path)!r} does not exist (or is not a file); set data.path to a "
                        f".npy or .csv file of [N, 2] points")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        points = _read_npy(path)
    elif suffix == ".csv":
        points = _read_csv(path)
    else:
        raise DataError(f"{path}: unknown point-file extension {path.suffix!r}; use one of "
                        f"{', '.join(POINT_EXTENSIONS)}")
    if points.ndim != 2 or points.shape[1] != 2:
        raise DataError(f"{path}: points must have shape [N, 2], found {list(points.shape)}")
    if len(points) == 0:
        raise DataError(f"{path}: the file holds no points")
    finite = np.isfinite(points).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise DataError(f"{path}: {len(bad)} point(s) hold NaN or Inf (the first is point {int(bad[0])}, "
                        f"counting from 0); remove them")
    return points.astype(np.float32)


def points_scale(points: np.ndarray) -> float:
    """1.05 * the largest absolute coordinate, so points / scale lie in [-1, 1]; 1.0 if all points are 0."""
    m = float(np.abs(points).max())
    return 1.05 * m if m > 0 else 1.0


@DATASETS.register("points")
def points(cfg: DataConfig) -> PointDataset:
    if not cfg.path:
        raise DataError("the 'points' dataset reads your own file: set data.path to a .npy or .csv file of "
                        "[N, 2] points (e.g. data.path=my_points.csv)")
    pts = load_points(cfg.path)
    return PointDataset(torch.from_numpy(pts), scale=points_scale(pts), name="points")

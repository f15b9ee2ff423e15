"""Where downloaded datasets are kept, and how cache files are written so a crash never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

GANFORGE_HOME_ENV = "GANFORGE_HOME"


def data_home(root: str | Path | None = None) -> Path:
    """The cache root: ``root`` (data.root) if given, else $GANFORGE_HOME, else ~/.cache/ganforge."""
    if root:
        return Path(root).expanduser()
    env = os.environ.get(GANFORGE_HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "ganforge"


def save_npz_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez`` (uncompressed: loads fast) to a temporary file in the same folder, then ``os.replace``.

    os.replace is atomic on one filesystem, so readers see either the old complete file or the new one; an
    interrupted write leaves only a stray ``*.tmp`` file, which is removed when the failure is an exception.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would (0666 minus umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

"""``ganforge data fetch NAME``: download (or locate) a dataset ahead of training."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from ..registry import UnknownNameError, unknown_name_message
from . import DATASETS
from .mnist import fetch_mnist


def _fetch_digits(root: str | Path | None) -> Path:
    """Nothing to download: the digits ship with scikit-learn. Returns the bundled file's path."""
    import sklearn.datasets

    path = Path(sklearn.datasets.__file__).parent / "data" / "digits.csv.gz"
    print(f"digits is bundled with scikit-learn ({path}); nothing to fetch", file=sys.stderr)
    return path


FETCHERS: dict[str, Callable[[str | Path | None], Path]] = {
    "mnist": lambda root: fetch_mnist(root, progress=True),
    "digits": _fetch_digits,
}


def fetch(name: str, root: str | None = None) -> Path:
    """Fetch dataset ``name`` into the cache (root = data.root, $GANFORGE_HOME or ~/.cache/ganforge) and
    return the path of the local file. Raises UnknownNameError (a KeyError and ValueError) listing the
    fetchable names."""
    if name not in FETCHERS:
        if name in DATASETS:
            raise UnknownNameError(f"dataset '{name}' has nothing to fetch (it is generated on the fly or "
                                   f"read from your own files); fetchable: {', '.join(sorted(FETCHERS))}")
        raise UnknownNameError(unknown_name_message("fetchable dataset", name, list(FETCHERS)))
    return FETCHERS[name](root)

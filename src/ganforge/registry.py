"""One small generic registry: short names -> plain functions or classes.

    LOSSES = Registry("loss")
    @LOSSES.register("hinge")
    def hinge(...): ...
    LOSSES.get("hinj")  # KeyError: unknown loss 'hinj'; did you mean 'hinge'? known: hinge, lsgan, ...
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


def unknown_name_message(kind: str, name: str, known: list[str]) -> str:
    """The one wording for every 'unknown X' error: what was asked, the nearest match, every valid choice."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ";"
    return f"unknown {kind} '{name}'{hint} known: {', '.join(sorted(known))}"


class UnknownNameError(KeyError, ValueError):
    """An unknown registry/preset/config name. Both a KeyError (lookup) and a ValueError (bad input)."""

    def __str__(self) -> str:  # KeyError would print the message inside quotes
        return str(self.args[0])


class Registry(Generic[T]):
    """A name -> object table with helpful errors. Registration order is kept for listings."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            self.add(name, obj)
            return obj

        return decorator

    def add(self, name: str, obj: T) -> None:
        if name in self._items:
            raise ValueError(f"{self.kind} '{name}' is registered twice")
        self._items[name] = obj

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(unknown_name_message(self.kind, name, list(self._items))) from None

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Registry({self.kind}: {', '.join(self._items)})"

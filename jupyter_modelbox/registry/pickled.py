"""Pickles that hold only data: dicts, lists, strings, bytes, numbers, booleans and None.

The registry's snapshot is read with an unpickler that refuses every class and function, so
nothing in the file can run, as with JSON."""

from __future__ import annotations

import io
import pickle
from typing import Any

PROTOCOL = 5


class SnapshotError(ValueError):
    """The snapshot is not one this code wrote (damaged, truncated, or of another format)."""


class _DataOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise SnapshotError(f"it names {module}.{name}, and a registry snapshot holds only data")


def load(stream: io.BufferedIOBase | io.BytesIO) -> Any:
    """What the pickle in ``stream`` holds; ``SnapshotError`` when it is damaged or names a class."""
    try:
        return _DataOnly(stream).load()
    except (pickle.UnpicklingError, EOFError, TypeError) as exc:
        raise SnapshotError(str(exc) or type(exc).__name__) from None


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=PROTOCOL)

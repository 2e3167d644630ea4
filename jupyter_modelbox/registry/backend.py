"""The storage contract the registry stands on.

``Registry`` holds the rules (unique names, numbering, tags, merges); a backend only stores.
A backend is three stores: documents (JSON objects keyed by ``id`` in named tables), blobs
(content-addressed bytes) and metric series (append-only columns). The TinyDB/filesystem
backend implements all three; a PostgreSQL or object-storage backend implements the same
classes and runs the same contract tests (``tests/test_backend_contract.py``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, BinaryIO, NamedTuple

import numpy as np


class DocumentStore(ABC):
    """Tables of JSON documents, each with a unique string ``id``.

    Documents returned are the store's own: callers copy before mutating. Writes inside
    ``transaction()`` become durable together when it exits, or not at all.
    """

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]: ...

    @abstractmethod
    def get(self, table: str, doc_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def find(self, table: str, field: str, value: Any) -> list[dict[str, Any]]:
        """Documents whose (indexed, scalar) ``field`` equals ``value``."""

    @abstractmethod
    def scan(self, table: str) -> Iterator[dict[str, Any]]: ...

    @abstractmethod
    def count(self, table: str) -> int: ...

    @abstractmethod
    def put(self, table: str, doc: dict[str, Any]) -> None:
        """Insert or replace the document with ``doc["id"]``."""

    @abstractmethod
    def delete(self, table: str, doc_id: str) -> bool: ...

    @abstractmethod
    def close(self) -> None: ...


class BlobRef(dict):
    """``{"checksum": sha256 hex, "size": bytes}`` of a stored blob."""


class BlobStore(ABC):
    """Content-addressed bytes: identical content is stored once."""

    @abstractmethod
    def put_stream(self, stream: BinaryIO, expected_checksum: str | None = None) -> BlobRef:
        """Store bytes read from ``stream``; durable when this returns."""

    @abstractmethod
    def open(self, checksum: str) -> BinaryIO: ...

    @abstractmethod
    def exists(self, checksum: str) -> bool: ...

    @abstractmethod
    def size(self, checksum: str) -> int: ...


class SeriesColumns(NamedTuple):
    """One metric series as columns; ``steps`` uses ``MISSING_STEP`` where no step was given."""

    steps: np.ndarray  # int64
    wallclocks: np.ndarray  # float64 seconds
    values: np.ndarray  # float64, or object for str/bytes values


class MetricStore(ABC):
    """Append-only metric series, one per (parent object, key)."""

    @abstractmethod
    def append(
        self, parent: str, key: str, steps: np.ndarray, wallclocks: np.ndarray, values: list[Any] | np.ndarray
    ) -> None:
        """Append points; durable when this returns. ``steps`` uses ``MISSING_STEP`` for no step."""

    @abstractmethod
    def read(self, parent: str, key: str) -> SeriesColumns:
        """Every point of the series, in the order appended."""

    @abstractmethod
    def delete(self, parent: str) -> None: ...


MISSING_STEP = np.iinfo(np.int64).min

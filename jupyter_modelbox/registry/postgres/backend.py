"""``PostgresBackend``: one registry in a PostgreSQL database, written by any number of processes.

There is no writer lock: each registry call is one transaction, the database enforces the rules
(see ``schema``), and a call returns only after COMMIT.
"""

from __future__ import annotations

import tempfile
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ..backend import Backend, BlobStore
from ..blobs import FileBlobStore
from .connection import Connections, DatabaseAddress
from .documents import PostgresDocumentStore
from .events import PostgresEventLog
from .metrics import PostgresMetricStore
from .queries import PostgresQueries
from .schema import DOCUMENT_TABLES, ensure_schema


class PostgresBackend(Backend):
    def __init__(self, url: str, blob_root: Path | None, pool_size: int = 10, password_file: Path | None = None,
                 blobs: BlobStore | None = None) -> None:
        """Artifact bytes in ``blobs`` (e.g. an ``S3BlobStore``), else in the folder ``blob_root``."""
        self.address = DatabaseAddress(url, password_file)
        ensure_schema(self.address)  # a clear error now for a wrong password, a foreign or newer schema
        self.blobs = blobs or FileBlobStore(Path(blob_root))  # type: ignore[arg-type]
        self.blob_root = str(blob_root) if blobs is None else self.blobs.location
        self.scratch_dir = Path(tempfile.gettempdir()) if blob_root is None else Path(blob_root)
        self.tables = DOCUMENT_TABLES  # events live in the event log
        self.recovered = []
        self.connections = Connections(self.address, pool_size)
        try:
            self.docs = PostgresDocumentStore(self.connections)
            self.metrics = PostgresMetricStore(self.connections)
            self.queries = PostgresQueries(self.connections)
            self.events = PostgresEventLog(self.connections)
        except BaseException:
            self.connections.close()
            raise

    def operation(self) -> AbstractContextManager[None]:
        return self.connections.transaction()

    def describe(self) -> str:
        return f"registry database {self.address} (artifact bytes in {self.blob_root})"

    def info(self) -> dict[str, Any]:
        return {"backend": "postgresql", "root": None, "database": str(self.address), "blob_root": str(self.blob_root)}

    def pool_stats(self) -> dict[str, int]:
        """The connection pool's counters (``pool_size``, ``pool_available``, ``requests_waiting``, ...)."""
        return self.connections.stats()

    def close(self) -> None:
        try:
            self.events.close()
        finally:
            self.connections.close()

    def __repr__(self) -> str:
        return f"PostgresBackend({self.address}, blob_root={self.blob_root})"

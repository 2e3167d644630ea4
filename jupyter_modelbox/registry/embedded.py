"""The embedded backend: one registry folder, written by one process (journaled TinyDB and files).

    <root>/registry.json, registry.journal   documents (``TinyDocumentStore``)
    <root>/registry.lock, owner.json          the one writer (``filelock``) and who it is
    <root>/blobs/                             artifact bytes (``FileBlobStore``; or in S3: ``S3BlobStore``)
    <root>/metrics/                           metric series (``FileMetricStore``)

In the process, every registry call holds one reentrant lock: TinyDB and the series files are
not thread-safe, and the writer lock keeps other processes out.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import filelock

from .backend import Backend, BlobStore, Doc, EventLog
from .blobs import FileBlobStore
from .documents import TinyDocumentStore
from .errors import RegistryLockedError
from .indexed_queries import IndexedQueries
from .indexes import IndexSpec
from .metrics import FileMetricStore

# table -> hash indexes: a field, or a tuple of fields (one key; a list field gives one key per member).
# The composite one and the sorted index below (a version by number is a bisection in its model's
# group) make per-version lookups cost the same whatever the model's size; the sorted index's groups
# also answer "the versions of this model" (a hash index on ``model_id`` too took 1 s to build at 1M
# versions). The search planner (``indexed_queries``) adds its own the first time a query needs them.
TABLES: dict[str, tuple[IndexSpec, ...]] = {
    "models": ("_name_key", "namespace"),
    "versions": (("model_id", "tags"),),
    "checkpoints": ("experiment_id",),
    "experiments": ("_name_key", "namespace"),
    "artifacts": ("parent",),
    "series": ("parent",),
    "logged_events": ("parent",),
    "tag_history": ("model_id", ("model_id", "tag")),
    "uploads": (),
    "events": (),
    "meta": (),
}
# table -> sorted indexes (group field or None, order fields): a model's versions newest first
SORTED: dict[str, tuple[tuple[str | None, tuple[str, ...]], ...]] = {
    "versions": (("model_id", ("number",)),),
}
# table -> the field its snapshot is split by: a model's versions are unpickled when first used
GROUPED: dict[str, str] = {"versions": "model_id"}
MAX_EVENTS = 100_000


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class DocumentEventLog(EventLog):
    """Events as documents (``events`` table, counter in ``meta``), in the writes' own transaction.

    ``lock`` is the lock every operation holds: waiting releases it while it sleeps.
    """

    def __init__(self, docs: TinyDocumentStore, lock: threading.RLock) -> None:
        self.docs = docs
        self.listeners: list[Callable[[int], None]] = []
        self._lock = lock
        self._changed = threading.Condition(lock)
        self.closed = False

    def append(self, event: Doc) -> None:
        counters = self.docs.get("meta", "counters") or {"id": "counters", "event_seq": 0}
        seq = counters["event_seq"] + 1
        self.docs.put("meta", {**counters, "event_seq": seq})
        self.docs.put("events", {"id": str(seq), "seq": seq, **event})
        # One event falls out per event appended (and one of those left by registries that trimmed a
        # thousand at a time, until they are gone): that batch stalled every thousandth write ~20 ms.
        for old in (seq - MAX_EVENTS, seq - MAX_EVENTS - 1000):
            if old > 0:
                self.docs.delete("events", str(old))
        self._changed.notify_all()
        for listener in self.listeners:
            listener(seq)

    def last_seq(self) -> int:
        counters = self.docs.get("meta", "counters")
        return counters["event_seq"] if counters else 0

    def read(self, since: int, limit: int) -> list[Doc]:
        last = self.last_seq()
        found = []
        for seq in range(max(since + 1, last - MAX_EVENTS), last + 1):
            doc = self.docs.get("events", str(seq))
            if doc is not None:
                found.append(doc)
                if len(found) >= limit:
                    break
        return found

    def wait(self, since: int, timeout: float) -> None:
        deadline = time.monotonic() + max(0.0, min(timeout, 300.0))
        with self._lock:
            while self.last_seq() <= since and not self.closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._changed.wait(remaining)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._changed.notify_all()


class EmbeddedBackend(Backend):
    docs: TinyDocumentStore
    events: DocumentEventLog

    def __init__(self, root: str | os.PathLike[str], blobs: BlobStore | None = None) -> None:
        self.folder = Path(root).expanduser().resolve()
        self.root = self.folder
        self.scratch_dir = self.folder
        self.tables = tuple(TABLES)
        self._lock = threading.RLock()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._writer_lock = self._acquire_writer_lock()
        try:
            self.docs = TinyDocumentStore(self.folder, TABLES, SORTED, GROUPED)
            self.blobs = blobs or FileBlobStore(self.folder / "blobs")
            self.metrics = FileMetricStore(self.folder / "metrics")
        except BaseException:
            self._writer_lock.release()
            raise
        self.events = DocumentEventLog(self.docs, self._lock)
        self.queries = IndexedQueries(self.docs)
        self.closed = False

    @property
    def recovered(self) -> list[str]:  # type: ignore[override]
        return self.docs.recovered

    def operation(self) -> AbstractContextManager[None]:
        return self._lock  # type: ignore[return-value]

    def describe(self) -> str:
        elsewhere = "" if isinstance(self.blobs, FileBlobStore) else f" (artifact bytes in {self.blobs.location})"
        return f"local registry {self.root}{elsewhere}"

    # -- the one-writer rule -------------------------------------------------------------------

    def _acquire_writer_lock(self) -> filelock.BaseFileLock:
        lock = filelock.FileLock(self.folder / "registry.lock", thread_local=False)
        owner_file = self.folder / "owner.json"
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            try:
                owner = json.loads(owner_file.read_text())
                who = f"process {owner['pid']} on {owner['host']} ({owner['command']}), since {owner['since']}"
            except (OSError, ValueError, KeyError):
                who = "another process"
            raise RegistryLockedError(
                f"the registry {self.root} is open for writing by {who}; only one process may write it. "
                "Talk to that process instead (for a Jupyter server: ModelBox(url=..., token=...)), or stop it."
            ) from None
        owner_file.write_text(
            json.dumps(
                {"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(sys.argv)[:200], "since": now()}
            )
        )
        return lock

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self.events.close()
            try:
                self.docs.close()
            finally:
                (self.folder / "owner.json").unlink(missing_ok=True)
                self._writer_lock.release()


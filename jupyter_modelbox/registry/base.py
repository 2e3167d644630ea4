"""Opening a registry folder: storage layout, the writer lock, object lookup and the event log."""

from __future__ import annotations

import copy
import functools
import getpass
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import filelock

from .blobs import FileBlobStore
from .documents import TinyDocumentStore
from .errors import NotFoundError, PreconditionFailedError, RegistryLockedError
from .metrics import FileMetricStore
from .validation import Limits

Doc = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])

# table -> indexed fields
TABLES: dict[str, tuple[str, ...]] = {
    "models": ("_name_key", "namespace"),
    "versions": ("model_id",),
    "checkpoints": (),
    "artifacts": ("parent",),
    "series": ("parent",),
    "tag_history": ("model_id",),
    "events": (),
    "meta": (),
}
PARENT_TABLES = ("models", "versions", "checkpoints")
MAX_EVENTS = 100_000


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def new_id() -> str:
    return str(uuid.uuid4())


def public(doc: Doc) -> Doc:
    """A caller-owned copy without internal fields (those starting with ``_``)."""
    return {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}


def locked(method: F) -> F:
    """Serialize calls: TinyDB and the series files are not thread-safe."""

    @functools.wraps(method)
    def wrapper(self: RegistryBase, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class RegistryBase:
    """State and helpers shared by the operation mixins of ``Registry``."""

    def __init__(self, root: str | os.PathLike[str], limits: Limits | None = None) -> None:
        self.root = Path(root).expanduser().resolve()
        self.limits = limits or Limits()
        self.default_actor = getpass.getuser()
        # where tracked local files may be read from for downloads; None = anywhere (in-process use)
        self.tracked_roots: list[Path] | None = None
        self._lock = threading.RLock()
        self._events_changed = threading.Condition(self._lock)
        self.listeners: list[Callable[[int], None]] = []  # told each new event seq (from the writer's thread)
        self.root.mkdir(parents=True, exist_ok=True)
        self._writer_lock = self._acquire_writer_lock()
        try:
            self.docs = TinyDocumentStore(self.root, TABLES)
            self.blobs = FileBlobStore(self.root / "blobs")
            self.metrics = FileMetricStore(self.root / "metrics")
        except BaseException:
            self._writer_lock.release()
            raise
        self.closed = False

    # -- the one-writer rule -------------------------------------------------------------------

    def _acquire_writer_lock(self) -> filelock.BaseFileLock:
        lock = filelock.FileLock(self.root / "registry.lock", thread_local=False)
        owner_file = self.root / "owner.json"
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
            try:
                self.docs.close()
            finally:
                (self.root / "owner.json").unlink(missing_ok=True)
                self._writer_lock.release()

    @property
    def recovered(self) -> list[str]:
        return self.docs.recovered

    # -- revisions (optimistic concurrency) ----------------------------------------------------

    def _save(self, table: str, doc: Doc) -> None:
        """Store a model, version or checkpoint, bumping the revision that If-Match compares."""
        doc["revision"] = doc.get("revision", 0) + 1
        self.docs.put(table, doc)

    @staticmethod
    def _check_revision(doc: Doc, expected: int | None, what: str) -> None:
        if expected is not None and doc.get("revision") != expected:
            raise PreconditionFailedError(
                f"{what} changed since you read it (revision {doc.get('revision')}, yours {expected}); "
                "reload it and try again"
            )

    # -- lookups -------------------------------------------------------------------------------

    def _get(self, table: str, doc_id: Any, what: str) -> Doc:
        doc = self.docs.get(table, doc_id) if isinstance(doc_id, str) else None
        if doc is None:
            raise NotFoundError(f"{what} {doc_id!r} does not exist")
        return doc

    def _parent(self, object_id: Any) -> tuple[str, Doc]:
        if isinstance(object_id, str):
            for table in PARENT_TABLES:
                doc = self.docs.get(table, object_id)
                if doc is not None:
                    return table, doc
        raise NotFoundError(f"no model, version or checkpoint has id {object_id!r}")

    def _model_of(self, table: str, doc: Doc) -> Doc | None:
        if table == "models":
            return doc
        if table == "versions":
            return self.docs.get("models", doc["model_id"])
        return None

    def describe(self, table: str, doc: Doc) -> str:
        if table == "models":
            return f"model {doc['name']!r}"
        if table == "versions":
            model = self.docs.get("models", doc["model_id"]) or {"name": "?"}
            return f"version {doc['number']} of model {model['name']!r}"
        return f"checkpoint {doc['id']}"

    # -- events --------------------------------------------------------------------------------

    def _emit(self, kind: str, actor: str | None, **fields: Any) -> None:
        """Append an event (call inside the write's transaction so both land or neither)."""
        counters = self.docs.get("meta", "counters") or {"id": "counters", "event_seq": 0}
        seq = counters["event_seq"] + 1
        self.docs.put("meta", {**counters, "event_seq": seq})
        self.docs.put("events", {"id": str(seq), "seq": seq, "kind": kind, "at": now(), "actor": actor, **fields})
        oldest = seq - MAX_EVENTS
        if oldest > 0 and oldest % 1000 == 0:
            for old in range(oldest - 999, oldest + 1):
                self.docs.delete("events", str(old))
        self._events_changed.notify_all()
        for listener in self.listeners:
            listener(seq)

    @property
    @locked
    def last_event_seq(self) -> int:
        counters = self.docs.get("meta", "counters")
        return counters["event_seq"] if counters else 0

    @locked
    def event_feed(self, since: int = 0, limit: int = 1000) -> Doc:
        """``{"events": [...], "last_seq": n}`` read at one instant: what a poll of the feed answers."""
        events = self.events(since, limit)
        return {"events": events, "last_seq": events[-1]["seq"] if events else self.last_event_seq}

    @locked
    def events(self, since: int = 0, limit: int = 1000, timeout: float = 0.0) -> list[Doc]:
        """Events with ``seq > since``, oldest first; waits up to ``timeout`` s for one to arrive."""
        deadline = time.monotonic() + max(0.0, min(timeout, 300.0))
        while self.last_event_seq <= since:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed:
                return []
            self._events_changed.wait(remaining)
        last = self.last_event_seq
        found = []
        for seq in range(max(since + 1, last - MAX_EVENTS), last + 1):
            doc = self.docs.get("events", str(seq))
            if doc is not None:
                found.append(public(doc))
                if len(found) >= limit:
                    break
        return found

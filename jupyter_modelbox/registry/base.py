"""State and helpers shared by the operation mixins of ``Registry``: the backend, lookups, events."""

from __future__ import annotations

import copy
import functools
import getpass
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from .backend import Backend, Change
from .errors import ConflictError, NotFoundError, PreconditionFailedError
from .validation import Limits

Doc = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])

PARENT_TABLES = ("models", "versions", "checkpoints", "experiments")  # what metadata, metrics, artifacts belong to


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def new_id() -> str:
    return str(uuid.uuid4())


def public(doc: Doc) -> Doc:
    """A caller-owned copy without internal fields (those starting with ``_``)."""
    return {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}


def operation(method: F) -> F:
    """One registry call = one unit of work of the backend (the writer lock, or one transaction)."""

    @functools.wraps(method)
    def wrapper(self: RegistryBase, *args: Any, **kwargs: Any) -> Any:
        with self.backend.operation():
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]



class RegistryBase:
    """State and helpers shared by the operation mixins of ``Registry``."""

    def __init__(self, backend: Backend, limits: Limits | None = None) -> None:
        self.backend = backend
        self.docs = backend.docs
        self.blobs = backend.blobs
        self.metrics = backend.metrics
        self.root: Path | None = backend.root
        self.limits = limits or Limits()
        self.default_actor = getpass.getuser()
        # where tracked local files may be read from for downloads; None = anywhere (in-process use)
        self.tracked_roots: list[Path] | None = None
        self.listeners: list[Callable[[int], None]] = backend.events.listeners  # told each new event seq
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.backend.close()

    @property
    def recovered(self) -> list[str]:
        return self.backend.recovered

    @property
    def location(self) -> str:
        return self.backend.describe()

    # -- revisions (optimistic concurrency) ----------------------------------------------------

    def _save(self, table: str, doc: Doc) -> None:
        """Store a new model, version or checkpoint at its first revision."""
        doc["revision"] = doc.get("revision", 0) + 1
        self.docs.put(table, doc)

    def _change(
        self, table: str, doc: Doc, change: Change, if_revision: int | None, what: str,
        expect: dict[str, Any] | None = None, check: Callable[[Doc], None] | None = None,
    ) -> Doc:
        """Apply ``change`` to ``doc`` in the store, atomically, bumping its revision.

        ``if_revision`` (If-Match) and ``expect`` are checked by the store in the same step, so a
        concurrent writer in another process cannot slip in between the check and the write.
        """
        change = Change(set=change.set, add={**change.add, "revision": 1}, merge=change.merge, unset=change.unset,
                        append=change.append, discard=change.discard)
        updated = self.docs.update(table, doc["id"], change, {"revision": if_revision, **(expect or {})}, check)
        if updated is not None:
            return updated
        current = self.docs.get(table, doc["id"])
        if current is None:
            raise NotFoundError(f"{what} no longer exists")
        self._check_revision(current, if_revision, what)
        raise self._unmet(current, expect or {}, what)

    @staticmethod
    def _unmet(doc: Doc, expect: dict[str, Any], what: str) -> Exception:
        if expect.get("archived") is False and doc.get("archived"):
            return ConflictError(f"{what} is archived and cannot be changed; unarchive it first")
        return ConflictError(f"{what} changed while it was being written; try again")

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

    def _hold(self, table: str, doc_id: Any, what: str) -> Doc:
        """``_get``, holding the document against other writers until the call ends."""
        doc = self.docs.lock(table, doc_id) if isinstance(doc_id, str) else None
        if doc is None:
            raise NotFoundError(f"{what} {doc_id!r} does not exist")
        return doc

    def _parent(self, object_id: Any) -> tuple[str, Doc]:
        if isinstance(object_id, str):
            for table in PARENT_TABLES:
                doc = self.docs.get(table, object_id)
                if doc is not None:
                    return table, doc
        raise NotFoundError(f"no model, version, checkpoint or experiment has id {object_id!r}")

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
        if table == "experiments":
            return f"experiment {doc['name']!r}"
        return f"checkpoint {doc['id']}"

    # -- events --------------------------------------------------------------------------------

    def _emit(self, kind: str, actor: str | None, **fields: Any) -> None:
        """Append an event (call inside the write's transaction so both land or neither)."""
        self.backend.events.append({"kind": kind, "at": now(), "actor": actor, **fields})

    @property
    @operation
    def last_event_seq(self) -> int:
        return self.backend.events.last_seq()

    @operation
    def event_feed(self, since: int = 0, limit: int = 1000) -> Doc:
        """``{"events": [...], "last_seq": n}`` read at one instant: what a poll of the feed answers."""
        events = self.events(since, limit)
        return {"events": events, "last_seq": events[-1]["seq"] if events else self.last_event_seq}

    def events(self, since: int = 0, limit: int = 1000, timeout: float = 0.0) -> list[Doc]:
        """Events with ``seq > since``, oldest first; waits up to ``timeout`` s for one to arrive."""
        if timeout > 0:
            self.backend.events.wait(since, timeout)
        with self.backend.operation():
            return [public(doc) for doc in self.backend.events.read(since, limit)]

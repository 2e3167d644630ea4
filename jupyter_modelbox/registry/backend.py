"""The storage contract the registry stands on.

``Registry`` holds the rules (unique names, numbering, tags, merges); a backend only stores.
A backend (``Backend``) is five parts that share one unit of work, ``operation()``:

- ``DocumentStore``: JSON objects keyed by ``id`` in named tables, with atomic in-place changes
  (``update`` with a ``Change``: counters, object merges, list members, revision checks) so that no
  rule needs a read-modify-write in Python when several processes write at once;
- ``BlobStore``: content-addressed bytes, and resumable upload sessions whose state the registry
  keeps in its documents (so a resumed upload may reach another server);
- ``MetricStore``: append-only metric series as columns;
- ``EventLog``: every change as an event with a sequence number in commit order, and a way to wait;
- ``Queries``: the search language's tree (``search.Node``) answered over the documents.

Every registry call runs inside ``Backend.operation()``: for the embedded backend that is the
process's writer lock (one writer per folder), for PostgreSQL one database transaction that is
committed before the call returns. Writes inside ``DocumentStore.transaction()`` become durable
together, or not at all. Implementations: ``embedded`` (journaled TinyDB, files) and ``postgres``;
the contract suite (``tests/test_backend_contract.py``) runs on each.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import numpy as np

Doc = dict[str, Any]


@dataclass(frozen=True)
class Change:
    """An in-place change of one document, applied atomically by the store.

    ``set`` replaces top-level fields; ``add`` adds to integer fields (counters, ``revision``);
    ``merge`` merges the top-level keys of a patch into an object field; ``unset`` removes keys
    from an object field; ``append``/``discard`` add (if absent) or remove one member of a list.
    """

    set: Mapping[str, Any] = field(default_factory=dict)
    add: Mapping[str, int] = field(default_factory=dict)
    merge: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    unset: Mapping[str, Sequence[str]] = field(default_factory=dict)
    append: Mapping[str, Any] = field(default_factory=dict)
    discard: Mapping[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[tuple[str, ...], ...]:
        """Which fields each kind of change touches (not the values): what a store's statement depends on."""
        return (("set",) if self.set else (), tuple(self.add), tuple(self.merge), tuple(self.unset),
                tuple(self.append), tuple(self.discard))


def apply_change(doc: Doc, change: Change) -> Doc:
    """The document after ``change`` (a new dict; ``doc`` is left alone). Stores without a native
    way to apply a change use this under their single-writer lock."""
    new = dict(doc)
    for name, value in change.set.items():
        new[name] = copy.deepcopy(value)
    for name, amount in change.add.items():
        new[name] = (new.get(name) or 0) + amount
    for name, patch in change.merge.items():
        new[name] = {**(new.get(name) or {}), **copy.deepcopy(dict(patch))}
    for name, keys in change.unset.items():
        new[name] = {k: v for k, v in (new.get(name) or {}).items() if k not in set(keys)}
    for name, member in change.append.items():
        members = list(new.get(name) or [])
        new[name] = members if member in members else [*members, member]
    for name, member in change.discard.items():
        new[name] = [m for m in (new.get(name) or []) if m != member]
    return new


def meets(doc: Doc, expect: Mapping[str, Any] | None) -> bool:
    """Whether every ``expect`` field of ``doc`` has the expected value (``None`` values are not checked)."""
    return all(value is None or doc.get(name) == value for name, value in (expect or {}).items())


class DocumentStore(ABC):
    """Tables of JSON documents, each with a unique string ``id``.

    Documents returned are the store's own: callers copy before mutating. Writes inside
    ``transaction()`` become durable together when it exits, or not at all.
    """

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]: ...

    @abstractmethod
    def get(self, table: str, doc_id: str) -> Doc | None: ...

    def lock(self, table: str, doc_id: str) -> Doc | None:
        """``get``, and hold the document against other writers until the operation ends.

        A single-writer store holds everything already; a shared one locks the row."""
        return self.get(table, doc_id)

    @abstractmethod
    def find(self, table: str, field: str, value: Any) -> list[Doc]:
        """Documents whose (indexed, scalar) ``field`` equals ``value``, oldest first."""

    def find_all(self, table: str, criteria: Mapping[str, Any]) -> list[Doc]:
        """Documents matching every criterion: a scalar field equals the value, a list field holds it.
        The first criterion must be an indexed field."""
        (first, value), *rest = criteria.items()

        def holds(doc: Doc, name: str, wanted: Any) -> bool:
            actual = doc.get(name)
            return wanted in actual if isinstance(actual, list) else actual == wanted

        return [doc for doc in self.find(table, first, value) if all(holds(doc, n, w) for n, w in rest)]

    @abstractmethod
    def scan(self, table: str) -> Iterator[Doc]: ...

    @abstractmethod
    def count(self, table: str) -> int: ...

    @abstractmethod
    def put(self, table: str, doc: Doc) -> None:
        """Insert or replace the document with ``doc["id"]``."""

    def insert(self, table: str, doc: Doc) -> bool:
        """Insert ``doc`` unless its id (or a unique field) is taken: then write nothing and return False."""
        if self.get(table, doc["id"]) is not None:
            return False
        self.put(table, doc)
        return True

    def update(
        self,
        table: str,
        doc_id: str,
        change: Change,
        expect: Mapping[str, Any] | None = None,
        check: Callable[[Doc], None] | None = None,
    ) -> Doc | None:
        """Apply ``change`` atomically if the document exists and meets ``expect``; the new document.

        ``check`` sees the new document before it is kept and may raise to refuse it (nothing is
        then written by this call). Returns None, writing nothing, when the document is missing or
        an expected field differs: the caller reads it again to say which.
        """
        doc = self.get(table, doc_id)
        if doc is None or not meets(doc, expect):
            return None
        new = apply_change(doc, change)
        if check is not None:
            check(new)
        self.put(table, new)
        return new

    @abstractmethod
    def delete(self, table: str, doc_id: str) -> bool: ...

    @abstractmethod
    def close(self) -> None: ...


class BlobRef(dict):
    """``{"checksum": sha256 hex, "size": bytes}`` of a stored blob."""


class StoredBlob(NamedTuple):
    checksum: str
    stored_at: float  # Unix time
    size: int


class BlobStore(ABC):
    """Content-addressed bytes: identical content is stored once.

    Resumable uploads are sessions: ``start_upload`` returns the session's state (a JSON object)
    that the registry keeps in its documents and hands back to every later call, so a store whose
    sessions need more than its own files (e.g. an object store's multipart upload id and parts)
    keeps them there, and any server sharing the registry can continue an upload.
    """

    location: str = ""
    # whether an upload whose sha256 is announced at its start is stored with less work (an object
    # store writes it straight to its blob key instead of copying it there): clients then hash first
    direct_uploads: bool = False
    # whether large downloads are faster as concurrent ranged requests: each is its own read from an
    # object store; from a local file one stream is faster (1,174 against 730 MB/s, bench_grpc's REST)
    ranged_downloads: bool = False
    # whether ``download_url`` gives URLs that serve the bytes without this process
    download_urls: bool = False

    @abstractmethod
    def put_stream(self, stream: BinaryIO, expected_checksum: str | None = None) -> BlobRef:
        """Store bytes read from ``stream``; durable when this returns."""

    def put_file(self, source: Path, expected_checksum: str | None = None) -> BlobRef:
        with open(source, "rb") as stream:
            return self.put_stream(stream, expected_checksum)

    @abstractmethod
    def open(self, checksum: str) -> BinaryIO: ...

    @abstractmethod
    def exists(self, checksum: str) -> bool: ...

    @abstractmethod
    def size(self, checksum: str) -> int: ...

    @abstractmethod
    def list_blobs(self) -> Iterator[StoredBlob]:
        """Every stored blob, when it was stored and its size, for ``check`` and ``gc``."""

    def checksums(self) -> Iterator[str]:
        """Every stored blob (for ``check``: bytes that no record references)."""
        return (blob.checksum for blob in self.list_blobs())

    def open_location(self, location: str) -> BinaryIO | None:
        """The bytes at a URI this store can read (an object store: ``s3://`` URLs at its endpoint), a
        seekable stream; None for a URI it cannot read at all. For tracked artifacts."""
        return None

    def download_url(self, checksum: str, filename: str, expires_seconds: int) -> str | None:
        """A short-lived URL that serves the blob without this process (an object store's presigned
        GET), or None where there is no such thing."""
        return None

    @abstractmethod
    def remove(self, checksum: str) -> None: ...

    @abstractmethod
    def copy_to(self, checksum: str, target: Path) -> None:
        """Write the blob's bytes to the local file ``target`` (for exports; may hard-link)."""

    # -- resumable uploads ---------------------------------------------------------------------

    @abstractmethod
    def start_upload(self, upload_id: str, checksum: str | None = None) -> Doc:
        """Begin an empty upload; returns its state (JSON) for the registry to keep. ``checksum``, the
        sha256 the client announces for the whole upload, lets a store write straight to its blob."""

    def restart_unverifiable(self, upload_id: str, state: Doc | None = None) -> Doc | None:
        """For an upload whose running sha256 was lost (a restart, another server) and whose bytes this
        store cannot re-read before storing them: empties it and returns its new state; None otherwise."""
        return None

    @abstractmethod
    def upload_offset(self, upload_id: str, state: Doc | None = None) -> int:
        """Bytes received so far (``NotFoundError`` if the session's bytes are gone)."""

    @abstractmethod
    def open_upload(self, upload_id: str, state: Doc | None = None) -> BinaryIO:
        """A binary stream that appends to the upload (``write``, ``flush``, ``fileno``, ``close``).
        If it has a ``state`` attribute after ``close()``, that replaces the session's state."""

    @abstractmethod
    def finish_upload(
        self, upload_id: str, expected_checksum: str, known_checksum: str | None = None, state: Doc | None = None
    ) -> BlobRef:
        """Verify the sha256 of every byte received and store them as a blob; ends the session.
        ``known_checksum`` is a sha256 the caller computed as the bytes arrived (saves a re-read)."""

    @abstractmethod
    def cancel_upload(self, upload_id: str, state: Doc | None = None) -> None: ...

    @abstractmethod
    def stale_staging(self, older_than_seconds: float, keep: Collection[str] = (),
                      keep_states: Collection[Doc] = ()) -> list[str]:
        """Names of leftover temporary files or sessions older than that, but for the uploads ``keep``
        (ids of sessions still open, and ``keep_states`` their states), for ``check`` and ``gc``."""

    @abstractmethod
    def remove_staging(self, name: str) -> None: ...


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
        """Append points; durable when this returns (or with the operation's transaction).
        ``steps`` uses ``MISSING_STEP`` for no step."""

    @abstractmethod
    def read(self, parent: str, key: str) -> SeriesColumns:
        """Every point of the series: the numeric points in the order appended, then the text ones."""

    @abstractmethod
    def delete(self, parent: str) -> None: ...

    # -- export, import and check (files in the export format: ``<parent>/<stem>.f64|.jsonl``) --

    @abstractmethod
    def mark(self) -> Any:
        """A position of every series now, taken inside the operation that reads the documents."""

    @abstractmethod
    def export_files(self, folder: Path, mark: Any) -> int:
        """Write every series, up to ``mark``, as export files under ``folder``; the file count."""

    @abstractmethod
    def import_files(self, folder: Path, series: Iterable[tuple[str, str]]) -> None:
        """Load the ``(parent, key)`` series from export files (into an empty store)."""

    @abstractmethod
    def check(self, repair: bool) -> list[str]:
        """Problems of the stored series (repaired when ``repair``): torn records and the like."""


class EventLog(ABC):
    """Every change as an event ``{"seq", "kind", "at", "actor", ...}``, ``seq`` rising in commit order.

    ``listeners`` are told each new sequence number (from whichever thread learns of it first).
    """

    listeners: list[Callable[[int], None]]

    @abstractmethod
    def append(self, event: Doc) -> None:
        """Record an event inside the current operation (it lands with the operation's writes)."""

    @abstractmethod
    def read(self, since: int, limit: int) -> list[Doc]:
        """Events with ``seq > since``, oldest first."""

    @abstractmethod
    def last_seq(self) -> int: ...

    @abstractmethod
    def wait(self, since: int, timeout: float) -> None:
        """Block until an event newer than ``since`` exists, the log closes, or ``timeout`` s pass.
        Called outside any operation."""

    @abstractmethod
    def close(self) -> None:
        """Wake every waiter; nothing more is read or written."""


@dataclass(frozen=True)
class ModelFilter:
    """What ``list_models`` selects besides the query: substrings (case-insensitive) and flags."""

    namespace: str | None = None
    name: str | None = None
    description: str | None = None
    archived: bool | None = None


class Queries(ABC):
    """Answers the search language's tree (``search.Node``) with one page and the total."""

    @abstractmethod
    def models(
        self, node: Any, where: ModelFilter, sort_field: str, descending: bool, offset: int, limit: int | None
    ) -> tuple[list[Doc], int]:
        """Models matching ``node`` and ``where``, sorted by ``sort_field`` (``name``/``description``:
        case-insensitively, then exactly, then by ``created_at``; times: then by ``name``)."""

    @abstractmethod
    def versions(
        self, node: Any, model_id: str | None, offset: int, limit: int | None
    ) -> tuple[list[Doc], int]:
        """Versions matching ``node`` (of one model: newest number first; of every model:
        newest ``created_at`` first, then highest number)."""


    @abstractmethod
    def experiments(self, node: Any, namespace: str | None, offset: int, limit: int | None) -> tuple[list[Doc], int]:
        """Experiments matching ``node`` (of one namespace), newest ``created_at`` first, then by name."""


class Backend(ABC):
    """The stores of one registry and the unit of work every registry call runs in."""

    docs: DocumentStore
    blobs: BlobStore
    metrics: MetricStore
    events: EventLog
    queries: Queries
    tables: tuple[str, ...]  # the document tables it keeps (exports copy these)
    scratch_dir: Path  # a folder on the blobs' disk for exports and imports
    root: Path | None = None  # the registry folder of an embedded backend
    recovered: list[str]  # what opening repaired (e.g. a torn journal tail)

    @abstractmethod
    def operation(self) -> AbstractContextManager[None]:
        """One registry call: reentrant; all of its writes are acknowledged when it exits."""

    @abstractmethod
    def describe(self) -> str:
        """Where the registry lives, for people (never a password)."""

    def info(self) -> Doc:
        """Where the registry lives, for ``/info`` (never a password)."""
        return {"backend": type(self).__name__, "root": str(self.root) if self.root else None}

    @abstractmethod
    def close(self) -> None: ...


MISSING_STEP = np.iinfo(np.int64).min

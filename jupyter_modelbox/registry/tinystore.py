"""TinyDB with O(1) durable writes and in-memory secondary indexes.

Stock TinyDB re-reads and rebuilds a table on every insert (50 ms per insert at 100k documents,
measured on this project's machines). ``JournaledTable`` keeps TinyDB's API - tables, ``Query``,
``search``, ``insert``, ``update``, ``remove`` - but works on the live in-memory table and reports
which documents each call touched to ``JournalStorage``, which appends only those to the journal.
Several writes can be grouped with ``JournaledTinyDB.transaction()`` into one atomic journal line.
"""

from __future__ import annotations

import gc
import logging
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from operator import neg
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from .errors import StorageError
from .groups import KEY, Pending, group_key
from .indexes import HashIndex, IndexSpec, SortedIndex, hashable
from .journal import Journal, Op, Tables
from .pickled import SnapshotError

log = logging.getLogger(__name__)

# Compact when the journal is larger than this and than the snapshot: keeps replay short and
# the amortized cost of a write constant.
COMPACT_MIN_BYTES = 32 * 1024 * 1024


class _IntKeyView(MutableMapping):
    """TinyDB's updaters use int ids; the live table keeps str ids like TinyDB's own storages.

    ``before`` hears of every document an updater reads, replaces or deletes, before it can change
    it in place: the indexes need its old keys to take it out."""

    __slots__ = ("_before", "_raw")

    def __init__(self, raw: dict[str, Any], before: Callable[[str], None]) -> None:
        self._raw = raw
        self._before = before

    def __getitem__(self, key: int) -> Any:
        doc_id = str(key)
        self._before(doc_id)
        return self._raw[doc_id]

    def __setitem__(self, key: int, value: Any) -> None:
        doc_id = str(key)
        self._before(doc_id)
        self._raw[doc_id] = value

    def __delitem__(self, key: int) -> None:
        doc_id = str(key)
        self._before(doc_id)
        del self._raw[doc_id]

    def __contains__(self, key: object) -> bool:
        return str(key) in self._raw

    def __iter__(self) -> Iterator[int]:
        return (int(key) for key in self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def clear(self) -> None:
        self._raw.clear()


class JournalStorage(Storage):
    """TinyDB storage holding every table in memory, persisted by a ``Journal`` (or not at all)."""

    def __init__(self, folder: Path | None, grouped: dict[str, str] | None = None) -> None:
        self.grouped = dict(grouped or {})
        self.journal = Journal(folder, grouped=self.grouped) if folder is not None else None
        self.tables: Tables = self.journal.load() if self.journal else {}
        self.pending: dict[str, Pending] = self.journal.pending if self.journal else {}
        # (table, doc id) -> the group of a document of a grouped table as it was before this write
        self.groups_before: dict[tuple[str, str], Any] = {}
        self._dirty: dict[tuple[str, str], None] = {}
        self.writing = False  # a table began changing its documents since the last commit
        self._truncated: list[str] = []
        self._depth = 0
        self._compactor: subprocess.Popen[bytes] | None = None
        self.on_rollback: list[Any] = []

    # TinyDB's Storage interface: only used by TinyDB-level calls such as drop_table.
    def read(self) -> Tables:
        return self.tables

    def write(self, data: Tables) -> None:
        for name in set(self.tables) - set(data):
            self.truncated(name)
            self.pending.pop(name, None)
        self.tables = data

    def table_data(self, name: str) -> dict[str, Any]:
        return self.tables.setdefault(name, {})

    # -- change tracking -----------------------------------------------------------------------

    def touched(self, table: str, doc_ids: Iterable[int | str]) -> None:
        for doc_id in doc_ids:
            self._dirty[(table, str(doc_id))] = None
        if self._depth == 0:
            self.commit()

    def truncated(self, table: str) -> None:
        self._dirty = {key: None for key in self._dirty if key[0] != table}
        self._truncated.append(table)
        if self._depth == 0:
            self.commit()

    def commit(self) -> None:
        ops: list[Op] = [[name, "t"] for name in self._truncated]
        for name, doc_id in self._dirty:
            doc = self.tables.get(name, {}).get(doc_id)
            if doc is not None:
                ops.append([name, "p", doc_id, doc])
            elif (name, doc_id) in self.groups_before:  # replay reads only that group to delete it
                ops.append([name, "d", doc_id, self.groups_before[(name, doc_id)]])
            else:
                ops.append([name, "d", doc_id])
        self._dirty = {}
        self._truncated = []
        self.groups_before = {}
        self.writing = False
        if ops and self.journal is not None:
            self.journal.append(ops)
            try:
                self.maybe_compact()
            except (StorageError, OSError) as exc:  # the write is durable; compaction waits for the next one
                log.warning("could not start compacting the registry journal: %s", exc)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self.rollback()
            raise
        self._depth -= 1
        if self._depth == 0:
            try:
                self.commit()
            except BaseException:
                self.rollback()
                raise

    def rollback(self) -> None:
        """Forget uncommitted changes by reloading what the disk holds (nothing, when the transaction
        wrote nothing: a refused create at 1M versions reloaded them all, 1.6 s, to undo nothing)."""
        changed = bool(self.writing or self._dirty or self._truncated)
        self.writing = False
        self._dirty = {}
        self._truncated = []
        self.groups_before = {}
        if self.journal is None or not changed:
            return  # an in-memory store keeps the partial change: there is nothing to reload
        self._reap_compactor()
        self.journal.close()
        self.journal = Journal(self.journal.snapshot_path.parent, grouped=self.grouped)
        self.tables = self.journal.load()
        self.pending = self.journal.pending
        for callback in self.on_rollback:
            callback()

    def maybe_compact(self) -> None:
        """Start a background compaction when the journal is large (and larger than the snapshot)."""
        if self.journal is None or self._depth:
            return
        if self._compactor is not None:
            if self._compactor.poll() is None:
                return  # still folding the previous journal
            self._reap_compactor()
        size = self.journal.journal_size
        if size > COMPACT_MIN_BYTES and size > self._snapshot_size():
            self.start_compaction()

    def start_compaction(self) -> bool:
        """Set the journal aside and fold it into the snapshot in another process; False if one runs."""
        if self.journal is None or self._depth or not self.journal.journal_size:
            return False
        if self._compactor is not None:
            if self._compactor.poll() is None:
                return False
            self._reap_compactor()
        self.journal.rotate()
        self._compactor = self.journal.start_compactor()
        return True

    def compacting(self) -> bool:
        return self._compactor is not None and self._compactor.poll() is None

    def _snapshot_size(self) -> int:
        assert self.journal is not None
        try:
            return self.journal.snapshot_path.stat().st_size
        except FileNotFoundError:
            return 0

    def _reap_compactor(self) -> None:
        """Wait for the compactor; a failed one only leaves rotated journals, replayed at the next open."""
        compactor, self._compactor = self._compactor, None
        if compactor is None:
            return
        _, errors = compactor.communicate()
        if compactor.returncode:
            log.warning("background compaction of the registry journal failed (exit %s): %s",
                        compactor.returncode, errors.decode(errors="replace")[-2000:])

    def close(self) -> None:
        if self.journal is not None:
            self._reap_compactor()
            self.tables, self.pending = {}, {}  # the compaction reads the files: let the documents go first
            self.journal.compact()
            self.journal.close()


class JournaledTable(Table):
    """A TinyDB table whose writes are journaled per document and whose fields can be indexed.

    A grouped table (``JournalStorage.grouped``) may hold groups still pickled (``groups.Pending``):
    ``_read_table``, TinyDB's own way in, reads them all first, so every TinyDB call sees the whole
    table; the calls that need one group (``find_ids`` on the group field, ``first_id`` on ``id``,
    a sorted index's group, ``insert``) read only that one, and ``_live`` is the documents read."""

    def __init__(self, storage: JournalStorage, name: str, **kwargs: Any) -> None:
        kwargs.pop("persist_empty", None)
        super().__init__(storage, name, **kwargs)
        self._journal_storage = storage
        self._group_field = storage.grouped.get(name)
        self._indexes: dict[IndexSpec, HashIndex] = {}
        self._sorted: dict[tuple[str | None, tuple[str, ...]], SortedIndex] = {}
        # doc id -> its index entries as they were before the write under way (None: it did not exist)
        self._before: dict[str, tuple[list[list[Any]], list[Any]] | None] = {}

    # -- TinyDB hooks: operate on the live table instead of copying it -------------------------

    def _read_table(self) -> dict[str, Any]:
        self.need_all()
        return self._live()

    def _live(self) -> dict[str, Any]:
        """The documents read so far (all of them unless groups are pending)."""
        return self._journal_storage.table_data(self.name)

    def _update_table(self, updater: Any) -> None:
        self._journal_storage.writing = True
        self._before.clear()  # left over from a write that failed half way
        updater(_IntKeyView(self._live(), self._remember))
        self.clear_cache()

    def __len__(self) -> int:
        unread = self._unread()
        return len(self._live()) + (unread.size if unread else 0)

    # -- groups still pickled --------------------------------------------------------------------

    def _unread(self) -> Pending | None:
        return self._journal_storage.pending.get(self.name) if self._group_field is not None else None

    def need(self, value: Any) -> None:
        """Read the group whose group field is ``value``, if it is still pending."""
        unread = self._unread()
        if unread and unread.holds(group := group_key(value)):
            with self._reading():
                docs = unread.take(group)
            self._adopt(docs)

    def need_all(self) -> None:
        """Read every pending group (a call over the whole table), and index them in bulk."""
        unread = self._unread()
        if not unread:
            return
        collecting = gc.isenabled()
        gc.disable()  # as at open (see ``TinyDocumentStore``): millions of objects that all survive
        try:
            try:
                with self._reading():
                    unread.take_all(self._live())
            except StorageError:
                # an index of the whole table would miss what could not be read: none is kept, and
                # the next call that needs one tries again (and says why it cannot)
                self._indexes = {spec: index for spec, index in self._indexes.items() if self._keeps(spec)}
                self._sorted = {key: index for key, index in self._sorted.items() if key[0] == self._group_field}
                raise
            finally:
                self._index_live()  # what was read, if not all of it
        finally:
            gc.freeze()
            if collecting:
                gc.enable()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A group's pickle that cannot be read is the registry's ``StorageError``, naming the snapshot."""
        try:
            yield
        except SnapshotError as exc:
            where = self._journal_storage.journal
            raise StorageError(
                f"registry snapshot {where.snapshot_path if where else ''}: {self.name} of {exc}, unreadable; "
                "they are left as they are: restore the snapshot from a backup"
            ) from exc

    def _adopt(self, docs: dict[str, Any]) -> None:
        live = self._live()
        added = [doc_id for doc_id in docs if doc_id not in live]
        for doc_id in added:
            live[doc_id] = doc = docs[doc_id]
            for index in self._indexes.values():
                index.add(doc_id, index.keys(doc))
        for sorted_index in self._sorted.values():
            sorted_index.add_many([sorted_index.entry(doc_id, live[doc_id]) for doc_id in added])

    def _keeps(self, spec: IndexSpec) -> bool:
        """Whether a hash index can be kept for the groups read so far: the ``id`` index and those
        keyed by the group field first (the others see the whole table)."""
        return spec in (KEY, self._group_field) or (isinstance(spec, tuple) and spec[0] == self._group_field)

    def _group_safe(self) -> bool:
        return all(map(self._keeps, self._indexes)) and all(group == self._group_field for group, _ in self._sorted)

    # -- writes report the ids they touched ----------------------------------------------------

    def insert(self, document: Mapping) -> int:
        if self._group_field is not None:
            self.need(document.get(self._group_field))
        doc_id = super().insert(document)
        self._changed([doc_id])
        return doc_id

    def insert_multiple(self, documents: Iterable[Mapping]) -> list[int]:
        documents = list(documents)
        if self._group_field is not None:
            for document in documents:
                self.need(document.get(self._group_field))
        doc_ids = super().insert_multiple(documents)
        self._changed(doc_ids)
        return doc_ids

    def update(self, fields: Any, cond: Any = None, doc_ids: Iterable[int] | None = None) -> list[int]:
        if doc_ids is None:
            self.need_all()  # a condition is tested on every document
        changed = super().update(fields, cond, doc_ids)
        self._changed(changed)
        return changed

    def update_multiple(self, updates: Any) -> list[int]:
        self.need_all()
        changed = super().update_multiple(updates)
        self._changed(changed)
        return changed

    def upsert(self, document: Mapping, cond: Any = None) -> list[int]:
        # TinyDB's upsert is update-then-insert: both report through the overrides above
        return super().upsert(document, cond)

    def remove(self, cond: Any = None, doc_ids: Iterable[int] | None = None) -> list[int]:
        if doc_ids is None:
            self.need_all()
        removed = super().remove(cond, doc_ids)
        self._changed(removed)
        return removed

    def truncate(self) -> None:
        if unread := self._unread():
            unread.drop()
        super().truncate()
        self.rebuild_indexes()
        self._journal_storage.truncated(self.name)

    def replace(self, doc_id: int, document: Mapping) -> None:
        """Swap a whole document (TinyDB's ``update`` only merges fields into it)."""
        table = self._live()
        if str(doc_id) not in table:
            raise KeyError(doc_id)
        if self._group_field is not None:
            self.need(document.get(self._group_field))  # a document moved to a group still pending
        self._journal_storage.writing = True
        self._before.clear()
        self._remember(str(doc_id))
        table[str(doc_id)] = dict(document)
        self.clear_cache()
        self._changed([doc_id])

    def _changed(self, doc_ids: Iterable[int]) -> None:
        doc_ids = list(doc_ids)
        if self._indexes or self._sorted:
            self._reindex(str(doc_id) for doc_id in doc_ids)
        self._before.clear()  # documents an updater only read
        self._journal_storage.touched(self.name, doc_ids)

    # -- secondary indexes ---------------------------------------------------------------------

    def create_index(self, spec: IndexSpec, rebuild: bool = True) -> None:
        """Index a field (or a tuple of fields) so ``find_ids(spec, key)`` costs O(1), unless a sorted
        index already groups the documents by that field (its groups answer ``find_ids``).
        With ``rebuild=False`` the caller calls ``rebuild_indexes`` once after creating several."""
        if spec not in self._indexes and self._grouped_by(spec) is None:
            table = self._read_table() if rebuild else None  # first: it may fail, and add no index
            self._indexes[spec] = index = HashIndex(spec)
            self._before.clear()
            if table is not None:
                index.load(table)

    def create_sorted_index(self, group: str | None, order: tuple[str, ...], rebuild: bool = True) -> SortedIndex:
        """Keep each ``group``'s documents sorted by ``order`` (pages and ranges without sorting)."""
        key = (group, order)
        if key not in self._sorted:
            table = self._read_table() if rebuild else None  # first: it may fail, and add no index
            self._sorted[key] = index = SortedIndex(group, order)
            if group is not None and group == self._group_field:
                index.loader = self.need
            self._before.clear()
            if table is not None:
                index.load(table)
        return self._sorted[key]

    def rebuild_indexes(self) -> None:
        """Index the documents read (after a load or a rollback); every group first when an index
        covers the whole table."""
        if self._unread() and not self._group_safe():
            self.need_all()  # which indexes them all
        else:
            self._index_live()

    def _index_live(self) -> None:
        table = self._live()
        self._before.clear()
        # TinyDB finds the next id on the first insert with a generator over every id (0.35 s at 1M
        # versions, in someone's write); in one pass of C here it is a tenth of that, at open
        ids = list(map(int, table))
        unread = self._unread()
        last = max(max(ids, default=0), unread.max_id if unread is not None else 0)
        self._next_id = last + 1  # type: ignore[assignment]  # TinyDB declares it None only
        for index in self._indexes.values():
            index.load(table)
        negated = list(map(neg, ids)) if self._sorted else None
        for sorted_index in self._sorted.values():
            sorted_index.load(table, negated)

    def _entries(self, doc_id: str, doc: dict[str, Any]) -> tuple[list[list[Any]], list[Any]]:
        return ([index.keys(doc) for index in self._indexes.values()],
                [index.entry(doc_id, doc) for index in self._sorted.values()])

    def _remember(self, doc_id: str) -> None:
        """Keep a document's index entries before a write changes it (the first time only)."""
        if doc_id not in self._before:
            doc = self._live().get(doc_id)
            self._before[doc_id] = self._entries(doc_id, doc) if doc is not None else None
            if doc is not None and self._group_field is not None:
                self._journal_storage.groups_before[(self.name, doc_id)] = group_key(doc.get(self._group_field))

    def _reindex(self, doc_ids: Iterable[str]) -> None:
        table = self._live()
        hashed, ordered = list(self._indexes.values()), list(self._sorted.values())
        for doc_id in doc_ids:
            old = self._before.pop(doc_id, None)
            if old is not None:
                for index, keys in zip(hashed, old[0], strict=True):
                    index.remove(doc_id, keys)
                for sorted_index, entry in zip(ordered, old[1], strict=True):
                    sorted_index.remove(entry)
            doc = table.get(doc_id)
            if doc is None:
                continue
            for index in hashed:
                index.add(doc_id, index.keys(doc))
            for sorted_index in ordered:
                sorted_index.add(sorted_index.entry(doc_id, doc))

    def sorted_by(self, group: str, field: str) -> SortedIndex | None:
        """The sorted index of ``group``'s documents by ``field`` alone, if there is one."""
        return self._sorted.get((group, (field,)))

    def _grouped_by(self, spec: IndexSpec) -> SortedIndex | None:
        return next((index for (group, _), index in self._sorted.items() if group == spec), None)

    def has_index(self, spec: IndexSpec) -> bool:
        return spec in self._indexes

    def find_ids(self, spec: IndexSpec, key: Any) -> set[str]:
        """Ids whose indexed field (or fields: ``key`` is then a tuple) equal ``key`` (may be the index's
        own set: do not change it). A field that a sorted index groups by is answered from its group."""
        if self._unread():
            if spec == self._group_field:
                self.need(key)
            elif isinstance(spec, tuple) and spec[0] == self._group_field:
                self.need(key[0])
            else:
                self.need_all()
        index = self._indexes.get(spec)
        if index is None:
            grouped = self._grouped_by(spec)
            if grouped is None:
                raise KeyError(spec)
            return grouped.ids(key)
        return index.get(hashable(key) if isinstance(spec, str) else tuple(hashable(k) for k in key))

    def first_id(self, field: str, value: Any) -> str | None:
        """Any one document id with ``field == value`` (for unique fields such as ``id``), without copying.
        A grouped table reads the group that holds it, if that is pending (by ``id``), or them all."""
        found = self._indexes[field].first(hashable(value))
        unread = self._unread()
        if found is None and unread:
            if field != KEY:
                self.need_all()
            elif (group := unread.group_of(value)) is not None:
                self.need(group)
            else:
                return None
            found = self._indexes[field].first(hashable(value))
        return found

    def raw(self, doc_id: str) -> dict[str, Any] | None:
        return self._live().get(doc_id)


class JournaledTinyDB(TinyDB):
    """``TinyDB`` over a ``JournalStorage`` folder (``None`` keeps everything in memory)."""

    table_class = JournaledTable  # type: ignore[assignment]  # TinyDB types it as exactly Table

    def __init__(self, folder: Path | None, grouped: dict[str, str] | None = None) -> None:
        super().__init__(storage=JournalStorage, folder=folder, grouped=grouped)
        self.lock = threading.RLock()
        self.storage.on_rollback.append(self._after_rollback)

    @property
    def storage(self) -> JournalStorage:
        return self._storage  # type: ignore[return-value]

    def transaction(self) -> Any:
        """Group writes into one atomic, durable journal record; on error none of them happen."""
        return self.storage.transaction()

    def _after_rollback(self) -> None:
        for table in self._tables.values():
            assert isinstance(table, JournaledTable)
            table.clear_cache()
            table._next_id = None
            table.rebuild_indexes()

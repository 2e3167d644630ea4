"""``DocumentStore`` on the journaled TinyDB."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from .backend import DocumentStore
from .indexes import IndexSpec
from .tinystore import JournaledTable, JournaledTinyDB


class TinyDocumentStore(DocumentStore):
    """Documents in a ``JournaledTinyDB`` with an index on ``id`` and on the declared fields.

    ``indexes`` maps a table to its hash indexes (a field, or a tuple of fields for a composite
    key), ``sorted_indexes`` to its sorted ones (``(group field or None, order fields)``), and
    ``grouped`` to the field its snapshot is split by, a group read when first used (``groups``).
    """

    def __init__(
        self,
        folder: Path | None,
        indexes: dict[str, tuple[IndexSpec, ...]],
        sorted_indexes: dict[str, tuple[tuple[str | None, tuple[str, ...]], ...]] | None = None,
        grouped: dict[str, str] | None = None,
    ) -> None:
        gc.collect()  # cheap before the load; what is garbage now would otherwise be frozen below
        # Loading makes millions of objects that all survive: each collection the allocations trigger
        # would walk every one made so far (at 1M versions 14 s of JSON parsing were 5 s without them).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.db = JournaledTinyDB(folder, grouped)
            self._indexes = indexes
            self._sorted_specs = sorted_indexes or {}
            self._tables: dict[str, JournaledTable] = {}
            for name in indexes:
                self._table(name)
        finally:
            # The documents are millions of small dicts and lists that live as long as the registry:
            # every full run of the cyclic garbage collector would walk them all (a pause of about a
            # second at 1M versions, in whichever call triggered it). Frozen, they are never walked;
            # JSON holds no cycles, so reference counting still frees each one when it is replaced or
            # deleted.
            gc.freeze()
            if collecting:
                gc.enable()
        self.db.storage.on_rollback.append(gc.freeze)

    @property
    def recovered(self) -> list[str]:
        """Messages about torn writes cut from the journal when it was opened."""
        journal = self.db.storage.journal
        return list(journal.recovered) if journal else []

    def _table(self, name: str) -> JournaledTable:
        table = self._tables.get(name)
        if table is None:
            created = self.db.table(name)
            assert isinstance(created, JournaledTable)
            table = created
            table.create_index("id", rebuild=False)
            for spec in self._indexes.get(name, ()):
                table.create_index(spec, rebuild=False)
            for group, order in self._sorted_specs.get(name, ()):
                table.create_sorted_index(group, order, rebuild=False)
            table.rebuild_indexes()
            self._tables[name] = table
        return table

    def table(self, name: str) -> JournaledTable:
        """The table itself, for an index planner (``find_ids``, ``create_sorted_index``, ``raw``)."""
        return self._table(name)

    def transaction(self) -> AbstractContextManager[None]:
        return self.db.transaction()

    def _doc_id(self, table: JournaledTable, doc_id: str) -> str | None:
        return table.first_id("id", doc_id)

    def get(self, table: str, doc_id: str) -> dict[str, Any] | None:
        t = self._table(table)
        key = self._doc_id(t, doc_id)
        return t.raw(key) if key is not None else None

    def find(self, table: str, field: str, value: Any) -> list[dict[str, Any]]:
        t = self._table(table)
        return [doc for key in sorted(t.find_ids(field, value), key=int) if (doc := t.raw(key)) is not None]

    def find_all(self, table: str, criteria: Mapping[str, Any]) -> list[dict[str, Any]]:
        """One lookup when a composite index covers exactly the criteria's fields, or a bisection when
        a sorted index of the first field's groups orders them by the second (``model_id``, ``number``)."""
        t = self._table(table)
        spec = tuple(criteria)
        if len(spec) > 1 and t.has_index(spec):
            keys = t.find_ids(spec, tuple(criteria.values()))
            return [doc for key in sorted(keys, key=int) if (doc := t.raw(key)) is not None]
        if len(spec) == 2 and (ordered := t.sorted_by(spec[0], spec[1])) is not None:
            group, value = criteria.values()
            if type(value) in (int, float, str):  # what a sorted index orders
                return [doc for key in ordered.equal(value, group) if (doc := t.raw(key)) is not None]
        return super().find_all(table, criteria)

    def scan(self, table: str) -> Iterator[dict[str, Any]]:
        return iter(list(self._table(table)._read_table().values()))

    def count(self, table: str) -> int:
        return len(self._table(table))

    def put(self, table: str, doc: dict[str, Any]) -> None:
        t = self._table(table)
        key = self._doc_id(t, doc["id"])
        if key is None:
            t.insert(doc)
        else:
            t.replace(int(key), doc)

    def delete(self, table: str, doc_id: str) -> bool:
        t = self._table(table)
        key = self._doc_id(t, doc_id)
        if key is None:
            return False
        t.remove(doc_ids=[int(key)])
        return True

    def maybe_compact(self) -> None:
        self.db.storage.maybe_compact()

    def close(self) -> None:
        self.db.close()

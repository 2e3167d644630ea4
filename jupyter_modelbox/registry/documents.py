"""``DocumentStore`` on the journaled TinyDB."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from .backend import DocumentStore
from .tinystore import JournaledTable, JournaledTinyDB


class TinyDocumentStore(DocumentStore):
    """Documents in a ``JournaledTinyDB`` with an index on ``id`` and on the declared fields."""

    def __init__(self, folder: Path | None, indexes: dict[str, tuple[str, ...]]) -> None:
        self.db = JournaledTinyDB(folder)
        self._indexes = indexes
        self._tables: dict[str, JournaledTable] = {}
        for name in indexes:
            self._table(name)

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
            table.create_index("id")
            for field in self._indexes.get(name, ()):
                table.create_index(field)
            self._tables[name] = table
        return table

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

"""A table kept in the snapshot as one pickle per group (a model's versions), read when first used.

Opening a registry of 1M versions over 10k models unpickled 1M documents (3-4 s, measured) before
the first call could run, though a call touches one model's versions. A grouped table's snapshot
holds, per group, the pickle of ``{doc id: document}``, and a catalogue: how many documents each
group holds, the group of every document's ``id`` (to find one by its id) and the largest doc id.
``Pending`` keeps the pickles not yet read; ``JournaledTable`` takes a group from it when a call
first needs that group, and all of them when a call needs the whole table (a search).

A document's group field never changes (a version stays in its model): a document is in exactly
one group, so a group's pickle, once taken, is never needed again.
"""

from __future__ import annotations

import io
from collections.abc import Hashable
from typing import Any

from . import pickled

Docs = dict[str, dict[str, Any]]
KEY = "id"  # the unique field whose group the catalogue keeps


def group_key(value: Any) -> Hashable:
    """The group of a document whose group field holds ``value`` (anything but a string or a
    number shares the group None)."""
    return value if type(value) in (str, int, float) else None


class Pending:
    """The groups of one table still in their pickles."""

    __slots__ = ("counts", "field", "ids", "max_id", "parts", "size")

    def __init__(self, field: str, parts: dict[Hashable, bytes], ids: dict[str, Hashable],
                 counts: dict[Hashable, int], max_id: int) -> None:
        self.field, self.parts, self.ids, self.counts, self.max_id = field, parts, ids, counts, int(max_id)
        self.size = sum(counts.values())

    def __bool__(self) -> bool:
        return bool(self.parts)

    def group_of(self, key: Any) -> Hashable | None:
        """The group still pending that holds the document whose ``id`` is ``key`` (None: no such)."""
        group = self.ids.get(key) if type(key) is str else None
        return group if group in self.parts else None

    def holds(self, group: Hashable) -> bool:
        return group in self.parts

    def take(self, group: Hashable) -> Docs:
        """The documents of ``group`` (none if it is not pending), no longer pending. A group that
        cannot be read raises ``SnapshotError`` and stays pending: nothing is lost."""
        blob = self.parts.get(group)
        if blob is None:
            return {}
        docs = _load(group, blob)
        del self.parts[group]
        self.size -= self.counts.pop(group, 0)
        return docs

    def take_all(self, into: Docs) -> None:
        """Put every pending document into ``into`` (a document already there is kept): all of them,
        or, when a group cannot be read, the groups before it, the rest staying pending."""
        for group in list(self.parts):
            docs = self.take(group)
            if into and (kept := docs.keys() & into.keys()):
                docs = {doc_id: doc for doc_id, doc in docs.items() if doc_id not in kept}
            into.update(docs)
        self.ids.clear()

    def drop(self) -> None:
        """Forget every pending group (the table was truncated)."""
        self.parts.clear()
        self.ids.clear()
        self.counts.clear()
        self.size = 0


def _load(group: Hashable, blob: bytes) -> Docs:
    try:
        docs = pickled.load(io.BytesIO(blob))
    except pickled.SnapshotError as exc:
        raise pickled.SnapshotError(f"the group {group!r}: {exc}") from None
    if type(docs) is not dict:
        raise pickled.SnapshotError(f"the group {group!r} does not hold documents")
    return docs


def pack(docs: Docs, field: str, pending: Pending | None) -> dict[str, Any]:
    """A grouped table as the snapshot holds it: ``docs`` (the documents read) split by ``field``
    and pickled per group, and the groups still ``pending`` as they were read."""
    split: dict[Hashable, Docs] = {}
    ids: dict[str, Hashable] = {}
    for doc_id, doc in docs.items():
        group = group_key(doc.get(field))
        split.setdefault(group, {})[doc_id] = doc
        if type(key := doc.get(KEY)) is str:
            ids[key] = group
    for group in [group for group in split if pending and pending.holds(group)]:
        assert pending is not None
        split[group] = {**pending.take(group), **split[group]}  # a group's documents read before: theirs win
    parts = {group: pickled.dumps(part) for group, part in split.items()}
    counts = {group: len(part) for group, part in split.items()}
    max_id = max(map(int, docs), default=0)
    if pending:
        parts.update(pending.parts)
        counts.update((group, pending.counts.get(group, 0)) for group in pending.parts)
        ids.update((key, group) for key, group in pending.ids.items() if group in pending.parts)
        max_id = max(max_id, pending.max_id)
    return {"field": field, "parts": parts, "ids": ids, "counts": counts, "max_id": max_id}

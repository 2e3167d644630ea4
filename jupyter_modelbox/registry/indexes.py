"""In-memory secondary indexes of one journaled TinyDB table.

- ``HashIndex`` on one field or on a tuple of fields (a composite key such as ``(model_id, number)``).
  A list field (``tags``) contributes each of its members, so ``(model_id, tags)`` answers "which
  version of this model holds this tag" with one dictionary lookup.
- ``SortedIndex``: the documents of each group (``model_id``, or the whole table) kept sorted by
  some fields (``number``; ``created_at``), so the newest N, a page, or a range costs a bisection
  and a slice instead of sorting every member.

Both are updated per changed document (``remove`` the old entry, ``add`` the new), never rebuilt
on a write; ``rebuild`` happens once at open and after a rollback.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from itertools import compress, product, repeat
from operator import itemgetter, ne, neg
from typing import Any

IndexSpec = str | tuple[str, ...]


def hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _members(value: Any) -> list[Any]:
    return [hashable(v) for v in value] if isinstance(value, list) else [hashable(value)]


class HashIndex:
    """``key -> doc ids``; a key is the field's value, or a tuple of the fields' values.

    A key held by one document (every ``id``, every ``(model_id, number)``) maps to that id itself,
    not to a set of one: a set costs about 200 bytes, which at 1M versions is 200 MB per index."""

    __slots__ = ("_single", "buckets", "fields")

    def __init__(self, spec: IndexSpec) -> None:
        self.fields: tuple[str, ...] = (spec,) if isinstance(spec, str) else tuple(spec)
        self._single = isinstance(spec, str)
        self.buckets: dict[Any, str | set[str]] = {}

    def keys(self, doc: dict[str, Any]) -> list[Any]:
        if self._single:
            value = doc.get(self.fields[0])
            return _members(value) if isinstance(value, list) else [hashable(value)]
        values = [doc.get(field) for field in self.fields]
        if any(isinstance(value, list) for value in values):
            return list(product(*(_members(value) for value in values)))
        return [tuple(value if type(value) in _ATOMIC else hashable(value) for value in values)]

    def add(self, doc_id: str, keys: list[Any]) -> None:
        buckets = self.buckets
        for key in keys:
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = doc_id
            elif type(bucket) is str:
                if bucket != doc_id:
                    buckets[key] = {bucket, doc_id}
            else:
                bucket.add(doc_id)  # type: ignore[union-attr]  # a set: str was handled above

    def remove(self, doc_id: str, keys: list[Any]) -> None:
        buckets = self.buckets
        for key in keys:
            bucket = buckets.get(key)
            if bucket is None:
                continue
            if type(bucket) is str:
                if bucket == doc_id:
                    del buckets[key]
                continue
            bucket.discard(doc_id)  # type: ignore[union-attr]
            if len(bucket) == 1:
                buckets[key] = next(iter(bucket))
            elif not bucket:
                del buckets[key]

    def load(self, table: dict[str, dict[str, Any]]) -> None:
        """Index every document of ``table`` (after a load or a rollback).

        At open this runs over every document (1M versions), so the usual case is done in bulk: when
        each document has the fields and their values are JSON scalars, the keys are those values,
        and when no key repeats (``id``) the index is one ``dict`` built without a per-document step."""
        self.buckets = {}
        columns: dict[str, list[Any]] = {}
        first = next(iter(table.values()), {})
        for field in sorted(self.fields, key=lambda field: type(first.get(field)) is not list):  # lists first
            column = field_values(table, (field,))
            if column is None:  # a document lacks the field
                self._load_each(table)
                return
            if list in set(map(type, column)):
                self._load_listed(table, column)
                return
            columns[field] = column
        values = columns[self.fields[0]] if self._single else list(
            zip(*(columns[field] for field in self.fields), strict=True))
        ids = list(table)
        try:
            once: dict[Any, str | set[str]] = dict(zip(values, ids, strict=True))
        except TypeError:  # an object among the values
            self._load_each(table)
            return
        if len(once) == len(ids):
            self.buckets = once
            return
        buckets = self.buckets
        for key, doc_id in zip(values, ids, strict=True):
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = doc_id
            elif type(bucket) is str:
                buckets[key] = {bucket, doc_id}
            else:
                bucket.add(doc_id)  # type: ignore[union-attr]  # a set: str was handled above

    def _load_each(self, table: dict[str, dict[str, Any]]) -> None:
        add, keys = self.add, self.keys
        for doc_id, doc in table.items():
            add(doc_id, keys(doc))

    def _load_listed(self, table: dict[str, dict[str, Any]], column: list[Any]) -> None:
        """A list field without members (a version without tags) gives no key: most documents are
        passed over in C, from their values of that field (``column``), without a call per document."""
        add, keys = self.add, self.keys
        for doc_id, doc in compress(table.items(), map(ne, column, repeat([]))):
            add(doc_id, keys(doc))

    def get(self, key: Any) -> set[str]:
        """The ids with that key (may be the index's own set: do not change it)."""
        bucket = self.buckets.get(key)
        if bucket is None:
            return _EMPTY
        return {bucket} if type(bucket) is str else bucket  # type: ignore[return-value]

    def first(self, key: Any) -> str | None:
        """One id with that key (for unique fields), without building a set."""
        bucket = self.buckets.get(key)
        return bucket if bucket is None or type(bucket) is str else next(iter(bucket))

    def clear(self) -> None:
        self.buckets.clear()


def field_values(table: dict[str, dict[str, Any]], fields: tuple[str, ...]) -> list[Any] | None:
    """Each document's value of the field (one field) or tuple of values (several), in the table's
    order; None when some document lacks one of them."""
    try:
        return list(map(itemgetter(*fields), table.values()))
    except KeyError:
        return None


_EMPTY: set[str] = set()
_ATOMIC = frozenset({str, int, float, bool, type(None)})
_ORDERED = frozenset({str, int, float})  # what a sorted index orders (the registry's numbers and times)


class _Top:
    """Sorts after every value: ``(v, _TOP)`` is past every entry ``(v, ...)``."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True


_TOP = _Top()


def _dense_start(items: list[tuple[Any, ...]], value: Any) -> int | None:
    """Where ``value``'s entries start if the first order value is 1, 2, 3... by position (a model's version
    numbers before any delete), else ``None``. Spares a large group's bisection its cache misses."""
    if type(value) is not int or not 0 < value <= len(items):
        return None
    at = value - 1
    if items[at][0] != value or (at and items[at - 1][0] == value):
        return None
    return at


class SortedIndex:
    """Per group (``group`` field, or one group ``None`` for the whole table): entries
    ``(order values..., -int doc id)`` kept in ascending order. Documents missing an order field
    are left out (the registry always sets the fields it sorts on)."""

    __slots__ = ("group", "groups", "loader", "order")

    def __init__(self, group: str | None, order: tuple[str, ...]) -> None:
        self.group = group
        self.order = order
        self.groups: dict[Any, list[tuple[Any, ...]]] = {}
        # called with a group's value before the group is read: its table reads that group, if pending
        self.loader: Callable[[Any], None] | None = None

    def entry(self, doc_id: str, doc: dict[str, Any]) -> tuple[Any, tuple[Any, ...]] | None:
        values = tuple([doc.get(field) for field in self.order])
        for value in values:
            if type(value) not in _ORDERED:
                return None
        group = hashable(doc.get(self.group)) if self.group is not None else None
        return group, (*values, -int(doc_id))  # ties: the older document first when read newest first

    def add(self, entry: tuple[Any, tuple[Any, ...]] | None) -> None:
        if entry is None:
            return
        group, key = entry
        items = self.groups.get(group)
        if items is None:
            self.groups[group] = [key]
        elif not items or items[-1] < key:
            items.append(key)  # the usual case: a new version is the newest
        else:
            bisect.insort(items, key)

    def add_many(self, entries: list[tuple[Any, tuple[Any, ...]] | None]) -> None:
        """Add entries in bulk (a group read from the snapshot): appended, then each group sorted once."""
        touched = set()
        for entry in entries:
            if entry is not None:
                group, key = entry
                self.groups.setdefault(group, []).append(key)
                touched.add(group)
        for group in touched:
            self.groups[group].sort()

    def remove(self, entry: tuple[Any, tuple[Any, ...]] | None) -> None:
        if entry is None:
            return
        group, key = entry
        items = self.groups.get(group)
        if not items:
            return
        at = bisect.bisect_left(items, key)
        if at < len(items) and items[at] == key:
            del items[at]
            if not items:
                del self.groups[group]

    def load(self, table: dict[str, dict[str, Any]], negated: list[int] | None = None) -> None:
        """Index every document of ``table`` (after a load or a rollback); in bulk when every
        document has the fields, with ordered values and a scalar group (see ``HashIndex.load``).
        ``negated``: each doc id as ``-int``, in the table's order, if the caller has them already."""
        groups: dict[Any, list[tuple[Any, ...]]] = {}
        self.groups = groups
        # a column per order field: their types are checked, and the entries zipped, in C
        columns = [field_values(table, (field,)) for field in self.order]
        grouped = field_values(table, (self.group,)) if self.group is not None else [None] * len(table)
        if grouped is None or not self._bulk_loadable(columns, grouped):
            for doc_id, doc in table.items():
                entry = self.entry(doc_id, doc)
                if entry is not None:
                    groups.setdefault(entry[0], []).append(entry[1])
        else:
            if negated is None:
                negated = list(map(neg, map(int, table)))
            keys: Iterator[tuple[Any, ...]] = zip(*(column or [] for column in columns), negated, strict=True)
            for group, key in zip(grouped, keys, strict=True):
                items = groups.get(group)
                if items is None:
                    groups[group] = [key]
                else:
                    items.append(key)
        for items in groups.values():
            items.sort()

    @staticmethod
    def _bulk_loadable(columns: list[list[Any] | None], grouped: list[Any]) -> bool:
        """Every group a scalar and every order value orderable: the entries are the values as read."""
        return set(map(type, grouped)) <= _ATOMIC and all(
            column is not None and set(map(type, column)) <= _ORDERED for column in columns)

    def _items(self, group: Any) -> list[tuple[Any, ...]]:
        if self.loader is not None:
            self.loader(group)
        return self.groups.get(hashable(group) if self.group is not None else None, [])

    def ids(self, group: Any) -> set[str]:
        """The doc ids of a group (as a hash index on the group field would give them)."""
        return {str(-key[-1]) for key in self._items(group)}

    def size(self, group: Any = None) -> int:
        return len(self._items(group))

    def newest(self, group: Any = None, offset: int = 0, limit: int | None = None) -> list[str]:
        """Doc ids from the highest order values down, ``offset`` skipped, at most ``limit``."""
        items = self._items(group)
        stop = len(items) - offset
        start = 0 if limit is None else max(0, stop - limit)
        return [str(-key[-1]) for key in reversed(items[start:max(stop, 0)])]

    def newest_keys(self, group: Any = None) -> Iterator[str]:
        """Every doc id of the group from the highest order values down, lazily."""
        items = self._items(group)
        return (str(-key[-1]) for key in reversed(items))

    def equal(self, value: Any, group: Any = None) -> list[str]:
        """Doc ids whose first order value is ``value`` (of the indexed field's type), oldest first."""
        items = self._items(group)
        start = _dense_start(items, value)
        if start is None:
            start, stop = bisect.bisect_left(items, (value,)), bisect.bisect_left(items, (value, _TOP))
        else:
            stop = start + 1
            while stop < len(items) and items[stop][0] == value:
                stop += 1
        return [str(-key[-1]) for key in reversed(items[start:stop])]

    def between(self, low: Any, high: Any, low_inclusive: bool = True, high_inclusive: bool = False,
                group: Any = None) -> list[str]:
        """Doc ids whose first order value lies between ``low`` and ``high`` (``None``: unbounded);
        the bounds must be of the indexed field's type."""
        items = self._items(group)
        start = 0 if low is None else bisect.bisect_left(items, (low,) if low_inclusive else (low, _TOP))
        stop = len(items) if high is None else bisect.bisect_left(items, (high, _TOP) if high_inclusive else (high,))
        return [str(-key[-1]) for key in items[start:stop]]

    def clear(self) -> None:
        self.groups.clear()

"""``Queries`` for the embedded backend: the scan of ``ScanQueries``, narrowed by the store's indexes.

A model's versions come from a sorted index (newest number first), so the newest one, a page, or
a filtered listing never sorts every version of the model.

Search plans the tree before scanning: ``candidates`` turns each condition an index can answer
(names, labels, model, namespace, number, tags, framework, owner, created ranges) into the set of
version ids it may match, intersects them under ``and``, unites them under ``or`` (when every
branch has an index), and gives up (``None``: every version) for ``not``, bare words, metadata
and metrics. The full predicate then runs on what remains, so a plan only ever has to be a
superset of the answer: the results are those of the scan, by construction.
"""

from __future__ import annotations

import heapq
from itertools import islice
from operator import methodcaller
from typing import Any

from .backend import Doc
from .documents import TinyDocumentStore
from .indexes import SortedIndex
from .scan_queries import NEWEST, ScanQueries
from .search import MISSING, And, Compare, Getter, HasTag, In, MatchAll, Node, Or, Predicate, fields_of, predicate
from .tinystore import JournaledTable

# version fields held in a hash index of the versions table, and the literal type it answers exactly
HASHED: dict[str, type | tuple[type, ...]] = {
    "name": str, "version": str, "framework": str, "owner": str, "tags": str, "number": (int, float),
}
MODEL_PATHS = {("model",), ("namespace",)}  # version fields that are the model's
WALK_FROM = 1_000  # matches from which a page is read from the creation index
RANGES = {"<": (False, True), "<=": (True, True), ">": (False, False), ">=": (True, False)}  # op: (inclusive, upper)


class IndexedQueries(ScanQueries):
    docs: TinyDocumentStore

    def __init__(self, docs: TinyDocumentStore) -> None:
        super().__init__(docs)
        self._versions = docs.table("versions")
        self._models = docs.table("models")
        self._by_model = self._versions.create_sorted_index("model_id", ("number",))

    # The search indexes are made when a query first needs one (a pass over the table, once), so that
    # opening a registry costs only the indexes every call uses.
    @property
    def _by_created(self) -> SortedIndex:
        return self._versions.create_sorted_index(None, ("created_at", "number"))

    @property
    def _by_number(self) -> SortedIndex:
        return self._versions.create_sorted_index(None, ("number",))

    def _ids(self, table: JournaledTable, field: str, value: Any) -> set[str]:
        table.create_index(field)
        return table.find_ids(field, value)

    def versions(self, node: Node, model_id: str | None, offset: int, limit: int | None) -> tuple[list[Doc], int]:
        if model_id is not None:
            return self._model_versions(node, model_id, offset, limit)
        if isinstance(node, MatchAll):
            return self._docs(self._by_created.newest(None, offset, limit)), self._by_created.size()
        keys = self.candidates(node)
        table = self._versions._read_table()
        test = self._test(node, len(table) if keys is None else len(keys))
        # the table's own key strings in the list: new objects per match would wake the garbage collector
        if keys is None:
            found = [key for key, doc in table.items() if test(doc)]
        else:
            get = table.get
            found = [key for key in keys if (doc := get(key)) is not None and test(doc)]
        return self._newest(found, table, offset, limit), len(found)

    def _newest(self, found: list[str], table: dict[str, Doc], offset: int, limit: int | None) -> list[Doc]:
        """The page of the versions ``found`` newest first. When they are many, the creation index
        holds the page at its newest end, where sorting them all would cost more than the scan
        itself: every version (the page as it stands), or a short walk that skips the others; a
        walk that runs too long gives way to a partial sort."""
        if limit is not None and len(found) >= WALK_FROM and (offset + limit) * 8 <= len(found):
            if len(found) == len(table) == self._by_created.size():
                return self._docs(self._by_created.newest(None, offset, limit))
            chosen, page = set(found), []
            for key in islice(self._by_created.newest_keys(), len(found) // 2):
                if key in chosen:
                    page.append(key)
                    if len(page) == offset + limit:
                        return self._docs(page[offset:])
        docs = [table[key] for key in found]
        if limit is None:
            docs.sort(key=NEWEST, reverse=True)
            return docs[offset:]
        return heapq.nlargest(offset + limit, docs, key=NEWEST)[offset:]

    def _test(self, node: Node, candidates: int) -> Predicate:
        """The predicate of ``node`` on versions. Over more versions than there are models, a subtree
        that reads only the model's name or namespace is answered once per model instead of once
        per version (the same predicate on the same values, so the same answers)."""
        per_model = self._per_model if candidates > 2 * len(self._models) else None
        return predicate(node, lambda path: self._version_field(path, {}), per_model)

    def _per_model(self, node: Node) -> Predicate | None:
        paths = fields_of(node)
        if not paths or not paths <= MODEL_PATHS:
            return None
        test = predicate(node, _model_field)
        models = self._models._read_table().values()
        ok = {doc["id"] for doc in models if test(doc)}
        if test({}):  # a version whose model is gone reads the model's fields as missing
            known = {doc["id"] for doc in models}
            return lambda doc: (model := doc["model_id"]) in ok or model not in known
        return lambda doc: doc["model_id"] in ok

    def _model_versions(self, node: Node, model_id: str, offset: int, limit: int | None) -> tuple[list[Doc], int]:
        if isinstance(node, MatchAll):
            return self._docs(self._by_model.newest(model_id, offset, limit)), self._by_model.size(model_id)
        test = predicate(node, lambda path: self._version_field(path, {}))
        matches = [doc for doc in self._docs(self._by_model.newest(model_id)) if test(doc)]
        return matches[offset: None if limit is None else offset + limit], len(matches)

    def _docs(self, keys: list[str]) -> list[Doc]:
        raw = self._versions.raw
        return [doc for key in keys if (doc := raw(key)) is not None]

    # -- the planner ---------------------------------------------------------------------------

    def candidates(self, node: Node) -> set[str] | None:
        """Ids of the versions that may match ``node`` (a superset), or ``None`` when no index helps.
        The set may be an index's own: read it, never change it."""
        if isinstance(node, And):
            operands, found = list(node.operands), []
            if (narrowed := self._numbers_of_models(operands)) is not None:
                found.append(narrowed)
            found += [keys for operand in operands if (keys := self.candidates(operand)) is not None]
            if not found:
                return None
            found.sort(key=len)
            return found[0].intersection(*found[1:]) if len(found) > 1 else found[0]
        if isinstance(node, Or):
            parts = []
            for operand in node.operands:
                keys = self.candidates(operand)
                if keys is None:
                    return None
                parts.append(keys)
            return set().union(*parts)
        if isinstance(node, HasTag):
            return self._ids(self._versions, "tags", node.tag) if isinstance(node.tag, str) else set()
        if isinstance(node, In):
            parts = []
            for value in node.values:
                keys = self._compare(node.path, "=", value)
                if keys is None:
                    return None
                parts.append(keys)
            return set().union(*parts)
        if isinstance(node, Compare):
            return self._compare(node.path, node.op, node.value)
        return None  # MatchAll, Not, Text

    def _compare(self, path: tuple[str, ...], op: str, value: Any) -> set[str] | None:
        if len(path) != 1 or value is None or isinstance(value, bool):
            return None
        field = path[0]
        if field in ("model", "namespace"):
            return self._of_models("name" if field == "model" else "namespace", op, value)
        if field == "id" and op == "=" and isinstance(value, str):
            key = self._versions.first_id("id", value)
            return {key} if key is not None else set()
        if field in HASHED and op == "=" and isinstance(value, HASHED[field]):
            return self._ids(self._versions, field, value)
        if op in RANGES or op == "=":
            if field == "number" and isinstance(value, (int, float)):
                return set(self._range(self._by_number, op, value))
            if field == "created" and isinstance(value, str):
                return set(self._range(self._by_created, op, value))
        return None

    @staticmethod
    def _range(index: SortedIndex, op: str, value: Any, group: Any = None) -> list[str]:
        if op == "=":
            return index.between(value, value, True, True, group)
        inclusive, upper = RANGES[op]
        if upper:
            return index.between(None, value, high_inclusive=inclusive, group=group)
        return index.between(value, None, low_inclusive=inclusive, group=group)

    def _numbers_of_models(self, operands: list[Node]) -> set[str] | None:
        """For ``model ~ x and number > n`` (or ``=``, or ``namespace``): a range of each model's own sorted
        index, rather than all the models' versions intersected with every version in the range. The two
        operands it answers are taken out of ``operands``."""
        models = next((o for o in operands if isinstance(o, Compare) and o.path in MODEL_PATHS), None)
        number = next((o for o in operands if isinstance(o, Compare) and o.path == ("number",)
                       and (o.op in RANGES or o.op == "=") and type(o.value) in (int, float)), None)
        if models is None or number is None:
            return None
        model_ids = self._model_ids("name" if models.path == ("model",) else "namespace", models.op, models.value)
        if model_ids is None:
            return None
        operands.remove(models)
        operands.remove(number)
        ids: set[str] = set()
        for model_id in model_ids:
            ids.update(self._range(self._by_model, number.op, number.value, model_id))
        return ids

    def _of_models(self, field: str, op: str, value: Any) -> set[str] | None:
        """Versions of the models whose ``name``/``namespace`` is (``=``) or contains (``~``) ``value``."""
        model_ids = self._model_ids(field, op, value)
        if model_ids is None:
            return None
        by_model = self._versions.find_ids
        ids = set()
        for model_id in model_ids:
            ids.update(by_model("model_id", model_id))
        return ids

    def _model_ids(self, field: str, op: str, value: Any) -> list[str] | None:
        """Ids of the models whose ``name``/``namespace`` is (``=``) or contains (``~``) ``value``."""
        if value is None or isinstance(value, bool):
            return None
        if op == "=" and isinstance(value, str):
            model_keys = self._ids(self._models, field, value)
        elif op == "~":
            part = str(value).lower()
            model_keys = {key for key, doc in self._models._read_table().items()
                          if part in str(doc.get(field, "")).lower()}
        else:
            return None
        return [model["id"] for key in model_keys if (model := self._models.raw(key)) is not None]


def _model_field(path: list[str]) -> Getter:
    """A version field of ``MODEL_PATHS``, read from the model's document."""
    return methodcaller("get", "name" if path[0] == "model" else "namespace", MISSING)

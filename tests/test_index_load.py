"""Loading an index in bulk (at open) gives the same index as adding each document as writes do."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_modelbox.registry.indexes import HashIndex, SortedIndex

SPECS: list[Any] = ["id", "model_id", "tags", ("model_id", "number"), ("model_id", "tags"), ("tags", "model_id")]
scalar = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["a", "b", "1"]), st.just(2.5))
value = st.one_of(scalar, st.lists(st.sampled_from(["x", "y"]), max_size=2), st.dictionaries(st.just("k"), scalar))
document = st.fixed_dictionaries({}, optional={"id": value, "model_id": value, "number": value, "tags": value})
tables = st.lists(document, max_size=12).map(lambda docs: {str(i + 1): doc for i, doc in enumerate(docs)})
# the registry's own shape: every field present, scalar ids and numbers, tags a list
registry_like = st.lists(st.fixed_dictionaries({
    "id": st.uuids().map(str), "model_id": st.sampled_from(["m1", "m2"]), "number": st.integers(1, 5),
    "tags": st.lists(st.sampled_from(["prod", "staging"]), max_size=2, unique=True)}), max_size=12).map(
    lambda docs: {str(i + 1): doc for i, doc in enumerate(docs)})


# what a sorted index may meet: an order field holds its type (numbers are ints, ids strings) or something
# that is not ordered at all, or is missing
unordered = st.one_of(st.none(), st.lists(st.integers(), max_size=1), st.dictionaries(st.just("k"), scalar))
sortable = st.lists(st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.sampled_from(["a", "b"]), unordered), "model_id": value,
    "number": st.one_of(st.integers(1, 3), unordered)}), max_size=12).map(
    lambda docs: {str(i + 1): doc for i, doc in enumerate(docs)})


def one_by_one(spec: Any, table: dict[str, dict[str, Any]]) -> dict[Any, Any]:
    index = HashIndex(spec)
    for doc_id, doc in table.items():
        index.add(doc_id, index.keys(doc))
    return index.buckets


@settings(max_examples=300, deadline=None)
@given(st.one_of(tables, registry_like))
def test_hash_index_loads_as_writes_add(table: dict[str, dict[str, Any]]) -> None:
    for spec in SPECS:
        index = HashIndex(spec)
        index.load(table)
        assert index.buckets == one_by_one(spec, table), spec


@settings(max_examples=300, deadline=None)
@given(st.one_of(sortable, registry_like), st.sampled_from([("model_id", ("number",)), (None, ("number",)),
                                                           ("model_id", ("number", "id"))]))
def test_sorted_index_loads_as_writes_add(table: dict[str, dict[str, Any]], spec: Any) -> None:
    loaded, given_ids, added = SortedIndex(*spec), SortedIndex(*spec), SortedIndex(*spec)
    loaded.load(table)
    given_ids.load(table, [-int(doc_id) for doc_id in table])  # as the table passes them at open
    for doc_id, doc in table.items():
        added.add(added.entry(doc_id, doc))
    in_bulk = SortedIndex(*spec)  # as a model's versions are added when its pickle is read
    in_bulk.add_many([in_bulk.entry(doc_id, doc) for doc_id, doc in reversed(table.items())])
    assert loaded.groups == added.groups == given_ids.groups == in_bulk.groups


# numbers as a model's versions have them: 1, 2, 3... (where equal() tries the number's own position first),
# some deleted, or not a model's (repeated, out of order)
numbered = st.lists(st.integers(1, 8), max_size=12).map(
    lambda numbers: {str(i + 1): {"model_id": "m", "number": n} for i, n in enumerate(numbers)})
dense = st.integers(1, 10).flatmap(lambda size: st.sets(st.integers(1, size), max_size=size).map(
    lambda deleted: {str(n): {"model_id": "m", "number": n} for n in range(1, size + 1) if n not in deleted}))


@settings(max_examples=300, deadline=None)
@given(st.one_of(numbered, dense), st.one_of(st.integers(-1, 11), st.just(2.0), st.just(True)))
def test_sorted_index_equal_finds_what_a_scan_finds(table: dict[str, dict[str, Any]], value: Any) -> None:
    index = SortedIndex("model_id", ("number",))
    index.load(table)
    scanned = [doc_id for doc_id, doc in table.items() if doc["number"] == value]
    assert index.equal(value, "m") == sorted(scanned, key=int)

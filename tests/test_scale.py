"""The embedded registry at size: indexes that answer what scans answered, and compaction off the write path.

The planner (``IndexedQueries``) must give exactly the scan's answers (``ScanQueries`` over the same
documents) for any query; the per-model sorted index must stay right through deletes, rollbacks and
reopening; a large journal is folded into the snapshot by another process while writes go on.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_modelbox.registry import Registry, tinystore
from jupyter_modelbox.registry.errors import NotFoundError
from jupyter_modelbox.registry.indexed_queries import IndexedQueries
from jupyter_modelbox.registry.scan_queries import ScanQueries
from jupyter_modelbox.registry.search import VERSION_FIELDS, parse

MODELS = ("alpha", "beta", "gamma-1", "gamma-12", "delta")
FRAMEWORKS = ("torch", "onnx", "sklearn", None)
OWNERS = ("ann", "bob")
TAGS = ("prod", "staging", "canary")


@pytest.fixture(scope="module")
def filled() -> Iterator[Registry]:
    """Five models (two namespaces) with 40 versions each, frameworks, owners, tags and a deleted version."""
    with tempfile.TemporaryDirectory() as folder:
        registry = Registry(Path(folder) / "registry")
        for m, name in enumerate(MODELS):
            model = registry.create_model(name, namespace="team" if m % 2 else "default")
            for i in range(40):
                version = registry.create_version(
                    model["id"], framework=FRAMEWORKS[(i + m) % 4], actor=OWNERS[i % 2],
                    metadata={"lr": i / 40, "kind": "big" if i % 3 == 0 else "small"},
                    description="baseline" if i % 5 == 0 else "",
                )
                if i % 7 == 0:
                    registry.add_tag(version["id"], TAGS[i % 3], move=True)
            registry.delete_version(registry.get_version(model["id"], 17)["id"])
        yield registry
        registry.close()


def both(registry: Registry, query: str, model_id: str | None = None, offset: int = 0, limit: int | None = None):
    node = parse(query, VERSION_FIELDS)
    queries = registry.backend.queries
    assert isinstance(queries, IndexedQueries)
    indexed = queries.versions(node, model_id, offset, limit)
    scanned = ScanQueries(queries.docs).versions(node, model_id, offset, limit)
    return [v["id"] for v in indexed[0]], indexed[1], [v["id"] for v in scanned[0]], scanned[1]


CONDITIONS = [
    "model = alpha", "model ~ gamma-1", "model ~ GAMMA", "namespace = team", "namespace ~ tea", "number = 7",
    "number = 7.0", "number > 30", "number <= 3", "number >= 39", "number < 1", "number = '7'", "tag:prod",
    "tag:staging", "tags = canary", "framework = torch", "framework = null", "framework in [onnx, sklearn]",
    "owner = ann", "name = beta", "version = 12", "version = '12'", "created > 2000-01-01", "created < 2000-01-01",
    "metadata.kind = big", "metadata.lr > 0.5", "baseline", "number != 4", "id = nope", "model = nobody",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=4),
    joins=st.lists(st.sampled_from([" and ", " or ", " and not "]), min_size=3, max_size=3),
    page=st.sampled_from([(0, None), (0, 5), (3, 10)]),
)
def test_the_planner_answers_what_the_scan_answers(filled: Registry, parts: list[str], joins: list[str],
                                                  page: tuple[int, int | None]) -> None:
    query = parts[0] + "".join(join + f"({part})" for join, part in zip(joins, parts[1:], strict=False))
    indexed_ids, indexed_total, scanned_ids, scanned_total = both(filled, query, None, *page)
    assert (indexed_ids, indexed_total) == (scanned_ids, scanned_total), query


@pytest.mark.parametrize("query", ["not model = nobody", "not number = 4", "model ~ gamma or number > 10",
                                   "metadata.lr < 0.9", "baseline or not tag:prod", "namespace = team"])
def test_pages_read_from_the_creation_index_are_the_scans_pages(filled: Registry, query: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jupyter_modelbox.registry.indexed_queries.WALK_FROM", 10)  # as with 1,000s of versions
    for page in ((0, 5), (3, 10), (0, 1), (20, 2), (0, None)):
        indexed_ids, indexed_total, scanned_ids, scanned_total = both(filled, query, None, *page)
        assert (indexed_ids, indexed_total) == (scanned_ids, scanned_total), (query, page)


def test_created_ranges_and_single_conditions_use_an_index(filled: Registry) -> None:
    queries = filled.backend.queries
    assert isinstance(queries, IndexedQueries)
    everything = filled.backend.docs.count("versions")
    middle = sorted(v["created_at"] for v in filled.backend.docs.scan("versions"))[100]
    for query in ("model = alpha and number = 7", "tag:prod", f"created >= {middle}", "number > 30 or owner = ann",
                  "model ~ gamma and framework = torch"):
        planned = queries.candidates(parse(query, VERSION_FIELDS))
        assert planned is not None and len(planned) < everything, query
        assert both(filled, query)[:2] == both(filled, query)[2:]
    for query in ("baseline", "metadata.kind = big", "not tag:prod", "tag:prod or baseline"):
        assert queries.candidates(parse(query, VERSION_FIELDS)) is None, query


def test_a_model_and_a_number_range_are_planned_as_each_models_range(filled: Registry) -> None:
    """``model ~ x and number > n`` reads a range of each model's sorted index: the plan is the answer."""
    queries = filled.backend.queries
    assert isinstance(queries, IndexedQueries)
    for query in ("model ~ gamma and number > 30", "number <= 3 and namespace = team", "model = beta and number = 17",
                  "number >= 39 and model ~ a and tag:prod", "model ~ nobody and number > 1"):
        planned = queries.candidates(parse(query, VERSION_FIELDS))
        scanned = ScanQueries(queries.docs).versions(parse(query, VERSION_FIELDS), None, 0, None)[0]
        assert planned == {key for key, doc in queries.docs.table("versions")._read_table().items()
                           if doc in scanned}, query


def test_a_models_versions_come_newest_first_in_pages(filled: Registry) -> None:
    model = filled.find_model("beta", "team")
    numbers = [v["number"] for v in filled.list_versions(model["id"])[0]]
    assert numbers == [n for n in range(40, 0, -1) if n != 17]
    page, total = filled.list_versions(model["id"], offset=5, limit=3)
    assert [v["number"] for v in page] == [35, 34, 33] and total == 39
    assert filled.get_version(model["id"])["number"] == 40
    assert filled.get_version(model["id"], 8)["number"] == 8
    with pytest.raises(NotFoundError, match="no version 17"):
        filled.get_version(model["id"], 17)
    for query in ("number > 30", "tag:prod", "framework = onnx and number < 10"):
        assert both(filled, query, model["id"], 1, 4)[:2] == both(filled, query, model["id"], 1, 4)[2:]


def test_tag_lookups_follow_moves_and_deletes(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "registry")
    model = registry.create_model("m")
    first = registry.create_version(model["id"], unique_tags=["prod"])
    second = registry.create_version(model["id"])
    assert registry.tag_holder(model["id"], "prod")["id"] == first["id"]
    registry.add_tag(second["id"], "prod", move=True)
    assert registry.get_version(model["id"], "prod")["id"] == second["id"]
    assert registry.tag_holder(model["id"], "prod")["id"] == second["id"]
    set_at = registry.tag_history(model["id"], "prod")[0]["at"]
    assert registry.tag_holder(model["id"], "prod", at=set_at)["id"] == first["id"]
    registry.delete_version(second["id"])
    assert registry.tag_holder(model["id"], "prod") is None
    assert [r["action"] for r in registry.tag_history(model["id"], "prod")] == ["set", "moved", "removed"]
    registry.close()


def test_indexes_survive_a_rollback_and_reopening(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "registry")
    model = registry.create_model("m")
    for _ in range(5):
        registry.create_version(model["id"])
    docs = registry.backend.docs
    with pytest.raises(RuntimeError), docs.transaction():
        docs.delete("versions", registry.get_version(model["id"], 5)["id"])
        raise RuntimeError("abandon the transaction")
    assert [v["number"] for v in registry.list_versions(model["id"])[0]] == [5, 4, 3, 2, 1]
    registry.close()
    reopened = Registry(tmp_path / "registry")
    assert reopened.get_version(model["id"])["number"] == 5
    assert reopened.search_versions("number >= 4")[1] == 2
    reopened.close()


def test_a_large_journal_is_compacted_in_another_process_while_writes_go_on(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tinystore, "COMPACT_MIN_BYTES", 20_000)
    folder = tmp_path / "registry"
    registry = Registry(folder)
    model = registry.create_model("m")
    slowest, started = 0.0, False
    for i in range(400):
        start = time.perf_counter()
        registry.create_version(model["id"], metadata={"i": i, "padding": "x" * 200})
        slowest = max(slowest, time.perf_counter() - start)
        started = started or any(folder.glob("registry.journal.*"))
    assert started, "no journal was set aside for the compactor"
    deadline = time.monotonic() + 30
    while any(folder.glob("registry.journal.*")) and time.monotonic() < deadline:
        registry.create_version(model["id"])  # a write also collects a finished compactor and may start one
        time.sleep(0.05)
    assert (folder / "registry.snapshot").exists()
    assert slowest < 0.5, f"a write waited {slowest:.3f} s"
    total = registry.get_model(model["id"])["num_versions"]
    registry.backend.docs.db.storage._reap_compactor()
    # a crash now (no close, so no final compaction) loses nothing: snapshot + journals replay
    registry.backend.docs.db.storage.journal.close()
    registry.backend._writer_lock.release()
    reopened = Registry(folder)
    assert reopened.get_model(model["id"])["num_versions"] == total
    assert reopened.list_versions(model["id"], limit=1)[0][0]["number"] == total
    reopened.close()


def test_a_snapshot_and_leftover_rotated_journals_replay_to_the_same_state(tmp_path: Path) -> None:
    """The compactor renamed its snapshot, then died before deleting the journals it folded."""
    from jupyter_modelbox.registry.journal import Journal, fold_rotated

    folder = tmp_path / "docs"
    journal = Journal(folder)
    journal.load()
    counter = itertools.count()
    for _ in range(3):
        journal.append([["t", "p", str(next(counter)), {"n": 1}]])
    journal.rotate()
    journal.append([["t", "p", "x", {"n": 2}]])
    leftover = folder / f"registry.journal.{3}"
    kept = leftover.read_bytes()
    assert fold_rotated(folder) == 1 and not leftover.exists()
    leftover.write_bytes(kept)  # as if the unlink never happened
    journal.close()
    again = Journal(folder)
    assert again.load() == {"t": {"0": {"n": 1}, "1": {"n": 1}, "2": {"n": 1}, "x": {"n": 2}}}
    again.close()

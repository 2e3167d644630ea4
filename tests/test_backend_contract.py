"""The storage contract every backend must meet (run against each backend implementation)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from tinydb import Query

from jupyter_modelbox.registry import DocumentStore, IntegrityError
from jupyter_modelbox.registry.backend import MISSING_STEP
from jupyter_modelbox.registry.blobs import FileBlobStore
from jupyter_modelbox.registry.documents import TinyDocumentStore
from jupyter_modelbox.registry.metrics import FileMetricStore

INDEXES = {"things": ("group",)}


@pytest.fixture(params=["tinydb-journal"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    opened: list[DocumentStore] = []

    def make() -> DocumentStore:
        for store in opened:
            store.close()
        opened.clear()
        opened.append(TinyDocumentStore(tmp_path / "docs", INDEXES))
        return opened[0]

    yield make
    for store in opened:
        store.close()


def test_put_get_find_delete_persist(make_store) -> None:
    store = make_store()
    store.put("things", {"id": "a", "group": "x", "n": 1})
    store.put("things", {"id": "b", "group": "x", "n": 2})
    store.put("things", {"id": "a", "group": "y", "n": 3})  # replace, re-index
    store.delete("things", "b")
    assert store.get("things", "a") == {"id": "a", "group": "y", "n": 3}
    assert store.find("things", "group", "x") == []
    store = make_store()
    assert store.get("things", "a") == {"id": "a", "group": "y", "n": 3}
    assert store.get("things", "b") is None
    assert [d["id"] for d in store.find("things", "group", "y")] == ["a"]
    assert store.count("things") == 1


def test_failed_transaction_leaves_nothing(make_store) -> None:
    store = make_store()
    store.put("things", {"id": "kept", "group": "x"})
    with pytest.raises(RuntimeError), store.transaction():
        store.put("things", {"id": "lost", "group": "x"})
        store.delete("things", "kept")
        raise RuntimeError("boom")
    assert store.get("things", "kept") is not None and store.get("things", "lost") is None
    assert [d["id"] for d in store.find("things", "group", "x")] == ["kept"]
    store = make_store()
    assert store.get("things", "lost") is None


def test_transaction_commits_together(make_store) -> None:
    store = make_store()
    with store.transaction():
        for i in range(100):
            store.put("things", {"id": str(i), "group": i % 3})
    store = make_store()
    assert store.count("things") == 100 and len(store.find("things", "group", 1)) == 33


def test_tinydb_api_still_works_on_the_journaled_tables(tmp_path: Path) -> None:
    store = TinyDocumentStore(tmp_path / "docs", INDEXES)
    table = store.db.table("plain")
    table.insert_multiple([{"name": "a", "n": 1}, {"name": "b", "n": 2}, {"name": "c", "n": 3}])
    thing = Query()
    table.update({"n": 20}, thing.name == "b")
    table.remove(thing.name == "a")
    table.upsert({"name": "d", "n": 4}, thing.name == "d")
    assert sorted((d["name"], d["n"]) for d in table.search(thing.n > 2)) == [("b", 20), ("c", 3), ("d", 4)]
    store.close()
    reopened = TinyDocumentStore(tmp_path / "docs", INDEXES)
    plain = reopened.db.table("plain")
    assert sorted(d["name"] for d in plain.all()) == ["b", "c", "d"]
    plain.truncate()
    reopened.close()
    assert TinyDocumentStore(tmp_path / "docs", INDEXES).db.table("plain").all() == []


def test_blob_store_dedupes_and_checks(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    first = blobs.put_stream(io.BytesIO(b"hello"))
    second = blobs.put_stream(io.BytesIO(b"hello"))
    assert first == second == {"checksum": first["checksum"], "size": 5}
    with blobs.open(first["checksum"]) as stream:
        assert stream.read() == b"hello"
    with pytest.raises(IntegrityError, match="corrupted in transit"):
        blobs.put_stream(io.BytesIO(b"other"), expected_checksum=first["checksum"])
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


def test_resumable_upload(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    blobs.start_upload("u1")
    assert blobs.append_upload("u1", 0, io.BytesIO(b"abc")) == 3
    with pytest.raises(ValueError, match="must start at offset 3"):
        blobs.append_upload("u1", 0, io.BytesIO(b"abc"))
    assert blobs.upload_offset("u1") == 3
    blobs.append_upload("u1", 3, io.BytesIO(b"def"))
    ref = blobs.finish_upload("u1", "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721")
    assert ref["size"] == 6


def test_metric_store_round_trip_and_torn_tail(tmp_path: Path) -> None:
    store = FileMetricStore(tmp_path / "metrics")
    store.append("p1", "loss", np.array([0, MISSING_STEP]), np.array([1.0, 2.0]), np.array([0.5, 0.25]))
    numeric = next((tmp_path / "metrics" / "p1").glob("*.f64"))
    with open(numeric, "ab") as out:
        out.write(b"\x01\x02\x03")  # a record torn by a crash
    series = store.read("p1", "loss")
    assert series.values.tolist() == [0.5, 0.25] and series.steps.tolist() == [0, MISSING_STEP]
    store.append("p1", "loss", np.array([5]), np.array([3.0]), np.array([1.0]))
    assert store.read("p1", "loss").values.tolist() == [0.5, 0.25, 1.0]
    store.append("p1", "note", np.array([1, 2]), np.array([4.0, 5.0]), ["text", b"raw"])
    assert store.read("p1", "note").values.tolist() == ["text", b"raw"]
    store.delete("p1")
    assert len(store.read("p1", "loss").values) == 0

"""The storage contract every backend must meet (run against each backend implementation).

``make_store`` and ``make_metrics`` give a store of each backend (journaled TinyDB and files, and
PostgreSQL); ``make_store()`` called again reopens the same storage, so tests see what persisted.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from tinydb import Query

from jupyter_modelbox.registry import BlobStore, DocumentStore, IntegrityError, NotFoundError
from jupyter_modelbox.registry.backend import MISSING_STEP, Change, Doc, MetricStore
from jupyter_modelbox.registry.blobs import FileBlobStore
from jupyter_modelbox.registry.documents import TinyDocumentStore
from jupyter_modelbox.registry.metrics import FileMetricStore
from jupyter_modelbox.registry.s3 import S3Location, S3Options

from .conftest import s3_prefix_url
from .helpers.postgres import PostgresCluster

INDEXES = {"things": ("group",)}


@pytest.fixture
def pg_connections(postgres: PostgresCluster, pg_databases: dict[str, str]) -> Iterator[object]:
    """Connections to an empty contract database (no registry schema: stores make their tables)."""
    from jupyter_modelbox.registry.postgres.connection import Connections, DatabaseAddress

    url = pg_databases["mb_contract"]
    postgres.execute("DROP TABLE IF EXISTS modelbox_things, modelbox_metric_batches", "mb_contract")
    postgres.execute("CREATE TABLE modelbox_metric_batches (id bigserial PRIMARY KEY, parent text NOT NULL, "
                     "key text NOT NULL, kind char(1) NOT NULL, steps bytea NOT NULL, wallclocks bytea NOT NULL, "
                     "vals bytea, texts jsonb)", "mb_contract")
    connections = Connections(DatabaseAddress(url), pool_size=4)
    yield connections
    connections.close()


@pytest.fixture(params=["tinydb-journal", "postgres"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    opened: list[DocumentStore] = []

    def make() -> DocumentStore:
        for store in opened:
            store.close()
        opened.clear()
        if request.param == "postgres":
            from jupyter_modelbox.registry.postgres.documents import PostgresDocumentStore

            opened.append(PostgresDocumentStore(request.getfixturevalue("pg_connections"), INDEXES))
        else:
            opened.append(TinyDocumentStore(tmp_path / "docs", INDEXES))
        return opened[0]

    yield make
    for store in opened:
        store.close()


@pytest.fixture(params=["files", "postgres"])
def make_metrics(request: pytest.FixtureRequest, tmp_path: Path) -> MetricStore:
    if request.param == "postgres":
        from jupyter_modelbox.registry.postgres.metrics import PostgresMetricStore

        return PostgresMetricStore(request.getfixturevalue("pg_connections"))
    return FileMetricStore(tmp_path / "metrics")


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


def test_changes_are_applied_by_the_store(make_store) -> None:
    store = make_store()
    store.put("things", {"id": "a", "group": "x", "n": 1, "meta": {"k": 1, "j": 2}, "tags": ["t1"], "revision": 1})
    change = Change(set={"label": "new"}, add={"n": 2, "revision": 1}, merge={"meta": {"k": 10, "z": None}},
                    unset={"meta": ["j"]}, append={"tags": "t2"})
    assert store.update("things", "a", change, expect={"revision": 2}) is None  # stale: nothing written
    updated = store.update("things", "a", change, expect={"revision": 1})
    assert updated == {"id": "a", "group": "x", "n": 3, "meta": {"k": 10, "z": None}, "tags": ["t1", "t2"],
                       "revision": 2, "label": "new"}
    assert store.update("things", "a", Change(append={"tags": "t2"}, discard={"tags": "t1"}))["tags"] == ["t2"]
    with pytest.raises(ValueError, match="refused"):
        store.update("things", "a", Change(add={"n": 100}), check=lambda doc: (_ for _ in ()).throw(
            ValueError("refused")))
    assert store.update("things", "missing", Change(add={"n": 1})) is None
    store = make_store()
    assert store.get("things", "a")["n"] == 3 and store.lock("things", "a")["tags"] == ["t2"]


def test_insert_refuses_a_taken_id_and_find_all_matches_lists(make_store) -> None:
    store = make_store()
    assert store.insert("things", {"id": "a", "group": "x", "tags": ["p"], "n": 1})
    assert not store.insert("things", {"id": "a", "group": "y"})
    store.put("things", {"id": "b", "group": "x", "tags": ["q"], "n": 2})
    assert store.get("things", "a")["group"] == "x"
    assert [d["id"] for d in store.find_all("things", {"group": "x", "tags": "q"})] == ["b"]
    assert [d["id"] for d in store.find_all("things", {"group": "x", "n": 1})] == ["a"]
    assert store.find_all("things", {"group": "y"}) == []


def test_nul_characters_round_trip(make_store) -> None:
    store = make_store()
    store.put("things", {"id": "a\x00b", "group": "g\x00", "text": "x\x00y\ue000", "\x00key": ["\x00"]})
    assert store.get("things", "a\x00b") == {"id": "a\x00b", "group": "g\x00", "text": "x\x00y\ue000",
                                             "\x00key": ["\x00"]}
    assert [d["id"] for d in store.find("things", "group", "g\x00")] == ["a\x00b"]


def test_metric_series_round_trip(make_metrics) -> None:
    store = make_metrics
    store.append("p1", "loss", np.array([0, MISSING_STEP]), np.array([1.0, 2.0]), np.array([0.5, 0.25]))
    store.append("p1", "loss", np.array([5]), np.array([3.0]), np.array([1.0]))
    series = store.read("p1", "loss")
    assert series.values.tolist() == [0.5, 0.25, 1.0] and series.steps.tolist() == [0, MISSING_STEP, 5]
    store.append("p1", "note", np.array([1, 2, 3]), np.array([4.0, 5.0, 6.0]), ["text", 2.5, b"raw"])
    assert store.read("p1", "note").values.tolist() == [2.5, "text", b"raw"]  # numbers first, then text
    assert len(store.read("p2", "loss").values) == 0
    store.delete("p1")
    assert len(store.read("p1", "loss").values) == 0


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


@pytest.fixture(params=["folder", "s3"])
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """A blob store of each kind: a folder, and a fresh prefix of a bucket in a real SeaweedFS."""
    if request.param == "folder":
        return FileBlobStore(tmp_path / "blobs")
    request.getfixturevalue("seaweedfs")
    from jupyter_modelbox.registry.s3.store import S3BlobStore

    return S3BlobStore(S3Location.parse(s3_prefix_url(), S3Options.from_env(part_bytes=5 * 1024 * 1024)))


def _upload(blobs: BlobStore, upload_id: str, chunks: list[bytes], checksum: str | None = None) -> Doc:
    """Send ``chunks`` as separate writers (as separate requests would), keeping the state between them."""
    state = blobs.start_upload(upload_id, checksum)
    for chunk in chunks:
        writer = blobs.open_upload(upload_id, state)
        writer.write(chunk)
        writer.close()
        state = getattr(writer, "state", state)
    return state


def test_blob_store_dedupes_and_checks(blob_store: BlobStore) -> None:
    blobs = blob_store
    first = blobs.put_stream(io.BytesIO(b"hello"))
    second = blobs.put_stream(io.BytesIO(b"hello"))
    assert first == second == {"checksum": first["checksum"], "size": 5}
    with blobs.open(first["checksum"]) as stream:
        assert stream.read() == b"hello"
    with pytest.raises(IntegrityError, match="corrupted in transit"):
        blobs.put_stream(io.BytesIO(b"other"), expected_checksum=first["checksum"])
    assert [(blob.checksum, blob.size) for blob in blobs.list_blobs()] == [(first["checksum"], 5)]
    assert blobs.exists(first["checksum"]) and blobs.size(first["checksum"]) == 5
    assert blobs.stale_staging(0) == []  # nothing left behind, not even by the refused put
    blobs.remove(first["checksum"])
    assert not blobs.exists(first["checksum"]) and list(blobs.checksums()) == []
    with pytest.raises(NotFoundError, match="missing"):
        blobs.open(first["checksum"])


def test_blob_store_put_file_and_copy_to(blob_store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(6 * 1024 * 1024 + 11)  # more than one S3 part
    (tmp_path / "in.bin").write_bytes(data)
    ref = blob_store.put_file(tmp_path / "in.bin")
    assert ref == {"checksum": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert blob_store.put_file(tmp_path / "in.bin") == ref  # stored once
    blob_store.copy_to(ref["checksum"], tmp_path / "out" / "copy.bin")
    assert (tmp_path / "out" / "copy.bin").read_bytes() == data
    with pytest.raises(IntegrityError):
        blob_store.put_file(tmp_path / "in.bin", expected_checksum="0" * 64)


def test_blob_store_upload_sessions_resume_from_their_state(blob_store: BlobStore) -> None:
    data = os.urandom(11 * 1024 * 1024 + 5)
    pieces = [data[:3], data[3:6 * 1024 * 1024], data[6 * 1024 * 1024:]]  # each chunk ends mid-part
    state = _upload(blob_store, "u1", pieces[:2])
    assert blob_store.upload_offset("u1", state) == len(pieces[0]) + len(pieces[1])
    writer = blob_store.open_upload("u1", state)  # another server, given the state, goes on
    writer.write(pieces[2])
    writer.close()
    state = getattr(writer, "state", state)
    assert blob_store.upload_offset("u1", state) == len(data)
    with pytest.raises(IntegrityError, match="corrupted in transit"):
        blob_store.finish_upload("u1", "0" * 64, None, state)
    assert list(blob_store.checksums()) == []
    state = _upload(blob_store, "u2", pieces)
    ref = blob_store.finish_upload("u2", hashlib.sha256(data).hexdigest(), None, state)
    assert ref["size"] == len(data)
    with blob_store.open(ref["checksum"]) as stream:
        assert stream.seek(0, os.SEEK_END) == len(data)
        stream.seek(len(data) - 100)
        assert stream.read(1000) == data[-100:]
    assert blob_store.stale_staging(0) == []


def test_blob_store_announced_uploads_are_verified_stored_once_and_leave_no_staging(blob_store: BlobStore) -> None:
    data = os.urandom(5 * 1024 * 1024 + 3)
    checksum = hashlib.sha256(data).hexdigest()
    state = _upload(blob_store, "a1", [data[:7], data[7:]], checksum)
    assert blob_store.stale_staging(0, keep=["a1"], keep_states=[state]) == []
    with pytest.raises(IntegrityError):  # finished with another sha256 than announced
        blob_store.finish_upload("a1", "0" * 64, checksum, state)
    short = data[:-1]
    state = _upload(blob_store, "a2", [short], checksum)
    with pytest.raises(IntegrityError, match="corrupted in transit"):  # the bytes are not the announced ones
        blob_store.finish_upload("a2", checksum, hashlib.sha256(short).hexdigest(), state)
    assert not blob_store.exists(checksum) and blob_store.stale_staging(0) == []
    orphan = _upload(blob_store, "a3", [data], checksum)  # a session the registry lost (a crash)
    stale = blob_store.stale_staging(0)
    assert stale and blob_store.stale_staging(0, keep=["a3"], keep_states=[orphan]) == []
    for name in stale:  # in S3: the multipart upload at the blob key, and the tail
        blob_store.remove_staging(name)
    assert blob_store.stale_staging(0) == [] and not blob_store.exists(checksum)
    for upload_id in ("a4", "a5"):  # stored, then deduplicated
        state = _upload(blob_store, upload_id, [data], checksum)
        assert blob_store.finish_upload(upload_id, checksum, checksum, state) == {"checksum": checksum,
                                                                                  "size": len(data)}
    assert list(blob_store.checksums()) == [checksum] and blob_store.stale_staging(0) == []
    with blob_store.open(checksum) as stream:
        assert stream.read() == data


def test_blob_store_cancel_and_stale_staging(blob_store: BlobStore) -> None:
    live = _upload(blob_store, "live", [b"x" * 100])
    gone = _upload(blob_store, "gone", [b"y" * 100])
    assert blob_store.stale_staging(0, keep=["live", "gone"]) == []
    stale = blob_store.stale_staging(0, keep=["live"])
    assert stale and all("gone" in name for name in stale)
    for name in stale:
        blob_store.remove_staging(name)
    assert blob_store.stale_staging(0, keep=["live"]) == []
    blob_store.cancel_upload("gone", gone)
    blob_store.cancel_upload("live", live)
    assert blob_store.stale_staging(0) == []


def test_blob_store_identical_concurrent_uploads_store_one_blob(blob_store: BlobStore) -> None:
    data = os.urandom(5 * 1024 * 1024 + 1)
    states = [_upload(blob_store, f"same{i}", [data]) for i in range(3)]
    checksum = hashlib.sha256(data).hexdigest()
    with ThreadPoolExecutor(3) as pool:
        refs = list(pool.map(lambda i: blob_store.finish_upload(f"same{i}", checksum, None, states[i]), range(3)))
    assert refs == [{"checksum": checksum, "size": len(data)}] * 3
    assert list(blob_store.checksums()) == [checksum]
    assert blob_store.stale_staging(0) == []


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

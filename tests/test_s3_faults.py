"""Object-store faults and team use, on real SeaweedFS servers of their own (so pausing one harms no other test).

- a store that hangs: 503 naming the bucket and endpoint within a bounded time, nothing recorded, the
  upload resumes once the store is back;
- wrong credentials or a missing bucket: a clear error at start, never the secret; per request, a key
  that may read but not write, and the bucket deleted under a running server: 503s naming bucket and
  endpoint, nothing recorded;
- kill -9 of a server during a multipart upload: no record, and the parts are aborted by the timeout;
- two Jupyter servers on PostgreSQL + SeaweedFS: the same bytes uploaded through both at once are stored
  once; an upload started on one server is resumed and finished on the other.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from jupyter_modelbox import ModelBox, ObjectStoreUnavailableError

from .helpers.jupyter import JupyterServer
from .helpers.postgres import PostgresCluster
from .helpers.seaweedfs import READER_KEY, READER_SECRET, SECRET_KEY, SeaweedFS, credentials_env

BUCKET = "faults"
PART = 5 * 1024 * 1024


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SeaweedFS]:
    own = SeaweedFS(tmp_path / "seaweedfs").start()
    own.create_bucket(BUCKET)
    patch = pytest.MonkeyPatch()
    for name, value in credentials_env(own.folder).items():
        patch.setenv(name, value)
    yield own
    patch.undo()
    own.remove()


def s3_args(store: SeaweedFS, prefix: str, *extra: str, bucket: str = BUCKET) -> tuple[str, ...]:
    return (f"--ModelboxApp.blob_url=s3://{bucket}/{prefix}", f"--ModelboxApp.s3_endpoint_url={store.endpoint_url}",
            "--ModelboxApp.s3_addressing_style=path", "--ModelboxApp.s3_timeout_seconds=2",
            f"--ModelboxApp.s3_part_bytes={PART}", *extra)


def api(server: JupyterServer, method: str, path: str, **kwargs: object) -> requests.Response:
    return requests.request(method, server.url + "modelbox/api" + path, timeout=120,
                            headers={"Authorization": f"token {server.token}"}, **kwargs)  # type: ignore[arg-type]


def multipart_uploads(store: SeaweedFS, prefix: str) -> list[str]:
    found = store.client().list_multipart_uploads(Bucket=BUCKET, Prefix=f"{prefix}/").get("Uploads", [])
    return [item["Key"] for item in found]


def test_a_hung_store_is_a_503_in_bounded_time_and_the_upload_resumes(store: SeaweedFS, tmp_path: Path) -> None:
    server = JupyterServer(tmp_path / "jupyter", extra_args=s3_args(store, "hung")).start()
    try:
        data = os.urandom(3 * PART + 123)
        model = api(server, "POST", "/models", json={"name": "m"}).json()
        upload = api(server, "POST", "/uploads").json()["upload_id"]
        assert api(server, "PUT", f"/uploads/{upload}", params={"offset": 0}, data=data[:PART + 7]).status_code == 200
        store.pause()
        try:
            started = time.monotonic()
            refused = api(server, "PUT", f"/uploads/{upload}", params={"offset": PART + 7}, data=data[PART + 7:])
            took = time.monotonic() - started
            assert refused.status_code == 503, refused.text
            message = refused.json()["message"]
            assert f"bucket '{BUCKET}' at {store.endpoint_url}" in message and SECRET_KEY not in message
            assert took < 30, took
            assert api(server, "GET", f"/objects/{model['id']}/artifacts").json()["artifacts"] == []
        finally:
            store.resume()
        offset = api(server, "GET", f"/uploads/{upload}").json()["offset"]
        assert 0 < offset <= PART + 7  # what the store acknowledged before it hung
        assert api(server, "PUT", f"/uploads/{upload}", params={"offset": offset}, data=data[offset:]).json()[
            "offset"] == len(data)
        blob = api(server, "POST", f"/uploads/{upload}/finish", json={"checksum": hashlib.sha256(data).hexdigest()})
        assert blob.status_code == 200, blob.text
        box = ModelBox(url=server.url, token=server.token)
        artifact = box.get_model("m").upload_artifact([_file(tmp_path, data)])[0]
        assert artifact.download(tmp_path / "out.bin").read_bytes() == data
        box.close()
    finally:
        server.stop()


def test_wrong_credentials_and_a_missing_bucket_are_clear_at_start(
        store: SeaweedFS, tmp_path: Path) -> None:
    wrong = JupyterServer(tmp_path / "wrong", extra_args=s3_args(store, "x"),
                          env={"AWS_SECRET_ACCESS_KEY": "not-the-secret"})
    missing = JupyterServer(tmp_path / "missing", extra_args=s3_args(store, "x", bucket="no-such-bucket"))
    for broken in (wrong, missing):
        broken.launch()
        try:  # the extension does not load, and the log says why
            assert broken.wait_for_log("cannot open the registry", timeout=60)
        finally:
            broken.stop()
    log = wrong.log()
    assert f"refused this server's credentials for bucket '{BUCKET}'" in log and store.endpoint_url in log
    assert "not-the-secret" not in log
    assert f"bucket 'no-such-bucket' does not exist at {store.endpoint_url}" in missing.log()


def test_refused_writes_and_a_deleted_bucket_are_clear_per_request(store: SeaweedFS, tmp_path: Path) -> None:
    """After a clean start: a key that may read the bucket but not write it (as when a policy loses its
    write permission) fails each upload, and a bucket deleted under the server fails each download,
    with a 503 naming bucket and endpoint, never a secret, and nothing recorded. (A write to a deleted
    bucket cannot be shown: SeaweedFS creates the bucket again on the next write.)"""
    reader = JupyterServer(tmp_path / "reader", extra_args=s3_args(store, "ro"),
                           env={"AWS_ACCESS_KEY_ID": READER_KEY, "AWS_SECRET_ACCESS_KEY": READER_SECRET}).start()
    try:
        model = api(reader, "POST", "/models", json={"name": "m"}).json()
        refused = api(reader, "POST", "/uploads")
        assert refused.status_code == 503, refused.text
        message = refused.json()["message"]
        assert f"refused this server's credentials for bucket '{BUCKET}'" in message, message
        assert store.endpoint_url in message and "AccessDenied" in message
        with ModelBox(url=reader.url, token=reader.token) as box, \
                pytest.raises(ObjectStoreUnavailableError, match=f"bucket '{BUCKET}' \\(AccessDenied"):
            box.get_model("m").upload_artifact([_file(tmp_path, b"weights")])
        assert api(reader, "GET", f"/objects/{model['id']}/artifacts").json()["artifacts"] == []
        assert READER_SECRET not in message and READER_SECRET not in reader.log()
    finally:
        reader.stop()

    doomed = store.create_bucket("doomed")
    server = JupyterServer(tmp_path / "doomed", extra_args=s3_args(store, "p", bucket=doomed)).start()
    try:
        with ModelBox(url=server.url, token=server.token) as box:
            artifact = box.new_model("m").upload_artifact([_file(tmp_path, b"weights")])[0]
        admin = store.client()
        for item in admin.list_objects_v2(Bucket=doomed)["Contents"]:
            admin.delete_object(Bucket=doomed, Key=item["Key"])
        admin.delete_bucket(Bucket=doomed)
        gone = api(server, "GET", f"/artifacts/{artifact.id}/content")
        assert gone.status_code == 503, gone.text
        message = gone.json()["message"]
        assert f"bucket '{doomed}' does not exist at {store.endpoint_url}" in message, message
        assert SECRET_KEY not in message
        with ModelBox(url=server.url, token=server.token) as box, \
                pytest.raises(ObjectStoreUnavailableError, match=f"bucket '{doomed}' does not exist"):
            box.get_model("m").artifacts()[0].download(tmp_path / "out.bin")
    finally:
        server.stop()


def test_kill_9_during_a_multipart_upload_records_nothing_and_the_parts_are_aborted_later(
        store: SeaweedFS, tmp_path: Path) -> None:
    root = tmp_path / "registry"
    first = JupyterServer(tmp_path / "a", root=root, extra_args=s3_args(store, "killed")).start()
    upload = api(first, "POST", "/uploads").json()["upload_id"]
    sent = threading.Event()

    def body() -> Iterator[bytes]:
        for _ in range(3):
            yield os.urandom(PART)
        sent.set()
        time.sleep(60)  # the rest never comes: the server dies first
        yield b""

    sender = threading.Thread(target=lambda: _quietly(api, first, "PUT", f"/uploads/{upload}",
                                                      params={"offset": 0}, data=body()), daemon=True)
    sender.start()
    assert sent.wait(60)
    deadline = time.monotonic() + 30
    while not multipart_uploads(store, "killed") and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # let parts reach the store
    parts = store.client().list_parts(Bucket=BUCKET, Key=f"killed/uploads/{upload}",
                                      UploadId=_upload_id(store, "killed"))["Parts"]
    assert parts, "the server was killed before any part reached the store"
    first.kill()
    # the same registry, later, by a server that takes an upload idle for 3 s as abandoned
    second = JupyterServer(tmp_path / "b", root=root,
                           extra_args=s3_args(store, "killed", "--ModelboxApp.upload_timeout_seconds=3")).start()
    try:
        deadline = time.monotonic() + 40
        while multipart_uploads(store, "killed") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert multipart_uploads(store, "killed") == []
        assert api(second, "GET", f"/uploads/{upload}").status_code == 404
        assert store.client().list_objects_v2(Bucket=BUCKET, Prefix="killed/").get("KeyCount", 0) == 0
        assert "aborted abandoned upload" in second.log()
    finally:
        second.stop()


def _upload_id(store: SeaweedFS, prefix: str) -> str:
    uploads = store.client().list_multipart_uploads(Bucket=BUCKET, Prefix=f"{prefix}/")["Uploads"]
    return str(uploads[0]["UploadId"])


def _quietly(function: object, *args: object, **kwargs: object) -> None:
    with contextlib.suppress(requests.RequestException):  # the server is killed mid-request
        function(*args, **kwargs)  # type: ignore[operator]


def _file(folder: Path, data: bytes, name: str = "weights.bin") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture
def team(postgres: PostgresCluster, store: SeaweedFS, tmp_path: Path) -> Iterator[tuple[JupyterServer, JupyterServer]]:
    """Two servers on one new database, their bytes in one bucket prefix."""
    url = postgres.create_database(f"s3team{os.getpid()}_{time.monotonic_ns()}")
    servers = [JupyterServer(tmp_path / label, root=tmp_path / "unused", extra_args=s3_args(store, "team"),
                             database_url=url) for label in ("a", "b")]
    try:
        for server in servers:
            server.start()
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def test_two_servers_store_the_same_bytes_once_and_resume_each_others_uploads(
        team: tuple[JupyterServer, JupyterServer], store: SeaweedFS, tmp_path: Path) -> None:
    a, b = team
    data = os.urandom(2 * PART + 99)
    path = _file(tmp_path, data)
    boxes = [ModelBox(url=server.url, token=server.token) for server in team]
    versions = [box.new_model(f"m{i}").new_model_version() for i, box in enumerate(boxes)]
    results: list[object] = [None, None]

    def upload(i: int) -> None:
        results[i] = versions[i].upload_artifact([path])[0]

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    checksum = hashlib.sha256(data).hexdigest()
    assert [getattr(r, "checksum", None) for r in results] == [checksum, checksum]
    keys = [item["Key"] for item in store.client().list_objects_v2(Bucket=BUCKET, Prefix="team/")["Contents"]]
    assert keys == [f"team/sha256/{checksum}"]  # once, and no staging left behind

    other = os.urandom(PART + 5)
    upload_id = api(a, "POST", "/uploads").json()["upload_id"]
    assert api(a, "PUT", f"/uploads/{upload_id}", params={"offset": 0}, data=other[:1000]).status_code == 200
    assert api(b, "GET", f"/uploads/{upload_id}").json()["offset"] == 1000
    assert api(b, "PUT", f"/uploads/{upload_id}", params={"offset": 1000}, data=other[1000:]).json()[
        "offset"] == len(other)
    blob = api(b, "POST", f"/uploads/{upload_id}/finish", json={"checksum": hashlib.sha256(other).hexdigest()})
    assert blob.status_code == 200, blob.text
    recorded = api(a, "POST", f"/objects/{versions[0].model_id}/artifacts",
                   json={"checksum": blob.json()["checksum"], "path": "other.bin"})
    assert recorded.status_code in (200, 201), recorded.text
    [copy] = [x for x in boxes[1].get_model("m0").artifacts() if x.path == "other.bin"]
    assert copy.download(tmp_path / "other.bin").read_bytes() == other
    for box in boxes:
        box.close()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _keys(store: SeaweedFS, prefix: str) -> list[str]:
    return [item["Key"] for item in store.client().list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/").get(
        "Contents", [])]


def test_an_announced_sha256_goes_straight_to_its_blob_key_and_wrong_bytes_leave_nothing(
        store: SeaweedFS, tmp_path: Path) -> None:
    server = JupyterServer(tmp_path / "a", root=tmp_path / "registry", extra_args=s3_args(store, "direct")).start()
    try:
        assert api(server, "GET", "/info").json()["checksum_first"] is True  # clients hash first, then send
        assert api(server, "GET", "/info").json()["ranged_downloads"] is True  # one GET from S3 per range
        data = os.urandom(2 * PART + 7)
        checksum = _sha256(data)
        refused = api(server, "POST", "/uploads", json={"checksum": "abc"})
        assert refused.status_code == 422 and "checksum 'abc' is not a sha256" in refused.json()["message"]

        wrong = _sha256(b"other bytes")
        upload = api(server, "POST", "/uploads", json={"checksum": wrong}).json()["upload_id"]
        assert api(server, "PUT", f"/uploads/{upload}", params={"offset": 0}, data=data).status_code == 200
        assert multipart_uploads(store, "direct") == [f"direct/sha256/{wrong}"]  # no staging object, no copy
        answer = api(server, "POST", f"/uploads/{upload}/finish", json={"checksum": wrong})
        assert answer.status_code == 422, answer.text
        assert f"have sha256 {checksum} but the client announced {wrong}" in answer.json()["message"]
        assert multipart_uploads(store, "direct") == [] and _keys(store, "direct") == []  # nothing at the key

        upload = api(server, "POST", "/uploads", json={"checksum": checksum}).json()["upload_id"]
        assert api(server, "PUT", f"/uploads/{upload}", params={"offset": 0}, data=data).status_code == 200
        answer = api(server, "POST", f"/uploads/{upload}/finish", json={"checksum": wrong})
        assert answer.status_code == 422 and f"started for sha256 {checksum}" in answer.json()["message"]
        assert multipart_uploads(store, "direct") == [] and _keys(store, "direct") == []

        for _ in range(2):  # stored, then the same bytes again: deduplicated, the blob left as it was
            upload = api(server, "POST", "/uploads", json={"checksum": checksum.upper()}).json()["upload_id"]
            assert api(server, "PUT", f"/uploads/{upload}", params={"offset": 0}, data=data).status_code == 200
            answer = api(server, "POST", f"/uploads/{upload}/finish", json={"checksum": checksum})
            assert answer.status_code == 200 and answer.json() == {"checksum": checksum, "size": len(data)}
            assert _keys(store, "direct") == [f"direct/sha256/{checksum}"] and multipart_uploads(store, "direct") == []
            stored = store.client().head_object(Bucket=BUCKET, Key=f"direct/sha256/{checksum}")
            assert stored["ContentLength"] == len(data)
        assert api(server, "POST", "/uploads", json={}).status_code == 201  # announcing nothing works as before
    finally:
        server.stop()


def test_an_announced_upload_resumed_on_another_server_starts_again_and_is_verified(
        team: tuple[JupyterServer, JupyterServer], store: SeaweedFS, tmp_path: Path) -> None:
    a, b = team
    data = os.urandom(PART + 5)
    checksum = _sha256(data)
    upload_id = api(a, "POST", "/uploads", json={"checksum": checksum}).json()["upload_id"]
    assert api(a, "PUT", f"/uploads/{upload_id}", params={"offset": 0}, data=data[:1000]).status_code == 200
    # b never saw those 1000 bytes, and they cannot be read back before they are stored: b asks for them again
    refused = api(b, "PUT", f"/uploads/{upload_id}", params={"offset": 1000}, data=data[1000:])
    assert refused.status_code == 409 and "starts again from offset 0" in refused.json()["message"]
    assert api(b, "GET", f"/uploads/{upload_id}").json()["offset"] == 0
    # started again, it is an upload like one that announced nothing: its bytes are re-read at finish
    assert api(b, "PUT", f"/uploads/{upload_id}", params={"offset": 0}, data=data).status_code == 200
    blob = api(a, "POST", f"/uploads/{upload_id}/finish", json={"checksum": checksum})
    assert blob.status_code == 200, blob.text
    assert _keys(store, "team") == [f"team/sha256/{checksum}"] and multipart_uploads(store, "team") == []

    # a finish on a server that did not receive the bytes is refused the same way, the session kept
    other = os.urandom(PART + 9)
    upload_id = api(a, "POST", "/uploads", json={"checksum": _sha256(other)}).json()["upload_id"]
    assert api(a, "PUT", f"/uploads/{upload_id}", params={"offset": 0}, data=other).status_code == 200
    refused = api(b, "POST", f"/uploads/{upload_id}/finish", json={"checksum": _sha256(other)})
    assert refused.status_code == 409 and "starts again from offset 0" in refused.json()["message"], refused.text
    assert api(a, "GET", f"/uploads/{upload_id}").json()["offset"] == 0
    assert api(a, "PUT", f"/uploads/{upload_id}", params={"offset": 0}, data=other).status_code == 200
    blob = api(b, "POST", f"/uploads/{upload_id}/finish", json={"checksum": _sha256(other)})
    assert blob.status_code == 200, blob.text
    assert sorted(_keys(store, "team")) == sorted(f"team/sha256/{c}" for c in (checksum, _sha256(other)))
    assert multipart_uploads(store, "team") == []

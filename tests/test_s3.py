"""Artifact bytes in a real SeaweedFS: moving bytes between a folder and S3 both ways (export, import,
migrate), check and downloads against bytes changed in the bucket, presigned downloads, configuration."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import requests

from jupyter_modelbox import IntegrityError, ModelBox, ModelBoxError
from jupyter_modelbox.cli import main
from jupyter_modelbox.registry.errors import ServerUnavailableError

from .conftest import S3_BUCKET, s3_prefix_url
from .helpers.jupyter import JupyterServer, free_port
from .helpers.postgres import PostgresCluster
from .helpers.seaweedfs import SeaweedFS

pytestmark = pytest.mark.usefixtures("seaweedfs")


def _populate(box: ModelBox, folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    contents = {"weights.bin": os.urandom(6 * 1024 * 1024 + 3), "notes.txt": os.urandom(8).hex().encode()}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    version = box.new_model("m", metadata={"team": "vision"}).new_model_version()
    version.upload_artifact([folder / name for name in contents])
    version.log_metrics({"loss": 0.5}, step=1)
    return contents


def _downloads(box: ModelBox, folder: Path) -> dict[str, bytes]:
    version = box.get_model("m").get_version()
    return {a.path: a.download(folder / a.path).read_bytes() for a in version.artifacts()}


def _key(blob_url: str, checksum: str) -> str:
    return f"{blob_url.removeprefix(f's3://{S3_BUCKET}/')}/sha256/{checksum}"


def _find_key(s3: object, checksum: str) -> str:
    """The key of a blob in the session's bucket, whichever prefix the registry has."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=S3_BUCKET)  # type: ignore[attr-defined]
    [key] = [item["Key"] for page in pages for item in page.get("Contents", [])
             if item["Key"].endswith(f"/sha256/{checksum}")]
    return str(key)


def test_export_and_import_move_bytes_from_s3_to_a_folder_and_back(tmp_path: Path) -> None:
    blob_url = s3_prefix_url()
    in_s3 = ModelBox(root=tmp_path / "a", blob_url=blob_url)
    contents = _populate(in_s3, tmp_path / "files")
    assert not list((tmp_path / "a" / "blobs" / "sha256").glob("*/*"))  # the bytes are in the bucket
    in_s3.export_registry(tmp_path / "export")
    in_s3.close()
    in_folder = ModelBox(root=tmp_path / "b")
    in_folder.import_registry(tmp_path / "export")
    assert _downloads(in_folder, tmp_path / "from-folder") == contents
    assert len(list((tmp_path / "b" / "blobs" / "sha256").glob("*/*"))) == 2
    in_folder.export_registry(tmp_path / "export2.tar")
    in_folder.close()
    back = ModelBox(root=tmp_path / "c", blob_url=s3_prefix_url())
    back.import_registry(tmp_path / "export2.tar")
    assert _downloads(back, tmp_path / "from-s3") == contents
    assert [f["level"] for f in back.check()] == ["info"]
    back.close()


def test_migrate_a_folder_into_postgresql_with_bytes_in_s3(tmp_path: Path, postgres: PostgresCluster,
                                                           seaweedfs: SeaweedFS) -> None:
    source = ModelBox(root=tmp_path / "folder")
    contents = _populate(source, tmp_path / "files")
    source.close()
    url = postgres.create_database(f"s3migrate{os.getpid()}")
    blob_url = s3_prefix_url()
    assert main(["migrate", "--from", str(tmp_path / "folder"), "--to", url, "--blob-url", blob_url,
                 "--s3-endpoint-url", seaweedfs.endpoint_url]) == 0
    team = ModelBox(database_url=url, blob_url=blob_url)
    assert _downloads(team, tmp_path / "out") == contents
    team.close()
    listed = seaweedfs.client().list_objects_v2(Bucket=S3_BUCKET, Prefix=_key(blob_url, ""))
    assert sorted(item["Size"] for item in listed["Contents"]) == sorted(map(len, contents.values()))


@pytest.mark.parametrize("transport", ["local", "http"])
def test_bytes_changed_in_the_bucket_are_reported_by_check_and_refused_by_downloads(
        transport: str, tmp_path: Path, seaweedfs: SeaweedFS, request: pytest.FixtureRequest) -> None:
    if transport == "http":
        server: JupyterServer = request.getfixturevalue("jupyter_server_s3")
        server.reset(tmp_path / "registry")
        box = ModelBox(url=server.url, token=server.token)
    else:
        box = ModelBox(root=tmp_path / "registry", blob_url=s3_prefix_url())
    contents = _populate(box, tmp_path / "files")
    [weights] = [a for a in box.get_model("m").get_version().artifacts() if a.path == "weights.bin"]
    [notes] = [a for a in box.get_model("m").get_version().artifacts() if a.path == "notes.txt"]
    s3 = seaweedfs.client()
    same_size = bytearray(contents["weights.bin"])
    same_size[-1] ^= 0xFF  # one bit flipped in the last byte: only a hash can tell
    s3.put_object(Bucket=S3_BUCKET, Key=_find_key(s3, weights.checksum), Body=bytes(same_size))
    s3.put_object(Bucket=S3_BUCKET, Key=_find_key(s3, notes.checksum), Body=b"shorter")
    findings = box.check()
    damaged = [f["what"] for f in findings if f["level"] == "error"]
    assert len(damaged) == 2 and all("no longer match" in what for what in damaged), findings
    for artifact in (weights, notes):
        with pytest.raises((IntegrityError, ServerUnavailableError), match=r"sha256|broke off"):
            artifact.download(tmp_path / "out" / artifact.path)
        assert not (tmp_path / "out" / artifact.path).exists()
    box.close()


def _ranged_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloads from 1 MiB on in ranged requests of 1 MiB (4 at once), as 64 MiB and more are."""
    from jupyter_modelbox.client import http

    monkeypatch.setattr(http, "PARALLEL_FROM_BYTES", 1024 * 1024)
    monkeypatch.setattr(http, "RANGE_BYTES", 1024 * 1024)


def test_ranged_parallel_downloads_are_verified_and_changed_bytes_are_refused(
        tmp_path: Path, seaweedfs: SeaweedFS, jupyter_server_s3: JupyterServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _ranged_downloads(monkeypatch)
    jupyter_server_s3.reset(tmp_path / "registry")
    box = ModelBox(url=jupyter_server_s3.url, token=jupyter_server_s3.token)
    contents = _populate(box, tmp_path / "files")
    [weights] = [a for a in box.get_model("m").get_version().artifacts() if a.path == "weights.bin"]
    _, stream = box._transport.open_artifact(weights.id)
    with stream:
        assert type(stream).__name__ == "_RangedDownload"  # 7 ranges of 1 MiB, 4 requests at once
    assert weights.download(tmp_path / "out" / "weights.bin").read_bytes() == contents["weights.bin"]
    s3 = seaweedfs.client()
    for change in (lambda data: data[:3 * 1024 * 1024] + b"X" + data[3 * 1024 * 1024 + 1:],  # a byte mid-way
                   lambda data: data[:-1]):  # one byte short
        s3.put_object(Bucket=S3_BUCKET, Key=_find_key(s3, weights.checksum), Body=change(contents["weights.bin"]))
        with pytest.raises(IntegrityError, match=r"recorded (as|with)"):
            weights.download(tmp_path / "changed" / "weights.bin")
        assert not (tmp_path / "changed" / "weights.bin").exists()
        assert list((tmp_path / "changed").iterdir()) == []  # no temporary file left either
    box.close()


def test_presigned_downloads_redirect_to_the_store_and_are_verified(tmp_path_factory: pytest.TempPathFactory,
                                                                    tmp_path: Path) -> None:
    server = JupyterServer(tmp_path_factory.mktemp("presigned"), blob_url=s3_prefix_url(),
                           extra_args=("--ModelboxApp.s3_presigned_downloads=True",
                                       "--ModelboxApp.s3_presigned_seconds=60")).start()
    try:
        box = ModelBox(url=server.url, token=server.token)
        contents = _populate(box, tmp_path / "files")
        artifact = box.get_model("m").get_version().artifacts()[0]
        answer = requests.get(f"{server.url}modelbox/api/artifacts/{artifact.id}/content", allow_redirects=False,
                              headers={"Authorization": f"token {server.token}"}, timeout=30)
        assert answer.status_code == 307
        location = answer.headers["Location"]
        assert location.startswith(os.environ["MODELBOX_S3_ENDPOINT_URL"]) and "X-Amz-Expires=60" in location
        fetched = requests.get(location, timeout=30)  # no token: the signature is the permission
        assert fetched.status_code == 200 and hashlib.sha256(fetched.content).hexdigest() == artifact.checksum
        assert "attachment" in fetched.headers["Content-Disposition"]
        assert _downloads(box, tmp_path / "out") == contents  # the client follows and checks the sha256
        with pytest.MonkeyPatch.context() as patch:
            _ranged_downloads(patch)  # ranged requests follow the redirect too
            assert _downloads(box, tmp_path / "ranged") == contents
        box.close()
    finally:
        server.stop()


def test_blob_url_configuration_errors_are_clear(tmp_path: Path, seaweedfs: SeaweedFS) -> None:
    from jupyter_modelbox import ModelBoxError

    with pytest.raises(ModelBoxError, match="s3://bucket/prefix"):
        ModelBox(root=tmp_path / "r", blob_url="s3:/nobucket")
    with pytest.raises(ModelBoxError, match=f"bucket 'no-such-bucket' does not exist at {seaweedfs.endpoint_url}"):
        ModelBox(root=tmp_path / "r", blob_url="s3://no-such-bucket/x")
    with pytest.raises(ModelBoxError, match="addressing style"):
        ModelBox(root=tmp_path / "r", blob_url=s3_prefix_url(), s3_addressing_style="sideways")


@pytest.mark.parametrize("transport", ["local", "http"])
def test_tracked_s3_objects_get_size_and_checksum_and_download_through_the_server_where_allowed(
        transport: str, tmp_path: Path, seaweedfs: SeaweedFS, request: pytest.FixtureRequest) -> None:
    data = os.urandom(3000)
    allowed, elsewhere = (f"tracked/{os.urandom(4).hex()}/model.onnx", f"other/{os.urandom(4).hex()}/model.onnx")
    for key in (allowed, elsewhere):
        seaweedfs.client().put_object(Bucket=S3_BUCKET, Key=key, Body=data)
    if transport == "http":
        server: JupyterServer = request.getfixturevalue("jupyter_server_s3")
        server.reset(tmp_path / "registry")
        box = ModelBox(url=server.url, token=server.token)
    else:
        box = ModelBox(root=tmp_path / "registry", blob_url=s3_prefix_url())
    model = box.new_model("m")
    first, second, unknown = model.track_artifacts([f"s3://{S3_BUCKET}/{allowed}", f"s3://{S3_BUCKET}/{elsewhere}",
                                                    "s3://no-such-bucket/x.bin"])
    assert first.size == second.size == 3000 and first.checksum == hashlib.sha256(data).hexdigest()
    assert unknown.checksum == "" and unknown.size is None  # unreadable: tracked without them
    assert first.download(tmp_path / "a.onnx").read_bytes() == data
    if transport == "http":  # outside the server's tracked_download_roots
        with pytest.raises(ModelBoxError, match="outside"):
            second.download(tmp_path / "b.onnx")
    seaweedfs.client().put_object(Bucket=S3_BUCKET, Key=allowed, Body=os.urandom(3000))
    with pytest.raises((IntegrityError, ServerUnavailableError)):
        first.download(tmp_path / "changed.onnx")
    box.close()


def _served(server: JupyterServer, handler: str) -> float:
    """How many requests the handler class named ``handler`` has answered, from the server's Prometheus metrics."""
    direct = requests.Session()
    direct.trust_env = False  # no proxy, whatever the test sets
    text = direct.get(f"{server.url}metrics", headers={"Authorization": f"token {server.token}"}, timeout=30).text
    return sum(float(line.rpartition(" ")[2]) for line in text.splitlines()
               if line.startswith("http_request_duration_seconds_count{") and f'{handler}"' in line)


def test_direct_downloads_read_the_store_and_fall_back_to_the_server(
        tmp_path: Path, seaweedfs: SeaweedFS, jupyter_server_s3: JupyterServer, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from jupyter_modelbox.client import http

    monkeypatch.setattr(http, "DIRECT_FROM_BYTES", 1024 * 1024)
    monkeypatch.setattr(http, "RANGE_BYTES", 1024 * 1024)
    server = jupyter_server_s3
    server.reset(tmp_path / "registry")
    box = ModelBox(url=f"http://localhost:{server.port}/", token=server.token)
    contents = _populate(box, tmp_path / "files")
    [weights] = [a for a in box.get_model("m").get_version().artifacts() if a.path == "weights.bin"]
    content, signed = ".ArtifactsByArtifactIdContentHandler", ".ArtifactsByArtifactIdUrlHandler"
    assert box._transport.info()["direct_downloads"] is True
    before = _served(server, content), _served(server, signed)
    assert weights.download(tmp_path / "direct" / "weights.bin").read_bytes() == contents["weights.bin"]
    assert (_served(server, content), _served(server, signed)) == (before[0], before[1] + 1)  # no byte via the server

    s3 = seaweedfs.client()
    changed = bytearray(contents["weights.bin"])
    changed[-1] ^= 0xFF
    s3.put_object(Bucket=S3_BUCKET, Key=_find_key(s3, weights.checksum), Body=bytes(changed))
    with pytest.raises(IntegrityError, match="recorded as"):
        weights.download(tmp_path / "changed" / "weights.bin")
    assert list((tmp_path / "changed").iterdir()) == []
    s3.put_object(Bucket=S3_BUCKET, Key=_find_key(s3, weights.checksum), Body=contents["weights.bin"])

    # a store this client cannot reach (here: behind a proxy that does not answer) costs no download
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("NO_PROXY", "localhost")  # the Jupyter server is still reachable; the store is at 127.0.0.1
    before = _served(server, content), _served(server, signed)
    with caplog.at_level("WARNING", logger="jupyter_modelbox.client.http"):
        assert weights.download(tmp_path / "fallback" / "weights.bin").read_bytes() == contents["weights.bin"]
    assert "read through the Jupyter server" in caplog.text and "object store did not serve" in caplog.text
    assert "127.0.0.1" in caplog.text and "Signature" not in caplog.text  # the reason, without the credential
    ranges = -(-len(contents["weights.bin"]) // (1024 * 1024))
    assert (_served(server, content), _served(server, signed)) == (before[0] + ranges, before[1] + 1)
    assert weights.download(tmp_path / "again" / "weights.bin").read_bytes() == contents["weights.bin"]
    assert _served(server, signed) == before[1] + 1  # later downloads go to the server without asking
    box.close()


def test_direct_downloads_can_be_turned_off(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    server = JupyterServer(tmp_path_factory.mktemp("indirect"), blob_url=s3_prefix_url(),
                           extra_args=("--ModelboxApp.s3_direct_downloads=False",)).start()
    try:
        box = ModelBox(url=server.url, token=server.token)
        _populate(box, tmp_path / "files")
        artifact = box.get_model("m").get_version().artifacts()[0]
        assert box._transport.info()["direct_downloads"] is False
        answer = requests.get(f"{server.url}modelbox/api/artifacts/{artifact.id}/url", timeout=30,
                              headers={"Authorization": f"token {server.token}"})
        assert answer.status_code == 200 and answer.json() == {"url": None, "expires_in": 0}
        missing = requests.get(f"{server.url}modelbox/api/artifacts/{'0' * 32}/url", timeout=30,
                               headers={"Authorization": f"token {server.token}"})
        assert missing.status_code == 404 and missing.json()["reason"] == "NotFoundError"
        box.close()
    finally:
        server.stop()

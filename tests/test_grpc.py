"""The gRPC ``ModelStore`` service of a real Jupyter server, called with plain grpcio stubs.

The stubs come from ``grpc.protos_and_services`` on the shipped ``.proto`` (no code of ours); what
they create is read back through the REST API (plain ``requests``) and the Python client. The Python
API suites run over ``GrpcTransport`` too: they are marked ``transports(*ALL_TRANSPORTS)`` (conftest).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

grpc = pytest.importorskip("grpc", reason="needs the grpc extra: pip install 'jupyter_modelbox[grpc]'")
pytest.importorskip("grpc_tools")

from jupyter_modelbox import ModelBox  # noqa: E402
from jupyter_modelbox.grpc_service import PROTO_PATH  # noqa: E402
from jupyter_modelbox.grpc_service.convert import to_struct  # noqa: E402

from .helpers.jupyter import JupyterServer  # noqa: E402

pb, services = grpc.protos_and_services("jupyter_modelbox/grpc_service/modelbox.proto")
CHUNK = 64 * 1024


class Rpc:
    """A plain ``ModelStoreStub`` that sends the token (unless told not to)."""

    def __init__(self, server: JupyterServer, target: str) -> None:
        self.server = server
        self.channel = grpc.insecure_channel(target)
        self.stub = services.ModelStoreStub(self.channel)
        self.auth = (("authorization", f"token {server.token}"),)

    def __call__(self, method: str, request: Any, token: bool = True, **kwargs: Any) -> Any:
        return getattr(self.stub, method)(request, metadata=self.auth if token else (), timeout=30, **kwargs)

    def rest(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        answer = requests.request(method, self.server.url + "modelbox/api" + path, timeout=30,
                                  headers={"Authorization": f"token {self.server.token}"}, **kwargs)
        answer.raise_for_status()
        return answer


@pytest.fixture
def rpc(grpc_server: tuple[JupyterServer, str], tmp_path: Path) -> Iterator[Rpc]:
    server, target = grpc_server
    server.reset(tmp_path / "registry")
    client = Rpc(server, target)
    yield client
    client.channel.close()


def meta(value: dict[str, Any]) -> Any:
    """The seed's ``Metadata`` map."""
    return pb.Metadata(metadata=to_struct(value).fields)


def upload_frames(data: bytes, **metadata: Any) -> Iterator[Any]:
    yield pb.UploadFileRequest(metadata=pb.FileMetadata(**metadata))
    for start in range(0, len(data), CHUNK):
        yield pb.UploadFileRequest(chunks=data[start:start + CHUNK])


def status_of(call: Any) -> tuple[Any, str, str | None]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error = caught.value
    names = [v for k, v in error.trailing_metadata() or () if k == "modelbox-error"]
    return error.code(), error.details(), names[0] if names else None


def test_seed_calls_are_seen_by_rest_and_the_python_client(rpc: Rpc, tmp_path: Path) -> None:
    created = rpc("CreateModel", pb.CreateModelRequest(
        name="lang-id", owner="alice", namespace="speech", task="Language ID", description="spoken language",
        metadata=meta({"dataset": {"name": "voxlingua", "hours": 6628}, "ok": True}),
    ))
    assert created.id == created.model.id and created.model.namespace == "speech"
    listed = rpc("ListModels", pb.ListModelsRequest(namespace="speech"))
    assert [m.id for m in listed.models] == [created.id] and listed.total == 1
    first = rpc("CreateModelVersion", pb.CreateModelVersionRequest(model=created.id, framework_name="torch"))
    second = rpc("CreateModelVersion", pb.CreateModelVersionRequest(
        model=created.id, version="v2", unique_tags=["production"], metadata=meta({"lr": 0.01}),
        framework=pb.KERAS))
    assert (first.version.number, second.version.number) == (1, 2)
    assert (first.version.framework, first.version.framework_name) == (pb.PYTORCH, "torch")
    assert (second.version.framework, second.version.framework_name) == (pb.KERAS, "keras")
    versions = rpc("ListModelVersions", pb.ListModelVersionsRequest(model=created.id))
    assert [v.id for v in versions.model_versions] == [second.model_version, first.model_version]
    assert versions.total == 2 and versions.models.id == second.model_version  # the seed's singular field

    data = os.urandom(5 * CHUNK + 123)  # six chunks
    uploaded = rpc("UploadFile", upload_frames(data, parent_id=second.model_version, path="weights/model.pt",
                                               checksum=hashlib.sha256(data).hexdigest()))
    assert uploaded.file.file_type == pb.MODEL and uploaded.size == len(data)
    frames = list(rpc("DownloadFile", pb.DownloadFileRequest(file_id=uploaded.file_id)))
    assert frames[0].WhichOneof("stream_frame") == "metadata" and frames[0].metadata.path == "weights/model.pt"
    assert b"".join(f.chunks for f in frames[1:]) == data

    # the same objects over REST
    model = rpc.rest("GET", f"/models/{created.id}").json()
    assert (model["name"], model["owner"], model["task"], model["num_versions"]) == ("lang-id", "alice",
                                                                                   "Language ID", 2)
    assert model["metadata"] == {"dataset": {"name": "voxlingua", "hours": 6628}, "ok": True}
    assert isinstance(model["metadata"]["dataset"]["hours"], int)
    rest_versions = rpc.rest("GET", f"/models/{created.id}/versions").json()["versions"]
    assert [(v["number"], v["version"], v["tags"]) for v in rest_versions] == [(2, "v2", ["production"]),
                                                                              (1, "1", [])]
    [artifact] = rpc.rest("GET", f"/objects/{second.model_version}/artifacts").json()["artifacts"]
    assert (artifact["id"], artifact["size"], artifact["mime_type"]) == (uploaded.file_id, len(data), "model")
    assert rpc.rest("GET", f"/artifacts/{uploaded.file_id}/content").content == data

    # and through the Python client
    with ModelBox(url=rpc.server.url, token=rpc.server.token) as box:
        found = box.get_model("lang-id", namespace="speech")
        assert found.id == created.id and [v.number for v in found.get_versions()] == [2, 1]
        [remote] = found.get_version("production").artifacts()
        assert remote.download(tmp_path / "copy.pt").read_bytes() == data


def test_grpc_transport_returns_the_documents_rest_returns(grpc_server: tuple[JupyterServer, str],
                                                           rpc: Rpc, tmp_path: Path) -> None:
    with ModelBox(grpc=grpc_server[1], token=rpc.server.token) as box:
        model = box.new_model("m", metadata={"a": [1, 2.5, None, "x"]}, description="d")
        version = model.new_model_version(unique_tags=["prod"], metadata={"k": {"n": 1}})
        (tmp_path / "notes.txt").write_text("hello")
        version.upload_artifact([str(tmp_path / "notes.txt")])
        version.add_tag("best")
        transport = box._transport
        checks = [
            (transport.get_model(model.id), f"/models/{model.id}", None),
            (transport.get_version_by_id(version.id), f"/versions/{version.id}", None),
            (transport.list_artifacts(version.id), f"/objects/{version.id}/artifacts", "artifacts"),
            (transport.tag_history(model.id), f"/models/{model.id}/tag-history", "history"),
            (transport.events(0), "/events?since=0", "events"),
        ]
        for ours, path, key in checks:
            rest = rpc.rest("GET", path).json()
            assert ours == (rest[key] if key else rest), path


def test_calls_without_the_token_are_unauthenticated(rpc: Rpc) -> None:
    code, details, _ = status_of(lambda: rpc("ListModels", pb.ListModelsRequest(), token=False))
    assert code == grpc.StatusCode.UNAUTHENTICATED and "authorization: token" in details
    wrong = (("authorization", "token not-the-token"),)
    code, _, _ = status_of(lambda: rpc.stub.CreateModel(pb.CreateModelRequest(name="x"), metadata=wrong))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    frames = upload_frames(b"bytes", checksum=hashlib.sha256(b"bytes").hexdigest())
    assert status_of(lambda: rpc("UploadFile", frames, token=False))[0] == grpc.StatusCode.UNAUTHENTICATED
    assert status_of(lambda: list(rpc("Watch", pb.WatchRequest(), token=False)))[0] == grpc.StatusCode.UNAUTHENTICATED
    assert rpc.rest("GET", "/models").json()["total"] == 0  # nothing was created
    bearer = (("authorization", f"Bearer {rpc.server.token}"),)
    assert rpc.stub.ListModels(pb.ListModelsRequest(), metadata=bearer).total == 0


def test_errors_map_to_status_codes_with_the_registry_message(rpc: Rpc) -> None:
    code, details, name = status_of(lambda: rpc("CreateModel", pb.CreateModelRequest(name="")))
    assert (code, details, name) == (grpc.StatusCode.INVALID_ARGUMENT, "model name must not be empty",
                                     "InvalidArgumentError")
    code, details, _ = status_of(lambda: rpc("CreateModel", pb.CreateModelRequest(name="a/b")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "must not contain '/'" in details
    model = rpc("CreateModel", pb.CreateModelRequest(name="m")).model
    code, details, _ = status_of(lambda: rpc("CreateModel", pb.CreateModelRequest(name="m")))
    assert code == grpc.StatusCode.ALREADY_EXISTS and "already exists" in details
    assert rpc("CreateModel", pb.CreateModelRequest(name="m", exist_ok=True)).id == model.id
    code, details, _ = status_of(lambda: rpc("GetModel", pb.GetModelRequest(id="nope")))
    assert code == grpc.StatusCode.NOT_FOUND and "'nope'" in details
    rpc("CreateModelVersion", pb.CreateModelVersionRequest(model=model.id, unique_tags=["prod"]))
    code, details, _ = status_of(lambda: rpc("CreateModelVersion", pb.CreateModelVersionRequest(
        model=model.id, unique_tags=["prod"])))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "held by version 1" in details
    code, _, _ = status_of(lambda: rpc("UpdateModel", pb.UpdateModelRequest(model_id=model.id, name="n",
                                                                            if_revision=1)))
    assert code == grpc.StatusCode.ABORTED
    # tag edits take the tagged version's revision too, as REST's If-Match
    version_id = rpc("CreateModelVersion", pb.CreateModelVersionRequest(model=model.id)).model_version
    tagged = rpc("GetModelVersion", pb.GetModelVersionRequest(version_id=version_id)).version
    stale = tagged.revision
    tagged = rpc("AddTag", pb.AddTagRequest(version_id=tagged.id, tag="ab", if_revision=stale)).version
    code, details, _ = status_of(lambda: rpc("AddTag", pb.AddTagRequest(version_id=tagged.id, tag="cd",
                                                                        if_revision=stale)))
    assert code == grpc.StatusCode.ABORTED and "revision" in details
    code, details, _ = status_of(lambda: rpc("RemoveTag", pb.RemoveTagRequest(version_id=tagged.id, tag="ab",
                                                                              if_revision=stale)))
    assert code == grpc.StatusCode.ABORTED and "revision" in details
    kept = rpc("RemoveTag", pb.RemoveTagRequest(version_id=tagged.id, tag="ab", if_revision=tagged.revision)).version
    assert list(kept.unique_tags) == [] and kept.revision > tagged.revision
    code, details, _ = status_of(lambda: rpc("ListModelVersions", pb.ListModelVersionsRequest(model=model.id,
                                                                                            offset=-1)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "offset must be >= 0" in details
    code, details, _ = status_of(lambda: rpc("CreateModel", pb.CreateModelRequest(name="x" * 300)))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "the limit is 256" in details
    code, details, _ = status_of(lambda: rpc("LogMetrics", pb.LogMetricsRequest(
        parent_id=model.id, metrics=[pb.Metrics(key="loss", values=[pb.MetricsValue(step=1)])])))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "point 0: a point has no f_val" in details


def test_a_corrupted_or_malformed_upload_records_nothing(rpc: Rpc, tmp_path: Path) -> None:
    model = rpc("CreateModel", pb.CreateModelRequest(name="m")).model
    data = os.urandom(3 * CHUNK)
    wrong = hashlib.sha256(b"other bytes").hexdigest()
    code, details, _ = status_of(lambda: rpc("UploadFile", upload_frames(data, parent_id=model.id, path="w.pt",
                                                                         checksum=wrong)))
    assert code == grpc.StatusCode.DATA_LOSS and "corrupted in transit" in details
    code, details, _ = status_of(lambda: rpc("UploadFile", upload_frames(data, parent_id=model.id, path="w.pt")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "needs the file's sha256" in details
    chunks_first = iter([pb.UploadFileRequest(chunks=b"abc")])
    assert status_of(lambda: rpc("UploadFile", chunks_first))[0] == grpc.StatusCode.INVALID_ARGUMENT
    code, _, _ = status_of(lambda: rpc("UploadFile", upload_frames(data, parent_id=model.id, path="../escape",
                                                                   checksum=hashlib.sha256(data).hexdigest())))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, _, _ = status_of(lambda: rpc("UploadFile", upload_frames(data, parent_id="nope", path="w.pt",
                                                                   checksum=hashlib.sha256(data).hexdigest())))
    assert code == grpc.StatusCode.NOT_FOUND
    assert rpc("ListArtifacts", pb.ListArtifactsRequest(parent_id=model.id)).files == []
    assert rpc.rest("GET", f"/objects/{model.id}/artifacts").json()["artifacts"] == []
    kinds = [e["kind"] for e in rpc.rest("GET", "/events?since=0").json()["events"]]
    assert kinds == ["model.created"]
    registry = tmp_path / "registry"
    assert list((registry / "blobs" / "tmp").iterdir()) == []  # staging files are gone
    assert [p for p in (registry / "blobs").rglob("*") if p.is_file()] == []  # no bytes were kept


def test_add_artifacts_records_all_or_nothing(rpc: Rpc) -> None:
    model = rpc("CreateModel", pb.CreateModelRequest(name="m")).model
    blobs = []
    for data in (b"first file", b"second file"):
        checksum = hashlib.sha256(data).hexdigest()
        blobs.append(rpc("UploadFile", upload_frames(data, checksum=checksum)).checksum)
    missing = hashlib.sha256(b"never uploaded").hexdigest()
    request = pb.AddArtifactsRequest(parent_id=model.id, items=[
        pb.AddArtifactsRequest.Item(path="a.txt", checksum=blobs[0]),
        pb.AddArtifactsRequest.Item(path="b.txt", checksum=missing)])
    code, details, _ = status_of(lambda: rpc("AddArtifacts", request))
    assert code == grpc.StatusCode.NOT_FOUND and missing in details
    assert rpc("ListArtifacts", pb.ListArtifactsRequest(parent_id=model.id)).files == []
    request = pb.AddArtifactsRequest(parent_id=model.id, items=[
        pb.AddArtifactsRequest.Item(path="a.txt", checksum=blobs[0], size=10),
        pb.AddArtifactsRequest.Item(path="dir/b.txt", checksum=blobs[1])])
    files = rpc("AddArtifacts", request).files
    assert [(f.path, f.checksum) for f in files] == [("a.txt", blobs[0]), ("dir/b.txt", blobs[1])]
    assert len(rpc.rest("GET", f"/objects/{model.id}/artifacts").json()["artifacts"]) == 2


def test_checksum_in_a_closing_frame_blob_upload_checkpoint_and_resumed_download(rpc: Rpc) -> None:
    data = os.urandom(2 * CHUNK + 7)
    frames = [*upload_frames(data), pb.UploadFileRequest(
        metadata=pb.FileMetadata(checksum=hashlib.sha256(data).hexdigest()))]
    blob = rpc("UploadFile", iter(frames))
    assert (blob.file_id, blob.checksum, blob.size) == ("", hashlib.sha256(data).hexdigest(), len(data))
    checkpoint = rpc("CreateCheckpoint", pb.CreateCheckpointRequest(
        files=[pb.FileMetadata(path="ckpt/state.bin", checksum=blob.checksum, size=blob.size)],
        metrics={"val_loss": 0.25}, framework="torch")).checkpoint
    model = rpc("CreateModel", pb.CreateModelRequest(name="det")).model
    version = rpc("RegisterVersion", pb.RegisterVersionRequest(model_id=model.id, checkpoint_uuid=checkpoint.uuid))
    assert version.version.checkpoint_uuid == checkpoint.uuid and version.version.framework_name == "torch"
    rest = rpc.rest("GET", f"/checkpoints/{checkpoint.uuid}").json()
    assert rest["metrics"] == {"val_loss": 0.25} and rest["framework"] == "torch"
    [file] = rpc("ListArtifacts", pb.ListArtifactsRequest(parent_id=checkpoint.uuid)).files
    tail = list(rpc("DownloadFile", pb.DownloadFileRequest(file_id=file.id, offset=CHUNK)))
    assert b"".join(f.chunks for f in tail[1:]) == data[CHUNK:]
    middle = list(rpc("DownloadFile", pb.DownloadFileRequest(file_id=file.id, offset=5, length=CHUNK + 1,
                                                             chunk_bytes=1000, no_metadata=True)))
    assert all(f.WhichOneof("stream_frame") == "chunks" for f in middle)
    assert b"".join(f.chunks for f in middle) == data[5:CHUNK + 6] and len(middle[0].chunks) == 1000


def test_watch_streams_an_event_for_a_model_created_over_rest(rpc: Rpc) -> None:
    last = rpc("ListEvents", pb.ListEventsRequest()).last_seq
    stream = rpc("Watch", pb.WatchRequest(since=last))
    seen: list[Any] = []

    def read() -> None:
        for reply in stream:
            seen.append(reply.event)
            return

    reader = threading.Thread(target=read)
    reader.start()
    created = rpc.rest("POST", "/models", json={"name": "from-rest"}).json()
    reader.join(20)
    stream.cancel()
    assert not reader.is_alive()
    [event] = seen
    assert (event.kind, event.seq, event.data["model_id"], event.data["name"]) == (
        "model.created", last + 1, created["id"], "from-rest")
    # the seed's fields say the same
    assert (event.name, event.source.name, event.metadata.metadata["model_id"].string_value) == (
        "model.created", "jupyter_modelbox", created["id"])


def test_metrics_and_metadata_round_trip_through_rest(rpc: Rpc) -> None:
    model = rpc("CreateModel", pb.CreateModelRequest(name="m")).model
    points = [pb.MetricsValue(step=i, wallclock=1000.5 + i, d_val=i / 10) for i in range(3)]
    points.append(pb.MetricsValue(wallclock_time=2000, s_tensor="done", no_step=True))
    assert rpc("LogMetrics", pb.LogMetricsRequest(parent_id=model.id, metrics=[
        pb.Metrics(key="loss", values=points)])).points == 4
    # the seed's form: one key, one point, a 32-bit float, whole seconds, step 0 left out on the wire
    assert rpc("LogMetrics", pb.LogMetricsRequest(parent_id=model.id, key="acc", value=pb.MetricsValue(
        step=0, wallclock_time=3000, f_val=0.5))).points == 1
    rest = rpc.rest("GET", f"/objects/{model.id}/metrics").json()
    by_key: dict[str, list[tuple[Any, ...]]] = {}
    for key, step, wallclock, value in zip(rest["key"], rest["step"], rest["wallclock"], rest["value"], strict=True):
        by_key.setdefault(key, []).append((step, wallclock, value))
    assert by_key == {"loss": [(0, 1000.5, 0.0), (1, 1001.5, 0.1), (2, 1002.5, 0.2), (None, 2000.0, "done")],
                      "acc": [(0, 3000.0, 0.5)]}
    series = {m.key: m for m in rpc("GetMetrics", pb.GetMetricsRequest(parent_id=model.id)).metrics}
    loss = series["loss"].values
    assert [p.WhichOneof("value") for p in loss] == ["f_val"] * 3 + ["s_tensor"]
    assert [p.d_val for p in loss[:3]] == [0.0, 0.1, 0.2] and abs(loss[1].f_val - 0.1) < 1e-7
    assert [(p.step, p.no_step, p.wallclock_time) for p in loss] == [(0, False, 1000), (1, False, 1001),
                                                                     (2, False, 1002), (0, True, 2000)]
    patch = meta({"cfg": {"layers": [64]}})
    reply = rpc("UpdateMetadata", pb.UpdateMetadataRequest(parent_id=model.id, metadata=patch))
    assert reply.num_keys_written == 1 and reply.object.WhichOneof("kind") == "model"
    assert rpc.rest("GET", f"/objects/{model.id}/metadata").json()["metadata"] == {"cfg": {"layers": [64]}}
    listed = rpc("ListMetadata", pb.ListMetadataRequest(parent_id=model.id)).metadata
    assert listed["cfg"].struct_value.fields["layers"].list_value.values[0].number_value == 64


def test_stubs_generated_by_protoc_work_in_a_fresh_process(grpc_server: tuple[JupyterServer, str],
                                                           tmp_path: Path) -> None:
    """What a user of another language does: compile the shipped .proto, call the service."""
    out = tmp_path / "gen"
    out.mkdir()
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_PATH.parent}", f"--python_out={out}",
                    f"--grpc_python_out={out}", str(PROTO_PATH)], check=True)
    server, target = grpc_server
    code = (
        "import grpc, modelbox_pb2 as pb, modelbox_pb2_grpc as g\n"
        f"stub = g.ModelStoreStub(grpc.insecure_channel({target!r}))\n"
        f"md = (('authorization', 'token {server.token}'),)\n"
        "print(stub.CreateModel(pb.CreateModelRequest(name='from-protoc', exist_ok=True), metadata=md).model.name)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "from-protoc"


def test_an_md5_checksum_is_verified_as_md5_and_the_sha256_is_stored(rpc: Rpc) -> None:
    """What ModelBox's SDK sends: the MD5 of the file and the client's own (absolute) path."""
    model = rpc("CreateModel", pb.CreateModelRequest(name="m")).model
    data = os.urandom(2 * 2**20 + 5)  # 33 frames, written to disk 1 MiB at a time
    wrong = hashlib.md5(b"other", usedforsecurity=False).hexdigest()
    code, details, _ = status_of(lambda: rpc("UploadFile", upload_frames(
        data, parent_id=model.id, path="/home/ana/w.pt", checksum=wrong)))
    assert code == grpc.StatusCode.DATA_LOSS and f"not the announced {wrong}" in details
    assert rpc("ListArtifacts", pb.ListArtifactsRequest(parent_id=model.id)).files == []
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    uploaded = rpc("UploadFile", upload_frames(data, parent_id=model.id, path="/home/ana/w.pt", checksum=md5))
    assert (uploaded.file.path, uploaded.checksum) == ("w.pt", hashlib.sha256(data).hexdigest())
    [artifact] = rpc.rest("GET", f"/objects/{model.id}/artifacts").json()["artifacts"]
    assert artifact["checksum"] == hashlib.sha256(data).hexdigest() and artifact["size"] == len(data)
    code, details, _ = status_of(lambda: rpc("TrackArtifacts", pb.TrackArtifactsRequest(files=[
        pb.FileMetadata(parent_id=model.id, path="s3://bucket/a.bin"), pb.FileMetadata(parent_id="other", path="x")])))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "must all name one parent_id" in details
    reply = rpc("TrackArtifacts", pb.TrackArtifactsRequest(files=[
        pb.FileMetadata(parent_id=model.id, path="s3://bucket/a.bin", file_type=pb.CHECKPOINT)]))
    assert reply.num_files_tracked == 1 and reply.files[0].file_type == pb.CHECKPOINT and reply.HasField("created_at")


def test_the_seeds_files_on_create_are_tracked_and_its_framework_enum_is_read(rpc: Rpc, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    model = rpc("CreateModel", pb.CreateModelRequest(name="m", files=[pb.FileMetadata(path="s3://bucket/card.md")]))
    version = rpc("CreateModelVersion", pb.CreateModelVersionRequest(
        model=model.id, framework=pb.PYTORCH, files=[pb.FileMetadata(path=str(notes), file_type=pb.TEXT)]))
    assert (version.version.framework, version.version.framework_name) == (pb.PYTORCH, "pytorch")
    [card] = rpc.rest("GET", f"/objects/{model.id}/artifacts").json()["artifacts"]
    assert (card["tracked"], card["location"]) == (True, "s3://bucket/card.md")
    [tracked] = rpc.rest("GET", f"/objects/{version.model_version}/artifacts").json()["artifacts"]
    assert (tracked["location"], tracked["checksum"]) == (str(notes), hashlib.sha256(b"hello").hexdigest())
    code, details, _ = status_of(lambda: rpc("CreateModelVersion", pb.CreateModelVersionRequest(
        model=model.id, framework=7)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "not an MLFramework" in details


def test_an_empty_file_and_one_of_many_frames_download_through_our_client(
    grpc_server: tuple[JupyterServer, str], rpc: Rpc, tmp_path: Path
) -> None:
    """Our client reads DownloadFile's hand-encoded chunk frames in place, whatever their number."""
    empty, big = tmp_path / "empty.bin", tmp_path / "big.bin"
    empty.write_bytes(b"")
    big.write_bytes(os.urandom(5 * 2**20 + 3))  # 6 frames of at most 1 MiB, read ahead 4 MiB at a time
    with ModelBox(grpc=grpc_server[1], token=rpc.server.token) as box:
        version = box.new_model("m").new_model_version()
        artifacts = {a.path: a for a in version.upload_artifact([str(empty), str(big)])}
        for name, source in (("empty.bin", empty), ("big.bin", big)):
            assert artifacts[name].download(tmp_path / f"copy-{name}").read_bytes() == source.read_bytes()

"""``GrpcTransport``: the client's third transport, the ``ModelStore`` gRPC service of a Jupyter server.

It returns the same dicts and raises the same ``ModelBoxError`` classes as the in-process
``Registry`` and ``HttpTransport`` (the server names the error class in trailing metadata).
Registry maintenance (check, export, import) is REST-only and says so.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from ..grpc_service.protos import MISSING, load
from ..registry.backend import MISSING_STEP, BlobRef, SeriesColumns
from ..registry.errors import InvalidArgumentError, ModelBoxError, ServerUnavailableError
from ..registry.metric_ops import Series, series_frame
from ..registry.validation import Limits, check_int, check_json_value, check_metadata

try:
    import grpc
    import grpc.experimental
except ImportError as exc:  # pragma: no cover  (the grpc extra is not installed)
    raise ImportError(f"{MISSING} ({exc})") from exc

from ..grpc_service.convert import Doc, file_type, fill, from_struct, to_doc, to_metadata, to_struct, to_value
from ..grpc_service.files import CHUNKS_TAG
from ..grpc_service.status import ERROR_KEY, error_of
from .progress import Progress

CHUNK_BYTES = 1024 * 1024
# one DownloadFile stream in 1 MiB frames: measured on 2 cores, parallel ranged streams and larger frames
# cost more CPU per byte on both ends (README "gRPC against REST")
DOWNLOAD_CHUNK_BYTES = 1024 * 1024
CLIENT_LIMITS = Limits(max_metadata_bytes=2**62, max_metadata_keys=2**62)
# DownloadFile's messages are read on the calling thread, not handed over from gRPC's own one by one:
# 889-973 MB/s against 755-940 without it (bench_grpc, 3 runs each)
UNLIMITED = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1),
             (grpc.experimental.ChannelOptions.SingleThreadedUnaryStream, 1)]
__all__ = ["GrpcTransport"]


def _error(error: grpc.RpcError, target: str) -> ModelBoxError:
    code, details = error.code(), error.details() or ""
    names = [value for key, value in (error.trailing_metadata() or ()) if key == ERROR_KEY]
    if not names and code == grpc.StatusCode.UNAVAILABLE:
        return ServerUnavailableError(f"cannot reach the gRPC server at {target}: {details}")
    return error_of(code, details, names[0] if names else None)


class _Download(io.RawIOBase):
    """Chunks (an iterator of bytes) as a readable binary file; ``on_close`` stops what produces them."""

    def __init__(self, chunks: Iterator[bytes | memoryview], on_close: Callable[[], None]) -> None:
        self._chunks, self._on_close = chunks, on_close
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, into: Any) -> int:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = memoryview(chunk)
        size = min(len(into), len(self._buffer))
        into[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size

    def close(self) -> None:
        self._on_close()
        super().close()


class GrpcTransport:
    """The registry of a Jupyter server through its gRPC service (``ModelboxApp.grpc_port``).

    ``root_certificates`` (PEM bytes) or ``tls=True`` (system roots) make the channel TLS.
    """

    def __init__(self, target: str, token: str | None = None, *, tls: bool = False,
                 root_certificates: bytes | None = None, timeout: float = 120.0) -> None:
        self.target = target
        self.timeout = timeout
        self.pb, services = load()
        if tls or root_certificates is not None:
            credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self.channel = grpc.secure_channel(target, credentials, options=UNLIMITED)
        else:
            self.channel = grpc.insecure_channel(target, options=UNLIMITED)
        self.stub = services.ModelStoreStub(self.channel)
        # DownloadFile with chunk frames read in place (``_download_frame``), not copied into messages
        self._download_file = self.channel.unary_stream(
            "/modelbox.ModelStore/DownloadFile", request_serializer=self.pb.DownloadFileRequest.SerializeToString,
            response_deserializer=self._download_frame)
        self.metadata = (("authorization", f"token {token}"),) if token else ()

    def __repr__(self) -> str:
        return f"gRPC server {self.target}"

    @property
    def limits(self) -> Limits:
        """The defaults: the gRPC service does not report the server's limits (REST ``GET /info`` does)."""
        return Limits()

    def close(self) -> None:
        self.channel.close()

    # -- plumbing ------------------------------------------------------------------------------

    def _call(self, method: str, request: Any, timeout: float | None = None) -> Any:
        try:
            return getattr(self.stub, method)(request, metadata=self.metadata, timeout=timeout or self.timeout)
        except grpc.RpcError as error:
            raise _error(error, self.target) from None

    def _request(self, message: str, /, **fields: Any) -> Any:
        return fill(getattr(self.pb, message)(), fields)

    def _one(self, method: str, field: str, /, **fields: Any) -> Doc | None:
        reply = self._call(method, self._request(f"{method}Request", **fields))
        return to_doc(getattr(reply, field)) if reply.HasField(field) else None

    def _doc(self, method: str, field: str, /, **fields: Any) -> Doc:
        return self._one(method, field, **fields)  # type: ignore[return-value]

    @staticmethod
    def _struct(value: Any, what: str = "metadata") -> Any:
        return None if value is None else to_struct(check_metadata(value, CLIENT_LIMITS, what), what)

    def _metadata(self, value: Any, what: str = "metadata") -> Any:
        """A dict as the seed's ``Metadata`` message."""
        return to_metadata(check_metadata(value, CLIENT_LIMITS, what), self.pb.Metadata(), what)

    @staticmethod
    def _object(reply: Any) -> Doc:
        kind = reply.object.WhichOneof("kind")
        return to_doc(getattr(reply.object, kind))

    # -- models --------------------------------------------------------------------------------

    def create_model(self, name: str, owner: str | None = None, namespace: str | None = None,
                     task: str | None = None, description: str | None = "", artifacts: list[str] | None = None,
                     metadata: dict[str, Any] | None = None, exist_ok: bool = False) -> Doc:
        request = self._request("CreateModelRequest", name=name, owner=owner, namespace=namespace, task=task,
                                description=description, exist_ok=exist_ok,
                                artifacts=[os.fspath(a) for a in _locations(artifacts)])
        if metadata is not None:
            request.metadata.CopyFrom(self._metadata(metadata))
        return to_doc(self._call("CreateModel", request).model)

    def get_model(self, model_id: str) -> Doc:
        return self._doc("GetModel", "model", id=model_id)

    def find_model(self, name: str, namespace: str | None = None) -> Doc:
        return self._doc("GetModel", "model", name=name, namespace=namespace)

    def namespaces(self) -> list[str]:
        return list(self._call("ListNamespaces", self.pb.ListNamespacesRequest()).namespaces)

    def list_models(self, namespace: str | None = None, name: str | None = None, description: str | None = None,
                    sort_by: Any = "name", order_by: Any = "asc", offset: int = 0, limit: int | None = None,
                    archived: bool | None = None, q: str | None = None) -> tuple[list[Doc], int]:
        reply = self._call("ListModels", self._request(
            "ListModelsRequest", namespace=namespace, name=name, description=description,
            sort_by=str(getattr(sort_by, "value", sort_by)), order_by=str(getattr(order_by, "value", order_by)),
            offset=offset, limit=limit, archived=archived, q=q,
        ))
        return [to_doc(m) for m in reply.models], reply.total

    def update_model(self, model_id: str, name: str | None = None, description: str | None = None,
                     task: str | None = None, owner: str | None = None, archived: bool | None = None) -> Doc:
        return self._doc("UpdateModel", "model", model_id=model_id, name=name, description=description, task=task,
                         owner=owner, archived=archived)

    def delete_model(self, model_id: str, cascade: bool = False) -> None:
        self._call("DeleteModel", self._request("DeleteModelRequest", model_id=model_id, cascade=cascade))

    # -- metadata ------------------------------------------------------------------------------

    def merge_metadata(self, object_id: str, patch: dict[str, Any]) -> Doc:
        request = self.pb.UpdateMetadataRequest(parent_id=object_id, metadata=self._metadata(patch))
        return self._object(self._call("UpdateMetadata", request))

    def set_metadata(self, object_id: str, key: str, value: Any) -> Doc:
        value = check_json_value(value, "metadata value", CLIENT_LIMITS)
        request = self.pb.SetMetadataRequest(parent_id=object_id, key=key, value=to_value(value, "metadata value"))
        return self._object(self._call("SetMetadata", request))

    def remove_metadata(self, object_id: str, keys: list[str]) -> Doc:
        keys = [keys] if isinstance(keys, str) else list(keys)
        return self._object(self._call("RemoveMetadata", self.pb.RemoveMetadataRequest(parent_id=object_id,
                                                                                       keys=keys)))

    # -- versions and tags ---------------------------------------------------------------------

    def create_version(self, model_id: str, version: str | None = None, name: str | None = None,
                       description: str | None = "", artifacts: list[str] | None = None,
                       metadata: dict[str, Any] | None = None, unique_tags: list[str] | None = None,
                       framework: str | None = None, checkpoint_uuid: str | None = None,
                       lineage: dict[str, Any] | None = None) -> Doc:
        tags = [unique_tags] if isinstance(unique_tags, str) else list(unique_tags or [])
        request = self._request("CreateModelVersionRequest", model=model_id, version=version, name=name,
                                description=description, framework_name=framework, checkpoint_uuid=checkpoint_uuid,
                                unique_tags=tags, artifacts=[os.fspath(a) for a in _locations(artifacts)])
        if metadata is not None:
            request.metadata.CopyFrom(self._metadata(metadata))
        if lineage is not None:
            request.lineage.CopyFrom(self._struct(lineage, "lineage"))
        return to_doc(self._call("CreateModelVersion", request).version)

    def get_version(self, model_id: str, ref: int | str | None = None) -> Doc | None:
        return self._one("GetModelVersion", "version", model_id=model_id, ref=None if ref is None else str(ref))

    def get_version_by_id(self, version_id: str) -> Doc:
        return self._doc("GetModelVersion", "version", version_id=version_id)

    def list_versions(self, model_id: str, offset: int = 0, limit: int | None = None,
                      q: str | None = None) -> tuple[list[Doc], int]:
        reply = self._call("ListModelVersions", self._request("ListModelVersionsRequest", model=model_id,
                                                              offset=offset, limit=limit, q=q))
        return [to_doc(v) for v in reply.model_versions], reply.total

    def search_versions(self, q: str | None = None, offset: int = 0, limit: int | None = None) -> tuple[list[Doc], int]:
        reply = self._call("ListModelVersions", self._request("ListModelVersionsRequest", q=q or "",
                                                              offset=offset, limit=limit))
        return [to_doc(v) for v in reply.model_versions], reply.total

    def update_version(self, version_id: str, version: str | None = None, name: str | None = None,
                       description: str | None = None, framework: str | None = None) -> Doc:
        return self._doc("UpdateModelVersion", "version", version_id=version_id, version=version, name=name,
                         description=description, framework=framework)

    def delete_version(self, version_id: str) -> None:
        self._call("DeleteModelVersion", self.pb.DeleteModelVersionRequest(version_id=version_id))

    def add_tag(self, version_id: str, tag: str, move: bool = False) -> Doc:
        return self._doc("AddTag", "version", version_id=version_id, tag=tag, move=move)

    def remove_tag(self, version_id: str, tag: str) -> Doc:
        return self._doc("RemoveTag", "version", version_id=version_id, tag=tag)

    def tag_history(self, model_id: str, tag: str | None = None) -> list[Doc]:
        reply = self._call("GetTagHistory", self._request("GetTagHistoryRequest", model_id=model_id, tag=tag))
        return [to_doc(record) for record in reply.history]

    def tag_holder(self, model_id: str, tag: str, at: datetime | str | None = None) -> Doc | None:
        moment = at.isoformat() if isinstance(at, datetime) else at
        return self._one("GetTagHolder", "version", model_id=model_id, tag=tag, at=moment)

    # -- checkpoints ---------------------------------------------------------------------------

    def create_checkpoint(self, files: list[dict[str, Any]] | None = None, metadata: dict[str, Any] | None = None,
                          metrics: dict[str, Any] | None = None, framework: str | None = None,
                          format: str | None = None, lineage: dict[str, Any] | None = None,
                          experiment_id: str | None = None, epoch: int | None = None,
                          batch_number: int | None = None, trial_id: int | None = None,
                          hparams: dict[str, Any] | None = None) -> Doc:
        request = self._request("CreateCheckpointRequest", framework=framework, format=format,
                                experiment_id=experiment_id, no_epoch=epoch is None,
                                epoch=_count(epoch, "epoch"), batch_number=_count(batch_number, "batch_number"),
                                trial_id=_count(trial_id, "trial_id"))
        for spec in files or []:
            fill(request.files.add(), {"path": spec.get("path"), "checksum": spec.get("checksum"),
                                       "size": spec.get("size"), "mime_type": spec.get("mime_type")})
        if metadata is not None:
            request.metadata.CopyFrom(self._metadata(metadata))
        if metrics is not None:
            request.all_metrics.CopyFrom(self._struct(metrics, "checkpoint metrics"))
        if lineage is not None:
            request.lineage.CopyFrom(self._struct(lineage, "lineage"))
        if hparams is not None:
            request.hparams.CopyFrom(self._struct(hparams, "hparams"))
        return to_doc(self._call("CreateCheckpoint", request).checkpoint)

    def get_checkpoint(self, uuid: str) -> Doc:
        return self._doc("GetCheckpoint", "checkpoint", uuid=uuid)

    def list_checkpoints(self, experiment_id: str, epoch: int | None = None, offset: int = 0,
                         limit: int | None = None) -> tuple[list[Doc], int]:
        reply = self._call("ListCheckpoints", self._request(
            "ListCheckpointsRequest", experiment_id=experiment_id, epoch=epoch, offset=offset, limit=limit))
        return [to_doc(c) for c in reply.checkpoints], reply.total

    def top_checkpoint(self, experiment_id: str, metric: str | None = None,
                       smaller_is_better: bool | None = None) -> Doc:
        return self._doc("TopCheckpoint", "checkpoint", experiment_id=experiment_id, metric=metric,
                         smaller_is_better=smaller_is_better)

    # -- experiments and logged events ---------------------------------------------------------

    def create_experiment(self, name: str, owner: str | None = None, namespace: str | None = None,
                          external_id: str | None = None, framework: str | None = None,
                          metadata: dict[str, Any] | None = None, hparams: dict[str, Any] | None = None,
                          metric: str | None = None, smaller_is_better: bool | None = None,
                          exist_ok: bool = False) -> Doc:
        request = self._request("CreateExperimentRequest", name=name, owner=owner, namespace=namespace,
                                external_id=external_id, framework_name=framework, metric=metric,
                                smaller_is_better=smaller_is_better, fail_if_exists=not exist_ok)
        if metadata is not None:
            request.metadata.CopyFrom(self._metadata(metadata))
        if hparams is not None:
            request.hparams.CopyFrom(self._struct(hparams, "hparams"))
        return to_doc(self._call("CreateExperiment", request).experiment)

    def get_experiment(self, ref: str, namespace: str | None = None) -> Doc:
        return self._doc("GetExperiment", "experiment", id=ref, namespace=namespace) if namespace is None \
            else self._doc("GetExperiment", "experiment", name=ref, namespace=namespace)

    def list_experiments(self, namespace: str | None = None, q: str | None = None, offset: int = 0,
                         limit: int | None = None) -> tuple[list[Doc], int]:
        reply = self._call("ListExperiments", self._request("ListExperimentsRequest", namespace=namespace, q=q,
                                                            offset=offset, limit=limit))
        return [to_doc(e) for e in reply.experiments], reply.total

    def log_event(self, object_id: str, name: str, source: str | None = None, wallclock: float | None = None,
                  metadata: dict[str, Any] | None = None) -> Doc:
        event = self.pb.Event(name=name, source=self.pb.EventSource(name=source or ""))
        if wallclock is not None:
            if isinstance(wallclock, bool) or not isinstance(wallclock, (int, float)) or not math.isfinite(wallclock):
                raise InvalidArgumentError(f"wallclock must be seconds since the epoch, not {wallclock!r}")
            event.wallclock_time.FromNanoseconds(round(wallclock * 1e9))
        if metadata is not None:
            event.metadata.CopyFrom(self._metadata(metadata))
        reply = self._call("LogEvent", self.pb.LogEventRequest(parent_id=object_id, event=event))
        return from_struct(reply.logged)

    def list_logged_events(self, object_id: str) -> list[Doc]:
        reply = self._call("ListEvents", self.pb.ListEventsRequest(parent_id=object_id))
        return [from_struct(event.data) for event in reply.events]

    # -- artifacts -----------------------------------------------------------------------------

    def upload_blob(self, source: str | os.PathLike[str], progress: Callable[[int], None] | None = None) -> BlobRef:
        """Stream a file in 1 MiB frames, hashing as it goes; the sha256 follows in a closing frame."""
        path = Path(source)
        size = path.stat().st_size

        def frames() -> Iterator[Any]:
            digest = hashlib.sha256()
            yield self.pb.UploadFileRequest(metadata=self.pb.FileMetadata())
            with open(path, "rb") as handle, Progress(f"uploading {path.name}", size, progress) as bar:
                while chunk := handle.read(CHUNK_BYTES):
                    digest.update(chunk)
                    yield self.pb.UploadFileRequest(chunks=chunk)
                    bar.update(len(chunk))
            yield self.pb.UploadFileRequest(metadata=self.pb.FileMetadata(checksum=digest.hexdigest()))

        reply = self._call("UploadFile", frames(), timeout=None)
        return BlobRef(checksum=reply.checksum, size=reply.size)

    def add_artifact(self, parent_id: str, blob: BlobRef, path: str, mime_type: Any = None) -> Doc:
        request = self._request("AddArtifactRequest", parent_id=parent_id, path=path, checksum=blob["checksum"],
                                size=blob.get("size"))
        request.file_type = file_type(mime_type)
        return to_doc(self._call("AddArtifact", request).file)

    def add_artifacts(self, parent_id: str, items: Sequence[tuple[BlobRef, str]], mime_type: Any = None) -> list[Doc]:
        request = self.pb.AddArtifactsRequest(parent_id=parent_id, file_type=file_type(mime_type))
        for blob, path in items:
            item = request.items.add(path=path, checksum=blob["checksum"])
            if blob.get("size") is not None:
                item.size = blob["size"]
        return [to_doc(f) for f in self._call("AddArtifacts", request).files]

    def track_artifacts(self, parent_id: str, locations: list[str], mime_type: Any = None) -> list[Doc]:
        request = self.pb.TrackArtifactsRequest(parent_id=parent_id, file_type=file_type(mime_type),
                                                locations=[os.fspath(x) for x in _locations(locations)])
        return [to_doc(f) for f in self._call("TrackArtifacts", request).files]

    def list_artifacts(self, parent_id: str) -> list[Doc]:
        return [to_doc(f) for f in self._call("ListArtifacts", self.pb.ListArtifactsRequest(parent_id=parent_id)).files]

    def get_artifact(self, artifact_id: str) -> Doc:
        return self._doc("GetArtifact", "file", file_id=artifact_id)

    def open_artifact(self, artifact_id: str) -> tuple[Doc, BinaryIO]:
        request = self.pb.DownloadFileRequest(file_id=artifact_id, chunk_bytes=DOWNLOAD_CHUNK_BYTES)
        call = self._download_file(request, metadata=self.metadata)
        try:
            first = next(call)
        except grpc.RpcError as error:
            raise _error(error, self.target) from None
        return to_doc(first.metadata), io.BufferedReader(_Download(self._frames(call), call.cancel), CHUNK_BYTES)

    def _download_frame(self, raw: bytes) -> Any:
        """A chunk frame as a view of its bytes (the server sends it as tag, length, bytes); else the message."""
        if raw[:1] == CHUNKS_TAG:
            length, start = 0, 1
            for shift in range(0, 64, 7):
                byte = raw[start]
                start += 1
                length |= (byte & 0x7F) << shift
                if byte < 0x80:
                    break
            if start + length == len(raw):
                return memoryview(raw)[start:]
        return self.pb.DownloadFileResponse.FromString(raw)

    def _frames(self, call: Iterable[Any]) -> Iterator[bytes | memoryview]:
        try:
            for frame in call:
                yield frame if isinstance(frame, memoryview) else frame.chunks
        except grpc.RpcError as error:
            raise _error(error, self.target) from None

    def delete_artifact(self, artifact_id: str) -> None:
        self._call("DeleteArtifact", self.pb.DeleteArtifactRequest(file_id=artifact_id))

    # -- metrics and events --------------------------------------------------------------------

    def log_metrics(self, parent_id: str, series: Series) -> int:
        request = self.pb.LogMetricsRequest(parent_id=parent_id)
        for key, columns in series.items():
            metric = request.metrics.add(key=key)
            values = columns["value"]
            count = len(values)
            steps = np.asarray(columns.get("step", [MISSING_STEP] * count), dtype=object)
            wallclocks = np.asarray(columns["wallclock"], dtype=np.float64).tolist()
            values = values.tolist() if isinstance(values, np.ndarray) else list(values)
            for step, wallclock, value in zip(steps.tolist(), wallclocks, values, strict=True):
                point = metric.values.add(wallclock=wallclock)
                if step is None or step == MISSING_STEP:
                    point.no_step = True
                elif isinstance(step, (int, np.integer)) and step < 0:  # the registry's own words
                    raise InvalidArgumentError(f"metric {key!r}: steps must be >= 0")
                else:
                    point.step = int(step)
                if isinstance(value, bytes):
                    point.b_tensor = value
                elif isinstance(value, str):
                    point.s_tensor = value
                elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
                    point.d_val = float(value)
                else:  # the registry's own words
                    raise InvalidArgumentError(f"metric {key!r}: values must be float, str or bytes, not "
                                               f"{type(value).__name__} ({value!r:.80})")
        return self._call("LogMetrics", request).points

    def metric_keys(self, parent_id: str) -> list[str]:
        return list(self._call("ListMetricKeys", self.pb.ListMetricKeysRequest(parent_id=parent_id)).keys)

    def read_metrics(self, parent_id: str, keys: Sequence[str] | None = None, max_points: int | None = None,
                     method: str = "minmax_lttb") -> pd.DataFrame:
        request = self._request("GetMetricsRequest", parent_id=parent_id, max_points=max_points,
                                keys=[keys] if isinstance(keys, str) else list(keys or []),
                                method=str(getattr(method, "value", method)))
        reply = self._call("GetMetrics", request)
        return series_frame([m.key for m in reply.metrics], [_columns(m) for m in reply.metrics])

    def events(self, since: int = 0, limit: int = 1000, timeout: float = 0.0) -> list[Doc]:
        request = self.pb.ListEventsRequest(since_seq=since, limit=limit, timeout=timeout)
        reply = self._call("ListEvents", request, timeout=self.timeout + timeout)
        return [_event(event) for event in reply.events]

    def watch(self, since: int = 0) -> Iterator[Doc]:
        """Every event after ``since``, then each new one as it happens (until the iterator is closed)."""
        call = self.stub.Watch(self.pb.WatchRequest(since=since), metadata=self.metadata)
        try:
            for reply in call:
                yield _event(reply.event)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                raise _error(error, self.target) from None
        finally:
            call.cancel()

    # -- REST-only -----------------------------------------------------------------------------

    def _rest_only(self, what: str) -> ModelBoxError:
        return ModelBoxError(f"{what} is not part of the gRPC API; use ModelBox(url=..., token=...) for it")

    def check(self, repair: bool = False, verify_bytes: bool = True) -> list[Doc]:
        raise self._rest_only("checking the registry")

    def collect_garbage(self, grace_seconds: float | None = None, dry_run: bool = False,
                        upload_timeout_seconds: float | None = None) -> Doc:
        raise self._rest_only("collecting garbage")

    def export_to(self, dest: str | os.PathLike[str]) -> Doc:
        raise self._rest_only("exporting the registry")

    def import_from(self, src: str | os.PathLike[str]) -> Doc:
        raise self._rest_only("importing into the registry")


def _count(value: Any, what: str) -> int | None:
    """An epoch, batch number or trial id, checked as the registry checks it (it goes in a uint64/int64)."""
    return None if value is None else check_int(value, what)


def _locations(values: Any) -> list[Any]:
    if values is None:
        return []
    return [values] if isinstance(values, (str, os.PathLike)) else list(values)


def _event(event: Any) -> Doc:
    return from_struct(event.data)


def _columns(metric: Any) -> SeriesColumns:
    points = metric.values
    steps = np.fromiter((MISSING_STEP if p.no_step else p.step for p in points), np.int64, len(points))
    wallclocks = np.fromiter((p.wallclock or p.wallclock_time for p in points), np.float64, len(points))
    raw = [p.d_val if p.HasField("d_val") else getattr(p, p.WhichOneof("value") or "f_val") for p in points]
    if all(isinstance(v, float) for v in raw):
        values = np.asarray(raw, dtype=np.float64)
    else:
        values = np.empty(len(raw), dtype=object)
        values[:] = raw
    return SeriesColumns(steps, wallclocks, values)

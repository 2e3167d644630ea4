"""``HttpTransport``: the client's second transport, talking to a Jupyter server's REST API.

It returns the same dicts and raises the same ``ModelBoxError`` classes as the in-process
``Registry`` (the server sends the error class name as ``reason``), so the objects above it do
not know which transport they use.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json as jsonlib
import logging
import os
import shutil
import tarfile
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ..api import BY_ID, PREFIX
from ..registry.backend import BlobRef
from ..registry.backup import ARCHIVE_TOP, MANIFEST, extract_tar, write_tar
from ..registry.blobs import sha256_file
from ..registry.enums import ArtifactMime, ModelOrderBy, ModelSortBy, parse_enum
from ..registry.errors import (
    ERRORS_BY_NAME,
    IntegrityError,
    InvalidArgumentError,
    ModelBoxError,
    NotFoundError,
    ServerUnavailableError,
)
from ..registry.metric_ops import Series
from ..registry.validation import Limits, check_json_value, check_metadata
from ..registry.wire import encode_series, frame_from_json
from .direct import DirectSource, checked_range
from .progress import Progress

Doc = dict[str, Any]
log = logging.getLogger(__name__)
# one PUT carries up to this much (streamed from the file, so it is never all in memory): few
# request round trips per GiB, and a dropped connection resends at most what the server lacks.
# Each PUT ends by waiting for the parts still on their way to the store: 256 MiB measured 79 MB/s
# where 512 MiB (the server's default max_chunk_bytes) measured 94, in the same run
REQUEST_BYTES = 512 * 1024 * 1024
SEND_BLOCK = 4 * 1024 * 1024
UPLOAD_ATTEMPTS = 5
# downloads this large, where the server says ranges are faster, go as PARALLEL_RANGES ranged requests of
# RANGE_BYTES at once
PARALLEL_FROM_BYTES = 64 * 1024 * 1024
# downloads this large read the object store directly where the server hands out URLs for it
DIRECT_FROM_BYTES = 8 * 1024 * 1024
PARALLEL_RANGES = 4
RANGE_BYTES = 16 * 1024 * 1024
# types and JSON-ability are checked before sending; sizes are the server's to judge
CLIENT_LIMITS = Limits(max_metadata_bytes=2**62, max_metadata_keys=2**62)


class HttpTransport:
    def __init__(self, url: str, token: str | None = None, timeout: float = 120.0) -> None:
        self.base = f"{url.rstrip('/')}/{PREFIX}"
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        # retry only failures to connect: the request never reached the server, so it is safe
        retry = Retry(total=3, connect=3, read=0, status=0, other=0, backoff_factor=0.2, allowed_methods=None)
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        if token:
            self.session.headers["Authorization"] = f"token {token}"
        self._settle_environment()
        self._store_reachable = True  # until a direct download finds the object store does not serve this client

    def __repr__(self) -> str:
        return f"Jupyter server {self.url}"

    def _settle_environment(self) -> None:
        """What requests takes from the environment for this server's URL, taken once: the proxy
        (``HTTP(S)_PROXY``, ``ALL_PROXY``, ``NO_PROXY``), ``~/.netrc`` credentials and a CA bundle
        (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``). Every call goes to this one server, and
        requests would otherwise scan the environment and read ``~/.netrc`` again for each (about a
        fifth of the client's CPU per call); a change to those variables applies to transports made
        after it."""
        settings = self.session.merge_environment_settings(self.base, {}, None, None, None)
        self.session.proxies.update(settings["proxies"])
        if settings["verify"] not in (None, True):
            self.session.verify = settings["verify"]
        netrc = requests.utils.get_netrc_auth(self.base)
        if netrc and self.session.auth is None:
            self.session.auth = netrc
        self.session.trust_env = False

    # -- plumbing ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, json: Any = None, params: Any = None, stream: bool = False,
                 data: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
        if json is not None:
            data = self._encode(json)
            headers = {**(headers or {}), "Content-Type": "application/json"}
        try:
            response = self.session.request(method, self.base + path, params=params, stream=stream,
                                            data=data, headers=headers, timeout=self.timeout)
        except requests.ConnectionError as exc:
            raise ServerUnavailableError(f"cannot reach the Jupyter server at {self.url}: {exc}") from None
        except requests.Timeout:
            raise ServerUnavailableError(
                f"the Jupyter server at {self.url} did not answer in {self.timeout} s"
            ) from None
        if response.status_code >= 400:
            raise self._error(response)
        return response

    @staticmethod
    def _encode(body: Any) -> bytes:
        """JSON for the wire; what JSON cannot carry is the caller's error, named as in-process."""
        for field in ("metadata", "metrics"):
            if isinstance(body, dict) and field in body:
                check_metadata(body[field], CLIENT_LIMITS, "checkpoint metrics" if field == "metrics" else field)
        if isinstance(body, dict) and "value" in body:
            check_json_value(body["value"], "metadata value", CLIENT_LIMITS)
        try:
            return jsonlib.dumps(body, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise InvalidArgumentError(f"the request cannot be sent as JSON: {exc}") from None

    def _error(self, response: requests.Response) -> ModelBoxError:
        try:
            payload = response.json()
            message, reason = payload.get("message") or response.reason, payload.get("reason")
        except ValueError:
            message, reason = response.text.strip()[:200] or response.reason, None
        cls = ERRORS_BY_NAME.get(reason or "")
        if cls is None:
            if response.status_code == 404:
                message = f"{message} ({response.url}); is the jupyter_modelbox server extension enabled there?"
                cls = NotFoundError
            elif response.status_code in (401, 403):
                message = f"the Jupyter server refused the request ({response.status_code}): {message}; check the token"
                cls = ModelBoxError
            else:
                cls = ModelBoxError
        error = cls(message)
        error.status = response.status_code
        return error

    def _call(self, operation_id: str, /, *, data: Any = None, headers: dict[str, str] | None = None,
              **arguments: Any) -> Any:
        """Call a declared operation (path, verb, parameters from ``jupyter_modelbox.api``) and unwrap its reply."""
        response = self._send(operation_id, arguments, data=data, headers=headers)
        operation = BY_ID[operation_id]
        return None if response.status_code == 204 else operation.unwrap(response.json())

    def _send(self, operation_id: str, arguments: dict[str, Any], stream: bool = False, data: Any = None,
              headers: dict[str, str] | None = None) -> requests.Response:
        operation = BY_ID[operation_id]
        path, params, body = operation.request(arguments)
        return self._request(operation.verb.upper(), path, params=params, json=body, stream=stream, data=data,
                             headers=headers)

    # -- models --------------------------------------------------------------------------------

    def create_model(self, name: str, owner: str | None = None, namespace: str | None = None,
                     task: str | None = None, description: str | None = "", artifacts: list[str] | None = None,
                     metadata: dict[str, Any] | None = None, exist_ok: bool = False) -> Doc:
        return self._call("create_model", name=name, owner=owner, namespace=namespace, task=task,
                          description=description, artifacts=_strings(artifacts), metadata=metadata,
                          exist_ok=exist_ok)

    def get_model(self, model_id: str) -> Doc:
        return self._call("get_model", model_id=model_id)

    def find_model(self, name: str, namespace: str | None = None) -> Doc:
        return self._call("find_model", name=name, namespace=namespace or "default")

    def namespaces(self) -> list[str]:
        return self._call("namespaces")

    def list_models(self, namespace: str | None = None, name: str | None = None, description: str | None = None,
                    sort_by: Any = "name", order_by: Any = "asc", offset: int = 0, limit: int | None = None,
                    archived: bool | None = None, q: str | None = None) -> tuple[list[Doc], int]:
        return self._call("list_models", namespace=namespace, name=name, description=description,
                          sort_by=parse_enum(ModelSortBy, sort_by, "sort_by"),
                          order_by=parse_enum(ModelOrderBy, order_by, "order_by"), offset=offset, limit=limit,
                          archived=archived, q=q)

    def update_model(self, model_id: str, name: str | None = None, description: str | None = None,
                     task: str | None = None, owner: str | None = None, archived: bool | None = None) -> Doc:
        return self._call("update_model", model_id=model_id, name=name, description=description, task=task,
                          owner=owner, archived=archived)

    def delete_model(self, model_id: str, cascade: bool = False) -> None:
        self._call("delete_model", model_id=model_id, cascade=cascade)

    # -- metadata ------------------------------------------------------------------------------

    def merge_metadata(self, object_id: str, patch: dict[str, Any]) -> Doc:
        return self._call("merge_metadata", object_id=object_id, patch=patch)

    def set_metadata(self, object_id: str, key: str, value: Any) -> Doc:
        return self._call("set_metadata", object_id=object_id, key=key, value=value)

    def remove_metadata(self, object_id: str, keys: list[str]) -> Doc:
        return self._call("remove_metadata", object_id=object_id, keys=list(keys))

    # -- versions and tags ---------------------------------------------------------------------

    def create_version(self, model_id: str, version: str | None = None, name: str | None = None,
                       description: str | None = "", artifacts: list[str] | None = None,
                       metadata: dict[str, Any] | None = None, unique_tags: list[str] | None = None,
                       framework: str | None = None, checkpoint_uuid: str | None = None,
                       lineage: dict[str, Any] | None = None) -> Doc:
        return self._call("create_version", model_id=model_id, version=version, name=name, description=description,
                          artifacts=_strings(artifacts), metadata=metadata, unique_tags=unique_tags,
                          framework=framework, checkpoint_uuid=checkpoint_uuid, lineage=lineage)

    def get_version(self, model_id: str, ref: int | str | None = None) -> Doc | None:
        try:
            return self._call("get_version", model_id=model_id, ref=str(ref or "latest"))
        except NotFoundError as error:
            if ref in (None, "latest") and "has no versions yet" in error.message:
                return None
            raise

    def get_version_by_id(self, version_id: str) -> Doc:
        return self._call("get_version_by_id", version_id=version_id)

    def list_versions(self, model_id: str, offset: int = 0, limit: int | None = None,
                      q: str | None = None) -> tuple[list[Doc], int]:
        return self._call("list_versions", model_id=model_id, offset=offset, limit=limit, q=q)

    def search_versions(self, q: str | None = None, offset: int = 0, limit: int | None = None) -> tuple[list[Doc], int]:
        return self._call("search_versions", q=q, offset=offset, limit=limit)

    def update_version(self, version_id: str, version: str | None = None, name: str | None = None,
                       description: str | None = None, framework: str | None = None) -> Doc:
        return self._call("update_version", version_id=version_id, version=version, name=name,
                          description=description, framework=framework)

    def delete_version(self, version_id: str) -> None:
        self._call("delete_version", version_id=version_id)

    def add_tag(self, version_id: str, tag: str, move: bool = False) -> Doc:
        return self._call("add_tag", version_id=version_id, tag=tag, move=move)

    def remove_tag(self, version_id: str, tag: str) -> Doc:
        return self._call("remove_tag", version_id=version_id, tag=tag)

    def tag_history(self, model_id: str, tag: str | None = None) -> list[Doc]:
        return self._call("tag_history", model_id=model_id, tag=tag)

    def tag_holder(self, model_id: str, tag: str, at: datetime | str | None = None) -> Doc | None:
        return self._call("tag_holder", model_id=model_id, tag=tag,
                          at=at.isoformat() if isinstance(at, datetime) else at)

    # -- checkpoints ---------------------------------------------------------------------------

    def create_checkpoint(self, files: list[dict[str, Any]] | None = None, metadata: dict[str, Any] | None = None,
                          metrics: dict[str, Any] | None = None, framework: str | None = None,
                          format: str | None = None, lineage: dict[str, Any] | None = None,
                          experiment_id: str | None = None, epoch: int | None = None,
                          batch_number: int | None = None, trial_id: int | None = None,
                          hparams: dict[str, Any] | None = None) -> Doc:
        return self._call("create_checkpoint", files=files or [], metadata=metadata, metrics=metrics,
                          framework=framework, format=format, lineage=lineage, experiment_id=experiment_id,
                          epoch=epoch, batch_number=batch_number, trial_id=trial_id, hparams=hparams)

    def get_checkpoint(self, uuid: str) -> Doc:
        return self._call("get_checkpoint", uuid=uuid)

    # -- experiments ---------------------------------------------------------------------------

    def create_experiment(self, name: str, owner: str | None = None, namespace: str | None = None,
                          external_id: str | None = None, framework: str | None = None,
                          metadata: dict[str, Any] | None = None, hparams: dict[str, Any] | None = None,
                          metric: str | None = None, smaller_is_better: bool | None = None,
                          exist_ok: bool = False) -> Doc:
        return self._call("create_experiment", name=name, owner=owner, namespace=namespace, external_id=external_id,
                          framework=framework, metadata=metadata, hparams=hparams, metric=metric,
                          smaller_is_better=smaller_is_better, exist_ok=exist_ok)

    def get_experiment(self, ref: str, namespace: str | None = None) -> Doc:
        return self._call("get_experiment", ref=ref, namespace=namespace)

    def list_experiments(self, namespace: str | None = None, q: str | None = None, offset: int = 0,
                         limit: int | None = None) -> tuple[list[Doc], int]:
        return self._call("list_experiments", namespace=namespace, q=q, offset=offset, limit=limit)

    def list_checkpoints(self, experiment_id: str, epoch: int | None = None, offset: int = 0,
                         limit: int | None = None) -> tuple[list[Doc], int]:
        return self._call("list_checkpoints", experiment_id=experiment_id, epoch=epoch, offset=offset, limit=limit)

    def top_checkpoint(self, experiment_id: str, metric: str | None = None,
                       smaller_is_better: bool | None = None) -> Doc:
        return self._call("top_checkpoint", experiment_id=experiment_id, metric=metric,
                          smaller_is_better=smaller_is_better)

    def log_event(self, object_id: str, name: str, source: str | None = None, wallclock: float | None = None,
                  metadata: dict[str, Any] | None = None) -> Doc:
        return self._call("log_event", object_id=object_id, name=name, source=source, wallclock=wallclock,
                          metadata=metadata)

    def list_logged_events(self, object_id: str) -> list[Doc]:
        return self._call("list_logged_events", object_id=object_id)

    # -- artifacts -----------------------------------------------------------------------------

    def upload_blob(self, source: str | os.PathLike[str], progress: Callable[[int], None] | None = None) -> BlobRef:
        """Stream a file in large PUTs; after a failure the upload continues from the offset the server has.

        Where the server says announcing the sha256 saves work (``checksum_first`` in ``/info``: an
        object store then writes straight to the blob key, no copy afterwards), the file is hashed first;
        elsewhere a second thread hashes it while the bytes are sent (a range sent twice is hashed once).
        The server hashes what it receives either way and stores nothing unless it matches.
        """
        path = Path(source)
        size = path.stat().st_size
        announced = sha256_file(path) if self.checksum_first else None
        if announced is not None and announced[1] != size:
            raise InvalidArgumentError(f"{path} changed while it was read ({size} bytes, then {announced[1]})")
        started = self._call("start_upload", checksum=announced[0] if announced else None)
        upload_id = started["upload_id"]
        request_bytes = min(REQUEST_BYTES, started.get("max_chunk_bytes") or REQUEST_BYTES)
        with Progress(f"uploading {path.name}", size, progress) as bar, \
                ThreadPoolExecutor(1, thread_name_prefix="modelbox-sha256") as hasher:
            hashing = hasher.submit(sha256_file, path) if announced is None else None
            offset = failures = 0
            while True:
                try:
                    if offset < size:
                        offset = self._put_range(upload_id, path, offset, min(request_bytes, size - offset), bar)
                        continue
                    digest, hashed = announced or hashing.result()  # type: ignore[union-attr]
                    if hashed != size:
                        raise InvalidArgumentError(f"{path} changed while it was uploaded ({size} bytes, "
                                                   f"then {hashed})")
                    # 409: the server could not verify the bytes it had (a restart): it asks for them again
                    return BlobRef(self._call("finish_upload", upload_id=upload_id, checksum=digest))
                except ModelBoxError as error:
                    sending = offset < size
                    if not (sending and isinstance(error, ServerUnavailableError)) and error.status != 409:
                        raise
                    failures += 1
                    if failures == UPLOAD_ATTEMPTS:
                        raise ServerUnavailableError(
                            f"upload {upload_id} of {path.name} failed {failures} times; last error: {error}"
                        ) from error
                    time.sleep(0.2 * 2 ** (failures - 1))
                    offset = self._call("upload_offset", upload_id=upload_id)["offset"]  # what arrived before

    @functools.cached_property
    def ranged_downloads(self) -> bool:
        """Whether large downloads go faster as concurrent ranged requests (asked once)."""
        return bool(self.info().get("ranged_downloads"))

    @functools.cached_property
    def checksum_first(self) -> bool:
        """Whether the server stores uploads with less work when their sha256 comes first (asked once)."""
        return bool(self.info().get("checksum_first"))

    def _put_range(self, upload_id: str, path: Path, offset: int, length: int, bar: Progress) -> int:
        """Send ``length`` bytes of ``path`` from ``offset`` as one streamed PUT; the server's new offset."""
        body = _FileRange(path, offset, length, bar)
        return self._call("upload_chunk", upload_id=upload_id, offset=offset, data=body,
                          headers={"Content-Type": "application/octet-stream"})["offset"]

    def add_artifact(self, parent_id: str, blob: BlobRef, path: str, mime_type: Any = None) -> Doc:
        return self._call("add_artifact", parent_id=parent_id, path=path, checksum=blob["checksum"],
                          size=blob["size"], mime_type=_mime(mime_type))

    def add_artifacts(self, parent_id: str, items: Sequence[tuple[BlobRef, str]], mime_type: Any = None) -> list[Doc]:
        artifacts = [{"path": path, "checksum": blob["checksum"], "size": blob["size"]} for blob, path in items]
        return self._call("add_artifacts", parent_id=parent_id, artifacts=artifacts, mime_type=_mime(mime_type))

    def track_artifacts(self, parent_id: str, locations: list[str], mime_type: Any = None) -> list[Doc]:
        return self._call("track_artifacts", parent_id=parent_id, locations=_strings(locations),
                          mime_type=_mime(mime_type))

    def list_artifacts(self, parent_id: str) -> list[Doc]:
        return self._call("list_artifacts", parent_id=parent_id)

    def get_artifact(self, artifact_id: str) -> Doc:
        return self._call("get_artifact", artifact_id=artifact_id)

    def open_artifact(self, artifact_id: str) -> tuple[Doc, BinaryIO]:
        doc = self.get_artifact(artifact_id)
        what = f"artifact {doc['path']!r} from {self.url}"
        size, checksum = doc.get("size") or 0, doc.get("checksum")
        via_server = functools.partial(self._fetch_range, artifact_id, what, size)
        if checksum and size >= DIRECT_FROM_BYTES and self._store_reachable and self.direct_downloads:
            url = self._artifact_url(artifact_id)
            if url is not None:
                source = DirectSource(self._store_session, url, functools.partial(self._artifact_url, artifact_id),
                                      via_server, what, size, self.timeout)
                return doc, _RangedDownload(source.fetch, size, checksum, what,  # type: ignore[return-value]
                                            on_close=functools.partial(self._direct_done, source))
        if self.ranged_downloads and checksum and size >= PARALLEL_FROM_BYTES:
            return doc, _RangedDownload(via_server, size, checksum, what)  # type: ignore[return-value]
        response = self._send("open_artifact", {"artifact_id": artifact_id}, stream=True)
        response.raw.decode_content = True
        return doc, _Download(response.raw, what)  # type: ignore[return-value]

    def _fetch_range(self, artifact_id: str, what: str, size: int, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` (exclusive) of an artifact of ``size`` bytes, in one request."""
        response = self._send("open_artifact", {"artifact_id": artifact_id}, stream=True,
                              headers={"Range": f"bytes={start}-{end - 1}"})
        with _Download(response.raw, what) as body:
            data = body.read(end - start)
        return checked_range(data, response.status_code, response.headers.get("Content-Range", ""), what, size,
                             start, end)

    def _artifact_url(self, artifact_id: str) -> str | None:
        url: str | None = self._call("artifact_url", artifact_id=artifact_id)["url"]
        return url

    @functools.cached_property
    def direct_downloads(self) -> bool:
        """Whether the server hands out URLs to read large artifacts from the object store (asked once)."""
        return bool(self.info().get("direct_downloads"))

    @functools.cached_property
    def _store_session(self) -> requests.Session:
        """Requests to the object store: no token (a presigned URL carries its own signature)."""
        session = requests.Session()
        session.mount("http://", HTTPAdapter(pool_maxsize=PARALLEL_RANGES))
        session.mount("https://", HTTPAdapter(pool_maxsize=PARALLEL_RANGES))
        return session

    def _direct_done(self, source: DirectSource) -> None:
        if source.unreachable is not None and self._store_reachable:
            self._store_reachable = False
            log.warning("artifacts are read through the Jupyter server at %s from now on: the object store did not "
                        "serve this client (%s)", self.url, source.unreachable)

    def delete_artifact(self, artifact_id: str) -> None:
        self._call("delete_artifact", artifact_id=artifact_id)

    # -- metrics and events --------------------------------------------------------------------

    def log_metrics(self, parent_id: str, series: Series) -> int:
        return self._call("log_metrics", parent_id=parent_id, series=encode_series(series))

    def metric_keys(self, parent_id: str) -> list[str]:
        return self._call("metric_keys", parent_id=parent_id)

    def read_metrics(self, parent_id: str, keys: Sequence[str] | None = None, max_points: int | None = None,
                     method: str = "minmax_lttb") -> pd.DataFrame:
        frame = self._call("read_metrics", parent_id=parent_id, keys=list(keys or []), max_points=max_points,
                           method=getattr(method, "value", method))
        return frame_from_json(frame)

    def events(self, since: int = 0, limit: int = 1000, timeout: float = 0.0) -> list[Doc]:
        return self._call("events", since=since, limit=limit, timeout=timeout)["events"]

    def info(self) -> Doc:
        return self._call("info")

    @functools.cached_property
    def limits(self) -> Limits:
        """The server's limits (asked once, from ``GET /info``)."""
        served = self.info().get("limits", {})
        names = {field.name for field in dataclasses.fields(Limits)}
        return Limits(**{name: value for name, value in served.items() if name in names})

    # -- maintenance ---------------------------------------------------------------------------

    def check(self, repair: bool = False, verify_bytes: bool = True) -> list[Doc]:
        return self._call("check", repair=repair, verify_bytes=verify_bytes)

    def collect_garbage(self, grace_seconds: float | None = None, dry_run: bool = False,
                        upload_timeout_seconds: float | None = None) -> Doc:
        given: dict[str, Any] = {"grace_seconds": grace_seconds, "upload_timeout_seconds": upload_timeout_seconds}
        return self._call("collect_garbage", dry_run=dry_run, **{k: v for k, v in given.items() if v is not None})

    def export_to(self, dest: str | os.PathLike[str]) -> Doc:
        """Download the server's export as ``dest`` (a ``.tar``) or unpacked into the folder ``dest``."""
        target = Path(dest)
        if target.exists() and (target.is_file() or any(target.iterdir())):
            raise InvalidArgumentError(f"export target {target} is not empty")
        archive = target if target.suffix == ".tar" else target.with_name(f".{target.name}.download.tar")
        response = self._send("export", {}, stream=True)
        try:
            with open(archive, "wb") as out:
                for block in response.iter_content(1024 * 1024):
                    out.write(block)
            if archive == target:
                with tarfile.open(archive) as tar:
                    return jsonlib.loads(tar.extractfile(f"{ARCHIVE_TOP}/{MANIFEST}").read())  # type: ignore[union-attr]
            with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
                folder = extract_tar(archive, Path(scratch))
                shutil.move(folder, target)
            return jsonlib.loads((target / MANIFEST).read_text())
        finally:
            if archive != target:
                archive.unlink(missing_ok=True)

    def import_from(self, src: str | os.PathLike[str]) -> Doc:
        """Upload an export (folder or ``.tar``) and load it into the server's empty registry."""
        source = Path(src)
        if source.is_dir():
            with tempfile.TemporaryDirectory() as scratch:
                archive = Path(scratch) / "export.tar"
                with open(archive, "wb") as out:
                    write_tar(source, out)
                blob = self.upload_blob(archive)
        else:
            blob = self.upload_blob(source)
        return self._call("import_upload", checksum=blob["checksum"])


def _strings(values: Any) -> list[str] | None:
    """Paths (``str`` or ``os.PathLike``, one or a list) as JSON strings."""
    if values is None:
        return None
    return [os.fspath(v) for v in ([values] if isinstance(values, (str, os.PathLike)) else values)]


def _mime(mime_type: Any) -> str | None:
    return None if mime_type is None else parse_enum(ArtifactMime, mime_type, "mime_type").value


class _Download:
    """The body of a download; a connection that breaks off mid-body is a clear error, not urllib3's."""

    def __init__(self, raw: Any, what: str) -> None:
        self._raw = raw
        self._what = what
        self._received = 0

    def read(self, size: int = -1) -> bytes:
        try:
            block: bytes = self._raw.read(size)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ServerUnavailableError(
                f"the download of {self._what} broke off after {self._received} bytes ({type(exc).__name__}): the "
                "connection dropped, or the server refused to finish sending bytes that fail their sha256 check "
                "(see its log); nothing was written") from None
        self._received += len(block)
        return block

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> _Download:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _RangedDownload:
    """The bytes of a large download, fetched as ``PARALLEL_RANGES`` ranged requests at once (one stream
    through the server is slower than several, as boto3's ``download_file`` finds for S3) and handed
    over in order, at most ``PARALLEL_RANGES`` + 3 ranges in memory.

    A second thread hashes each range while the caller writes the one before, and the last bytes are
    withheld (``IntegrityError``) unless everything has the sha256 of the record (``verifies``): bytes
    changed behind the registry never arrive whole. A ``read`` of a whole range returns it uncopied.
    """

    def __init__(self, fetch: Callable[[int, int], bytes], size: int, checksum: str, what: str,
                 on_close: Callable[[], None] | None = None) -> None:
        self._fetch, self._size, self.verifies, self._what = fetch, size, checksum, what
        self._on_close = on_close
        self._pool = ThreadPoolExecutor(PARALLEL_RANGES, thread_name_prefix="modelbox-download")
        self._hasher = ThreadPoolExecutor(1, thread_name_prefix="modelbox-sha256")
        self._ahead: deque[Future[bytes]] = deque()
        self._hashing: deque[Future[None]] = deque()
        self._next = self._position = self._offset = 0
        self._range = b""
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        if self._position >= self._size:
            return b""
        if self._offset == len(self._range):
            while len(self._ahead) < PARALLEL_RANGES and self._next < self._size:
                end = min(self._size, self._next + RANGE_BYTES)
                self._ahead.append(self._pool.submit(self._fetch, self._next, end))
                self._next = end
            self._range, self._offset = self._ahead.popleft().result(), 0
            self._hashing.append(self._hasher.submit(self._digest.update, self._range))  # in order: one thread
            while len(self._hashing) > 2:
                self._hashing.popleft().result()
        wanted = len(self._range) - self._offset if size < 0 else min(size, len(self._range) - self._offset)
        block = self._range if wanted == len(self._range) else self._range[self._offset:self._offset + wanted]
        self._offset += wanted
        self._position += wanted
        if self._position == self._size:
            while self._hashing:
                self._hashing.popleft().result()
            if self._digest.hexdigest() != self.verifies:
                raise IntegrityError(f"{self._what} arrived with sha256 {self._digest.hexdigest()}, but it was "
                                     f"recorded as {self.verifies}: the stored bytes were changed; nothing was written")
        return block

    def close(self) -> None:
        for future in self._ahead:
            future.cancel()
        self._ahead.clear()
        self._pool.shutdown(wait=True)
        self._hasher.shutdown(wait=True)
        if self._on_close is not None:
            self._on_close()

    def __enter__(self) -> _RangedDownload:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _FileRange:
    """A request body of ``length`` bytes of a file from ``offset``, read block by block into one buffer.

    ``requests`` sends it with a Content-Length (from ``__len__``) and writes each block as it is
    produced; progress counts only bytes not already reported by an earlier, failed attempt.
    """

    def __init__(self, path: Path, offset: int, length: int, bar: Progress) -> None:
        self.path, self.offset, self.length, self.bar = path, offset, length, bar

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[memoryview]:
        buffer = memoryview(bytearray(min(SEND_BLOCK, self.length)))
        position, end = self.offset, self.offset + self.length
        with open(self.path, "rb", buffering=0) as handle:
            handle.seek(position)
            while position < end:
                count = handle.readinto(buffer[: min(len(buffer), end - position)])
                if not count:
                    raise InvalidArgumentError(f"{self.path} became shorter while it was uploaded")
                yield buffer[:count]
                position += count
                if position > self.bar.done:
                    self.bar.update(position - self.bar.done)

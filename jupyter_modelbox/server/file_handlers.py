"""REST handlers for artifact bytes: resumable chunked uploads, records, streamed downloads."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import os
import re
import urllib.parse
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import ensure_async
from tornado import web
from tornado.web import HTTPError

from ..registry import ModelBoxError
from ..registry.errors import InvalidArgumentError, NotFoundError
from ..registry.uploads import UploadStream
from .base import ModelboxHandler, http_error

DOWNLOAD_BLOCK = 1024 * 1024
WRITE_BLOCK = 4 * 1024 * 1024
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class ArtifactsHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, object_id: str) -> None:
        self.reply({"artifacts": await self.call(self.registry.list_artifacts, object_id)})

    @web.authenticated
    @authorized
    async def post(self, object_id: str) -> None:
        """Record bytes already uploaded (``checksum`` from a finished upload) under ``path``."""
        body = self.body({"path", "checksum", "size", "mime_type"}, {"path", "checksum"})
        blob = {"checksum": body["checksum"], "size": body.get("size")}
        artifact = await self.call(self.registry.add_artifact, object_id, blob, body["path"], body.get("mime_type"),
                                   actor=self.actor)
        self.reply(artifact, 201)


class ArtifactBatchHandler(ModelboxHandler):
    """Record many uploads at once (one request and one journal write for a folder of small files)."""

    @web.authenticated
    @authorized
    async def post(self, object_id: str) -> None:
        body = self.body({"artifacts", "mime_type"}, {"artifacts"})
        items = body["artifacts"]
        if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
            raise http_error(InvalidArgumentError(
                "'artifacts' must be a non-empty list of {\"path\", \"checksum\", \"size\"} objects"))
        pairs = []
        for index, item in enumerate(items):
            unknown = sorted(set(item) - {"path", "checksum", "size"})
            if unknown or "path" not in item or "checksum" not in item:
                raise http_error(InvalidArgumentError(
                    f"artifacts[{index}] needs 'path' and 'checksum' (and may have 'size')"
                    + (f"; unknown: {', '.join(unknown)}" if unknown else "")))
            pairs.append(({"checksum": item["checksum"], "size": item.get("size")}, item["path"]))
        created = await self.call(self.registry.add_artifacts, object_id, pairs, body.get("mime_type"),
                                  actor=self.actor)
        self.reply({"artifacts": created}, 201)


class ContentsArtifactsHandler(ModelboxHandler):
    """Copy files the JupyterLab file browser shows into the registry, server-side (no bytes via the browser).

    Paths are resolved by Jupyter's contents manager, so they cannot leave its root dir and
    hidden files stay hidden unless the server allows them.
    """

    @web.authenticated
    @authorized
    async def post(self, object_id: str) -> None:
        body = self.body({"paths", "mime_type"}, {"paths"})
        paths = body["paths"]
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise http_error(InvalidArgumentError("'paths' must be a non-empty list of file browser paths"))
        sources = [item for path in paths for item in await self._files(path)]
        created = await self.call(self.registry.add_files, object_id, sources, body.get("mime_type"), actor=self.actor)
        self.reply({"artifacts": created}, 201)

    async def _files(self, path: str) -> list[tuple[str, str]]:
        """``(os path, artifact path)`` of a contents path: one file, or every file of a folder."""
        manager = self.contents_manager
        path = path.strip("/")
        if not hasattr(manager, "_get_os_path"):
            raise http_error(InvalidArgumentError(
                "this server's contents manager does not keep files on disk; upload the file instead"))
        try:
            os_path = manager._get_os_path(path)
        except HTTPError:
            raise http_error(NotFoundError(f"{path!r} is outside the server's root directory")) from None
        hidden = await ensure_async(manager.is_hidden(path)) if path else False
        if hidden and not manager.allow_hidden:
            raise http_error(NotFoundError(f"{path!r} is hidden on this server"))
        if os.path.isfile(os_path):
            return [(os_path, os.path.basename(os_path))]
        if not os.path.isdir(os_path):
            raise http_error(NotFoundError(f"{path!r} does not exist in the file browser"))
        found = []
        top = os.path.basename(os_path.rstrip(os.sep))
        for folder, dirs, names in os.walk(os_path):
            dirs[:] = sorted(d for d in dirs if manager.allow_hidden or not d.startswith("."))
            for name in sorted(names):
                if manager.allow_hidden or not name.startswith("."):
                    full = os.path.join(folder, name)
                    found.append((full, f"{top}/{os.path.relpath(full, os_path).replace(os.sep, '/')}"))
        return found


class TrackedArtifactsHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def post(self, object_id: str) -> None:
        body = self.body({"locations", "mime_type"}, {"locations"})
        docs = await self.call(self.registry.track_artifacts, object_id, body["locations"], body.get("mime_type"),
                               actor=self.actor)
        self.reply({"artifacts": docs}, 201)


class ArtifactHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, artifact_id: str) -> None:
        self.reply(await self.call(self.registry.get_artifact, artifact_id))

    @web.authenticated
    @authorized
    async def delete(self, artifact_id: str) -> None:
        await self.call(self.registry.delete_artifact, artifact_id, actor=self.actor)
        self.set_status(204)
        self.finish()


class ArtifactContentHandler(ModelboxHandler):
    """Streams the bytes with their sha256 (``X-Checksum-Sha256``); ``Range: bytes=N-`` resumes."""

    @web.authenticated
    @authorized
    async def get(self, artifact_id: str) -> None:
        doc, stream = await self.call(self.registry.open_artifact, artifact_id)
        loop = asyncio.get_running_loop()
        try:
            size = os.fstat(stream.fileno()).st_size
            start, end = self._range(size)
            if start:
                await loop.run_in_executor(self.executor, stream.seek, start)
            self.set_status(206 if self.request.headers.get("Range") else 200)
            if self.request.headers.get("Range"):
                self.set_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
            self._headers_for(doc, end - start)
            remaining = end - start
            while remaining > 0:
                block = await loop.run_in_executor(self.executor, stream.read, min(DOWNLOAD_BLOCK, remaining))
                if not block:
                    break
                remaining -= len(block)
                self.write(block)
                await self.flush()
        finally:
            stream.close()
        self.finish()

    def _range(self, size: int) -> tuple[int, int]:
        header = self.request.headers.get("Range")
        if not header:
            return 0, size
        match = RANGE.match(header.strip())
        if not match or int(match.group(1)) > size:
            raise HTTPError(416, f"unsatisfiable range {header!r} for {size} bytes", reason="InvalidArgumentError")
        end = int(match.group(2)) + 1 if match.group(2) else size
        return int(match.group(1)), min(end, size)

    def _headers_for(self, doc: dict[str, Any], length: int) -> None:
        name = os.path.basename(doc["path"]) or "artifact"
        ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("\\", "_")
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header(
            "Content-Disposition",
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{urllib.parse.quote(name)}",
        )
        self.set_header("Content-Length", str(length))
        if doc["checksum"]:
            self.set_header("X-Checksum-Sha256", doc["checksum"])
            digest = base64.b64encode(bytes.fromhex(doc["checksum"])).decode()
            self.set_header("Repr-Digest", f"sha-256=:{digest}:")


class UploadsHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        self.body(())
        started = await self.call(self.registry.start_upload)
        self.reply({**started, "max_chunk_bytes": self.settings["modelbox_max_chunk_bytes"]}, 201)


@web.stream_request_body
class UploadHandler(ModelboxHandler):
    """``PUT ?offset=N`` appends a chunk as it streams in (never held whole in memory).

    The body is streamed before the verb method runs, so authentication and authorization
    are checked in ``prepare()``, before any byte is read.
    """

    _stream: UploadStream | None = None
    _refusal: HTTPError | None = None  # answered after the body is read, so the connection stays usable

    def initialize(self) -> None:
        self._pending: list[bytes] = []  # body pieces not yet written (kept apart: joining them would copy)
        self._pending_bytes = 0
        self._writing = asyncio.Lock()  # pieces reach the file in order, including the last one on a drop

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        if self.request.method != "PUT":
            return
        if self.current_user is None:
            raise HTTPError(403, "authentication required")
        allowed = self.authorizer.is_authorized(self, self.current_user, "write", self.auth_resource)
        if inspect.isawaitable(allowed):
            allowed = await allowed
        if not allowed:
            raise HTTPError(403, "not authorized to upload to the model registry")
        self.request.connection.set_max_body_size(self.settings["modelbox_max_chunk_bytes"])
        try:
            self._stream = await self._open(self.path_kwargs["upload_id"])
        except HTTPError as refusal:
            self._refusal = refusal

    async def _open(self, upload_id: str) -> UploadStream:
        offset = self.int_arg("offset")
        if offset is None:
            raise http_error(InvalidArgumentError("PUT needs ?offset=N: the number of bytes already received"))
        return await self.call(self.registry.open_upload_stream, upload_id, offset)

    async def data_received(self, chunk: bytes) -> None:
        if self._stream is None:
            return  # refused in prepare(): the body is read and dropped so the connection stays usable
        self._pending.append(chunk)
        self._pending_bytes += len(chunk)
        if self._pending_bytes >= WRITE_BLOCK:  # one thread hop per few MiB, not per 64 KiB piece
            await self._write_pending()

    async def _write_pending(self) -> None:
        async with self._writing:
            if self._stream is not None and self._pending:
                pieces, self._pending, self._pending_bytes = self._pending, [], 0
                await asyncio.get_running_loop().run_in_executor(self.executor, self._stream.write_all, pieces)

    def on_finish(self) -> None:
        self._close_stream()

    def on_connection_close(self) -> None:
        # bytes that arrived stay: they are correct bytes at correct offsets, and the client resumes
        self._closing = asyncio.ensure_future(self._save_and_close())
        super().on_connection_close()

    async def _save_and_close(self) -> None:
        await self._write_pending()
        self._close_stream()

    def _close_stream(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(OSError, ModelBoxError):
                self._stream.close()
            self._stream = None

    @web.authenticated
    @authorized
    async def get(self, upload_id: str) -> None:
        self.reply(await self.call(self.registry.upload_offset, upload_id))

    @web.authenticated
    @authorized
    async def put(self, upload_id: str) -> None:
        if self._refusal is not None:
            raise self._refusal
        await self._write_pending()
        stream, self._stream = self._stream, None
        if stream is not None:
            await self.call(stream.close)  # flush + fsync
        self.reply(await self.call(self.registry.upload_offset, upload_id))

    @web.authenticated
    @authorized
    async def delete(self, upload_id: str) -> None:
        await self.call(self.registry.cancel_upload, upload_id)
        self.set_status(204)
        self.finish()


class UploadFinishHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def post(self, upload_id: str) -> None:
        body = self.body({"checksum"}, {"checksum"})
        self.reply(await self.call(self.registry.finish_upload, upload_id, body["checksum"]))

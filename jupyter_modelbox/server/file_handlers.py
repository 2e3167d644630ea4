"""Artifact operations that are more than one call: records from uploads, file-browser copies, streamed
downloads and resumable chunked uploads (the streaming ``uploads/{upload_id}`` handler base)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import os
import re
import urllib.parse
from typing import Any

from jupyter_server.utils import ensure_async
from tornado import web
from tornado.web import HTTPError

from ..api import BY_ID, Operation
from ..registry import ModelBoxError
from ..registry.errors import InvalidArgumentError, NotFoundError
from ..registry.uploads import UploadStream
from .base import ModelboxHandler, http_error
from .dispatch import Arguments, implements

DOWNLOAD_BLOCK = 8 * 1024 * 1024  # a whole range of an S3 object's reader (sent without a copy)
WRITE_BLOCK = 4 * 1024 * 1024
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


@implements("add_artifact")
async def add_artifact(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    """Record bytes already uploaded (``checksum`` from a finished upload) under ``path``."""
    blob = {"checksum": args["checksum"], "size": args.get("size")}
    handler.reply_to(operation, await handler.call(handler.registry.add_artifact, args["object_id"], blob,
                                                   args["path"], args.get("mime_type"), actor=handler.actor))


@implements("add_artifacts")
async def add_artifacts(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    """Record many uploads at once (one request and one journal write for a folder of small files)."""
    pairs = [({"checksum": item["checksum"], "size": item.get("size")}, item["path"]) for item in args["artifacts"]]
    handler.reply_to(operation, await handler.call(handler.registry.add_artifacts, args["object_id"], pairs,
                                                   args.get("mime_type"), actor=handler.actor))


@implements("add_contents")
async def add_contents(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    """Copy files the JupyterLab file browser shows into the registry, server-side (no bytes via the browser).

    Paths are resolved by Jupyter's contents manager, so they cannot leave its root dir and
    hidden files stay hidden unless the server allows them.
    """
    sources = [item for path in args["paths"] for item in await _contents_files(handler, path)]
    handler.reply_to(operation, await handler.call(handler.registry.add_files, args["object_id"], sources,
                                                   args.get("mime_type"), actor=handler.actor))


async def _contents_files(handler: ModelboxHandler, path: str) -> list[tuple[str, str]]:
    """``(os path, artifact path)`` of a contents path: one file, or every file of a folder."""
    manager = handler.contents_manager
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


@implements("open_artifact")
async def open_artifact(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    """Streams the bytes with their sha256 (``X-Checksum-Sha256``); ``Range: bytes=N-`` resumes."""
    presigned = handler.settings.get("modelbox_presigned_seconds")
    if presigned:
        url = await handler.call(handler.registry.artifact_download_url, args["artifact_id"], presigned)
        if url is not None:
            handler.redirect(url, status=307)  # the client still verifies the sha256 it has from the record
            return
    doc, stream = await handler.call(handler.registry.open_artifact, args["artifact_id"])
    try:
        size = await handler.call(stream.seek, 0, os.SEEK_END)  # a file or an S3 object
        ranged = handler.request.headers.get("Range")
        start, end = _range(ranged, size)
        await handler.call(stream.seek, start)
        if ranged and hasattr(stream, "limit"):  # an S3 object: fetch nothing past the range ahead
            stream.limit(end)
        handler.set_status(206 if ranged else 200)
        if ranged:
            handler.set_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
        _download_headers(handler, doc, end - start)
        remaining = end - start
        while remaining > 0:
            # a store that verifies as it reads refuses the last block of changed bytes: after the
            # headers, that error ends the connection short of Content-Length
            block = await handler.call(stream.read, min(DOWNLOAD_BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            handler.write(block)
            await handler.flush()
    finally:
        stream.close()
    handler.finish()


@implements("artifact_url")
async def artifact_url(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    seconds = handler.settings.get("modelbox_direct_download_seconds") or 0  # 0: turned off (still a 404 if missing)
    url = await handler.call(handler.registry.artifact_download_url, args["artifact_id"], seconds)
    handler.reply_to(operation, {"url": url, "expires_in": seconds if url else 0})


def _range(header: str | None, size: int) -> tuple[int, int]:
    if not header:
        return 0, size
    match = RANGE.match(header.strip())
    if not match or int(match.group(1)) > size:
        raise HTTPError(416, f"unsatisfiable range {header!r} for {size} bytes", reason="InvalidArgumentError")
    end = int(match.group(2)) + 1 if match.group(2) else size
    return int(match.group(1)), min(end, size)


def _download_headers(handler: ModelboxHandler, doc: dict[str, Any], length: int) -> None:
    name = os.path.basename(doc["path"]) or "artifact"
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("\\", "_")
    handler.set_header("Content-Type", "application/octet-stream")
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.set_header(
        "Content-Disposition",
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{urllib.parse.quote(name)}",
    )
    handler.set_header("Content-Length", str(length))
    if doc["checksum"]:
        handler.set_header("X-Checksum-Sha256", doc["checksum"])
        digest = base64.b64encode(bytes.fromhex(doc["checksum"])).decode()
        handler.set_header("Repr-Digest", f"sha-256=:{digest}:")


@implements("start_upload")
async def start_upload(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    started = await handler.call(handler.registry.start_upload, args.get("checksum"))
    handler.reply_to(operation, {**started, "max_chunk_bytes": handler.settings["modelbox_max_chunk_bytes"]})


@web.stream_request_body
class UploadStreamHandler(ModelboxHandler):
    """The base of ``uploads/{upload_id}``: ``PUT ?offset=N`` appends a chunk as it streams in (never
    held whole in memory).

    The body is streamed before the verb method runs, so authentication, authorization and the
    offset are checked in ``prepare()``, before any byte is read.
    """

    _stream: UploadStream | None = None
    _refusal: HTTPError | None = None  # answered after the body is read, so the connection stays usable
    _reading_body = False

    def initialize(self) -> None:
        self._pending: list[bytes] = []  # body pieces not yet written (kept apart: joining them would copy)
        self._pending_bytes = 0
        self._writing = asyncio.Lock()  # pieces reach the file in order, including the last one on a drop

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()  # refuses a cookie session without the XSRF token, before the body
        if self.request.method == "PUT":
            await self._open_chunk()
        self._reading_body = True  # from here on tornado reads the whole body: the connection stays usable

    async def _open_chunk(self) -> None:
        if self.current_user is None:
            raise HTTPError(403, "authentication required")
        allowed = self.authorizer.is_authorized(self, self.current_user, "write", self.auth_resource)
        if inspect.isawaitable(allowed):
            allowed = await allowed
        if not allowed:
            raise HTTPError(403, "not authorized to upload to the model registry")
        self.request.connection.set_max_body_size(self.settings["modelbox_max_chunk_bytes"])
        try:
            offset = self.arguments(BY_ID["upload_chunk"])["offset"]
            self._stream = await self.call(self.registry.open_upload_stream, self.path_kwargs["upload_id"], offset)
        except HTTPError as refusal:
            self._refusal = refusal

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A request refused before its body is read ends the connection (tornado does not read the
        body then): say so, or the client sends its next request on a connection about to close."""
        headers = self.request.headers
        has_body = headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in headers
        if has_body and not self._reading_body:
            self.set_header("Connection", "close")
        super().write_error(status_code, **kwargs)

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
                try:
                    await self.call(self._stream.write_all, pieces)
                except HTTPError as refusal:  # e.g. the object store went away: the rest is read and dropped,
                    self._refusal = refusal  # the session keeps what was stored, the client resumes from there
                    await asyncio.get_running_loop().run_in_executor(self.executor, self._close_stream)

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

    async def finish_chunk(self) -> None:
        """The end of ``PUT``: the refusal from ``prepare()``, or the last bytes written and fsynced."""
        if self._refusal is None:
            await self._write_pending()
        if self._refusal is not None:
            raise self._refusal
        stream, self._stream = self._stream, None
        if stream is not None:
            await self.call(stream.close)  # flush + fsync


@implements("upload_chunk")
async def upload_chunk(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    assert isinstance(handler, UploadStreamHandler)
    await handler.finish_chunk()
    handler.reply_to(operation, await handler.call(handler.registry.upload_offset, args["upload_id"]))

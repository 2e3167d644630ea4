"""REST handlers for registry maintenance: check/repair, export (a tar stream) and import."""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from ..registry.backup import write_tar
from .base import ModelboxHandler

STREAM_BLOCK = 1024 * 1024


class CheckHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body({"repair", "verify_bytes"})
        findings = await self.call(self.registry.check, bool(body.get("repair")), body.get("verify_bytes", True))
        self.reply({"findings": findings})


class _QueueSink(io.RawIOBase):
    """A writable file whose bytes go to an asyncio queue (tarfile writes from a worker thread)."""

    def __init__(self, queue: asyncio.Queue[bytes | None], loop: asyncio.AbstractEventLoop) -> None:
        self.queue, self.loop = queue, loop
        self.cancelled = threading.Event()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.cancelled.is_set():
            raise OSError("the client went away")
        asyncio.run_coroutine_threadsafe(self.queue.put(bytes(data)), self.loop).result()
        return len(data)


class ExportHandler(ModelboxHandler):
    """The whole registry as a tar stream (documents, metric series, artifact bytes)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        scratch = Path(tempfile.mkdtemp(dir=self.registry.root, prefix=".export-"))  # same disk: blobs hard-link
        try:
            await self.call(self.registry.export_to, scratch / "export")
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            self.set_header("Content-Type", "application/x-tar")
            self.set_header("Content-Disposition", f'attachment; filename="modelbox-export-{stamp}.tar"')
            self.set_header("X-Content-Type-Options", "nosniff")
            await self._stream(scratch / "export")
        finally:
            await asyncio.get_running_loop().run_in_executor(self.executor, shutil.rmtree, scratch, True)

    async def _stream(self, folder: Path) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=4)
        sink = _QueueSink(queue, loop)

        def produce() -> None:
            try:
                with io.BufferedWriter(sink, buffer_size=STREAM_BLOCK) as buffered:
                    write_tar(folder, buffered)
            finally:
                asyncio.run_coroutine_threadsafe(queue.put(None), loop).result()

        producer = loop.run_in_executor(self.executor, produce)
        try:
            while (block := await queue.get()) is not None:
                self.write(block)
                await self.flush()
        except StreamClosedError:
            sink.cancelled.set()
            while await queue.get() is not None:  # let the producer notice and finish
                pass
        finally:
            with contextlib.suppress(OSError):  # OSError: cancelled because the client disconnected
                await producer


class ImportHandler(ModelboxHandler):
    """Load an export archive, uploaded first through /uploads, into this (empty) registry."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body({"checksum"}, {"checksum"})
        self.reply({"manifest": await self.call(self.registry.import_upload, body["checksum"])})

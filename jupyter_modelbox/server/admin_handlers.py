"""Registry maintenance: export streams a tar (check and import are plain registry calls)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from tornado.iostream import StreamClosedError

from ..api import Operation
from ..registry.backup import write_tar
from .base import ModelboxHandler
from .dispatch import Arguments, implements

STREAM_BLOCK = 1024 * 1024


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


@implements("export")
async def export(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    """The whole registry as a tar stream (documents, metric series, artifact bytes)."""
    loop = asyncio.get_running_loop()
    scratch = Path(tempfile.mkdtemp(dir=handler.registry.backend.scratch_dir, prefix=".export-"))  # blobs hard-link
    try:
        await handler.call(handler.registry.export_to, scratch / "export")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        handler.set_header("Content-Type", "application/x-tar")
        handler.set_header("Content-Disposition", f'attachment; filename="modelbox-export-{stamp}.tar"')
        handler.set_header("X-Content-Type-Options", "nosniff")
        await _stream_tar(handler, scratch / "export")
    finally:
        await loop.run_in_executor(handler.executor, shutil.rmtree, scratch, True)


async def _stream_tar(handler: ModelboxHandler, folder: Path) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=4)
    sink = _QueueSink(queue, loop)

    def produce() -> None:
        try:
            with io.BufferedWriter(sink, buffer_size=STREAM_BLOCK) as buffered:
                write_tar(folder, buffered)
        finally:
            asyncio.run_coroutine_threadsafe(queue.put(None), loop).result()

    producer = loop.run_in_executor(handler.executor, produce)
    try:
        while (block := await queue.get()) is not None:
            handler.write(block)
            await handler.flush()
    except StreamClosedError:
        sink.cancelled.set()
        while await queue.get() is not None:  # let the producer notice and finish
            pass
    finally:
        with contextlib.suppress(OSError):  # OSError: cancelled because the client disconnected
            await producer

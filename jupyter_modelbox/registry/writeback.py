"""Move a growing file's bytes to stable storage while it is written, so the closing fsync is short.

Linux keeps written pages dirty in memory until dirty_background_ratio of RAM (gigabytes on a big
machine) and a disk may hold what it was sent in its cache: left alone, a 1 GiB upload is written
and flushed during the final fsync, while the network sits idle. Measured on the development
machine (ext4 on a virtual disk): that fsync drops from ~0.8 s to ~0.06 s per GiB.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

SYNC_FILE_RANGE_WAIT_BEFORE = 1  # <linux/fs.h>: wait for write-out already under way in the range
SYNC_FILE_RANGE_WRITE = 2  # submit dirty pages for write-out, do not wait
SYNC_FILE_RANGE_WAIT_AFTER = 4  # wait for the write-out submitted
SYNC_EVERY_BYTES = 64 * 1024 * 1024

_SYNCERS = ThreadPoolExecutor(2, thread_name_prefix="modelbox-fdatasync")


def _linux_sync_file_range() -> Callable[[int, int, int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_sync_file_range = _linux_sync_file_range()


def start_writeback(fd: int) -> None:
    """Ask the kernel to begin writing the file's dirty pages now (no-op where unsupported)."""
    if _sync_file_range is not None:
        _sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE)


def finish_writeback(fd: int, offset: int, count: int) -> None:
    """Write the file's dirty pages in ``[offset, offset + count)`` to the disk and wait until they are
    there (no-op where unsupported): a writer that calls it per piece never has more than a piece or two
    in flight, so another file's fdatasync never queues behind its data."""
    if _sync_file_range is not None:
        _sync_file_range(fd, offset, count,
                         SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)


class BackgroundSync:
    """Per growing file: starts write-out after each write and an ``fdatasync`` every ``every`` bytes.

    The fdatasync runs on a duplicate of the descriptor in a background thread (at most one at a
    time), so the writer never waits and may close its descriptor. An error it meets is kept and
    raised by ``wait()``: the kernel reports a write-back error once, so it must not be lost here.
    """

    def __init__(self, every: int = SYNC_EVERY_BYTES) -> None:
        self.every = every
        self._unsynced = 0
        self._running: Future[None] | None = None
        self._error: OSError | None = None

    def wrote(self, fd: int, count: int) -> None:
        start_writeback(fd)
        self._unsynced += count
        if self._unsynced >= self.every and (self._running is None or self._running.done()):
            self._unsynced = 0
            self._running = _SYNCERS.submit(self._sync, os.dup(fd))

    def _sync(self, fd: int) -> None:
        try:
            os.fdatasync(fd)
        except OSError as exc:
            self._error = self._error or exc
        finally:
            os.close(fd)

    def wait(self) -> None:
        """Let the background fdatasync in flight end; raise the first error any of them met."""
        if self._running is not None:
            self._running.result()
        if self._error is not None:
            raise self._error

"""Resumable uploads: bytes arrive in chunks (possibly over several connections), then are checked."""

from __future__ import annotations

import os
import threading
import uuid
from typing import BinaryIO

from .backend import BlobRef
from .base import RegistryBase
from .errors import ConflictError, StorageError


class UploadStream:
    """Appends to an upload's staging file; ``close()`` makes the bytes durable and frees the upload."""

    def __init__(self, handle: BinaryIO, lock: threading.Lock) -> None:
        self._handle = handle
        self._lock = lock

    def write(self, data: bytes) -> None:
        try:
            self._handle.write(data)
        except OSError as exc:
            raise StorageError(f"could not write upload bytes: {exc}") from exc

    def close(self) -> None:
        if self._handle.closed:
            return
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
        finally:
            self._handle.close()
            self._lock.release()


class UploadOps(RegistryBase):
    """Chunks go to a staging file without taking the registry lock (uploads run in parallel)."""

    _upload_locks: dict[str, threading.Lock]

    def _upload_lock(self, upload_id: str) -> threading.Lock:
        with self._lock:
            if not hasattr(self, "_upload_locks"):
                self._upload_locks = {}
            return self._upload_locks.setdefault(upload_id, threading.Lock())

    def start_upload(self) -> dict[str, object]:
        upload_id = uuid.uuid4().hex
        self.blobs.start_upload(upload_id)
        return {"upload_id": upload_id, "offset": 0}

    def upload_offset(self, upload_id: str) -> dict[str, object]:
        return {"upload_id": upload_id, "offset": self.blobs.upload_offset(upload_id)}

    def append_upload(self, upload_id: str, offset: int, stream: BinaryIO) -> dict[str, object]:
        """Append ``stream`` at ``offset``, which must equal the bytes received so far."""
        with self._upload_lock(upload_id):
            size = self.blobs.append_upload(upload_id, offset, stream)
        return {"upload_id": upload_id, "offset": size}

    def open_upload_stream(self, upload_id: str) -> UploadStream:
        """A stream appending to the upload (for a server that receives a chunk piece by piece)."""
        lock = self._upload_lock(upload_id)
        if not lock.acquire(blocking=False):
            raise ConflictError(f"a chunk of upload {upload_id} is already being received")
        try:
            return UploadStream(self.blobs.open_upload(upload_id), lock)
        except BaseException:
            lock.release()
            raise

    def finish_upload(self, upload_id: str, checksum: str) -> BlobRef:
        """Check the sha256 of everything received and move it into the blob store."""
        with self._upload_lock(upload_id):
            try:
                return self.blobs.finish_upload(upload_id, checksum)
            finally:
                with self._lock:
                    self._upload_locks.pop(upload_id, None)

    def cancel_upload(self, upload_id: str) -> None:
        self.blobs.cancel_upload(upload_id)

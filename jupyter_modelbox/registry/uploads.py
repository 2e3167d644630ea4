"""Resumable uploads: bytes arrive in chunks (possibly over several connections), then are checked."""

from __future__ import annotations

import hashlib
import threading
import uuid
from typing import BinaryIO

from .backend import BlobRef
from .base import RegistryBase
from .errors import ConflictError, StorageError


class UploadStream:
    """Appends to an upload's staging file, hashing as it goes; ``close()`` frees the upload.

    Bytes are fsynced once, when the upload is finished: a crash before that loses at most the
    tail, and the offset the server then reports tells the client where to resume.
    """

    def __init__(self, handle: BinaryIO, lock: threading.Lock, progress: _RunningHash | None) -> None:
        self._handle = handle
        self._lock = lock
        self._hash = progress

    def write(self, data: bytes) -> None:
        try:
            self._handle.write(data)
        except OSError as exc:
            self._hash = None
            raise StorageError(f"could not write upload bytes: {exc}") from exc
        if self._hash is not None:
            self._hash.update(data)

    def write_all(self, pieces: list[bytes]) -> None:
        for piece in pieces:
            self.write(piece)

    def close(self) -> None:
        if self._handle.closed:
            return
        try:
            self._handle.flush()
        finally:
            self._handle.close()
            self._lock.release()


class _RunningHash:
    """The sha256 of an upload's first ``size`` bytes, kept while the server runs (so finish needs no re-read)."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)


class UploadOps(RegistryBase):
    """Chunks go to a staging file without taking the registry lock (uploads run in parallel)."""

    _upload_locks: dict[str, threading.Lock]
    _upload_hashes: dict[str, _RunningHash]

    def _upload_lock(self, upload_id: str) -> threading.Lock:
        with self._lock:
            if not hasattr(self, "_upload_locks"):
                self._upload_locks, self._upload_hashes = {}, {}
            return self._upload_locks.setdefault(upload_id, threading.Lock())

    def start_upload(self) -> dict[str, object]:
        upload_id = uuid.uuid4().hex
        self.blobs.start_upload(upload_id)
        return {"upload_id": upload_id, "offset": 0}

    def upload_offset(self, upload_id: str) -> dict[str, object]:
        return {"upload_id": upload_id, "offset": self.blobs.upload_offset(upload_id)}

    def open_upload_stream(self, upload_id: str) -> UploadStream:
        """A stream appending to the upload (for a server that receives a chunk piece by piece)."""
        lock = self._upload_lock(upload_id)
        if not lock.acquire(blocking=False):
            raise ConflictError(f"a chunk of upload {upload_id} is already being received")
        try:
            size = self.blobs.upload_offset(upload_id)
            running = self._upload_hashes.get(upload_id)
            if running is None and size == 0:
                running = self._upload_hashes[upload_id] = _RunningHash()
            if running is not None and running.size != size:  # bytes from before a restart: re-read at finish
                running = None
                self._upload_hashes.pop(upload_id, None)
            return UploadStream(self.blobs.open_upload(upload_id), lock, running)
        except BaseException:
            lock.release()
            raise

    def finish_upload(self, upload_id: str, checksum: str) -> BlobRef:
        """Check the sha256 of everything received and move it into the blob store."""
        with self._upload_lock(upload_id):
            running = self._upload_hashes.pop(upload_id, None)
            try:
                size = self.blobs.upload_offset(upload_id)
                known = running.digest.hexdigest() if running is not None and running.size == size else None
                return self.blobs.finish_upload(upload_id, checksum, known)
            finally:
                with self._lock:
                    self._upload_locks.pop(upload_id, None)

    def cancel_upload(self, upload_id: str) -> None:
        self._upload_lock(upload_id)  # makes sure the session tables exist
        with self._lock:
            self._upload_hashes.pop(upload_id, None)
            self._upload_locks.pop(upload_id, None)
        self.blobs.cancel_upload(upload_id)

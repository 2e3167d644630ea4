"""Resumable uploads: bytes arrive in chunks (possibly over several connections), then are checked."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, BinaryIO

from .backend import BlobRef, Change
from .base import RegistryBase, now
from .blobs import is_sha256
from .errors import ConflictError, InvalidArgumentError, NotFoundError, StorageError
from .hashing import write_hashing

TOUCH_SECONDS = 1.0  # how often a session receiving bytes says so (see gc.abort_abandoned_uploads)


class _UploadState:
    """What the server keeps of an upload while it runs.

    ``digest`` is the sha256 of the first ``size`` bytes, so finishing needs no re-read; None once
    unknown (bytes from before a restart, a failed write), and then finish re-reads the bytes.
    """

    def __init__(self, hashing: bool, session: dict[str, Any]) -> None:
        self.digest = hashlib.sha256() if hashing else None
        self.size = 0
        self.generation = session.get("generation", 0)

    def knows(self, session: dict[str, Any], size: int) -> bool:
        """Whether ``digest`` is the sha256 of the session's bytes now (another server may have started
        the session again since, with as many bytes)."""
        return self.digest is not None and self.size == size and self.generation == session.get("generation", 0)


class UploadStream:
    """Appends to an upload through the blob store's stream, hashing as it goes; ``close()`` frees
    the upload. The store makes the bytes durable by the time the upload is finished: a crash
    before that loses at most the tail, and the offset the server then reports tells the client
    where to resume.
    """

    def __init__(
        self, handle: BinaryIO, lock: threading.Lock, state: _UploadState, keep: Callable[[Any], None]
    ) -> None:
        self._handle = handle
        self._lock = lock
        self._state = state
        self._keep = keep
        self._touched = time.monotonic()

    def write(self, data: bytes) -> None:
        self.write_all([data])

    def write_all(self, pieces: list[bytes]) -> None:
        state = self._state
        try:
            count = write_hashing(self._handle, pieces, state.digest)
        except OSError as exc:
            state.digest = None  # it no longer matches the file: finish re-reads
            raise StorageError(f"could not write upload bytes: {exc}") from exc
        if state.digest is not None:
            state.size += count
        if time.monotonic() - self._touched > TOUCH_SECONDS:  # a long chunk is not an abandoned upload
            self._touched = time.monotonic()
            self._keep(None)

    def close(self) -> None:
        if self._handle.closed:
            return
        try:
            self._handle.flush()
        finally:
            try:
                self._handle.close()
                self._keep(getattr(self._handle, "state", None))  # a store that tracks parts in the session
            finally:
                self._lock.release()


class UploadOps(RegistryBase):
    """Chunks go to a staging file without taking the registry lock (uploads run in parallel)."""

    _upload_locks: dict[str, threading.Lock]
    _upload_states: dict[str, _UploadState]

    _sessions_lock = threading.Lock()  # guards the two tables below (class-wide: cheap and rarely contended)

    def _upload_lock(self, upload_id: str) -> threading.Lock:
        with self._sessions_lock:
            if not hasattr(self, "_upload_locks"):
                self._upload_locks, self._upload_states = {}, {}
            return self._upload_locks.setdefault(upload_id, threading.Lock())

    def start_upload(self, checksum: str | None = None) -> dict[str, object]:
        """``checksum``: the sha256 of the whole upload, when the client knows it before sending (a store
        may then write straight to the blob; ``finish_upload`` still verifies every byte against it)."""
        if checksum is not None and not is_sha256(checksum.lower()):
            raise InvalidArgumentError(f"checksum {checksum!r} is not a sha256 hex digest (64 hex digits)")
        upload_id = uuid.uuid4().hex
        state = self.blobs.start_upload(upload_id, checksum.lower() if checksum else None)
        with self.backend.operation(), self.docs.transaction():
            self.docs.put("uploads", {"id": upload_id, "state": state, "created_at": now()})
        return {"upload_id": upload_id, "offset": 0}

    def _session(self, upload_id: str) -> dict[str, Any]:
        """The upload's state, as kept in the registry's documents (any server sharing them may resume it)."""
        with self.backend.operation():
            doc = self.docs.get("uploads", upload_id) if isinstance(upload_id, str) else None
        if doc is None or doc.get("finished"):
            raise NotFoundError(f"upload {upload_id} does not exist (finished, cancelled or never started)")
        return doc["state"]

    def _keep_session(self, upload_id: str, state: dict[str, Any] | None) -> None:
        """After each chunk: the store's new state (if it has one), and the time, so that an idle
        session can be told from one in progress (``gc.abort_abandoned_uploads``)."""
        fields = {"touched_at": now(), **({"state": state} if state is not None else {})}
        with self.backend.operation(), self.docs.transaction():
            self.docs.update("uploads", upload_id, Change(set=fields))

    def _end_session(self, upload_id: str, finished: str | None = None) -> None:
        """The session is gone; an upload that stored a blob leaves a hold on it instead, which keeps
        ``gc`` from removing the blob before the client records it (see ``gc``)."""
        with self.backend.operation(), self.docs.transaction():
            self.docs.delete("uploads", upload_id)
            if finished is not None:
                self.docs.put("uploads", {"id": upload_id, "finished": finished, "created_at": now()})

    def _restart_unverifiable(self, upload_id: str, session: dict[str, Any]) -> None:
        """Bytes that can be verified neither now nor at finish start again (a store writing straight to
        the blob cannot re-read them); the client asks the offset (0) and resends."""
        restarted = self.blobs.restart_unverifiable(upload_id, session)
        if restarted is None:
            return
        restarted["generation"] = session.get("generation", 0) + 1
        self._keep_session(upload_id, restarted)
        self._upload_states[upload_id] = _UploadState(True, restarted)
        raise ConflictError(f"upload {upload_id} starts again from offset 0: the sha256 of the bytes it had is "
                            "unknown to this server (received before a restart or by another server)")

    def upload_offset(self, upload_id: str) -> dict[str, object]:
        return {"upload_id": upload_id, "offset": self.blobs.upload_offset(upload_id, self._session(upload_id))}

    def open_upload_stream(self, upload_id: str, offset: int | None = None) -> UploadStream:
        """A stream appending to the upload (for a server that receives a chunk piece by piece).

        ``offset``, when given, is where the sender's bytes start: checked against the bytes
        received while holding the upload, so a resumed chunk never lands at the wrong place.
        """
        lock = self._upload_lock(upload_id)
        if not lock.acquire(blocking=False):
            raise ConflictError(f"a chunk of upload {upload_id} is still being received; ask its offset and resume")
        try:
            session = self._session(upload_id)
            size = self.blobs.upload_offset(upload_id, session)
            if offset is not None and offset != size:
                raise ConflictError(f"upload {upload_id} has {size} bytes; send the chunk from offset {size}")
            state = self._upload_states.get(upload_id)
            if state is None:  # bytes received before a restart are hashed at finish
                state = self._upload_states[upload_id] = _UploadState(size == 0, session)
            elif not state.knows(session, size):
                state.digest = None
            if state.digest is None and size:
                self._restart_unverifiable(upload_id, session)
            self._keep_session(upload_id, None)
            return UploadStream(self.blobs.open_upload(upload_id, session), lock, state,
                                lambda new: self._keep_session(upload_id, new))
        except BaseException:
            lock.release()
            raise

    def finish_upload(self, upload_id: str, checksum: str) -> BlobRef:
        """Check the sha256 of everything received and move it into the blob store."""
        with self._upload_lock(upload_id):
            state = self._upload_states.pop(upload_id, None)
            try:
                session = self._session(upload_id)
                size = self.blobs.upload_offset(upload_id, session)
                known = hashlib.sha256().hexdigest() if size == 0 else None
                if state is not None and state.knows(session, size):
                    known = state.digest.hexdigest()  # type: ignore[union-attr]
                if known is None and size:
                    self._restart_unverifiable(upload_id, session)
                stored = None
                try:
                    stored = self.blobs.finish_upload(upload_id, checksum, known, session)
                    return stored
                finally:  # verified or not, the session's bytes are gone
                    self._end_session(upload_id, stored["checksum"] if stored else None)
            finally:
                with self._sessions_lock:
                    self._upload_locks.pop(upload_id, None)

    def cancel_upload(self, upload_id: str) -> None:
        session = self._session(upload_id)
        self._upload_lock(upload_id)  # makes sure the session tables exist
        with self._sessions_lock:
            self._upload_states.pop(upload_id, None)
            self._upload_locks.pop(upload_id, None)
        self.blobs.cancel_upload(upload_id, session)
        self._end_session(upload_id)

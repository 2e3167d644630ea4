"""Content-addressed artifact bytes on the local filesystem.

Bytes are streamed into a temporary file while being hashed, fsynced, then renamed to
``sha256/<2 hex>/<62 hex>``; only after that may a record point at them. Identical content is
stored once. Resumable uploads (``UploadSession``) append chunks to a staging file whose
offset is its size, so a client that lost its connection asks for the offset and goes on.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .backend import BlobRef, BlobStore, StoredBlob
from .errors import IntegrityError, InvalidArgumentError, NotFoundError, StorageError
from .hashing import write_hashing
from .journal import fsync_dir
from .writeback import BackgroundSync

CHUNK = 1024 * 1024
WRITE_BLOCK = 4 * 1024 * 1024  # hashed in a second thread while written


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


class _StagingWriter:
    """Appends to an upload's staging file; each flush starts write-out, and an ``fdatasync`` runs in
    the background every 64 MiB (``BackgroundSync``), so finishing the upload has little left to sync."""

    def __init__(self, handle: BinaryIO, sync: BackgroundSync) -> None:
        self._handle = handle
        self._sync = sync
        self._unflushed = 0

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def write(self, data: bytes) -> int:
        written = self._handle.write(data)
        self._unflushed += written
        return written

    def flush(self) -> None:
        self._handle.flush()
        self._sync.wrote(self._handle.fileno(), self._unflushed)
        self._unflushed = 0

    def close(self) -> None:
        self._handle.close()


class FileBlobStore(BlobStore):
    """Blobs in ``folder/sha256/``; temporary files and upload sessions in ``folder/tmp/``.

    An upload session is its staging file (the offset is its size), so its state in the registry's
    documents is empty, and any server that reaches the folder can continue it.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.location = str(folder)
        self.staging = folder / "tmp"
        self.staging.mkdir(parents=True, exist_ok=True)
        self._syncs: dict[str, BackgroundSync] = {}  # per upload received by this process

    def path(self, checksum: str) -> Path:
        if not is_sha256(checksum):
            raise InvalidArgumentError(f"{checksum!r} is not a sha256 hex digest")
        return self.folder / "sha256" / checksum[:2] / checksum[2:]

    def put_stream(self, stream: BinaryIO, expected_checksum: str | None = None) -> BlobRef:
        fd, name = tempfile.mkstemp(dir=self.staging, prefix="put-")
        tmp = Path(name)
        digest = hashlib.sha256()
        size = 0
        disk = BackgroundSync()
        try:
            with os.fdopen(fd, "wb") as out:
                while block := stream.read(WRITE_BLOCK):
                    size += write_hashing(out, [block], digest)
                    disk.wrote(out.fileno(), len(block))
                disk.wait()
                os.fsync(out.fileno())
            return self._commit(tmp, digest.hexdigest(), size, expected_checksum)
        except OSError as exc:
            raise StorageError(f"could not store artifact bytes in {self.folder}: {exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)

    def _commit(self, tmp: Path, checksum: str, size: int, expected: str | None) -> BlobRef:
        if expected is not None and expected.lower() != checksum:
            raise IntegrityError(
                f"the uploaded bytes have sha256 {checksum} but the client announced {expected}: "
                "the data was corrupted in transit; nothing was stored"
            )
        final = self.path(checksum)
        if not final.exists():
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            fsync_dir(final.parent)
        return BlobRef(checksum=checksum, size=size)

    def open(self, checksum: str) -> BinaryIO:
        try:
            return open(self.path(checksum), "rb")
        except FileNotFoundError:
            raise NotFoundError(f"the bytes of blob {checksum} are missing from {self.folder}") from None

    def exists(self, checksum: str) -> bool:
        return self.path(checksum).exists()

    def size(self, checksum: str) -> int:
        return self.path(checksum).stat().st_size

    def list_blobs(self) -> Iterator[StoredBlob]:
        store = self.folder / "sha256"
        for path in store.glob("*/*") if store.exists() else []:
            try:
                stat = path.stat()
                yield StoredBlob(path.parent.name + path.name, stat.st_mtime, stat.st_size)
            except FileNotFoundError:  # removed while listed
                continue

    def remove(self, checksum: str) -> None:
        self.path(checksum).unlink(missing_ok=True)

    def copy_to(self, checksum: str, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.path(checksum), target)  # blobs never change, so sharing the inode is safe and instant
        except OSError:
            shutil.copyfile(self.path(checksum), target)

    # -- resumable uploads ---------------------------------------------------------------------

    def _session_path(self, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise InvalidArgumentError(f"{upload_id!r} is not an upload id")
        return self.staging / f"upload-{upload_id}"

    def start_upload(self, upload_id: str, checksum: str | None = None) -> dict[str, Any]:
        self._session_path(upload_id).touch(exist_ok=False)
        return {}

    def upload_offset(self, upload_id: str, state: dict[str, Any] | None = None) -> int:
        path = self._session_path(upload_id)
        if not path.exists():
            raise NotFoundError(f"upload {upload_id} does not exist (finished, cancelled or never started)")
        return path.stat().st_size

    def append_upload(self, upload_id: str, offset: int, stream: BinaryIO) -> int:
        """Append the bytes of ``stream`` at ``offset`` (which must be the current size)."""
        current = self.upload_offset(upload_id)
        if offset != current:
            raise InvalidArgumentError(
                f"upload {upload_id} has {current} bytes; a chunk must start at offset {current}, not {offset}"
            )
        path = self._session_path(upload_id)
        try:
            with open(path, "ab") as out:  # fsynced once, at finish_upload
                shutil.copyfileobj(stream, out, CHUNK)
        except OSError as exc:
            with open(path, "ab") as out:
                out.truncate(current)
            raise StorageError(f"could not write upload {upload_id}: {exc}") from exc
        return path.stat().st_size

    def open_upload(self, upload_id: str, state: dict[str, Any] | None = None) -> BinaryIO:
        self.upload_offset(upload_id)
        sync = self._syncs.setdefault(upload_id, BackgroundSync())
        return _StagingWriter(open(self._session_path(upload_id), "ab"), sync)  # type: ignore[return-value]

    def finish_upload(
        self, upload_id: str, expected_checksum: str, known_checksum: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> BlobRef:
        """Verify and store an upload; ``known_checksum`` is a sha256 already computed as bytes arrived."""
        path = self._session_path(upload_id)
        size = self.upload_offset(upload_id)
        sync = self._syncs.pop(upload_id, None)
        try:
            if sync is not None:
                sync.wait()  # the background syncs of the bytes received: an error they met fails the upload
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise StorageError(f"could not write upload {upload_id} to disk: {exc}") from exc
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())  # the one fsync of the upload's bytes, before they become a blob
        checksum = known_checksum or sha256_file(path)[0]
        try:
            return self._commit(path, checksum, size, expected_checksum)
        finally:
            path.unlink(missing_ok=True)

    def cancel_upload(self, upload_id: str, state: dict[str, Any] | None = None) -> None:
        self._syncs.pop(upload_id, None)
        self._session_path(upload_id).unlink(missing_ok=True)

    def stale_staging(self, older_than_seconds: float, keep: Collection[str] = (),
                      keep_states: Collection[dict[str, Any]] = ()) -> list[str]:
        now = time.time()
        kept = {f"upload-{upload_id}" for upload_id in keep}
        return sorted(path.name for path in self.staging.iterdir()
                      if path.name not in kept and now - path.stat().st_mtime > older_than_seconds)

    def remove_staging(self, name: str) -> None:
        (self.staging / Path(name).name).unlink(missing_ok=True)

"""``Artifact``, a file attached to a registry object, and sending files: uploads and downloads."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..registry.backend import BlobRef
from ..registry.enums import ArtifactMime
from ..registry.errors import IntegrityError, InvalidArgumentError, NotFoundError
from ..registry.hashing import write_hashing
from .progress import SHOW_BAR_FROM_BYTES

if TYPE_CHECKING:
    from .modelbox import ModelBox

Doc = dict[str, Any]
PARALLEL_UPLOADS = 4
DOWNLOAD_BLOCK = 16 * 1024 * 1024  # written while a second thread hashes it; a whole range of a ranged download


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _files(files: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[str]:
    if isinstance(files, (str, os.PathLike)):
        return [os.fspath(files)]
    if not isinstance(files, Iterable):
        raise InvalidArgumentError(f"files must be a path or a list of paths, not {type(files).__name__}")
    return [os.fspath(f) for f in files]


def upload_items(files: Any) -> Iterator[tuple[Path, str]]:
    """``(local file, path in the registry)`` for files and, recursively, folders."""
    for name in _files(files):
        source = Path(name).expanduser()
        if source.is_dir():
            for child in sorted(p for p in source.rglob("*") if p.is_file()):
                yield child, f"{source.name}/{child.relative_to(source).as_posix()}"
        elif source.is_file():
            yield source, source.name
        else:
            raise NotFoundError(f"cannot upload {name!r}: no such file or folder")


def upload_blobs(transport: Any, items: list[tuple[Path, str]]) -> list[BlobRef]:
    """Upload every file of ``items``; the blobs in the same order.

    Files too small for a progress bar go ``PARALLEL_UPLOADS`` at a time (each costs a few request
    round trips, so a folder of many small files is bound by latency, not bytes); larger ones go
    one by one with their bar. All uploads end before an error is raised.
    """
    blobs: list[BlobRef | None] = [None] * len(items)
    with ThreadPoolExecutor(PARALLEL_UPLOADS, thread_name_prefix="modelbox-upload") as pool:
        small = {i: pool.submit(transport.upload_blob, source, None) for i, (source, _) in enumerate(items)
                 if source.stat().st_size < SHOW_BAR_FROM_BYTES}
        try:
            for i, (source, _) in enumerate(items):
                if i not in small:
                    blobs[i] = transport.upload_blob(source, None)
        finally:
            wait(small.values())
        for i, future in small.items():
            blobs[i] = future.result()
    return blobs  # type: ignore[return-value]


@dataclass
class Artifact:
    """A file attached to a model, version or checkpoint (the seed's fields first)."""

    parent: str
    path: str
    mime_type: ArtifactMime = ArtifactMime.Unknown
    checksum: str = ""
    id: str = ""
    size: int | None = None
    tracked: bool = False
    created_at: datetime | None = None
    location: str | None = None
    _box: ModelBox | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_doc(cls, doc: Doc, box: ModelBox) -> Artifact:
        return cls(
            parent=doc["parent"], path=doc["path"], mime_type=ArtifactMime(doc["mime_type"]),
            checksum=doc["checksum"], id=doc["id"], size=doc["size"], tracked=doc["tracked"],
            created_at=_time(doc["created_at"]), location=doc.get("location"), _box=box,
        )

    def download(self, dest: str | os.PathLike[str] = ".") -> Path:
        """Write the bytes to ``dest`` (a folder or a file path) after checking their sha256."""
        if self._box is None:
            raise InvalidArgumentError("this Artifact was not read from a registry, so it has no bytes to download")
        target = Path(dest).expanduser()
        if target.is_dir():
            target = target / Path(self.path).name
        target.parent.mkdir(parents=True, exist_ok=True)
        _, stream = self._box._transport.open_artifact(self.id)
        # a stream that verifies the sha256 itself (a ranged HTTP download) is not hashed twice
        digest = None if self.checksum and getattr(stream, "verifies", None) == self.checksum else hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with stream, os.fdopen(fd, "wb") as out:
                while block := stream.read(DOWNLOAD_BLOCK):
                    write_hashing(out, [block], digest)
            if digest is not None and self.checksum and digest.hexdigest() != self.checksum:
                raise IntegrityError(
                    f"artifact {self.path!r} read back with sha256 {digest.hexdigest()}, but it was recorded as "
                    f"{self.checksum}: the stored bytes are damaged or the tracked file changed; nothing was written"
                )
            os.replace(tmp_name, target)
        finally:
            Path(tmp_name).unlink(missing_ok=True)
        return target

    def delete(self) -> None:
        if self._box is None:
            raise InvalidArgumentError("this Artifact was not read from a registry")
        self._box._transport.delete_artifact(self.id)

"""The user-facing objects: ``Model``, ``ModelVersion``, ``Checkpoint`` and ``Artifact``.

Each object keeps the document it was last read as (``reload()`` refreshes it) and every
mutator stores the document the registry answered with, so attributes always show the state
the registry acknowledged.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from ..registry.artifacts import check_unique_paths
from ..registry.backend import BlobRef
from ..registry.enums import ArtifactMime
from ..registry.errors import IntegrityError, InvalidArgumentError, NotFoundError
from ..registry.hashing import write_hashing
from .progress import SHOW_BAR_FROM_BYTES

if TYPE_CHECKING:
    from .modelbox import ModelBox

Doc = dict[str, Any]
T = TypeVar("T")
PARALLEL_UPLOADS = 4
DOWNLOAD_BLOCK = 4 * 1024 * 1024  # written while a second thread hashes it


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


class Page(list[T]):
    """One page of a listing; ``total`` counts every match, so UIs can say "51-100 of 2,345"."""

    def __init__(self, items: Iterable[T], total: int) -> None:
        super().__init__(items)
        self.total = total


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
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with stream, os.fdopen(fd, "wb") as out:
                while block := stream.read(DOWNLOAD_BLOCK):
                    write_hashing(out, [block], digest)
            if self.checksum and digest.hexdigest() != self.checksum:
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


class RegistryObject:
    """What models, versions and checkpoints share: metrics, metadata and artifacts."""

    def __init__(self, box: ModelBox, doc: Doc) -> None:
        self._box = box
        self._doc = doc

    @property
    def id(self) -> str:
        return self._doc["id"]

    @property
    def box(self) -> ModelBox:
        """The ``ModelBox`` this object was read from (widgets and tools build on it)."""
        return self._box

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._doc["metadata"])

    @property
    def created_at(self) -> datetime:
        return _time(self._doc["created_at"])  # type: ignore[return-value]

    @property
    def updated_at(self) -> datetime:
        return _time(self._doc["updated_at"])  # type: ignore[return-value]

    def to_dict(self) -> Doc:
        return dict(self._doc)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.id == self.id  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.id)

    # -- metrics -------------------------------------------------------------------------------

    def log_metrics(
        self, metrics: Mapping[str, Any], step: Any = None, wallclock: Any = None
    ) -> None:
        """Log ``{key: value}`` at ``step``/``wallclock`` (buffered; see ``ModelBox.flush``).

        Values may also be arrays with ``step`` (and optionally ``wallclock``) arrays of the same
        length: such a batch is written at once, the fast path for bulk ingest.
        """
        if _is_batch(metrics, step):
            self._box._metrics.flush()
            self._box._transport.log_metrics(self.id, _batch_columns(metrics, step, wallclock))
        else:
            self._box._metrics.add(self.id, metrics, step, wallclock)

    def metrics(
        self, keys: str | Iterable[str] | None = None, max_points: int | None = None, method: str = "minmax_lttb"
    ) -> pd.DataFrame:
        """Logged points as a DataFrame with columns ``key, step, wallclock, value``.

        ``max_points`` has the registry shrink each key to at most that many points, keeping peaks
        (``method``: ``minmax``, ``lttb`` or ``minmax_lttb``): what a plot of a long series needs.
        """
        self._box._metrics.flush()
        keys = [keys] if isinstance(keys, str) else (list(keys) if keys is not None else None)
        if max_points is None:
            return self._box._transport.read_metrics(self.id, keys)
        return self._box._transport.read_metrics(self.id, keys, max_points=max_points, method=method)

    def metric_keys(self) -> list[str]:
        self._box._metrics.flush()
        return self._box._transport.metric_keys(self.id)

    # -- metadata ------------------------------------------------------------------------------

    def update_metadata(self, key: str, value: Any) -> None:
        """Set one key to any JSON-encodable value."""
        self._doc = self._box._transport.set_metadata(self.id, key, value)

    def add_metadata(self, metadata: Mapping[str, Any]) -> None:
        """Merge top-level keys into the metadata (atomically, in the registry)."""
        self._doc = self._box._transport.merge_metadata(self.id, metadata)  # type: ignore[arg-type]

    def remove_metadata(self, keys: str | Iterable[str]) -> None:
        self._doc = self._box._transport.remove_metadata(self.id, [keys] if isinstance(keys, str) else list(keys))

    # -- artifacts -----------------------------------------------------------------------------

    def upload_artifact(self, files: Any, mime_type: ArtifactMime | str | None = None) -> list[Artifact]:
        """Copy files (or whole folders) into the registry; returns their records."""
        items = list(upload_items(files))
        if not items:
            return []
        check_unique_paths(path for _, path in items)  # before any byte is sent
        blobs = upload_blobs(self._box._transport, items)  # all bytes first: a failed upload records nothing
        pairs = [(blob, path) for blob, (_, path) in zip(blobs, items, strict=True)]
        uploaded = self._box._transport.add_artifacts(self.id, pairs, mime_type)  # one write for them all
        return [Artifact.from_doc(doc, self._box) for doc in uploaded]

    def track_artifacts(self, files: Any, mime_type: ArtifactMime | str | None = None) -> list[Artifact]:
        """Record where files live (paths or URIs) without copying them."""
        docs = self._box._transport.track_artifacts(self.id, _files(files), mime_type)
        return [Artifact.from_doc(doc, self._box) for doc in docs]

    def artifacts(self) -> list[Artifact]:
        return [Artifact.from_doc(doc, self._box) for doc in self._box._transport.list_artifacts(self.id)]

    def download(self, path: str | os.PathLike[str]) -> Path:
        """Download every artifact into the folder ``path`` (checksums verified); returns it."""
        folder = Path(path).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        for artifact in self.artifacts():
            relative = artifact.path if not artifact.tracked else Path(artifact.path).name
            artifact.download(folder / relative)
        return folder


def _is_batch(metrics: Any, step: Any) -> bool:
    return (isinstance(metrics, Mapping) and any(
        isinstance(v, (list, tuple, np.ndarray, pd.Series)) for v in metrics.values()
    )) or isinstance(step, (list, tuple, np.ndarray, pd.Series))


def _batch_columns(metrics: Mapping[str, Any], step: Any, wallclock: Any) -> dict[str, dict[str, Any]]:
    lengths = {k: len(v) for k, v in metrics.items() if hasattr(v, "__len__") and not isinstance(v, (str, bytes))}
    if len(set(lengths.values())) != 1 or len(lengths) != len(metrics):
        raise InvalidArgumentError(f"a batch needs one array of values per key, all of the same length ({lengths})")
    count = next(iter(lengths.values()))
    steps = np.asarray(step) if step is not None else np.full(count, np.iinfo(np.int64).min, dtype=np.int64)
    if wallclock is None:
        wallclocks = np.full(count, time.time())
    else:
        wallclocks = np.broadcast_to(np.asarray(wallclock, dtype=np.float64), (count,))
    if len(steps) != count:
        raise InvalidArgumentError(f"{len(steps)} steps given for {count} values per key")
    return {key: {"step": steps, "wallclock": wallclocks, "value": np.asarray(values)}
            for key, values in metrics.items()}

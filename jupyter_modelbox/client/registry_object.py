"""``RegistryObject``: what ``Model``, ``ModelVersion`` and ``Checkpoint`` share (metadata, metrics,
artifacts), and ``Page``, one page of a listing.

Each object keeps the document it was last read as (``reload()`` refreshes it) and every
mutator stores the document the registry answered with, so attributes always show the state
the registry acknowledged. A write that changes an object only as a side effect (a new version
counts in its model, a new checkpoint in its experiment) marks it stale instead: it is read again
when an attribute is next looked at, so that the write stays one call.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from ..registry.artifacts import check_unique_paths
from ..registry.enums import ArtifactMime
from ..registry.errors import InvalidArgumentError
from .artifact import Artifact, _files, _time, upload_blobs, upload_items
from .transport import experiment_transport

if TYPE_CHECKING:
    from .modelbox import ModelBox

Doc = dict[str, Any]
T = TypeVar("T")


class Page(list[T]):
    """One page of a listing; ``total`` counts every match, so UIs can say "51-100 of 2,345"."""

    def __init__(self, items: Iterable[T], total: int) -> None:
        super().__init__(items)
        self.total = total


class RegistryObject:
    """What models, versions and checkpoints share: metrics, metadata and artifacts."""

    def __init__(self, box: ModelBox, doc: Doc) -> None:
        self._box = box
        self._id: str = doc["id"]
        self._state: Doc | None = doc

    @property
    def _doc(self) -> Doc:
        """The document as the registry last answered, read again first if a write made it stale."""
        if self._state is None:
            self.reload()
        assert self._state is not None
        return self._state

    @_doc.setter
    def _doc(self, doc: Doc) -> None:
        self._state = doc

    def _mark_stale(self) -> None:
        self._state = None

    def reload(self) -> RegistryObject:
        """Read the document again (what the registry holds now)."""
        raise NotImplementedError

    @property
    def id(self) -> str:
        return self._id

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
        return type(other) is type(self) and other.id == self.id

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

    # -- logged events (ModelBox's log_event) --------------------------------------------------

    def log_event(self, name: str, source: str | None = None, wallclock: float | None = None,
                  metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Record that ``name`` happened (e.g. ``"checkpoint_write_start"`` from ``source="trainer"``), at
        ``wallclock`` (seconds since the epoch; default now)."""
        return experiment_transport(self._box._transport).log_event(
            self.id, name, source, wallclock, dict(metadata) if metadata is not None else None)

    def events(self) -> list[dict[str, Any]]:
        """The events logged on this object, by wallclock (the registry's change feed is ``ModelBox.events``)."""
        return experiment_transport(self._box._transport).list_logged_events(self.id)

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

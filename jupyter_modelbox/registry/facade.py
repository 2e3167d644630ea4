"""``Registry``: the domain API over one registry folder, shared by every caller in a process."""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from .errors import NotFoundError
from .metric_ops import MetricOps
from .uploads import UploadOps
from .validation import Limits
from .versions import VersionOps


class Registry(VersionOps, MetricOps, UploadOps):
    """Models, versions, checkpoints, tags, metadata, artifacts, metrics and events in ``root``.

    Every method validates its input before writing, writes atomically and durably, and returns
    plain JSON-shaped dicts: the in-process transport of the Python client is this class itself,
    and the server serializes the same dicts.
    """

    def export_to(self, dest: str | os.PathLike[str]) -> dict[str, Any]:
        """Copy everything into the empty folder (or new ``.tar``) ``dest``; returns the manifest."""
        from .backup import export_any

        return export_any(self, Path(dest))

    def import_from(self, src: str | os.PathLike[str]) -> dict[str, Any]:
        """Load an export (folder or ``.tar``) into this (empty) registry; returns its manifest."""
        from .backup import import_any

        return import_any(self, Path(src))

    def import_upload(self, checksum: str) -> dict[str, Any]:
        """Load an export archive that arrived as an upload (REST ``POST import``); the archive is then dropped."""
        from .backup import extract_tar

        archive = self.blobs.path(checksum)
        if not archive.exists():
            raise NotFoundError(f"no uploaded archive has sha256 {checksum}; upload it first")
        try:
            with tempfile.TemporaryDirectory(dir=self.root, prefix=".import-") as scratch:
                return self.import_from(extract_tar(archive, Path(scratch)))
        finally:
            archive.unlink(missing_ok=True)  # the archive was only a vehicle

    def check(self, repair: bool = False, verify_bytes: bool = True) -> list[dict[str, Any]]:
        """Consistency findings (see ``maintenance``); ``repair`` fixes what is safe to fix."""
        from .maintenance import RegistryChecker

        return [f.to_dict() for f in RegistryChecker(self, repair, verify_bytes).run()]


_open: dict[Path, tuple[Registry, int]] = {}
_open_lock = threading.Lock()


def open_registry(root: str | os.PathLike[str], limits: Limits | None = None) -> Registry:
    """The process's one ``Registry`` for ``root`` (opened on first use, reference counted)."""
    key = Path(root).expanduser().resolve()
    with _open_lock:
        registry, count = _open.get(key, (None, 0))
        if registry is None or registry.closed:
            registry, count = Registry(key, limits), 0
        _open[key] = (registry, count + 1)
        return registry


def release_registry(registry: Registry) -> None:
    with _open_lock:
        entry = _open.get(registry.root)
        if entry is None or entry[0] is not registry:
            registry.close()
            return
        if entry[1] <= 1:
            del _open[registry.root]
            registry.close()
        else:
            _open[registry.root] = (registry, entry[1] - 1)


@atexit.register
def _close_all() -> None:
    with _open_lock:
        for registry, _ in _open.values():
            registry.close()
        _open.clear()

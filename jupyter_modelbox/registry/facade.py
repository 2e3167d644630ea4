"""``Registry``: the domain API over one registry (a folder, or a database), shared by every caller in a process."""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from .backend import Backend
from .errors import NotFoundError
from .experiments import ExperimentOps
from .factory import BackendConfig, open_backend
from .logged_events import LoggedEventOps
from .metric_ops import MetricOps
from .s3.location import S3Options
from .uploads import UploadOps
from .validation import Limits
from .versions import VersionOps


class Registry(VersionOps, ExperimentOps, LoggedEventOps, MetricOps, UploadOps):
    """Models, versions, experiments, checkpoints, tags, metadata, artifacts, metrics and events.

    Every method validates its input before writing, writes atomically and durably, and returns
    plain JSON-shaped dicts: the in-process transport of the Python client is this class itself,
    and the server serializes the same dicts. ``Registry(root)`` opens a registry folder;
    ``Registry(backend)`` any backend (see ``open_registry`` for the configured ways).
    """

    _config_key: tuple[object, ...] | None = None  # set by open_registry

    def __init__(self, where: Backend | str | os.PathLike[str], limits: Limits | None = None) -> None:
        backend = where if isinstance(where, Backend) else open_backend(BackendConfig.of(root=where))
        super().__init__(backend, limits)

    def __repr__(self) -> str:
        return f"Registry({self.location})"

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

        if not self.blobs.exists(checksum):
            raise NotFoundError(f"no uploaded archive has sha256 {checksum}; upload it first")
        try:
            with tempfile.TemporaryDirectory(dir=self.backend.scratch_dir, prefix=".import-") as scratch:
                archive = Path(scratch) / "archive.tar"
                self.blobs.copy_to(checksum, archive)
                return self.import_from(extract_tar(archive, Path(scratch)))
        finally:
            self.blobs.remove(checksum)  # the archive was only a vehicle

    def collect_garbage(self, grace_seconds: float | None = None, dry_run: bool = False,
                        upload_timeout_seconds: float | None = None) -> dict[str, Any]:
        """``gc``: remove unreferenced blobs older than ``grace_seconds`` and abort uploads idle for longer
        than ``upload_timeout_seconds`` (both default to a day); see ``gc``."""
        from .gc import (
            DEFAULT_GRACE_SECONDS,
            DEFAULT_UPLOAD_TIMEOUT_SECONDS,
            abort_abandoned_uploads,
            checked_age,
            collect_garbage,
        )

        grace = checked_age("grace_seconds", DEFAULT_GRACE_SECONDS if grace_seconds is None else grace_seconds)
        idle = checked_age("upload_timeout_seconds",
                           DEFAULT_UPLOAD_TIMEOUT_SECONDS if upload_timeout_seconds is None else upload_timeout_seconds)
        aborted = abort_abandoned_uploads(self, idle, dry_run)
        return {**collect_garbage(self, grace, dry_run), "uploads": aborted}

    def abort_abandoned_uploads(self, idle_seconds: float) -> list[str]:
        """Abort uploads idle for longer than ``idle_seconds`` and staging no session owns (the server's sweep)."""
        from .gc import abort_abandoned_uploads

        return abort_abandoned_uploads(self, idle_seconds)

    def check(self, repair: bool = False, verify_bytes: bool = True) -> list[dict[str, Any]]:
        """Consistency findings (see ``maintenance``); ``repair`` fixes what is safe to fix."""
        from .maintenance import RegistryChecker

        return [f.to_dict() for f in RegistryChecker(self, repair, verify_bytes).run()]


_open: dict[tuple[object, ...], tuple[Registry, int]] = {}
_open_lock = threading.Lock()


def open_registry(
    root: str | os.PathLike[str] | None = None,
    limits: Limits | None = None,
    *,
    database_url: str | None = None,
    blob_root: str | os.PathLike[str] | None = None,
    pool_size: int | None = None,
    password_file: str | os.PathLike[str] | None = None,
    blob_url: str | None = None,
    s3: S3Options | None = None,
) -> Registry:
    """The process's one ``Registry`` for a folder, or for a database with its blob folder; with
    ``blob_url`` the artifact bytes are in S3 instead (opened on first use, reference counted)."""
    config = BackendConfig.of(root, database_url, blob_root, pool_size, password_file, blob_url, s3)
    with _open_lock:
        registry, count = _open.get(config.key, (None, 0))
        if registry is None or registry.closed:
            registry, count = Registry(open_backend(config), limits), 0
            registry._config_key = config.key
        _open[config.key] = (registry, count + 1)
        return registry


def release_registry(registry: Registry) -> None:
    with _open_lock:
        key = registry._config_key
        entry = _open.get(key) if key is not None else None
        if key is None or entry is None or entry[0] is not registry:
            registry.close()
            return
        if entry[1] <= 1:
            del _open[key]
            registry.close()
        else:
            _open[key] = (registry, entry[1] - 1)


@atexit.register
def _close_all() -> None:
    with _open_lock:
        for registry, _ in _open.values():
            registry.close()
        _open.clear()

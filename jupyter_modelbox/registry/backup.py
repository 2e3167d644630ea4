"""Export a whole registry (documents, metric series, artifact bytes) to a folder, and import it back.

An export is consistent: the documents are copied in one registry operation together with a
mark of the append-only metric series (for files, their sizes), which are then copied up to
that mark; blobs are content-addressed, so they cannot change. Importing verifies every blob
against its name.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from .errors import ConflictError, InvalidArgumentError, StorageError
from .facade import Registry
from .journal import dumps

EXPORT_FORMAT = 1
MANIFEST = "modelbox-export.json"
ARCHIVE_TOP = "modelbox-export"


def package_version() -> str:
    try:
        return version("jupyter_modelbox")
    except PackageNotFoundError:
        return "unknown"


def export_registry(registry: Registry, dest: Path) -> dict[str, Any]:
    """Write the registry into the empty (or new) folder ``dest``; returns the manifest."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise InvalidArgumentError(f"export folder {dest} is not empty")
    with registry.backend.operation():  # documents and series positions from one moment
        tables = {name: json.loads(dumps(list(registry.docs.scan(name))))
                  for name in registry.backend.tables if name != "uploads"}  # unfinished uploads stay behind
        mark = registry.metrics.mark()
    checksums = {doc["checksum"] for doc in tables["artifacts"] if not doc["tracked"]}
    dest.mkdir(parents=True, exist_ok=True)
    try:
        for checksum in sorted(checksums):
            registry.blobs.copy_to(checksum, dest / "blobs" / checksum)
        metric_files = registry.metrics.export_files(dest / "metrics", mark)
        (dest / "documents.json").write_text(dumps(tables))
        manifest = {
            "format": EXPORT_FORMAT,
            "exported_at": datetime.now(UTC).isoformat(),
            "modelbox_version": package_version(),
            "counts": {name: len(docs) for name, docs in tables.items()} | {
                "blobs": len(checksums), "metric_files": metric_files},
        }
        (dest / MANIFEST).write_text(json.dumps(manifest, indent=2))
    except OSError as exc:
        raise StorageError(f"could not export the registry to {dest}: {exc}") from exc
    return manifest


def import_registry(registry: Registry, src: Path) -> dict[str, Any]:
    """Load an export into an empty registry; every blob is verified against its sha256."""
    src = Path(src)
    try:
        manifest = json.loads((src / MANIFEST).read_text())
        tables = json.loads((src / "documents.json").read_text())
    except (OSError, ValueError) as exc:
        raise InvalidArgumentError(f"{src} is not a modelbox export ({exc})") from None
    if manifest.get("format") != EXPORT_FORMAT:
        raise InvalidArgumentError(f"{src} has export format {manifest.get('format')!r}; this version reads "
                                   f"{EXPORT_FORMAT}")
    with registry.backend.operation():
        if any(registry.docs.count(table) for table in ("models", "checkpoints", "experiments")):
            raise ConflictError(f"the registry ({registry.location}) is not empty; import into a new registry")
        blobs = src / "blobs"
        for path in sorted(blobs.iterdir()) if blobs.exists() else []:
            registry.blobs.put_file(path, expected_checksum=path.name)
        registry.metrics.import_files(src / "metrics", [(d["parent"], d["key"]) for d in tables.get("series", [])])
        with registry.docs.transaction():
            for table, docs in tables.items():
                if table not in registry.backend.tables:
                    continue  # e.g. the events of an embedded registry, on a backend that keeps them elsewhere
                for doc in docs:
                    registry.docs.put(table, doc)
    return manifest


def write_tar(folder: Path, fileobj: IO[bytes]) -> None:
    """Stream an export folder as an uncompressed tar (artifact bytes rarely compress)."""
    with tarfile.open(fileobj=fileobj, mode="w|") as tar:
        tar.add(folder, arcname=ARCHIVE_TOP)


def extract_tar(archive: Path, dest: Path) -> Path:
    """Unpack an export archive safely (no absolute paths, links or devices); returns the export folder."""
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise InvalidArgumentError(f"{archive} is not a readable modelbox export archive ({exc})") from None
    folder = dest / ARCHIVE_TOP
    if not (folder / MANIFEST).exists():
        raise InvalidArgumentError(f"{archive} holds no {ARCHIVE_TOP}/{MANIFEST}: not a modelbox export")
    return folder


def export_any(registry: Registry, dest: Path) -> dict[str, Any]:
    """Export to a folder, or to a ``.tar`` archive when ``dest`` ends with ``.tar``."""
    if dest.suffix != ".tar":
        return export_registry(registry, dest)
    if dest.exists():
        raise InvalidArgumentError(f"{dest} already exists")
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".modelbox-export-") as scratch:
        manifest = export_registry(registry, Path(scratch) / "export")
        with open(dest, "wb") as out:
            write_tar(Path(scratch) / "export", out)
    return manifest


def import_any(registry: Registry, src: Path) -> dict[str, Any]:
    """Import from an export folder or ``.tar`` archive."""
    if src.is_dir():
        return import_registry(registry, src)
    with tempfile.TemporaryDirectory(dir=registry.backend.scratch_dir, prefix=".import-") as scratch:
        return import_registry(registry, extract_tar(src, Path(scratch)))

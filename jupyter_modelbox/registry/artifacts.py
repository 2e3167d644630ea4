"""Artifact records: uploaded bytes (in the blob store) and tracked references (stored elsewhere)."""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from .backend import BlobRef
from .base import Doc, RegistryBase, new_id, now, operation, public
from .blobs import is_sha256, sha256_file
from .enums import ArtifactMime, parse_enum
from .errors import AccessDeniedError, IntegrityError, InvalidArgumentError, ModelBoxError, NotFoundError
from .mime import content_type_of, detect_mime

URI_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def check_artifact_path(path: Any) -> str:
    """A relative POSIX path inside the registry: no '..', no absolute paths, no NUL or backslash."""
    if not isinstance(path, str) or not path:
        raise InvalidArgumentError(f"artifact path must be a non-empty string, not {path!r}")
    if "\x00" in path or "\\" in path or any(ord(c) < 32 for c in path):
        raise InvalidArgumentError(f"artifact path {path!r} contains a NUL, control character or backslash")
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or str(pure) in {".", ""}:
        raise InvalidArgumentError(f"artifact path {path!r} must be relative and stay inside its parent")
    return str(pure)


def check_unique_paths(paths: Iterable[str]) -> None:
    """Refuse two artifacts for one path in one call (the second would silently replace the first)."""
    twice = sorted(path for path, count in Counter(paths).items() if count > 1)
    if twice:
        raise InvalidArgumentError(f"artifact path(s) given more than once: {', '.join(twice)}")


def check_location(location: Any) -> str:
    if isinstance(location, os.PathLike):
        location = os.fspath(location)
    if not isinstance(location, str) or not location or "\x00" in location:
        raise InvalidArgumentError(f"tracked artifact location must be a path or URI string, not {location!r}")
    return location


def _is_uri(location: str) -> bool:
    match = URI_SCHEME.match(location)
    return match is not None and match.group(1).lower() != "file"


class ArtifactOps(RegistryBase):
    def _mime(self, mime_type: Any, path: str) -> ArtifactMime:
        if mime_type is None:
            return detect_mime(path)
        return parse_enum(ArtifactMime, mime_type, "mime_type")  # type: ignore[return-value]

    # -- uploaded artifacts --------------------------------------------------------------------

    @operation
    def upload_blob(self, source: str | os.PathLike[str], progress: Any = None) -> BlobRef:
        """Copy a local file into the blob store (hashing while copying). ``progress`` is unused here."""
        path = Path(source)
        if not path.is_file():
            raise NotFoundError(f"file {str(source)!r} does not exist or is not a regular file")
        return self.blobs.put_file(path)

    @operation
    def add_files(
        self, parent_id: str, files: Sequence[tuple[str | os.PathLike[str], str]], mime_type: Any = None,
        actor: str | None = None,
    ) -> list[Doc]:
        """Copy local ``(file, artifact path)`` pairs into the blob store and record them in one write.

        Everything is checked before the first byte is copied; a copy that fails records nothing.
        """
        self._parent(parent_id)
        paths = [check_artifact_path(path) for _, path in files]
        check_unique_paths(paths)
        for path in paths:
            self._mime(mime_type, path)
        sources = [Path(source) for source, _ in files]
        for source in sources:
            if not source.is_file():
                raise NotFoundError(f"file {str(source)!r} does not exist or is not a regular file")
        blobs = [self.blobs.put_file(source) for source in sources]
        return self._add_artifacts(parent_id, list(zip(blobs, paths, strict=True)), mime_type, actor)

    def _check_blob(self, blob: Any) -> BlobRef:
        if not isinstance(blob, dict) or not is_sha256(blob.get("checksum")):
            raise InvalidArgumentError(f"blob must be {{'checksum': sha256 hex, 'size': int}}, not {blob!r}")
        if not self.blobs.exists(blob["checksum"]):
            raise NotFoundError(f"no uploaded bytes have sha256 {blob['checksum']}; upload them first")
        size = self.blobs.size(blob["checksum"])
        if blob.get("size") is not None and blob["size"] != size:
            raise IntegrityError(f"blob {blob['checksum']} holds {size} bytes, not {blob['size']}")
        return BlobRef(checksum=blob["checksum"], size=size)

    def _artifact_doc(self, parent: str, path: str, mime: ArtifactMime, actor: str | None, **fields: Any) -> Doc:
        return {
            "id": new_id(),
            "parent": parent,
            "path": path,
            "mime_type": mime.value,
            "content_type": content_type_of(path),
            "owner": actor or self.default_actor,
            "created_at": now(),
            **fields,
        }

    @operation
    def add_artifact(
        self, parent_id: str, blob: BlobRef, path: str, mime_type: Any = None, actor: str | None = None
    ) -> Doc:
        """Record uploaded bytes under ``parent_id``; the same path with the same bytes is a no-op."""
        return self._add_artifacts(parent_id, [(blob, path)], mime_type, actor)[0]

    @operation
    def add_artifacts(
        self, parent_id: str, items: Sequence[tuple[BlobRef, str]], mime_type: Any = None, actor: str | None = None
    ) -> list[Doc]:
        """Record several ``(blob, path)`` under ``parent_id`` in one write; all are checked before any is."""
        return self._add_artifacts(parent_id, items, mime_type, actor)

    def _add_artifacts(
        self, parent_id: str, items: Sequence[tuple[BlobRef, str]], mime_type: Any, actor: str | None
    ) -> list[Doc]:
        table, _ = self._parent(parent_id)
        self.docs.lock(table, parent_id)  # one change of a parent's artifacts at a time
        checked = []
        for blob, path in items:
            path = check_artifact_path(path)
            checked.append((self._check_blob(blob), path, self._mime(mime_type, path)))
        check_unique_paths(path for _, path, _ in checked)
        present: dict[str, list[Doc]] = {}
        for artifact in self.docs.find("artifacts", "parent", parent_id):
            present.setdefault(artifact["path"], []).append(artifact)
        results, writes = [], []
        for blob, path, mime in checked:
            existing = present.get(path, [])
            if existing and existing[0]["checksum"] == blob["checksum"] and not existing[0]["tracked"]:
                results.append(public(existing[0]))
                continue
            doc = self._artifact_doc(parent_id, path, mime, actor, checksum=blob["checksum"], size=blob["size"],
                                     tracked=False, location=None)
            writes.append((existing, doc))
            results.append(public(doc))
        if writes:
            with self.docs.transaction():
                for existing, doc in writes:
                    for old in existing:
                        self.docs.delete("artifacts", old["id"])
                    self.docs.put("artifacts", doc)
                    self._emit_artifact("artifact.added", table, parent_id, doc, actor)
        return results

    def _emit_artifact(self, kind: str, table: str, parent_id: str, doc: Doc, actor: str | None) -> None:
        parent = self.docs.get(table, parent_id) or {}
        model = self._model_of(table, parent) if parent else None
        self._emit(kind, actor, object_id=parent_id, artifact_id=doc["id"], path=doc["path"],
                   model_id=model["id"] if model else None,
                   version_id=parent_id if table == "versions" else None)

    # -- tracked artifacts ---------------------------------------------------------------------

    def _prepare_tracked(self, locations: Any, mime_type: Any = None) -> list[Doc]:
        """Validate locations and read checksums of reachable local files, before any write."""
        if locations is None:
            return []
        if isinstance(locations, (str, os.PathLike)):
            locations = [locations]
        prepared = []
        for location in locations:
            location = check_location(location)
            fields: dict[str, Any] = {"tracked": True, "checksum": "", "size": None}
            if _is_uri(location):
                fields["location"] = location
                name = PurePosixPath(location.partition("://")[2]).name or location
                fields.update(self._read_tracked_uri(location))
            else:
                local = Path(location.removeprefix("file://")).expanduser().absolute()
                fields["location"] = str(local)
                name = local.name
                if local.is_file():
                    fields["checksum"], fields["size"] = sha256_file(local)
                elif not local.exists():
                    raise NotFoundError(f"cannot track {location!r}: no such file")
            fields["path"] = fields["location"]
            fields["mime_type"] = self._mime(mime_type, name)
            prepared.append(fields)
        return prepared

    def _read_tracked_uri(self, location: str) -> dict[str, Any]:
        """Size and sha256 of an object the blob store can read (``s3://`` at its endpoint); nothing when
        it cannot (another scheme, another store, no access): then it is tracked without them."""
        try:
            stream = self.blobs.open_location(location)
        except ModelBoxError:
            return {}
        if stream is None:
            return {}
        digest, size = hashlib.sha256(), 0
        with stream:
            while block := stream.read(8 * 1024 * 1024):
                digest.update(block)
                size += len(block)
        return {"checksum": digest.hexdigest(), "size": size}

    def _record_tracked(self, parent_id: str, table: str, prepared: list[Doc], actor: str | None) -> list[Doc]:
        docs = []
        for fields in prepared:
            fields = dict(fields)
            doc = self._artifact_doc(parent_id, fields.pop("path"), fields.pop("mime_type"), actor, **fields)
            self.docs.put("artifacts", doc)
            self._emit_artifact("artifact.tracked", table, parent_id, doc, actor)
            docs.append(public(doc))
        return docs

    @operation
    def track_artifacts(
        self, parent_id: str, locations: list[str], mime_type: Any = None, actor: str | None = None
    ) -> list[Doc]:
        table, _ = self._parent(parent_id)
        prepared = self._prepare_tracked(locations, mime_type)
        with self.docs.transaction():
            return self._record_tracked(parent_id, table, prepared, actor)

    # -- reading and deleting ------------------------------------------------------------------

    @operation
    def list_artifacts(self, parent_id: str) -> list[Doc]:
        self._parent(parent_id)
        docs = self.docs.find("artifacts", "parent", parent_id)
        return [public(d) for d in sorted(docs, key=lambda d: (d["created_at"], d["path"]))]

    @operation
    def get_artifact(self, artifact_id: str) -> Doc:
        return public(self._get("artifacts", artifact_id, "artifact"))

    @operation
    def open_artifact(self, artifact_id: str) -> tuple[Doc, BinaryIO]:
        """The record and a binary stream of its bytes (the caller verifies the checksum)."""
        doc = self._get("artifacts", artifact_id, "artifact")
        if not doc["tracked"]:
            return public(doc), self.blobs.open(doc["checksum"])
        location = doc["location"]
        self._check_tracked_root(location)
        if _is_uri(location):
            stream = self.blobs.open_location(location)
            if stream is None:
                raise InvalidArgumentError(
                    f"artifact {doc['path']!r} is tracked at {location}; fetch it with a client for that scheme")
            return public(doc), stream
        try:
            return public(doc), open(location, "rb")
        except OSError as exc:
            raise NotFoundError(f"tracked artifact {location!r} cannot be read: {exc.strerror}") from None

    @operation
    def artifact_download_url(self, artifact_id: str, expires_seconds: int) -> str | None:
        """A short-lived URL of an uploaded artifact's bytes in the object store (presigned), if it has one
        (none for ``expires_seconds`` 0: URLs turned off)."""
        doc = self._get("artifacts", artifact_id, "artifact")
        if doc["tracked"] or expires_seconds <= 0:
            return None
        return self.blobs.download_url(doc["checksum"], os.path.basename(doc["path"]) or "artifact", expires_seconds)

    def _check_tracked_root(self, location: str) -> None:
        """A server serves tracked files only from its allowed roots (symlinks resolved first), and
        tracked objects only under the ``s3://bucket/prefix`` roots it lists."""
        if self.tracked_roots is None:
            return
        if _is_uri(location):
            allowed = any(location.startswith(str(root).rstrip("/") + "/") for root in self.tracked_roots
                          if _is_uri(str(root)))
        else:
            real = Path(location).resolve()
            allowed = any(real.is_relative_to(Path(root).resolve()) for root in self.tracked_roots
                          if not _is_uri(str(root)))
        if not allowed:
            raise AccessDeniedError(
                f"tracked artifact {location!r} is outside the folders this server may read "
                f"({', '.join(str(r) for r in self.tracked_roots) or 'none'}); download it where it lives"
            )

    @operation
    def delete_artifact(self, artifact_id: str, actor: str | None = None) -> None:
        doc = self._get("artifacts", artifact_id, "artifact")
        table, _ = self._parent(doc["parent"])
        with self.docs.transaction():
            self.docs.delete("artifacts", artifact_id)
            self._emit_artifact("artifact.deleted", table, doc["parent"], doc, actor)

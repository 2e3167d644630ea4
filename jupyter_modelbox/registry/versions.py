"""Versions (numbered per model, never reused), unique tags with history, and checkpoints."""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import Any

from .artifacts import check_artifact_path
from .backend import BlobRef
from .base import Doc, locked, new_id, now, public
from .errors import ConflictError, InvalidArgumentError, NotFoundError
from .metric_ops import series_id
from .models import ModelOps
from .search import MISSING, VERSION_FIELDS, Getter, compile_query, dotted
from .validation import check_json_value, check_metadata, check_optional_text, check_tag, check_tags, check_text

VERSION_FIELD_NAMES = {"created": "created_at", "updated": "updated_at"}


def _newest(version: Doc) -> tuple[str, int]:
    return version["created_at"], version["number"]


class VersionOps(ModelOps):
    # -- versions ------------------------------------------------------------------------------

    @locked
    def create_version(
        self,
        model_id: str,
        version: str | None = None,
        name: str | None = None,
        description: str | None = "",
        artifacts: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        unique_tags: list[str] | None = None,
        framework: str | None = None,
        checkpoint_uuid: str | None = None,
        lineage: dict[str, Any] | None = None,
        actor: str | None = None,
    ) -> Doc:
        """The model's next version; ``lineage`` records where it came from (notebook, environment)."""
        model = dict(self._get("models", model_id, "model"))
        if model["archived"]:
            raise ConflictError(f"model {model['name']!r} is archived; unarchive it before adding versions")
        tags = check_tags(unique_tags, self.limits)
        siblings = self.docs.find("versions", "model_id", model_id)
        for tag in tags:
            self._refuse_held_tag(model, siblings, tag)
        checkpoint = None
        if checkpoint_uuid is not None:
            checkpoint = self._get("checkpoints", checkpoint_uuid, "checkpoint")
        number = model["_next_number"]
        doc: Doc = {
            "id": new_id(),
            "model_id": model_id,
            "number": number,
            "version": check_optional_text(version, "version", self.limits) or str(number),
            "name": check_optional_text(name, "version name", self.limits) or model["name"],
            "description": check_text(description, "description", self.limits.max_description_length),
            "metadata": check_metadata(metadata, self.limits),
            "framework": check_optional_text(framework, "framework", self.limits)
            or (checkpoint or {}).get("framework"),
            "tags": tags,
            "checkpoint_uuid": checkpoint_uuid,
            "lineage": check_metadata(lineage, self.limits, "lineage") or None,
            "owner": actor or self.default_actor,
        }
        tracked = self._prepare_tracked(artifacts)
        doc["created_at"] = doc["updated_at"] = now()
        model.update(_next_number=number + 1, num_versions=model["num_versions"] + 1, updated_at=doc["created_at"])
        with self.docs.transaction():
            self._save("versions", doc)
            self._save("models", model)
            for tag in tags:
                self._record_tag(model_id, tag, doc, None, "set", actor)
            self._record_tracked(doc["id"], "versions", tracked, actor)
            self._emit("version.created", actor, model_id=model_id, version_id=doc["id"], number=number)
        return public(doc)

    @locked
    def get_version(self, model_id: str, ref: int | str | None = None, *, must_exist: bool = False) -> Doc | None:
        """By number, by tag, or the newest (``None``/``"latest"``; ``None`` if there is none, or with
        ``must_exist`` a ``NotFoundError``)."""
        model = self._get("models", model_id, "model")
        versions = self.docs.find("versions", "model_id", model_id)
        if ref is None or ref == "latest":
            if not versions and must_exist:
                raise NotFoundError(f"model {model['name']!r} has no versions yet")
            return public(max(versions, key=lambda v: v["number"])) if versions else None
        if isinstance(ref, bool) or not isinstance(ref, (int, str)):
            raise InvalidArgumentError(f"a version is chosen by number or tag, not {ref!r}")
        if isinstance(ref, int) or ref.isdigit():
            number = int(ref)
            found = [v for v in versions if v["number"] == number]
            if not found:
                raise NotFoundError(f"model {model['name']!r} has no version {number}")
            return public(found[0])
        found = [v for v in versions if ref in v["tags"]]
        if not found:
            raise NotFoundError(f"no version of model {model['name']!r} has the tag {ref!r}")
        return public(found[0])

    @locked
    def get_version_by_id(self, version_id: str) -> Doc:
        return public(self._get("versions", version_id, "version"))

    @locked
    def list_versions(
        self, model_id: str, offset: int = 0, limit: int | None = None, q: str | None = None
    ) -> tuple[list[Doc], int]:
        """Newest first; ``q`` filters with the query language (see ``search``)."""
        model = self._get("models", model_id, "model")
        versions = self._matching_versions(self.docs.find("versions", "model_id", model_id), q, {model_id: model})
        versions.sort(key=lambda v: -v["number"])
        page = versions[offset : None if limit is None else offset + limit]
        return [public(v) for v in page], len(versions)

    @locked
    def search_versions(self, q: str | None = None, offset: int = 0, limit: int | None = None) -> tuple[list[Doc], int]:
        """Versions of every model matching the query, newest first."""
        versions = self._matching_versions(list(self.docs.scan("versions")), q, {})
        if limit is None:
            versions.sort(key=_newest, reverse=True)
            page = versions[offset:]
        else:  # a page of the newest: no need to sort every match
            page = heapq.nlargest(offset + limit, versions, key=_newest)[offset:]
        return [public(v) for v in page], len(versions)

    def _matching_versions(self, versions: list[Doc], q: str | None, models: dict[str, Doc]) -> list[Doc]:
        if q is None:
            return versions
        predicate = compile_query(q, VERSION_FIELDS, lambda path: self._version_field(path, models))
        return [v for v in versions if predicate(v)]

    def _version_field(self, path: list[str], models: dict[str, Doc]) -> Getter:
        """How a query reads ``path`` from a version document (see ``search``)."""
        head, rest = path[0], path[1:]
        if head == "metadata":
            return lambda doc: dotted(doc["metadata"], rest)
        if head == "metrics":
            return lambda doc: self._final_metric(doc, rest)
        if head in ("model", "namespace"):
            field = "name" if head == "model" else "namespace"

            def model_field(doc: Doc) -> Any:
                if doc["model_id"] not in models:
                    models[doc["model_id"]] = self.docs.get("models", doc["model_id"]) or {}
                return models[doc["model_id"]].get(field, MISSING)

            return model_field
        field = {"checkpoint": "checkpoint_uuid", **VERSION_FIELD_NAMES}.get(head, head)
        return lambda doc: doc.get(field, MISSING)

    def _final_metric(self, doc: Doc, path: list[str]) -> Any:
        """The last logged value of a metric; else the checkpoint's reported value."""
        series = self.docs.get("series", series_id(doc["id"], ".".join(path)))
        if series is not None and series.get("last"):
            return series["last"]["value"]
        checkpoint = self.docs.get("checkpoints", doc["checkpoint_uuid"]) if doc["checkpoint_uuid"] else None
        return dotted(checkpoint["metrics"], path) if checkpoint else MISSING

    @locked
    def update_version(
        self,
        version_id: str,
        version: str | None = None,
        name: str | None = None,
        description: str | None = None,
        framework: str | None = None,
        actor: str | None = None,
        if_revision: int | None = None,
    ) -> Doc:
        doc = dict(self._get("versions", version_id, "version"))
        self._check_revision(doc, if_revision, self.describe("versions", doc))
        for field, value, limit in (
            ("version", version, self.limits.max_name_length),
            ("name", name, self.limits.max_name_length),
            ("description", description, self.limits.max_description_length),
            ("framework", framework, self.limits.max_name_length),
        ):
            if value is not None:
                doc[field] = check_text(value, field, limit)
        doc["updated_at"] = now()
        with self.docs.transaction():
            self._save("versions", doc)
            self._emit("version.updated", actor, model_id=doc["model_id"], version_id=version_id)
        return public(doc)

    @locked
    def delete_version(self, version_id: str, actor: str | None = None, if_revision: int | None = None) -> None:
        doc = self._get("versions", version_id, "version")
        self._check_revision(doc, if_revision, self.describe("versions", doc))
        model = dict(self._get("models", doc["model_id"], "model"))
        model.update(num_versions=model["num_versions"] - 1, updated_at=now())
        with self.docs.transaction():
            for tag in doc["tags"]:
                self._record_tag(model["id"], tag, None, doc, "removed", actor)
            self._forget_children(version_id)
            self.docs.delete("versions", version_id)
            self._save("models", model)
            self._emit("version.deleted", actor, model_id=model["id"], version_id=version_id, number=doc["number"])
        self.metrics.delete(version_id)

    # -- unique tags ---------------------------------------------------------------------------

    def _refuse_held_tag(self, model: Doc, versions: list[Doc], tag: str, keep: str | None = None) -> None:
        for other in versions:
            if tag in other["tags"] and other["id"] != keep:
                raise ConflictError(
                    f"tag {tag!r} is held by version {other['number']} (label {other['version']!r}) of model "
                    f"{model['name']!r}; move it with add_tag({tag!r}, move=True)"
                )

    def _record_tag(
        self, model_id: str, tag: str, to: Doc | None, previous: Doc | None, action: str, actor: str | None
    ) -> None:
        self.docs.put("tag_history", {
            "id": new_id(), "model_id": model_id, "tag": tag, "action": action, "at": now(),
            "actor": actor or self.default_actor,
            "version_id": to["id"] if to else None, "number": to["number"] if to else None,
            "previous_version_id": previous["id"] if previous else None,
            "previous_number": previous["number"] if previous else None,
        })
        self._emit(f"tag.{action}", actor, model_id=model_id, tag=tag, version_id=to["id"] if to else None)

    @locked
    def add_tag(self, version_id: str, tag: str, move: bool = False, actor: str | None = None) -> Doc:
        tag = check_tag(tag, self.limits)
        doc = dict(self._get("versions", version_id, "version"))
        model = self._get("models", doc["model_id"], "model")
        if tag in doc["tags"]:
            return public(doc)
        siblings = self.docs.find("versions", "model_id", doc["model_id"])
        holder = next((v for v in siblings if tag in v["tags"]), None)
        if holder is not None and not move:
            self._refuse_held_tag(model, [holder], tag)
        doc["tags"] = doc["tags"] + [tag]
        doc["updated_at"] = now()
        with self.docs.transaction():
            if holder is not None:
                self._save("versions", {**holder, "tags": [t for t in holder["tags"] if t != tag],
                                           "updated_at": doc["updated_at"]})
            self._save("versions", doc)
            self._record_tag(model["id"], tag, doc, holder, "moved" if holder else "set", actor)
        return public(doc)

    @locked
    def remove_tag(self, version_id: str, tag: str, actor: str | None = None) -> Doc:
        doc = dict(self._get("versions", version_id, "version"))
        if tag not in doc["tags"]:
            raise NotFoundError(f"version {doc['number']} does not have the tag {tag!r}")
        doc["tags"] = [t for t in doc["tags"] if t != tag]
        doc["updated_at"] = now()
        with self.docs.transaction():
            self._save("versions", doc)
            self._record_tag(doc["model_id"], tag, None, doc, "removed", actor)
        return public(doc)

    @locked
    def tag_history(self, model_id: str, tag: str | None = None) -> list[Doc]:
        """Every set, move and removal of a model's tags, oldest first."""
        self._get("models", model_id, "model")
        records = [r for r in self.docs.find("tag_history", "model_id", model_id) if tag is None or r["tag"] == tag]
        return [public(r) for r in sorted(records, key=lambda r: r["at"])]

    @locked
    def tag_holder(self, model_id: str, tag: str, at: datetime | str | None = None) -> Doc | None:
        """The version that held ``tag`` at time ``at`` (now by default), or ``None``."""
        moment = at.isoformat() if isinstance(at, datetime) else at
        holder_id = None
        for record in self.tag_history(model_id, tag):
            if moment is not None and record["at"] > moment:
                break
            holder_id = record["version_id"]
        if holder_id is None:
            return None
        version = self.docs.get("versions", holder_id)
        return public(version) if version else None

    # -- checkpoints ---------------------------------------------------------------------------

    @locked
    def create_checkpoint(
        self,
        files: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        framework: str | None = None,
        format: str | None = None,
        lineage: dict[str, Any] | None = None,
        actor: str | None = None,
    ) -> Doc:
        """A checkpoint whose ``files`` (``{"path", "checksum", "size", "mime_type"}``) are already uploaded."""
        specs = []
        for spec in files or []:
            if not isinstance(spec, dict):
                raise InvalidArgumentError(f"each checkpoint file must be a dict, not {spec!r}")
            path = check_artifact_path(spec.get("path"))
            specs.append((path, self._check_blob(spec), self._mime(spec.get("mime_type"), path)))
        if len({path for path, _, _ in specs}) != len(specs):
            raise InvalidArgumentError("two checkpoint files have the same path")
        doc: Doc = {
            "id": new_id(),
            "metadata": check_metadata(metadata, self.limits),
            "metrics": check_json_value(metrics or {}, "checkpoint metrics", self.limits),
            "framework": check_optional_text(framework, "framework", self.limits),
            "format": check_optional_text(format, "format", self.limits),
            "lineage": check_metadata(lineage, self.limits, "lineage") or None,
            "owner": actor or self.default_actor,
        }
        doc["uuid"] = doc["id"]
        doc["created_at"] = doc["updated_at"] = now()
        with self.docs.transaction():
            self._save("checkpoints", doc)
            for path, blob, mime in specs:
                artifact = self._artifact_doc(doc["id"], path, mime, actor, checksum=blob["checksum"],
                                              size=blob["size"], tracked=False, location=None)
                self.docs.put("artifacts", artifact)
            self._emit("checkpoint.created", actor, object_id=doc["id"])
        return public(doc)

    @locked
    def get_checkpoint(self, uuid: str) -> Doc:
        return public(self._get("checkpoints", uuid, "checkpoint"))


def blob_spec(path: str, blob: BlobRef, mime_type: Any = None) -> dict[str, Any]:
    return {"path": path, "checksum": blob["checksum"], "size": blob["size"], "mime_type": mime_type}

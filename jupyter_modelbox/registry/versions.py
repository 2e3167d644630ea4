"""Versions (numbered per model, never reused) and unique tags with history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .backend import Change
from .base import Doc, new_id, now, operation, public
from .errors import ConflictError, InvalidArgumentError, NotFoundError
from .models import ModelOps
from .search import VERSION_FIELDS, MatchAll, parse
from .validation import check_metadata, check_optional_text, check_tag, check_tags, check_text


class VersionOps(ModelOps):
    # -- versions ------------------------------------------------------------------------------

    @operation
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
        tags = check_tags(unique_tags, self.limits)
        checkpoint = None
        if checkpoint_uuid is not None:
            checkpoint = self._get("checkpoints", checkpoint_uuid, "checkpoint")
        doc: Doc = {
            "id": new_id(),
            "model_id": model_id,
            "number": 0,
            "version": check_optional_text(version, "version", self.limits),
            "name": check_optional_text(name, "version name", self.limits),
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
        with self.docs.transaction():
            if tags:  # the holders are checked with the model held, so that no tag change slips in between
                self._refuse_held_tags(self._writable_model(self._hold("models", model_id, "model")), tags)
            model = self._count_version(model_id, doc["created_at"])  # also holds the model to the end
            number = model["_next_number"] - 1
            doc.update(number=number, version=doc["version"] or str(number), name=doc["name"] or model["name"])
            self._save("versions", doc)
            for tag in tags:
                self._record_tag(model_id, tag, doc, None, "set", actor)
            self._record_tracked(doc["id"], "versions", tracked, actor)
            self._emit("version.created", actor, model_id=model_id, version_id=doc["id"], number=number)
        return public(doc)

    def _count_version(self, model_id: str, at: str) -> Doc:
        """The model after its version counter went up by one, in the version's own transaction: the number
        is gap-free and never reused, and the row stays locked until COMMIT (one version at a time)."""
        change = Change(add={"_next_number": 1, "num_versions": 1, "revision": 1}, set={"updated_at": at})
        model = self.docs.update("models", model_id, change, {"archived": False})
        if model is None:  # say why as every other write does: missing, archived, or changed meanwhile
            current = self._writable_model(self._get("models", model_id, "model"))
            raise self._unmet(current, {}, f"model {current['name']!r}")
        return model

    @staticmethod
    def _writable_model(model: Doc) -> Doc:
        if model["archived"]:
            raise ConflictError(f"model {model['name']!r} is archived; unarchive it before adding versions")
        return model

    def _refuse_held_tags(self, model: Doc, tags: list[str]) -> None:
        for tag in tags:
            self._refuse_held_tag(model, self._holders(model["id"], tag), tag)

    def _holders(self, model_id: str, tag: str) -> list[Doc]:
        return self.docs.find_all("versions", {"model_id": model_id, "tags": tag})

    @operation
    def get_version(self, model_id: str, ref: int | str | None = None, *, must_exist: bool = False) -> Doc | None:
        """By number, by tag, or the newest (``None``/``"latest"``; ``None`` if there is none, or with
        ``must_exist`` a ``NotFoundError``)."""
        model = self._get("models", model_id, "model")
        if ref is None or ref == "latest":
            newest, _ = self.backend.queries.versions(MatchAll(), model_id, 0, 1)
            if not newest and must_exist:
                raise NotFoundError(f"model {model['name']!r} has no versions yet")
            return public(newest[0]) if newest else None
        if isinstance(ref, bool) or not isinstance(ref, (int, str)):
            raise InvalidArgumentError(f"a version is chosen by number or tag, not {ref!r}")
        if isinstance(ref, int) or ref.isdigit():
            number = int(ref)
            found = self.docs.find_all("versions", {"model_id": model_id, "number": number})
            if not found:
                raise NotFoundError(f"model {model['name']!r} has no version {number}")
            return public(found[0])
        found = self._holders(model_id, ref)
        if not found:
            raise NotFoundError(f"no version of model {model['name']!r} has the tag {ref!r}")
        return public(found[0])

    @operation
    def get_version_by_id(self, version_id: str) -> Doc:
        return public(self._get("versions", version_id, "version"))

    @operation
    def list_versions(
        self, model_id: str, offset: int = 0, limit: int | None = None, q: str | None = None
    ) -> tuple[list[Doc], int]:
        """Newest first; ``q`` filters with the query language (see ``search``)."""
        self._get("models", model_id, "model")
        page, total = self.backend.queries.versions(parse(q, VERSION_FIELDS), model_id, offset, limit)
        return [public(v) for v in page], total

    @operation
    def search_versions(self, q: str | None = None, offset: int = 0, limit: int | None = None) -> tuple[list[Doc], int]:
        """Versions of every model matching the query, newest first."""
        page, total = self.backend.queries.versions(parse(q, VERSION_FIELDS), None, offset, limit)
        return [public(v) for v in page], total

    @operation
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
        doc = self._get("versions", version_id, "version")
        what = self.describe("versions", doc)
        self._check_revision(doc, if_revision, what)
        fields: dict[str, Any] = {"updated_at": now()}
        for field, value, limit in (
            ("version", version, self.limits.max_name_length),
            ("name", name, self.limits.max_name_length),
            ("description", description, self.limits.max_description_length),
            ("framework", framework, self.limits.max_name_length),
        ):
            if value is not None:
                fields[field] = check_text(value, field, limit)
        with self.docs.transaction():
            doc = self._change("versions", doc, Change(set=fields), if_revision, what)
            self._emit("version.updated", actor, model_id=doc["model_id"], version_id=version_id)
        return public(doc)

    @operation
    def delete_version(self, version_id: str, actor: str | None = None, if_revision: int | None = None) -> None:
        doc = self._get("versions", version_id, "version")
        model = self._hold("models", doc["model_id"], "model")
        doc = self._get("versions", version_id, "version")  # as it is now that its model is held
        self._check_revision(doc, if_revision, self.describe("versions", doc))
        with self.docs.transaction():
            for tag in doc["tags"]:
                self._record_tag(model["id"], tag, None, doc, "removed", actor)
            self._forget_children(version_id)
            self.docs.delete("versions", version_id)
            self._change("models", model, Change(add={"num_versions": -1}, set={"updated_at": now()}), None,
                         f"model {model['name']!r}")
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

    @operation
    def add_tag(
        self, version_id: str, tag: str, move: bool = False, actor: str | None = None, if_revision: int | None = None
    ) -> Doc:
        """Give the version a unique tag; ``if_revision`` is the tagged version's (a held tag's holder is not asked)."""
        tag = check_tag(tag, self.limits)
        doc = self._get("versions", version_id, "version")
        model = self._hold("models", doc["model_id"], "model")  # tag changes of a model happen one at a time
        doc = self._get("versions", version_id, "version")
        self._check_revision(doc, if_revision, self.describe("versions", doc))
        if tag in doc["tags"]:
            return public(doc)
        holder = next(iter(self._holders(model["id"], tag)), None)
        if holder is not None and not move:
            self._refuse_held_tag(model, [holder], tag)
        at = now()
        with self.docs.transaction():
            if holder is not None:
                self._change("versions", holder, Change(discard={"tags": tag}, set={"updated_at": at}), None,
                             self.describe("versions", holder))
            doc = self._change("versions", doc, Change(append={"tags": tag}, set={"updated_at": at}), if_revision,
                               self.describe("versions", doc))
            self._record_tag(model["id"], tag, doc, holder, "moved" if holder else "set", actor)
        return public(doc)

    @operation
    def remove_tag(
        self, version_id: str, tag: str, actor: str | None = None, if_revision: int | None = None
    ) -> Doc:
        doc = self._get("versions", version_id, "version")
        self._hold("models", doc["model_id"], "model")
        doc = self._get("versions", version_id, "version")
        self._check_revision(doc, if_revision, self.describe("versions", doc))
        if tag not in doc["tags"]:
            raise NotFoundError(f"version {doc['number']} does not have the tag {tag!r}")
        with self.docs.transaction():
            doc = self._change("versions", doc, Change(discard={"tags": tag}, set={"updated_at": now()}),
                               if_revision, self.describe("versions", doc))
            self._record_tag(doc["model_id"], tag, None, doc, "removed", actor)
        return public(doc)

    @operation
    def tag_history(self, model_id: str, tag: str | None = None) -> list[Doc]:
        """Every set, move and removal of a model's tags, oldest first."""
        self._get("models", model_id, "model")
        return self._tag_records(model_id, tag)

    def _tag_records(self, model_id: str, tag: str | None) -> list[Doc]:
        records = (self.docs.find("tag_history", "model_id", model_id) if tag is None
                   else self.docs.find_all("tag_history", {"model_id": model_id, "tag": tag}))
        return [public(r) for r in sorted(records, key=lambda r: r["at"])]

    @operation
    def tag_holder(self, model_id: str, tag: str, at: datetime | str | None = None) -> Doc | None:
        """The version that held ``tag`` at time ``at`` (now by default), or ``None``."""
        moment = at.isoformat() if isinstance(at, datetime) else at
        self._get("models", model_id, "model")
        if moment is None:  # now: the version holding it (one index lookup, however long its history)
            holders = self._holders(model_id, tag) if isinstance(tag, str) else []
            return public(holders[0]) if holders else None
        holder_id = None
        for record in self._tag_records(model_id, tag):
            if record["at"] > moment:
                break
            holder_id = record["version_id"]
        if holder_id is None:
            return None
        version = self.docs.get("versions", holder_id)
        return public(version) if version else None

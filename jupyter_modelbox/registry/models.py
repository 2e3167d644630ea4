"""Models, namespaces and metadata (metadata belongs to models, versions and checkpoints)."""

from __future__ import annotations

from typing import Any

from .artifacts import ArtifactOps
from .backend import Change, ModelFilter
from .base import Doc, new_id, now, operation, public
from .enums import ModelOrderBy, ModelSortBy, parse_enum
from .errors import AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError
from .search import MODEL_FIELDS, parse
from .validation import (
    check_int,
    check_json_value,
    check_keys,
    check_metadata,
    check_metadata_key,
    check_name,
    check_optional_text,
    check_text,
)

DEFAULT_NAMESPACE = "default"
SORT_FIELDS = {
    ModelSortBy.NAME: "name",
    ModelSortBy.DESCRIPTION: "description",
    ModelSortBy.CREATION_TIME: "created_at",
    ModelSortBy.LAST_UPDATED_TIME: "updated_at",
}


def name_key(namespace: str, name: str) -> str:
    return f"{namespace}\x00{name}"


class ModelOps(ArtifactOps):
    # -- create and read -----------------------------------------------------------------------

    @operation
    def create_model(
        self,
        name: str,
        owner: str | None = None,
        namespace: str | None = None,
        task: str | None = None,
        description: str | None = "",
        artifacts: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        exist_ok: bool = False,
        actor: str | None = None,
    ) -> Doc:
        name = check_name(name, "model name", self.limits)
        namespace = check_name(namespace or DEFAULT_NAMESPACE, "namespace", self.limits)
        doc: Doc = {
            "id": new_id(),
            "name": name,
            "namespace": namespace,
            "owner": check_optional_text(owner, "owner", self.limits) or actor or self.default_actor,
            "task": check_text(task, "task", self.limits.max_name_length),
            "description": check_text(description, "description", self.limits.max_description_length),
            "metadata": check_metadata(metadata, self.limits),
            "archived": False,
            "num_versions": 0,
            "_next_number": 1,
            "_name_key": name_key(namespace, name),
        }
        existing = self.docs.find("models", "_name_key", doc["_name_key"])
        if existing:
            return self._existing_model(existing[0], exist_ok)
        tracked = self._prepare_tracked(artifacts)  # reads files before anything is written
        doc["created_at"] = doc["updated_at"] = now()
        doc["revision"] = 1
        with self.docs.transaction():
            if not self.docs.insert("models", doc):  # another process created it meanwhile
                return self._existing_model(self.docs.find("models", "_name_key", doc["_name_key"])[0], exist_ok)
            self._record_tracked(doc["id"], "models", tracked, actor)
            self._emit("model.created", actor, model_id=doc["id"], namespace=namespace, name=name)
        return public(doc)

    @staticmethod
    def _existing_model(model: Doc, exist_ok: bool) -> Doc:
        if exist_ok:
            return public(model)
        raise AlreadyExistsError(f"a model named {model['name']!r} already exists in namespace {model['namespace']!r}")

    @operation
    def get_model(self, model_id: str) -> Doc:
        return public(self._get("models", model_id, "model"))

    @operation
    def find_model(self, name: str, namespace: str | None = None) -> Doc:
        namespace = namespace or DEFAULT_NAMESPACE
        found = self.docs.find("models", "_name_key", name_key(namespace, name)) if isinstance(name, str) else []
        if not found:
            self._check_namespace(namespace)
            raise NotFoundError(f"no model named {name!r} in namespace {namespace!r}")
        return public(found[0])

    def _check_namespace(self, namespace: str) -> None:
        if not self.docs.find("models", "namespace", namespace) and namespace != DEFAULT_NAMESPACE:
            known = ", ".join(repr(n) for n in self.namespaces()) or "none yet"
            raise NotFoundError(f"namespace {namespace!r} does not exist (namespaces: {known})")

    @operation
    def namespaces(self) -> list[str]:
        return sorted({doc["namespace"] for doc in self.docs.scan("models")})

    @operation
    def list_models(
        self,
        namespace: str | None = None,
        name: str | None = None,
        description: str | None = None,
        sort_by: ModelSortBy | str = ModelSortBy.NAME,
        order_by: ModelOrderBy | str = ModelOrderBy.ASC,
        offset: int = 0,
        limit: int | None = None,
        archived: bool | None = None,
        q: str | None = None,
    ) -> tuple[list[Doc], int]:
        """Models matching the filters (substring, case-insensitive) and the query ``q`` (see ``search``),
        sorted, one page; and the total."""
        node = parse(q, MODEL_FIELDS)
        sort_field = SORT_FIELDS[parse_enum(ModelSortBy, sort_by, "sort_by")]  # type: ignore[index]
        descending = parse_enum(ModelOrderBy, order_by, "order_by") is ModelOrderBy.DESC
        offset = check_int(offset, "offset")
        limit = None if limit is None else check_int(limit, "limit")
        if namespace is not None:
            self._check_namespace(namespace)
        where = ModelFilter(namespace=namespace, name=name or None, description=description or None, archived=archived)
        page, total = self.backend.queries.models(node, where, sort_field, descending, offset, limit)
        return [public(doc) for doc in page], total

    # -- change --------------------------------------------------------------------------------

    @operation
    def update_model(
        self,
        model_id: str,
        name: str | None = None,
        description: str | None = None,
        task: str | None = None,
        owner: str | None = None,
        archived: bool | None = None,
        actor: str | None = None,
        if_revision: int | None = None,
    ) -> Doc:
        """Change fields and archive or unarchive, all checked first and written at once.

        Unarchiving comes before the other changes and archiving after them, so one call can
        unarchive and rename, or rename and archive; a model that stays archived refuses changes.
        With nothing to change, only ``if_revision`` is checked and nothing is written.
        """
        current = self._get("models", model_id, "model")
        self._check_revision(current, if_revision, f"model {current['name']!r}")
        if archived is not None and not isinstance(archived, bool):
            raise InvalidArgumentError(f"archived must be true or false, not {archived!r}")
        fields: dict[str, Any] = {}
        events = []
        expect = None
        if archived is False:
            fields["archived"] = False
            events.append("model.unarchived")
        changes = {"name": name, "description": description, "task": task, "owner": owner}
        if any(value is not None for value in changes.values()):
            if archived is not False:
                self._refuse_archived(current)
                expect = {"archived": False}  # checked again by the store as it writes
            fields.update(self._model_changes(current, name, description, task, owner))
            events.append("model.updated")
        if archived is True:
            fields["archived"] = True
            events.append("model.archived")
        if not events:
            return public(current)
        try:
            return self._change_model(current, Change(set=fields), events, actor, if_revision, expect)
        except AlreadyExistsError:  # a shared store's unique index: renamed to a name taken meanwhile
            raise self._name_taken(fields["name"], current["namespace"]) from None

    def _model_changes(
        self, doc: Doc, name: str | None, description: str | None, task: str | None, owner: str | None
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if name is not None and name != doc["name"]:
            name = check_name(name, "model name", self.limits)
            key = name_key(doc["namespace"], name)
            if self.docs.find("models", "_name_key", key):
                raise self._name_taken(name, doc["namespace"])
            fields.update(name=name, _name_key=key)
        if description is not None:
            fields["description"] = check_text(description, "description", self.limits.max_description_length)
        if task is not None:
            fields["task"] = check_text(task, "task", self.limits.max_name_length)
        if owner is not None:
            fields["owner"] = check_name(owner, "owner", self.limits)
        return fields

    @staticmethod
    def _name_taken(name: str, namespace: str) -> AlreadyExistsError:
        return AlreadyExistsError(f"a model named {name!r} already exists in namespace {namespace!r}")

    def _change_model(
        self, doc: Doc, change: Change, events: list[str], actor: str | None, if_revision: int | None,
        expect: dict[str, Any] | None = None,
    ) -> Doc:
        change = Change(set={**change.set, "updated_at": now()})
        with self.docs.transaction():
            doc = self._change("models", doc, change, if_revision, f"model {doc['name']!r}", expect)
            for event in events:
                self._emit(event, actor, model_id=doc["id"], namespace=doc["namespace"], name=doc["name"])
        return public(doc)

    @staticmethod
    def _refuse_archived(model: Doc) -> None:
        if model["archived"]:
            raise ConflictError(f"model {model['name']!r} is archived and cannot be changed; unarchive it first")

    @operation
    def delete_model(
        self, model_id: str, cascade: bool = False, actor: str | None = None, if_revision: int | None = None
    ) -> None:
        model = self._hold("models", model_id, "model")  # new versions wait for this call to end
        self._check_revision(model, if_revision, f"model {model['name']!r}")
        versions = self.docs.find("versions", "model_id", model_id)
        if versions and not cascade:
            raise ConflictError(
                f"model {model['name']!r} has {len(versions)} version(s); delete them first or pass cascade=True"
            )
        doomed = [model_id] + [v["id"] for v in versions]
        with self.docs.transaction():
            for version in versions:
                self.docs.delete("versions", version["id"])
            for record in self.docs.find("tag_history", "model_id", model_id):
                self.docs.delete("tag_history", record["id"])
            for parent in doomed:
                self._forget_children(parent)
            self.docs.delete("models", model_id)
            self._emit("model.deleted", actor, model_id=model_id, namespace=model["namespace"], name=model["name"])
        for parent in doomed:
            self.metrics.delete(parent)

    def _forget_children(self, parent: str) -> None:
        for table in ("artifacts", "series", "logged_events"):
            for doc in self.docs.find(table, "parent", parent):
                self.docs.delete(table, doc["id"])

    # -- metadata of any object ----------------------------------------------------------------

    def _change_metadata(self, object_id: str, change: Change, actor: str | None, if_revision: int | None) -> Doc:
        """Merge into or remove from the metadata in the store itself (no read-modify-write here):
        the limits are checked on the result before it is kept."""
        table, doc = self._parent(object_id)
        what = self.describe(table, doc)
        self._check_revision(doc, if_revision, what)
        model = self._model_of(table, doc)
        if table == "models" and model is not None:
            self._refuse_archived(model)
        change = Change(set={"updated_at": now()}, merge=change.merge, unset=change.unset)
        expect = {"archived": False} if table == "models" else None
        with self.docs.transaction():
            doc = self._change(table, doc, change, if_revision, what, expect,
                               check=self._check_metadata_limits)
            self._emit(
                "metadata.updated", actor, object_id=object_id, model_id=model["id"] if model else None,
                version_id=object_id if table == "versions" else None,
            )
        return public(doc)

    def _check_metadata_limits(self, doc: Doc) -> None:
        check_metadata(doc["metadata"], self.limits)

    @operation
    def merge_metadata(
        self, object_id: str, patch: dict[str, Any], actor: str | None = None, if_revision: int | None = None
    ) -> Doc:
        """Merge top-level keys (the Determined ``add_metadata`` rule), atomically."""
        patch = check_metadata(patch, self.limits)
        return self._change_metadata(object_id, Change(merge={"metadata": patch}), actor, if_revision)

    @operation
    def set_metadata(
        self, object_id: str, key: str, value: Any, actor: str | None = None, if_revision: int | None = None
    ) -> Doc:
        key = check_metadata_key(key, self.limits)
        value = check_json_value(value, f"metadata value for {key!r}", self.limits)
        return self._change_metadata(object_id, Change(merge={"metadata": {key: value}}), actor, if_revision)

    @operation
    def remove_metadata(
        self, object_id: str, keys: list[str], actor: str | None = None, if_revision: int | None = None
    ) -> Doc:
        keys = check_keys(keys)
        return self._change_metadata(object_id, Change(unset={"metadata": keys}), actor, if_revision)

    @operation
    def object_doc(self, object_id: str) -> Doc:
        """The model, version or checkpoint with this id (metadata reads address any of them)."""
        return public(self._parent(object_id)[1])

"""JSON Schemas of what the REST API sends and takes (OpenAPI 3.1 dialect, i.e. JSON Schema 2020-12).

The same dicts become the OpenAPI document's components, check request bodies on the server, and
are what the panel's TypeScript types are generated from: so entity schemas list every field,
say which are ``required`` and which may be ``null``, and refuse fields they do not name.
"""

from __future__ import annotations

from typing import Any

from ..registry.enums import ArtifactMime, ModelOrderBy, ModelSortBy
from ..registry.gc import MAX_AGE_SECONDS

Schema = dict[str, Any]

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer", "minimum": 0}
BOOL: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
AGE: Schema = {"type": "number", "minimum": 0, "maximum": MAX_AGE_SECONDS}  # seconds
TIME: Schema = {"type": "string", "format": "date-time"}
ANY: Schema = {}
STRINGS: Schema = {"type": "array", "items": STR}
METADATA: Schema = {"type": "object", "additionalProperties": True, "description": "any JSON object"}
LINEAGE: Schema = {"type": ["object", "null"], "additionalProperties": True,
                   "description": "where a version or checkpoint came from: notebook, cells, packages, git, host"}
BINARY: Schema = {"type": "string", "format": "binary"}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """``schema`` or ``null`` (a ``$ref`` cannot take a type list, so it becomes an ``anyOf``)."""
    kind = schema.get("type")
    if isinstance(kind, str):
        widened = {**schema, "type": [kind, "null"]}
        if "enum" in schema:
            widened["enum"] = [*schema["enum"], None]
        return widened
    return {"anyOf": [schema, {"type": "null"}]}


def enum(values: Any, description: str = "") -> Schema:
    schema: Schema = {"type": "string", "enum": [getattr(v, "value", v) for v in values]}
    return {**schema, "description": description} if description else schema


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def record(properties: dict[str, Schema], required: list[str] | str = "all", description: str = "",
           closed: bool = True, optional: tuple[str, ...] = ()) -> Schema:
    """An object schema; ``required="all"`` (entities: every field is always there but the ``optional``)."""
    schema: Schema = {"type": "object", "properties": properties}
    names = [name for name in properties if name not in optional] if required == "all" else required
    if names:
        schema["required"] = names
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


MIME = enum(ArtifactMime, "what the artifact holds (guessed from its path when not given)")
SORT_BY = enum(ModelSortBy)
ORDER_BY = enum(ModelOrderBy)
DOWNSAMPLING = enum(["minmax", "lttb", "minmax_lttb"])
NULL_STR = nullable(STR)
NULL_INT = nullable(INT)

# Binary columns say in their description what they need: a request that fits neither form of a
# column gets that in its 422 message (see server/parsing.py).
BINARY_COLUMN = record({"dtype": enum(["<f8", "<i8"]), "b64": STR},
                       description="a binary column: needs dtype '<f8' or '<i8' and a base64 'b64' string "
                                   "of the raw little-endian array")
METRIC_VALUE: Schema = {"anyOf": [
    NUMBER, STR,
    record({"b": STR}, description="bytes, base64"),
    record({"f": enum(["nan", "inf", "-inf"])}, description="a float JSON cannot write"),
], "description": "a number, a string, {\"b\": base64 bytes} or {\"f\": \"nan\" | \"inf\" | \"-inf\"}"}

# checkpoints written before experiments existed have none of these
CHECKPOINT_FIELDS_SINCE_EXPERIMENTS = ("experiment_id", "trial_id", "epoch", "batch_number", "hparams", "resources")

SCHEMAS: dict[str, Schema] = {
    "Error": record({"message": STR, "reason": NULL_STR}, required=["message"], closed=False),
    "Model": record({
        "id": STR, "name": STR, "namespace": STR, "owner": STR, "task": STR, "description": STR,
        "metadata": METADATA, "archived": BOOL, "num_versions": INT, "revision": INT,
        "created_at": TIME, "updated_at": TIME}),
    "Version": record({
        "id": STR, "model_id": STR, "number": INT, "version": STR, "name": STR, "description": STR,
        "metadata": METADATA, "framework": NULL_STR, "tags": STRINGS, "checkpoint_uuid": NULL_STR,
        "lineage": LINEAGE, "owner": STR, "revision": INT, "created_at": TIME, "updated_at": TIME},
        optional=("lineage",)),  # versions and checkpoints written before lineage was recorded have none
    "Checkpoint": record({
        "id": STR, "uuid": STR, "experiment_id": NULL_STR, "trial_id": NULL_INT, "epoch": NULL_INT,
        "batch_number": NULL_INT, "metadata": METADATA, "metrics": METADATA, "hparams": METADATA,
        "framework": NULL_STR, "format": NULL_STR,
        "resources": {"type": "object", "additionalProperties": INT, "description": "file path -> size in bytes"},
        "lineage": LINEAGE, "owner": STR, "revision": INT, "created_at": TIME, "updated_at": TIME},
        optional=(*CHECKPOINT_FIELDS_SINCE_EXPERIMENTS, "lineage")),
    "Experiment": record({
        "id": STR, "name": STR, "namespace": STR, "owner": STR, "external_id": NULL_STR, "framework": NULL_STR,
        "metadata": METADATA, "hparams": METADATA,
        "metric": {**NULL_STR, "description": "the metric top_checkpoint ranks by (default val_loss)"},
        "smaller_is_better": {"type": ["boolean", "null"], "description": "null: smaller is better"},
        "num_checkpoints": INT, "revision": INT, "created_at": TIME, "updated_at": TIME}),
    "Artifact": record({
        "id": STR, "parent": STR, "path": STR, "mime_type": MIME, "content_type": STR,
        "checksum": {"type": "string", "description": "sha256 hex; empty for a tracked file that was not reachable"},
        "size": NULL_INT, "tracked": BOOL, "location": NULL_STR, "owner": STR, "created_at": TIME}),
    "LoggedEvent": record({
        "id": STR, "parent": STR, "name": STR, "source": NULL_STR,
        "wallclock": {**NUMBER, "description": "seconds since the epoch"}, "metadata": METADATA, "actor": STR,
        "created_at": TIME}, description="an event a user logged on an object (ModelBox's log_event)"),
    "RegistryObject": {"anyOf": [ref("Model"), ref("Version"), ref("Checkpoint"), ref("Experiment")],
                       "description": "a model, version, checkpoint or experiment"},
    "Blob": record({"checksum": STR, "size": INT}),
    "Upload": record({"upload_id": STR, "offset": INT, "max_chunk_bytes": INT}, required=["upload_id", "offset"]),
    "Event": record({
        "id": STR, "seq": INT, "kind": STR, "at": TIME, "actor": NULL_STR, "model_id": NULL_STR,
        "version_id": NULL_STR, "object_id": NULL_STR}, required=["seq", "kind", "at", "actor"], closed=False,
        description="a change; fields beyond these depend on the kind"),
    "TagChange": record({
        "id": STR, "model_id": STR, "tag": STR, "action": enum(["set", "moved", "removed"]), "at": TIME,
        "actor": STR, "version_id": NULL_STR, "number": NULL_INT, "previous_version_id": NULL_STR,
        "previous_number": NULL_INT}),
    "Finding": record({"level": enum(["error", "warning", "info"]), "what": STR, "repaired": BOOL}),
    "GarbageReport": record({
        "dry_run": BOOL, "grace_seconds": NUMBER, "blobs": {**STRINGS, "description": "sha256 of each blob removed"},
        "bytes": INT, "kept_recent": {**INT, "description": "unreferenced blobs an upload finished into lately"},
        "uploads": {**STRINGS, "description": "abandoned uploads and staging aborted"}}),
    "Limits": record({
        "max_name_length": INT, "max_description_length": INT, "max_metadata_bytes": INT, "max_metadata_keys": INT,
        "max_tags_per_version": INT, "max_metric_key_length": INT, "max_chunk_bytes": INT,
        "max_json_body_bytes": INT}),
    "Info": record({"root": STR, "version": STR, "last_event_seq": INT, "limits": ref("Limits"), "user": STR,
                    "checksum_first": {**BOOL, "description": "uploads that announce their sha256 at the start "
                                       "are stored with less work (a client then hashes the file first)"},
                    "ranged_downloads": {**BOOL, "description": "large downloads are faster as a few concurrent "
                                         "Range requests (bytes in object storage) than as one stream"},
                    "direct_downloads": {**BOOL, "description": "artifact_url hands out URLs to read large "
                                         "artifacts straight from the object store"}}),
    "BinaryColumn": BINARY_COLUMN,
    "MetricValue": METRIC_VALUE,
    "Columns": record({
        "step": {"anyOf": [array(nullable(INT)), ref("BinaryColumn")], "description": "null: no step"},
        "wallclock": {"anyOf": [array(NUMBER), ref("BinaryColumn")], "description": "seconds since the epoch"},
        "value": {"anyOf": [array(ref("MetricValue")), ref("BinaryColumn")]},
    }, required=["wallclock", "value"], description="the points of one metric key, as columns of equal length"),
    "MetricFrame": record({
        "key": STRINGS, "step": array(NULL_INT), "wallclock": array(NUMBER), "value": array(ref("MetricValue"))},
        description="points as columns, ordered by key, then step, then wallclock"),
}


def listing(name: str, item: str) -> Schema:
    """A page of a listing: the items and how many match in all."""
    return record({name: array(ref(item)), "total": INT})


def wrapped(**fields: Schema) -> Schema:
    return record(fields)

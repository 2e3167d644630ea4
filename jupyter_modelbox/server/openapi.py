"""The OpenAPI 3 document of the REST API (served at ``{base_url}modelbox/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

from .. import __version__
from .routes import PARAMETER, PREFIX, ROUTES

JSON = "application/json"
STR = {"type": "string"}
INT = {"type": "integer", "minimum": 0}
NULLABLE_STR = {"type": ["string", "null"]}
METADATA = {"type": "object", "additionalProperties": True}
LINEAGE = {"type": ["object", "null"], "additionalProperties": True,
           "description": "where a version or checkpoint came from: notebook, cells, packages, git, host"}
TIME = {"type": "string", "format": "date-time"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def record(properties: dict[str, Any], optional: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """An object the server sends: every property is always there except the ``optional`` ones."""
    return {"type": "object", "required": [name for name in properties if name not in optional],
            "properties": properties, **extra}


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["message"], "properties": {
        "message": STR, "reason": NULLABLE_STR}},
    "Model": record({
        "id": STR, "name": STR, "namespace": STR, "owner": STR, "task": STR, "description": STR,
        "metadata": METADATA, "archived": {"type": "boolean"}, "num_versions": INT, "revision": INT,
        "created_at": TIME, "updated_at": TIME}),
    # lineage: versions and checkpoints written before lineage was recorded have none
    "Version": record({
        "id": STR, "model_id": STR, "number": INT, "version": STR, "name": STR, "description": STR,
        "metadata": METADATA, "framework": NULLABLE_STR, "tags": {"type": "array", "items": STR},
        "checkpoint_uuid": NULLABLE_STR, "lineage": LINEAGE, "owner": STR, "revision": INT, "created_at": TIME,
        "updated_at": TIME}, optional=("lineage",)),
    "Checkpoint": record({
        "id": STR, "uuid": STR, "metadata": METADATA, "metrics": METADATA, "framework": NULLABLE_STR,
        "format": NULLABLE_STR, "lineage": LINEAGE, "owner": STR, "revision": INT, "created_at": TIME,
        "updated_at": TIME}, optional=("lineage",)),
    "Artifact": record({
        "id": STR, "parent": STR, "path": STR, "mime_type": {"type": "string", "enum": [
            "unknown", "model", "checkpoint", "text", "image", "audio", "video"]},
        "content_type": STR, "checksum": {"type": "string", "description": "sha256 hex; '' for a tracked file "
                                                                             "that could not be read"},
        "size": {"type": ["integer", "null"]}, "tracked": {"type": "boolean"}, "location": NULLABLE_STR,
        "owner": STR, "created_at": TIME}),
    "Blob": record({"checksum": STR, "size": INT}),
    "Upload": record({"upload_id": STR, "offset": INT, "max_chunk_bytes": INT}, optional=("max_chunk_bytes",)),
    # the fields beyond seq, kind, at and actor depend on the kind
    "Event": record({
        "seq": INT, "kind": STR, "at": TIME, "actor": NULLABLE_STR, "model_id": NULLABLE_STR,
        "version_id": NULLABLE_STR, "object_id": NULLABLE_STR}, optional=("model_id", "version_id", "object_id"),
        additionalProperties=True),
    "TagChange": record({
        "tag": STR, "action": {"type": "string", "enum": ["set", "moved", "removed"]}, "at": TIME, "actor": STR,
        "version_id": NULLABLE_STR, "number": {"type": ["integer", "null"]},
        "previous_version_id": NULLABLE_STR, "previous_number": {"type": ["integer", "null"]}}),
    "Binary": {"type": "object", "required": ["dtype", "b64"], "description": "a raw little-endian array",
               "properties": {"dtype": {"enum": ["<f8", "<i8"]}, "b64": STR}},
    "Columns": {"type": "object", "required": ["wallclock", "value"], "properties": {
        "step": {"anyOf": [{"type": "array", "items": {"type": ["integer", "null"]}}, ref("Binary")]},
        "wallclock": {"anyOf": [{"type": "array", "items": {"type": "number"}}, ref("Binary")]},
        "value": {"anyOf": [{"type": "array", "items": {}}, ref("Binary")]}}},
    "MetricFrame": record({
        "key": {"type": "array", "items": STR},
        "step": {"type": "array", "items": {"type": ["integer", "null"]}},
        "wallclock": {"type": "array", "items": {"type": "number"}},
        "value": {"type": "array", "items": {}}}),
}


def body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return {"required": True, "content": {JSON: {"schema": schema}}}


def ok(schema: dict[str, Any], status: str = "200", description: str = "OK") -> dict[str, Any]:
    return {status: {"description": description, "content": {JSON: {"schema": schema}}}}


def query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def listing(name: str, item: str, total: bool = True) -> dict[str, Any]:
    return record({name: {"type": "array", "items": ref(item)}, **({"total": INT} if total else {})})


NO_CONTENT = {"204": {"description": "Deleted"}}
QUERY = query("q", STR, "the search language, e.g. name ~ mnist and (tag:production or metrics.val_loss < 0.1); "
                        "a syntax error is a 422 whose message points at the position")
PAGE = [query("offset", INT), query("limit", INT)]
STRINGS = {"type": "array", "items": STR}
ARTIFACTS = listing("artifacts", "Artifact", total=False)
CHANGED_OBJECT = {"description": "the model, version or checkpoint after the change",
                  "anyOf": [ref("Model"), ref("Version"), ref("Checkpoint")]}

OPERATIONS: dict[str, dict[str, dict[str, Any]]] = {
    "/info": {"get": {"summary": "Registry location, version, limits and the current event sequence",
                      "responses": ok(record({"root": STR, "version": STR, "last_event_seq": INT, "user": STR,
                                              "limits": {"type": "object", "additionalProperties": INT}}))}},
    "/openapi.json": {"get": {"summary": "This document",
                              "responses": ok({"type": "object", "additionalProperties": True})}},
    "/namespaces": {"get": {"summary": "Namespaces that hold models",
                            "responses": ok(record({"namespaces": STRINGS}))}},
    "/models": {
        "get": {"summary": "List models: filters (case-insensitive substrings), sort, paging",
                "parameters": [query("namespace", STR), query("name", STR), query("description", STR),
                               query("sort_by", {"enum": ["name", "description", "creation_time",
                                                          "last_updated_time"]}),
                               query("order_by", {"enum": ["asc", "desc"]}),
                               query("archived", {"type": "boolean"}), QUERY, *PAGE],
                "responses": ok(listing("models", "Model"))},
        "post": {"summary": "Create a model (names are unique per namespace)",
                 "requestBody": body({"name": STR, "owner": NULLABLE_STR, "namespace": NULLABLE_STR,
                                      "task": NULLABLE_STR, "description": NULLABLE_STR, "artifacts": STRINGS,
                                      "metadata": METADATA, "exist_ok": {"type": "boolean"}}, ["name"]),
                 "responses": ok(ref("Model"), "201", "Created")},
    },
    "/models/by-name/{namespace}/{name}": {"get": {"summary": "A model by namespace and name",
                                                   "responses": ok(ref("Model"))}},
    "/models/{model_id}": {
        "get": {"summary": "A model", "responses": ok(ref("Model"))},
        "patch": {"summary": "Rename, describe, change task or owner, archive or unarchive",
                  "requestBody": body({"name": STR, "description": STR, "task": STR, "owner": STR,
                                       "archived": {"type": "boolean"}}),
                  "responses": ok(ref("Model"))},
        "delete": {"summary": "Delete a model (409 while it has versions unless cascade=true)",
                   "parameters": [query("cascade", {"type": "boolean"})], "responses": NO_CONTENT},
    },
    "/models/{model_id}/versions": {
        "get": {"summary": "Versions, newest first", "parameters": [QUERY, *PAGE],
                "responses": ok(listing("versions", "Version"))},
        "post": {"summary": "Create the next numbered version (optionally from a checkpoint)",
                 "requestBody": body({"version": NULLABLE_STR, "name": NULLABLE_STR, "description": NULLABLE_STR,
                                      "artifacts": STRINGS, "metadata": METADATA, "unique_tags": STRINGS,
                                      "framework": NULLABLE_STR, "checkpoint_uuid": NULLABLE_STR,
                                      "lineage": LINEAGE}),
                 "responses": ok(ref("Version"), "201", "Created")},
    },
    "/models/{model_id}/versions/{ref}": {"get": {"summary": "A version by number, unique tag, or 'latest'",
                                                  "responses": ok(ref("Version"))}},
    "/models/{model_id}/tag-history": {"get": {"summary": "Every set, move and removal of the model's tags",
                                               "parameters": [query("tag", STR)],
                                               "responses": ok(listing("history", "TagChange", total=False))}},
    "/models/{model_id}/tags/{tag}/holder": {"get": {
        "summary": "The version holding a tag now, or at time 'at'", "parameters": [query("at", TIME)],
        "responses": ok(record({"version": {"anyOf": [ref("Version"), {"type": "null"}]}}))}},
    "/versions": {"get": {"summary": "Versions of every model matching the query, newest first",
                          "parameters": [QUERY, *PAGE], "responses": ok(listing("versions", "Version"))}},
    "/versions/{version_id}": {
        "get": {"summary": "A version", "responses": ok(ref("Version"))},
        "patch": {"summary": "Change label, name, description or framework",
                  "requestBody": body({"version": STR, "name": STR, "description": STR, "framework": STR}),
                  "responses": ok(ref("Version"))},
        "delete": {"summary": "Delete a version (its number is never reused)", "responses": NO_CONTENT},
    },
    "/versions/{version_id}/tags": {"post": {
        "summary": "Add a unique tag (409 if another version holds it, unless move=true)",
        "requestBody": body({"tag": STR, "move": {"type": "boolean"}}, ["tag"]), "responses": ok(ref("Version"))}},
    "/versions/{version_id}/tags/{tag}": {"delete": {"summary": "Remove a tag", "responses": ok(ref("Version"))}},
    "/checkpoints": {"post": {
        "summary": "Create a checkpoint from uploaded files",
        "requestBody": body({"files": {"type": "array", "items": {"type": "object", "required": ["path", "checksum"],
                                                                 "properties": {"path": STR, "checksum": STR,
                                                                                "size": INT, "mime_type": STR}}},
                             "metadata": METADATA, "metrics": METADATA, "framework": NULLABLE_STR,
                             "format": NULLABLE_STR, "lineage": LINEAGE}),
        "responses": ok(ref("Checkpoint"), "201", "Created")}},
    "/checkpoints/{uuid}": {"get": {"summary": "A checkpoint", "responses": ok(ref("Checkpoint"))}},
    "/objects/{object_id}/metadata": {
        "get": {"summary": "Metadata of a model, version or checkpoint",
                "responses": ok(record({"metadata": METADATA}))},
        "patch": {"summary": "Merge top-level keys, atomically", "requestBody": body({"metadata": METADATA},
                                                                                       ["metadata"]),
                  "responses": ok(CHANGED_OBJECT)},
        "delete": {"summary": "Remove keys", "parameters": [query("key", STR)], "responses": ok(CHANGED_OBJECT)},
    },
    "/objects/{object_id}/metadata/{key}": {"put": {
        "summary": "Set one key to any JSON value", "requestBody": body({"value": {}}, ["value"]),
        "responses": ok(CHANGED_OBJECT)}},
    "/objects/{object_id}/metrics": {
        "get": {"summary": "Logged points as columns; max_points downsamples each key (min/max, LTTB)",
                "parameters": [query("key", STR), query("max_points", {"type": "integer", "minimum": 4}),
                               query("method", {"enum": ["minmax", "lttb", "minmax_lttb"]})],
                "responses": ok(ref("MetricFrame"))},
        "post": {"summary": "Append points, one column set per key",
                 "requestBody": body({"series": {"type": "object", "additionalProperties": ref("Columns")}},
                                     ["series"]),
                 "responses": ok(record({"points": INT}))},
    },
    "/objects/{object_id}/metric-keys": {"get": {"summary": "Keys with logged points",
                                                 "responses": ok(record({"keys": STRINGS}))}},
    "/objects/{object_id}/artifacts": {
        "get": {"summary": "Artifacts of a model, version or checkpoint",
                "responses": ok(ARTIFACTS)},
        "post": {"summary": "Record uploaded bytes (from /uploads) as an artifact",
                 "requestBody": body({"path": STR, "checksum": STR, "size": INT, "mime_type": STR},
                                     ["path", "checksum"]),
                 "responses": ok(ref("Artifact"), "201", "Created")},
    },
    "/objects/{object_id}/artifact-batch": {"post": {
        "summary": "Record many uploaded blobs at once (all checked before any is recorded)",
        "requestBody": body({"artifacts": {"type": "array", "minItems": 1, "items": {
            "type": "object", "properties": {"path": STR, "checksum": STR, "size": INT},
            "required": ["path", "checksum"], "additionalProperties": False}}, "mime_type": STR}, ["artifacts"]),
        "responses": ok(ARTIFACTS,
                        "201", "Created")}},
    "/objects/{object_id}/tracked-artifacts": {"post": {
        "summary": "Track files by location (path or URI) without copying them",
        "requestBody": body({"locations": STRINGS, "mime_type": STR}, ["locations"]),
        "responses": ok(ARTIFACTS,
                        "201", "Created")}},
    "/objects/{object_id}/artifacts-from-contents": {"post": {
        "summary": "Copy files or folders from the Jupyter file browser (contents paths) into the registry",
        "requestBody": body({"paths": STRINGS, "mime_type": STR}, ["paths"]),
        "responses": ok(ARTIFACTS,
                        "201", "Created")}},
    "/artifacts/{artifact_id}": {
        "get": {"summary": "An artifact record", "responses": ok(ref("Artifact"))},
        "delete": {"summary": "Delete an artifact record", "responses": NO_CONTENT},
    },
    "/artifacts/{artifact_id}/content": {"get": {
        "summary": "The bytes (X-Checksum-Sha256 header); 'Range: bytes=N-' resumes",
        "responses": {"200": {"description": "The bytes", "content": {"application/octet-stream": {
            "schema": {"type": "string", "format": "binary"}}}},
                      "206": {"description": "Part of the bytes"}}}},
    "/uploads": {"post": {"summary": "Start a resumable upload", "requestBody": body({}),
                          "responses": ok(ref("Upload"), "201", "Created")}},
    "/uploads/{upload_id}": {
        "get": {"summary": "Bytes received so far (resume from this offset)", "responses": ok(ref("Upload"))},
        "put": {"summary": "Append a chunk at ?offset=N (streamed, never held in memory)",
                "parameters": [{"name": "offset", "in": "query", "required": True, "schema": INT}],
                "requestBody": {"required": True, "content": {"application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"}}}},
                "responses": {**ok(ref("Upload")),
                              "409": {"description": "Wrong offset: resume from the current one"}}},
        "delete": {"summary": "Cancel an upload", "responses": NO_CONTENT},
    },
    "/uploads/{upload_id}/finish": {"post": {
        "summary": "Check the sha256 of all bytes received and store them",
        "requestBody": body({"checksum": STR}, ["checksum"]), "responses": ok(ref("Blob"))}},
    "/events": {"get": {
        "summary": "Changes after sequence number 'since'; waits up to 'timeout' s (max 60) for one",
        "parameters": [query("since", INT), query("timeout", {"type": "number", "minimum": 0}),
                       query("limit", {"type": "integer", "minimum": 1})],
        "responses": ok(record({"events": {"type": "array", "items": ref("Event")}, "last_seq": INT}))}},
}

OPERATIONS.update({
    "/check": {"post": {
        "summary": "Verify the registry (records, numbering, tags, artifact bytes); repair=true fixes what is safe",
        "requestBody": body({"repair": {"type": "boolean"}, "verify_bytes": {"type": "boolean"}}),
        "responses": ok({"type": "object", "properties": {"findings": {"type": "array", "items": {
            "type": "object", "properties": {"level": {"enum": ["error", "warning", "info"]}, "what": STR,
                                             "repaired": {"type": "boolean"}}}}}})}},
    "/export": {"get": {
        "summary": "The whole registry (documents, metric series, artifact bytes) as a tar stream",
        "responses": {"200": {"description": "A tar archive", "content": {"application/x-tar": {
            "schema": {"type": "string", "format": "binary"}}}}}}},
    "/import": {"post": {
        "summary": "Load an export archive (uploaded first through /uploads) into this empty registry",
        "requestBody": body({"checksum": STR}, ["checksum"]),
        "responses": ok({"type": "object", "properties": {"manifest": {"type": "object"}}})}},
})

ERRORS = {str(code): {"description": text, "content": {JSON: {"schema": ref("Error")}}}
          for code, text in [(400, "Malformed request"), (403, "Not authenticated or not authorized"),
                             (404, "Not found"), (409, "Conflict"), (413, "Too large"),
                             (412, "If-Match names an older revision: reload and retry"),
                             (422, "Invalid argument")]}


IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": STR,
            "description": "The ETag (revision) the edit starts from; 412 if the object changed since"}
REVISIONED = {"/models/{model_id}", "/versions/{version_id}", "/objects/{object_id}/metadata",
              "/objects/{object_id}/metadata/{key}"}


def openapi_document(base_url: str = "/") -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for template, _ in ROUTES:
        parameters = [{"name": name, "in": "path", "required": True, "schema": STR}
                      for name in PARAMETER.findall(template)]
        operations = {}
        for verb, operation in OPERATIONS[template].items():
            operations[verb] = {**operation, "responses": {**operation["responses"], **ERRORS}}
            extra = [IF_MATCH] if verb in ("patch", "put", "delete") and template in REVISIONED else []
            if parameters or extra:
                operations[verb]["parameters"] = parameters + extra + operation.get("parameters", [])
        paths[template] = operations
    return {
        "openapi": "3.1.0",
        "info": {"title": "jupyter_modelbox REST API", "version": __version__,
                 "description": "A model registry served by the Jupyter server. Authenticate as for any Jupyter "
                                "API: 'Authorization: token <token>', or the session cookie plus the X-XSRFToken "
                                "header for writes."},
        "servers": [{"url": f"{base_url.rstrip('/')}/{PREFIX}"}],
        "security": [{"token": []}],
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": paths,
    }

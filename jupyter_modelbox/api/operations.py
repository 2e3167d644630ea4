"""Every operation of the REST API, declared once (see ``jupyter_modelbox.api`` for how to add one)."""

from __future__ import annotations

from typing import Any

from .operation import Operation, Param
from .schemas import (
    AGE,
    ANY,
    BINARY,
    BOOL,
    DOWNSAMPLING,
    INT,
    LINEAGE,
    METADATA,
    MIME,
    NULL_INT,
    NULL_STR,
    NUMBER,
    ORDER_BY,
    SORT_BY,
    STR,
    STRINGS,
    TIME,
    Schema,
    array,
    listing,
    nullable,
    record,
    ref,
    wrapped,
)

SEARCH = Param(STR, description="the search language, e.g. name ~ mnist and (tag:production or "
                                "metrics.val_loss < 0.1); a syntax error is a 422 whose message points at the position")
PAGE = {"offset": Param(INT), "limit": Param(INT)}
OBJECT = ref("RegistryObject")
ARTIFACTS = wrapped(artifacts=array(ref("Artifact")))
MIME_FIELD = Param(nullable(MIME))
PARENT = {"object_id": "parent_id"}  # artifacts and metrics call the object they belong to their parent
NAMES = Param(nullable(STRINGS), description="paths or URIs to track (not copy)")
FILE_SPEC = record({"path": STR, "checksum": STR, "size": NULL_INT, "mime_type": nullable(MIME)},
                   required=["path", "checksum"])
BATCH_ITEM = record({"path": STR, "checksum": STR, "size": NULL_INT}, required=["path", "checksum"])


def get(id: str, path: str, summary: str, response: Schema, **details: Any) -> Operation:
    return Operation(id, "get", path, summary, response=response, **details)


def write(id: str, verb: str, path: str, summary: str, response: Schema | None, **details: Any) -> Operation:
    """A change: it records who made it; without a response it answers 204."""
    details.setdefault("status", 200 if response is not None else 204)
    return Operation(id, verb, path, summary, response=response, writes=True, **details)


MODELS = [
    get("info", "/info", "Registry location, version, limits, the current event sequence and who is asking",
        ref("Info")),
    get("openapi", "/openapi.json", "This document", {"type": "object", "description": "an OpenAPI 3.1 document"}),
    get("namespaces", "/namespaces", "Namespaces that hold models", wrapped(namespaces=STRINGS),
        reply=("namespaces",)),
    get("list_models", "/models", "List models: filters (case-insensitive substrings), sort, paging",
        listing("models", "Model"), reply=("models", "total"),
        query={"namespace": Param(STR), "name": Param(STR), "description": Param(STR), "sort_by": Param(SORT_BY),
               "order_by": Param(ORDER_BY), "archived": Param(BOOL), "q": SEARCH, **PAGE}),
    write("create_model", "post", "/models", "Create a model (names are unique per namespace)", ref("Model"),
          status=201, body={
              "name": Param(STR, required=True), "owner": Param(NULL_STR), "namespace": Param(NULL_STR),
              "task": Param(NULL_STR), "description": Param(NULL_STR), "artifacts": NAMES,
              "metadata": Param(nullable(METADATA)),
              "exist_ok": Param(BOOL, description="return the existing model instead of a 409")}),
    get("find_model", "/models/by-name/{namespace}/{name}", "A model by namespace and name", ref("Model")),
    get("get_model", "/models/{model_id}", "A model", ref("Model")),
    write("update_model", "patch", "/models/{model_id}",
          "Rename, describe, change task or owner, archive or unarchive: one write (unarchive first, archive last)",
          ref("Model"), if_match=True, body={
              "name": Param(STR), "description": Param(STR), "task": Param(STR), "owner": Param(STR),
              "archived": Param(BOOL)}),
    write("delete_model", "delete", "/models/{model_id}", "Delete a model (409 while it has versions unless "
          "cascade=true)", None, if_match=True, query={"cascade": Param(BOOL)}),
]

VERSIONS = [
    get("list_versions", "/models/{model_id}/versions", "Versions, newest first", listing("versions", "Version"),
        reply=("versions", "total"), query={"q": SEARCH, **PAGE}),
    write("create_version", "post", "/models/{model_id}/versions",
          "Create the next numbered version (optionally from a checkpoint)", ref("Version"), status=201, body={
              "version": Param(NULL_STR, description="your label; default: the number"),
              "name": Param(NULL_STR), "description": Param(NULL_STR), "artifacts": NAMES,
              "metadata": Param(nullable(METADATA)), "unique_tags": Param(nullable(STRINGS)),
              "framework": Param(NULL_STR), "checkpoint_uuid": Param(NULL_STR), "lineage": Param(LINEAGE)}),
    get("get_version", "/models/{model_id}/versions/{ref}", "A version by number, unique tag, or 'latest' (404 "
        "'has no versions yet' for a model without any)", ref("Version")),
    get("tag_history", "/models/{model_id}/tag-history", "Every set, move and removal of the model's tags",
        wrapped(history=array(ref("TagChange"))), reply=("history",), query={"tag": Param(STR)}),
    get("tag_holder", "/models/{model_id}/tags/{tag}/holder", "The version holding a tag now, or at time 'at'",
        wrapped(version=nullable(ref("Version"))), reply=("version",), query={"at": Param(TIME)}),
    get("search_versions", "/versions", "Versions of every model matching the query, newest first",
        listing("versions", "Version"), reply=("versions", "total"), query={"q": SEARCH, **PAGE}),
    get("get_version_by_id", "/versions/{version_id}", "A version", ref("Version")),
    write("update_version", "patch", "/versions/{version_id}", "Change label, name, description or framework",
          ref("Version"), if_match=True, body={
              "version": Param(STR), "name": Param(STR), "description": Param(STR), "framework": Param(STR)}),
    write("delete_version", "delete", "/versions/{version_id}", "Delete a version (its number is never reused)",
          None, if_match=True),
    write("add_tag", "post", "/versions/{version_id}/tags",
          "Add a unique tag (409 if another version holds it, unless move=true; If-Match: the tagged version's)",
          ref("Version"), if_match=True, body={"tag": Param(STR, required=True), "move": Param(BOOL)}),
    write("remove_tag", "delete", "/versions/{version_id}/tags/{tag}", "Remove a tag", ref("Version"),
          if_match=True),
    write("create_checkpoint", "post", "/checkpoints", "Create a checkpoint from uploaded files (optionally in "
          "an experiment, whose framework and hparams it takes unless given)", ref("Checkpoint"),
          status=201, body={
              "files": Param(nullable(array(FILE_SPEC)), description="bytes uploaded through /uploads"),
              "metadata": Param(nullable(METADATA)), "metrics": Param(nullable(METADATA)),
              "framework": Param(NULL_STR), "format": Param(NULL_STR), "lineage": Param(LINEAGE),
              "experiment_id": Param(NULL_STR), "epoch": Param(NULL_INT), "batch_number": Param(NULL_INT),
              "trial_id": Param(NULL_INT), "hparams": Param(nullable(METADATA))}),
    get("get_checkpoint", "/checkpoints/{uuid}", "A checkpoint", ref("Checkpoint")),
]

EXPERIMENTS = [
    get("list_experiments", "/experiments", "Experiments, newest first (of one namespace; searchable)",
        listing("experiments", "Experiment"), reply=("experiments", "total"),
        query={"namespace": Param(STR), "q": SEARCH, **PAGE}),
    write("create_experiment", "post", "/experiments", "Create an experiment (names are unique per namespace)",
          ref("Experiment"), status=201, body={
              "name": Param(STR, required=True), "owner": Param(NULL_STR), "namespace": Param(NULL_STR),
              "external_id": Param(NULL_STR, description="the run's id in the tool that trained it"),
              "framework": Param(NULL_STR), "metadata": Param(nullable(METADATA)),
              "hparams": Param(nullable(METADATA)),
              "metric": Param(NULL_STR, description="the metric top-checkpoint ranks by (default val_loss)"),
              "smaller_is_better": Param(nullable(BOOL), description="default: true"),
              "exist_ok": Param(BOOL, description="return the existing experiment instead of a 409")}),
    get("get_experiment", "/experiments/{ref}", "An experiment by id, else by name in 'namespace' (default: "
        "default)", ref("Experiment"), query={"namespace": Param(STR)}),
    get("list_checkpoints", "/experiments/{experiment_id}/checkpoints",
        "An experiment's checkpoints by epoch, then batch number", listing("checkpoints", "Checkpoint"),
        reply=("checkpoints", "total"), query={"epoch": Param(INT), **PAGE}),
    get("top_checkpoint", "/experiments/{experiment_id}/top-checkpoint",
        "The checkpoint with the best reported metric (the experiment's declared one, else val_loss; 404 when no "
        "checkpoint reports it)", ref("Checkpoint"),
        query={"metric": Param(STR), "smaller_is_better": Param(BOOL)}),
]

METADATA_AND_METRICS = [
    get("get_metadata", "/objects/{object_id}/metadata", "Metadata of a model, version, checkpoint or experiment "
        "(ETag: its revision)", wrapped(metadata=METADATA)),
    write("merge_metadata", "patch", "/objects/{object_id}/metadata", "Merge top-level keys, atomically", OBJECT,
          if_match=True, body={"metadata": Param(METADATA, required=True)}, python={"metadata": "patch"}),
    write("remove_metadata", "delete", "/objects/{object_id}/metadata", "Remove keys", OBJECT, if_match=True,
          query={"key": Param(STR, many=True)}, python={"key": "keys"}),
    write("set_metadata", "put", "/objects/{object_id}/metadata/{key}", "Set one key to any JSON value", OBJECT,
          if_match=True, body={"value": Param(ANY, required=True)}),
    get("read_metrics", "/objects/{object_id}/metrics",
        "Logged points as columns; max_points downsamples each key (min/max, LTTB)", ref("MetricFrame"),
        query={"key": Param(STR, many=True), "max_points": Param({"type": "integer", "minimum": 4}),
               "method": Param(DOWNSAMPLING)}, python={**PARENT, "key": "keys"}),
    write("log_metrics", "post", "/objects/{object_id}/metrics", "Append points, one column set per key",
          wrapped(points=INT), reply=("points",), python=PARENT,
          body={"series": Param({"type": "object", "additionalProperties": ref("Columns")}, required=True)}),
    get("metric_keys", "/objects/{object_id}/metric-keys", "Keys with logged points", wrapped(keys=STRINGS),
        reply=("keys",), python=PARENT),
    write("log_event", "post", "/objects/{object_id}/events", "Log an event on an object (name, source, wallclock)",
          ref("LoggedEvent"), status=201, body={
              "name": Param(STR, required=True), "source": Param(NULL_STR),
              "wallclock": Param(nullable(NUMBER), description="seconds since the epoch; default: now"),
              "metadata": Param(nullable(METADATA))}),
    get("list_logged_events", "/objects/{object_id}/events", "The events logged on an object, by wallclock",
        wrapped(events=array(ref("LoggedEvent"))), reply=("events",)),
]

ARTIFACT_OPERATIONS = [
    get("list_artifacts", "/objects/{object_id}/artifacts", "Artifacts of a model, version, checkpoint or experiment",
        ARTIFACTS, reply=("artifacts",), python=PARENT),
    write("add_artifact", "post", "/objects/{object_id}/artifacts",
          "Record uploaded bytes (from /uploads) as an artifact", ref("Artifact"), status=201, python=PARENT,
          body={"path": Param(STR, required=True), "checksum": Param(STR, required=True), "size": Param(NULL_INT),
                "mime_type": MIME_FIELD}),
    write("add_artifacts", "post", "/objects/{object_id}/artifact-batch",
          "Record many uploaded blobs at once (all checked before any is recorded)", ARTIFACTS, status=201,
          reply=("artifacts",), python=PARENT,
          body={"artifacts": Param(array(BATCH_ITEM, minItems=1), required=True), "mime_type": MIME_FIELD}),
    write("track_artifacts", "post", "/objects/{object_id}/tracked-artifacts",
          "Track files by location (path or URI) without copying them", ARTIFACTS, status=201,
          reply=("artifacts",), python=PARENT,
          body={"locations": Param(STRINGS, required=True), "mime_type": MIME_FIELD}),
    write("add_contents", "post", "/objects/{object_id}/artifacts-from-contents",
          "Copy files or folders from the Jupyter file browser (contents paths) into the registry", ARTIFACTS,
          status=201, reply=("artifacts",), python=PARENT,
          body={"paths": Param(array(STR, minItems=1), required=True, description="file browser paths"),
                "mime_type": MIME_FIELD}),
    get("get_artifact", "/artifacts/{artifact_id}", "An artifact record", ref("Artifact")),
    write("delete_artifact", "delete", "/artifacts/{artifact_id}", "Delete an artifact record", None),
    get("open_artifact", "/artifacts/{artifact_id}/content",
        "The bytes (X-Checksum-Sha256 header); 'Range: bytes=N-' resumes (206)", BINARY,
        content="application/octet-stream", ranges=True, errors=(400, 403, 404, 409, 413, 416, 422)),
    get("artifact_url", "/artifacts/{artifact_id}/url",
        "A short-lived URL of the bytes in the object store, for a client that reads them there rather than "
        "through this server (null where there is none: bytes in a folder, tracked files, or turned off); the "
        "client still verifies the sha256", wrapped(url=NULL_STR, expires_in=INT)),
    Operation("start_upload", "post", "/uploads",
              "Start a resumable upload; 'checksum', the sha256 of all its bytes when known up front, lets the "
              "server store them without a copy (finish still verifies them against it)",
              body={"checksum": Param(STR, description="sha256 (64 hex digits) of the whole upload")},
              response=ref("Upload"), status=201),
    get("upload_offset", "/uploads/{upload_id}", "Bytes received so far (resume from this offset)", ref("Upload")),
    Operation("upload_chunk", "put", "/uploads/{upload_id}",
              "Append a chunk at ?offset=N (streamed, never held in memory; 409: resume from the current offset)",
              query={"offset": Param(INT, required=True, description="the number of bytes the upload already has")},
              request_content="application/octet-stream",
              response=ref("Upload")),
    Operation("cancel_upload", "delete", "/uploads/{upload_id}", "Cancel an upload", status=204),
    Operation("finish_upload", "post", "/uploads/{upload_id}/finish",
              "Check the sha256 of all bytes received and store them", body={"checksum": Param(STR, required=True)},
              response=ref("Blob")),
]

EVENTS_AND_MAINTENANCE = [
    get("events", "/events", "Changes after sequence number 'since'; waits up to 'timeout' s (max 60) for one",
        wrapped(events=array(ref("Event")), last_seq=INT),
        query={"since": Param(INT), "timeout": Param({"type": "number", "minimum": 0}),
               "limit": Param({"type": "integer", "minimum": 1})}),
    Operation("check", "post", "/check",
              "Verify the registry (records, numbering, tags, artifact bytes); repair=true fixes what is safe",
              body={"repair": Param(BOOL), "verify_bytes": Param(BOOL)},
              response=wrapped(findings=array(ref("Finding"))), reply=("findings",)),
    Operation("collect_garbage", "post", "/gc",
              "Remove artifact bytes no record references (stored before the grace period) and abandoned uploads",
              body={"grace_seconds": Param(AGE), "dry_run": Param(BOOL), "upload_timeout_seconds": Param(AGE)},
              response=wrapped(report=ref("GarbageReport")), reply=("report",)),
    get("export", "/export", "The whole registry (documents, metric series, artifact bytes) as a tar stream",
        BINARY, content="application/x-tar"),
    Operation("import_upload", "post", "/import",
              "Load an export archive (uploaded first through /uploads) into this empty registry",
              body={"checksum": Param(STR, required=True)},
              response=wrapped(manifest={"type": "object", "additionalProperties": True}), reply=("manifest",)),
]

OPERATIONS: list[Operation] = [*MODELS, *VERSIONS, *EXPERIMENTS, *METADATA_AND_METRICS, *ARTIFACT_OPERATIONS,
                               *EVENTS_AND_MAINTENANCE]
BY_ID: dict[str, Operation] = {operation.id: operation for operation in OPERATIONS}

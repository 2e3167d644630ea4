"""One function per verb: ``run_<verb>(box, args)`` does the work and returns data, never prints.

Tables come back as DataFrames, single objects as client objects or dicts; ``render`` turns
them into text or JSON. Everything here goes through the public client API.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .. import Artifact, Checkpoint, ConflictError, Model, ModelBox, ModelVersion, NotFoundError
from .parser import Target
from .render import export_text

Command = Callable[[ModelBox, argparse.Namespace], Any]

MODEL_COLUMNS = ["name", "namespace", "description", "versions", "creation_time", "last_updated_time"]
VERSION_COLUMNS = ["number", "label", "tags", "framework", "checkpoint_uuid", "description", "creation_time"]
ARTIFACT_COLUMNS = ["path", "attached_to", "mime_type", "size", "tracked", "checksum", "location", "created_at"]
TAG_COLUMNS = ["at", "tag", "action", "number", "previous_number", "actor"]


# -- helpers -----------------------------------------------------------------------------------


def version_ref(ref: str | None) -> int | str | None:
    """``None``/``latest`` -> newest, digits -> number, anything else -> a unique tag."""
    if ref is None or ref == "latest":
        return None
    return int(ref) if ref.isdigit() else ref


def get_version(model: Model, ref: str | None) -> ModelVersion:
    version = model.get_version(version_ref(ref))
    if version is None:
        raise NotFoundError(f"model {model.name!r} has no versions yet")
    return version


def resolve(box: ModelBox, target: Target, namespace: str | None) -> Model | ModelVersion:
    """The model ``NAME`` or the version ``NAME:REF``."""
    model = box.get_model(target.name, namespace)
    return model if target.ref is None else get_version(model, target.ref)


def label(obj: Model | ModelVersion) -> str:
    return obj.name if isinstance(obj, Model) else f"{obj.name}:{obj.number}"


def frame(rows: Iterable[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """A table; missing values are ``pd.NA`` (numbers stay integers, text stays text)."""
    return pd.DataFrame(list(rows), columns=columns).convert_dtypes()


def model_rows(models: Iterable[Model]) -> Iterable[dict[str, Any]]:
    for m in models:
        yield {"name": m.name, "namespace": m.namespace, "description": m.description, "versions": m.num_versions,
               "creation_time": m.creation_time, "last_updated_time": m.last_updated_time}


def version_rows(versions: Iterable[ModelVersion]) -> Iterable[dict[str, Any]]:
    for v in versions:
        yield {"number": v.number, "label": v.version, "tags": v.tags, "framework": v.framework,
               "checkpoint_uuid": v.checkpoint_uuid, "description": v.description, "creation_time": v.created_at}


def artifact_rows(artifacts: Iterable[Artifact], attached_to: str) -> Iterable[dict[str, Any]]:
    for a in artifacts:
        yield {"path": a.path, "attached_to": attached_to, "mime_type": a.mime_type.value, "size": a.size,
               "tracked": a.tracked, "checksum": a.checksum, "location": a.location, "created_at": a.created_at}


def all_artifacts(obj: Model | ModelVersion) -> list[tuple[Artifact, str]]:
    """The object's artifacts and, for a version, its checkpoint's (what ``download`` writes)."""
    found: list[tuple[Artifact, str]] = []
    if isinstance(obj, ModelVersion) and obj.checkpoint is not None:
        found += [(a, "checkpoint") for a in obj.checkpoint.artifacts()]
    found += [(a, _kind(obj)) for a in obj.artifacts()]
    return found


# -- verbs -------------------------------------------------------------------------------------


def run_create(box: ModelBox, args: argparse.Namespace) -> Model:
    return box.create_model(args.name, description=args.description, metadata=args.metadata,
                            namespace=args.namespace)


def run_list(box: ModelBox, args: argparse.Namespace) -> pd.DataFrame:
    models = box.get_models(sort_by=args.sort_by, order_by=args.order_by, name=args.name,
                            description=args.description, namespace=args.namespace,
                            offset=args.offset, limit=args.limit)
    return frame(model_rows(models), MODEL_COLUMNS)


def run_describe(box: ModelBox, args: argparse.Namespace) -> dict[str, Any]:
    """``{"model", "version", "checkpoint"}``; the version is the latest unless one is named."""
    model = box.get_model(args.target.name, args.namespace)
    ref = args.target.ref or args.version
    version = get_version(model, ref) if ref is not None else model.get_version()
    return {"model": model, "version": version, "checkpoint": version.checkpoint if version else None}


def run_register_version(box: ModelBox, args: argparse.Namespace) -> ModelVersion:
    return box.get_model(args.name, args.namespace).register_version(args.checkpoint_uuid)


def run_list_versions(box: ModelBox, args: argparse.Namespace) -> pd.DataFrame:
    return frame(version_rows(box.get_model(args.name, args.namespace).get_versions()), VERSION_COLUMNS)


def run_new_checkpoint(box: ModelBox, args: argparse.Namespace) -> Checkpoint:
    return box.new_checkpoint(args.files, metadata=args.metadata, framework=args.framework, format=args.format)


def run_new_version(box: ModelBox, args: argparse.Namespace) -> ModelVersion:
    return box.get_model(args.name, args.namespace).new_model_version(
        version=args.label, description=args.description, metadata=args.metadata,
        unique_tags=args.tags or None, framework=args.framework,
    )


def run_upload(box: ModelBox, args: argparse.Namespace) -> pd.DataFrame:
    obj = resolve(box, args.target, args.namespace)
    return frame(artifact_rows(obj.upload_artifact(args.files), _kind(obj)), ARTIFACT_COLUMNS)


def run_track(box: ModelBox, args: argparse.Namespace) -> pd.DataFrame:
    obj = resolve(box, args.target, args.namespace)
    return frame(artifact_rows(obj.track_artifacts(args.paths), _kind(obj)), ARTIFACT_COLUMNS)


def run_artifacts(box: ModelBox, args: argparse.Namespace) -> pd.DataFrame:
    found = all_artifacts(resolve(box, args.target, args.namespace))
    return frame((row for a, kind in found for row in artifact_rows([a], kind)), ARTIFACT_COLUMNS)


def run_download(box: ModelBox, args: argparse.Namespace) -> dict[str, Any]:
    obj = resolve(box, args.target, args.namespace)
    found = [a for a, _ in all_artifacts(obj)]
    if args.path is None:
        folder = obj.download(args.dest)
        files = list(dict.fromkeys(str(folder / (Path(a.path).name if a.tracked else a.path)) for a in found))
        return {"target": label(obj), "destination": str(folder), "files": files}
    matches = [a for a in found if a.path == args.path]
    if not matches:
        known = ", ".join(sorted({a.path for a in found})) or "none"
        raise NotFoundError(f"{label(obj)} has no artifact {args.path!r}; its artifacts: {known}")
    written = matches[0].download(args.dest)
    return {"target": label(obj), "destination": str(written), "files": [str(written)]}


def run_log(box: ModelBox, args: argparse.Namespace) -> dict[str, Any]:
    obj = resolve(box, args.target, args.namespace)
    metrics = dict(args.metrics)
    obj.log_metrics(metrics, step=args.step, wallclock=args.wallclock)
    box.flush()
    return {"target": label(obj), "step": args.step, "metrics": metrics}


def run_metrics(box: ModelBox, args: argparse.Namespace) -> pd.DataFrame:
    """The points (``key, step, wallclock, value``); with ``--output`` also written to that file."""
    points = resolve(box, args.target, args.namespace).metrics(args.keys)
    if args.output:
        fmt = args.format or ("json" if args.output.lower().endswith(".json") else "csv")
        Path(args.output).expanduser().write_text(export_text(points, fmt))
    return points


def run_tag(box: ModelBox, args: argparse.Namespace) -> Any:
    if args.history is not None:
        records = box.get_model(args.target.name, args.namespace).tag_history(args.history or None)
        return frame(records, TAG_COLUMNS)
    version = resolve(box, args.target, args.namespace)
    assert isinstance(version, ModelVersion)  # the parser requires NAME:REF
    if args.remove:
        version.remove_tag(args.tag)
        return version
    try:
        version.add_tag(args.tag, move=args.move)
    except ConflictError as exc:
        if args.move:
            raise
        raise ConflictError(f"{exc.message} (here: modelbox tag {args.target} {args.tag} --move)") from exc
    return version


def run_metadata(box: ModelBox, args: argparse.Namespace) -> dict[str, Any]:
    """The metadata after the changes (``--merge``, then each ``--set``, then ``--remove``)."""
    obj = resolve(box, args.target, args.namespace)
    if args.merge:
        obj.add_metadata(args.merge)
    for key, value in args.set_pairs:
        obj.update_metadata(key, value)
    if args.remove_keys:
        obj.remove_metadata(args.remove_keys)
    return obj.metadata


def run_search(box: ModelBox, args: argparse.Namespace) -> pd.DataFrame:
    if args.model:
        versions = box.get_model(args.model, args.namespace).search_versions(args.query, args.offset, args.limit)
        return frame(version_rows(versions), VERSION_COLUMNS)
    if args.versions:
        found = box.search_versions(args.query, args.offset, args.limit)
        return frame(({"model": v.name, **row} for v, row in zip(found, version_rows(found), strict=True)),
                     ["model", *VERSION_COLUMNS])
    models = box.search(args.query, sort_by=args.sort_by, order_by=args.order_by, namespace=args.namespace,
                        offset=args.offset, limit=args.limit)
    return frame(model_rows(models), MODEL_COLUMNS)


def run_compare(box: ModelBox, args: argparse.Namespace) -> pd.DataFrame:
    """``field`` then one column per version (``v3 (label)``), as ``Model.compare`` returns it."""
    refs = [version_ref(ref) or "latest" for ref in args.versions] if args.versions else None
    compared = box.get_model(args.name, args.namespace).compare(refs, diff_only=args.diff_only)
    return compared.reset_index()


def findings_frame(findings: Iterable[dict[str, Any]]) -> pd.DataFrame:
    return frame(findings, ["level", "what", "repaired"])


def run_check(box: ModelBox, args: argparse.Namespace) -> pd.DataFrame:
    return findings_frame(box.check(repair=args.repair, verify_bytes=args.verify_bytes))


def check_folder_findings(args: argparse.Namespace) -> pd.DataFrame:
    """``check --root``: works on the folder itself, so a registry too damaged to open can be repaired."""
    return findings_frame(ModelBox.check_folder(args.root, repair=args.repair, verify_bytes=args.verify_bytes))


def database_schema(args: argparse.Namespace) -> dict[str, Any]:
    """``db upgrade``: bring the PostgreSQL schema to this version's, under its lock."""
    from ..client.database import upgrade_database

    return upgrade_database(args.database_url or os.environ["MODELBOX_DATABASE_URL"])


def migrate_registry(args: argparse.Namespace) -> dict[str, Any]:
    """``migrate --from PATH --to URL``: copy a registry folder into an empty database registry, verified."""
    from ..client.database import migrate_to_database

    return migrate_to_database(args.source, args.target_url, args.blob_root or os.environ["MODELBOX_BLOB_ROOT"])


def run_export(box: ModelBox, args: argparse.Namespace) -> dict[str, Any]:
    return {"exported_to": args.path, **box.export_registry(args.path)}


def run_import(box: ModelBox, args: argparse.Namespace) -> dict[str, Any]:
    return {"imported_from": args.path, **box.import_registry(args.path)}


def _kind(obj: Model | ModelVersion) -> str:
    return "model" if isinstance(obj, Model) else "version"


COMMANDS: dict[str, Command] = {
    "create": run_create,
    "list": run_list,
    "describe": run_describe,
    "register-version": run_register_version,
    "list-versions": run_list_versions,
    "new-checkpoint": run_new_checkpoint,
    "new-version": run_new_version,
    "upload": run_upload,
    "track": run_track,
    "artifacts": run_artifacts,
    "download": run_download,
    "log": run_log,
    "metrics": run_metrics,
    "tag": run_tag,
    "metadata": run_metadata,
    "search": run_search,
    "compare": run_compare,
    "check": run_check,
    "export": run_export,
    "import": run_import,
}


def run(box: ModelBox, args: argparse.Namespace) -> Any:
    """Run the verb ``args.verb`` (as parsed by ``parser.parse_args``)."""
    return COMMANDS[args.verb](box, args)

"""Versions side by side: fields, flattened metadata, checkpoint metrics and logged-metric statistics.

``compare`` answers "what differs between these versions"; ``metric_trend`` answers "how did this
metric move from version to version". Both read only through the client objects.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..registry.errors import InvalidArgumentError, NotFoundError
from .models import ModelVersion

if TYPE_CHECKING:
    from .models import Model

VersionRef = int | str | ModelVersion
# min/max come from a min/max-downsampled read, which keeps every extreme: exact at any length
STATS_MAX_POINTS = 50_000
FIELD_ROWS = ("label", "framework", "tags", "created", "checkpoint.uuid")
RUN_ROWS = ("experiment", "checkpoint.trial_id", "checkpoint.epoch", "checkpoint.batch_number")  # when known
GROUPS = ("metadata.", "checkpoint.hparams.", "checkpoint.metrics.", "metrics.")
STATS = ("last", "min", "max")


def column_label(version: ModelVersion) -> str:
    """``v3``, or ``v3 (label)`` when the version has a label of its own."""
    own = f" ({version.version})" if version.version != str(version.number) else ""
    return f"v{version.number}{own}"


def resolve_versions(model: Model, versions: Iterable[VersionRef] | VersionRef | None) -> list[ModelVersion]:
    """Versions of ``model`` from numbers, tags, ``"latest"`` or ``ModelVersion`` objects.

    ``None`` means all of them, newest first; duplicates are dropped.
    """
    if versions is None:
        return list(model.get_versions())
    if isinstance(versions, (int, str, ModelVersion)):
        versions = [versions]
    found: dict[str, ModelVersion] = {}
    for ref in versions:
        if isinstance(ref, ModelVersion):
            if ref.model_id != model.id:
                raise InvalidArgumentError(f"version {ref.number} of {ref.name!r} is not a version of {model.name!r}")
            version: ModelVersion | None = ref
        elif isinstance(ref, bool) or not isinstance(ref, (int, str)):
            raise InvalidArgumentError(f"versions are numbers, tags or ModelVersion objects, not {ref!r}")
        else:
            key: int | str | None = None if ref == "latest" else int(ref) if str(ref).isdigit() else ref
            version = model.get_version(key)
        if version is None:
            raise NotFoundError(f"model {model.name!r} has no versions yet")
        found.setdefault(version.id, version)
    if not found:
        raise InvalidArgumentError("give at least one version to compare")
    return list(found.values())


def flatten(value: Any, prefix: str) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"<prefix>.a.b": 1}``; lists and other values stay whole."""
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key in sorted(value, key=str):
            flat.update(flatten(value[key], f"{prefix}.{key}"))
        return flat
    return {prefix: value}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _order(row: pd.Series) -> tuple[bool, int, float]:
    """Registry order: by step, then wallclock; points without a step after those with one."""
    stepless = pd.isna(row["step"])
    return (stepless, 0 if stepless else int(row["step"]), float(row["wallclock"]))


def metric_stats(version: ModelVersion, keys: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """``{key: {"last", "min", "max"}}`` of the version's logged metrics (``keys``: default all).

    ``min``/``max`` are over the finite numeric values (``None`` for text or bytes series); ``last``
    is the value of the final point (by step, then wallclock), whatever its type. Series longer
    than ``STATS_MAX_POINTS`` are read downsampled: min/max stay exact, and ``last`` is then the
    final finite value (a trailing NaN or infinity is not seen).
    """
    logged = version.metric_keys()
    wanted = [k for k in keys if k in logged] if keys is not None else logged
    if not wanted:
        return {}
    extremes = version.metrics(wanted, max_points=STATS_MAX_POINTS, method="minmax")
    ends = version.metrics(wanted, max_points=4, method="lttb")  # LTTB always keeps the last point
    stats: dict[str, dict[str, Any]] = {}
    for key in wanted:
        points = extremes[extremes["key"] == key]
        tail = ends[ends["key"] == key]
        candidates = [frame.iloc[-1] for frame in (points, tail) if len(frame)]
        last = max(candidates, key=_order)["value"] if candidates else None
        numbers = pd.to_numeric(points["value"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        numbers = numbers[np.isfinite(numbers)]
        numeric = len(points) > 0 and points["value"].map(lambda v: isinstance(v, (int, float, np.number))).all()
        stats[key] = {"last": _plain(last),
                      "min": float(numbers.min()) if numeric and len(numbers) else None,
                      "max": float(numbers.max()) if numeric and len(numbers) else None}
    return stats


def version_rows(version: ModelVersion) -> dict[str, Any]:
    """Row name -> value for one version (see ``compare``)."""
    checkpoint = version.checkpoint
    rows: dict[str, Any] = {
        "label": version.version,
        "framework": version.framework,
        "tags": ", ".join(sorted(version.tags)),
        "created": version.created_at,
        "checkpoint.uuid": version.checkpoint_uuid,
    }
    if version.metadata:
        rows.update(flatten(version.metadata, "metadata"))
    if checkpoint is not None:
        experiment = checkpoint.experiment
        run = {"experiment": experiment.name if experiment else None, "checkpoint.trial_id": checkpoint.trial_id,
               "checkpoint.epoch": checkpoint.epoch, "checkpoint.batch_number": checkpoint.batch_number}
        rows.update({name: value for name, value in run.items() if value is not None})
        rows.update(flatten(checkpoint.hparams, "checkpoint.hparams") if checkpoint.hparams else {})
        rows.update(flatten(checkpoint.summary_metrics, "checkpoint.metrics") if checkpoint.summary_metrics else {})
    for key, stats in sorted(metric_stats(version).items()):
        rows.update({f"metrics.{key}.{name}": stats[name] for name in STATS})
    return rows


def _row_order(name: str) -> tuple[int, str]:
    fixed = (*FIELD_ROWS, *RUN_ROWS)
    if name in fixed:
        return (fixed.index(name), "")
    group = next(i for i, p in enumerate(GROUPS, len(fixed)) if name.startswith(p))
    if group == len(fixed) + GROUPS.index("metrics."):  # keep last/min/max of one key together, in that order
        key, _, stat = name.rpartition(".")
        return (group, f"{key}\0{STATS.index(stat)}")
    return (group, name)


def _canonical(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if isinstance(value, datetime):
        return value.isoformat()
    return json.dumps(value, sort_keys=True, default=repr)


def differing(frame: pd.DataFrame) -> pd.Series:
    """Which rows of a comparison hold different values (a value missing in one version counts)."""
    return frame.apply(lambda row: len({_canonical(v) for v in row}) > 1, axis=1).astype(bool)


def compare(model: Model, versions: Iterable[VersionRef] | VersionRef | None = None,
            diff_only: bool = False) -> pd.DataFrame:
    """One column per version (``v3 (label)``), one row per field; see ``Model.compare``."""
    chosen = resolve_versions(model, versions)
    columns = {column_label(v): version_rows(v) for v in chosen}
    names = sorted({name for rows in columns.values() for name in rows}, key=_row_order)
    frame = pd.DataFrame({label: [rows.get(name) for name in names] for label, rows in columns.items()},
                         index=pd.Index(names, name="field"), dtype=object)
    return frame[differing(frame)] if diff_only else frame


def metric_trend(model: Model, key: str, versions: Iterable[VersionRef] | VersionRef | None = None) -> pd.DataFrame:
    """Per version number (oldest first): ``version`` (its column label), ``value`` (the final logged
    value of ``key``, else the checkpoint's metric ``key``) and ``source`` (``logged``/``checkpoint``)."""
    rows = []
    for version in sorted(resolve_versions(model, versions), key=lambda v: v.number):
        stats = metric_stats(version, [key]).get(key)
        checkpoint = version.checkpoint if stats is None else None
        if stats is not None:
            value, source = stats["last"], "logged"
        elif checkpoint is not None and key in checkpoint.summary_metrics:
            value, source = checkpoint.summary_metrics[key], "checkpoint"
        else:
            value, source = None, None
        rows.append({"number": version.number, "version": column_label(version), "value": value, "source": source})
    frame = pd.DataFrame(rows, columns=["number", "version", "value", "source"]).set_index("number")
    if not any(frame["source"].notna()):
        raise NotFoundError(f"no version of {model.name!r} logged a metric {key!r} or has it in its checkpoint")
    return frame

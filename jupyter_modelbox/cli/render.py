"""Command results as text: aligned tables and ``key: value`` blocks for people, JSON for scripts."""

from __future__ import annotations

import argparse
import base64
import json
import math
from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import Artifact, Checkpoint, Experiment, Model, ModelVersion
from ..client import lineage as lineage_text

MAX_CELL = 60
LINEAGE_CELLS = 3
COLUMN_FORMATS = {
    "checksum": lambda v: v[:12],
    "wallclock": lambda v: _time(datetime.fromtimestamp(v)) if isinstance(v, float) and math.isfinite(v) else v,
    "lineage": lambda v: lineage_text.summary(v) if isinstance(v, Mapping) else v,  # whole record: --json
}


def render(result: Any, args: argparse.Namespace) -> str:
    """The text ``main`` prints for the result of ``args.verb``."""
    if args.verb == "metrics":
        return _metrics_text(result, args)
    if args.as_json or args.verb == "metadata":
        return json.dumps(to_jsonable(result), indent=2)
    if args.verb == "new-checkpoint" or (args.verb == "checkpoints" and args.top):
        return result.uuid  # alone on its line, for $(modelbox new-checkpoint ...)
    if args.verb == "describe":
        return describe_text(result)
    if args.verb == "experiment" and args.action == "describe":
        experiment = result["experiment"]
        checkpoints = result["checkpoints"]
        listed = table_text(checkpoints) if len(checkpoints) else "  none yet"
        return f"{block_text(object_fields(experiment), title(experiment))}\n\nCheckpoints\n{listed}"
    return human_text(result)


def human_text(result: Any) -> str:
    if isinstance(result, pd.DataFrame):
        return table_text(result)
    if isinstance(result, (Model, ModelVersion, Checkpoint, Experiment)):
        return block_text(object_fields(result), title(result))
    return block_text(result)


def describe_text(result: Mapping[str, Any]) -> str:
    version = result["version"]
    parts = [block_text(object_fields(result["model"]), title(result["model"]))]
    parts.append(block_text(object_fields(version), title(version)) if version else "Version: none yet")
    for part in ("checkpoint", "experiment"):
        if result.get(part) is not None:
            parts.append(block_text(object_fields(result[part]), title(result[part])))
    shown: list[Any] = []
    for obj in (version, result["checkpoint"]):
        origin = _origin(obj.lineage) if obj is not None and obj.lineage else None
        if origin is not None and origin not in shown:  # a checkpoint made in the same run adds nothing
            shown.append(origin)
            parts.append(lineage_block(obj.lineage, f"Lineage of {title(obj).lower()}"))
    return "\n\n".join(parts)


def _origin(lineage: Mapping[str, Any]) -> tuple[Any, Any]:
    return ((lineage.get("notebook") or {}).get("path"), (lineage.get("cells") or {}).get("sha256"))


def lineage_block(lineage: Mapping[str, Any], heading: str) -> str:
    """Where it came from, and the last executed cells (``--json`` has the whole record)."""
    text = block_text(dict(lineage_text.fields(lineage)), heading)
    sources = (lineage.get("cells") or {}).get("sources") or []
    if sources:
        shown = sources[-LINEAGE_CELLS:]
        text += f"\n  last {len(shown)} of {lineage['cells'].get('count', len(sources))} executed cells:"
        for item in shown:
            lines = str(item.get("source", "")).splitlines() or [""]
            text += f"\n    [{item.get('execution_count')}] " + "\n        ".join(lines)
    return text


def export_text(frame: pd.DataFrame, fmt: str) -> str:
    """Metric points as CSV or a JSON array of ``{key, step, wallclock, value}`` records."""
    if fmt == "csv":
        return frame.to_csv(index=False)
    return json.dumps(to_jsonable(frame)) + "\n"


def _metrics_text(frame: pd.DataFrame, args: argparse.Namespace) -> str:
    if args.output:
        if args.as_json:
            return json.dumps({"output": args.output, "points": len(frame)})
        return f"wrote {len(frame)} points to {args.output}"
    if args.format:
        return export_text(frame, args.format)
    return json.dumps(to_jsonable(frame), indent=2) if args.as_json else table_text(frame)


# -- plain data --------------------------------------------------------------------------------


def title(obj: Model | ModelVersion | Checkpoint | Experiment) -> str:
    if isinstance(obj, Model):
        return f"Model {obj.name}"
    if isinstance(obj, Experiment):
        return f"Experiment {obj.name}"
    if isinstance(obj, ModelVersion):
        return f"Version {obj.name}:{obj.number}"
    return f"Checkpoint {obj.uuid}"


def object_fields(obj: Any) -> dict[str, Any]:
    """A client object's fields, with times as datetimes."""
    if isinstance(obj, Artifact):
        return {f.name: getattr(obj, f.name) for f in fields(obj) if not f.name.startswith("_")}
    return {**obj.to_dict(), "created_at": obj.created_at, "updated_at": obj.updated_at}


def to_jsonable(value: Any) -> Any:
    """Plain JSON data: times as ISO strings, NaN/NA as null, bytes as base64 text."""
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(record) for record in value.to_dict("records")]
    if isinstance(value, (Model, ModelVersion, Checkpoint, Experiment, Artifact)):
        return to_jsonable(object_fields(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# -- text --------------------------------------------------------------------------------------


def _time(value: datetime) -> str:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def cell(value: Any, column: str = "", limit: int | None = MAX_CELL) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if column in COLUMN_FORMATS:
        value = COLUMN_FORMATS[column](value)
    if isinstance(value, datetime):
        text = _time(value)
    elif isinstance(value, Enum):
        text = str(value.value)
    elif isinstance(value, (list, tuple)):
        text = ", ".join(cell(v) for v in value)
    elif isinstance(value, Mapping):
        text = json.dumps(to_jsonable(value))
    else:
        text = str(value)
    text = " ".join(text.splitlines())
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def table_text(frame: pd.DataFrame) -> str:
    """Left-aligned columns (numbers right-aligned) under a header row."""
    headers = [str(c) for c in frame.columns]
    rows = [[cell(v, h) for h, v in zip(headers, row, strict=True)] for row in frame.itertuples(index=False, name=None)]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    right = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
             for c in frame.columns]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True))

    return "\n".join(line(r).rstrip() for r in [headers, *rows])


def block_text(mapping: Mapping[str, Any], heading: str | None = None) -> str:
    """``key: value`` lines, indented under ``heading`` when there is one."""
    width = max((len(k) for k in mapping), default=0) + 1
    indent = "  " if heading else ""
    lines = [heading] if heading else []
    lines += [f"{indent}{k + ':':<{width}} {cell(v, k, limit=None)}".rstrip() for k, v in mapping.items()]
    return "\n".join(lines)

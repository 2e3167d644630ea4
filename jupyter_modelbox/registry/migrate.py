"""``migrate``: copy a registry (documents, metric series, artifact bytes) into another, empty one
(typically an embedded folder into a team database), then verify every record of the copy.

The copy is an export of the source into a scratch folder beside the target's blobs, imported
into the target (blobs are verified against their sha256 on the way in). The verification then
reads the target back: each document equal to the source's, each series equal point for point,
each artifact's bytes present with the right size.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .backup import export_registry, import_registry
from .errors import IntegrityError
from .facade import Registry
from .journal import dumps

NOT_COPIED = ("uploads",)  # unfinished upload sessions stay behind, as in an export


def migrate_registry(source: Registry, target: Registry) -> dict[str, Any]:
    """Copy ``source`` into the empty ``target`` and verify the copy; returns what was copied and checked."""
    with tempfile.TemporaryDirectory(dir=target.backend.scratch_dir, prefix=".migrate-") as scratch:
        manifest = export_registry(source, Path(scratch) / "export")
        import_registry(target, Path(scratch) / "export")
    verified = verify_copy(source, target)
    return {"from": source.location, "to": target.location, "counts": manifest["counts"], "verified": verified}


def _normal(doc: dict[str, Any]) -> Any:
    return json.loads(dumps(doc))


def verify_copy(source: Registry, target: Registry) -> dict[str, int]:
    """Compare every record the target should hold with the source's; ``IntegrityError`` naming the
    first that differs. Returns how many records of each kind were verified."""
    verified: dict[str, int] = {}
    with source.backend.operation(), target.backend.operation():
        for table in source.backend.tables:
            if table in NOT_COPIED or table not in target.backend.tables:
                continue
            count = 0
            for doc in source.docs.scan(table):
                copied = target.docs.get(table, doc["id"])
                if copied is None or _normal(copied) != _normal(doc):
                    what = "is missing" if copied is None else "differs"
                    raise IntegrityError(f"the copy of {table} record {doc['id']} in {target.location} {what}")
                count += 1
            if target.docs.count(table) != count:
                raise IntegrityError(f"{target.location} holds {target.docs.count(table)} {table} records; the "
                                     f"source has {count}")
            verified[table] = count
        verified["series_points"] = sum(_verify_series(source, target, doc) for doc in source.docs.scan("series"))
        verified["blobs"] = _verify_blobs(source, target)
    return verified


def _verify_series(source: Registry, target: Registry, doc: dict[str, Any]) -> int:
    parent, key = doc["parent"], doc["key"]
    want, got = source.metrics.read(parent, key), target.metrics.read(parent, key)
    for name in ("steps", "wallclocks", "values"):
        a, b = getattr(want, name), getattr(got, name)
        same = len(a) == len(b) and (
            np.array_equal(a, b, equal_nan=True) if a.dtype.kind == "f" and b.dtype.kind == "f"
            else all(x == y or (x != x and y != y) for x, y in zip(a.tolist(), b.tolist(), strict=True)))
        if not same:
            raise IntegrityError(f"the copy of metric series {key!r} of {parent} in {target.location} differs "
                                 f"({name}: {len(a)} points in the source, {len(b)} in the copy)")
    return len(want.steps)


def _verify_blobs(source: Registry, target: Registry) -> int:
    checksums = {doc["checksum"] for doc in source.docs.scan("artifacts") if not doc["tracked"]}
    for checksum in checksums:
        if not target.blobs.exists(checksum) or target.blobs.size(checksum) != source.blobs.size(checksum):
            raise IntegrityError(f"the copy of blob {checksum} in {target.location} is missing or has another size")
    return len(checksums)

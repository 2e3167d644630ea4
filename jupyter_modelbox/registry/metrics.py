"""Metric series in append-only files, one pair per (parent object, key).

Numeric points are fixed 24-byte records (int64 step, float64 wallclock, float64 value) so a
million points load with one ``numpy.fromfile``; string and bytes values (the seed allows them)
go to a JSON-lines file beside it. A crash can leave at most a partial last record, which
readers ignore and the next append cuts off.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .backend import MetricStore, SeriesColumns
from .errors import InvalidArgumentError, StorageError
from .journal import fsync_dir

RECORD = np.dtype([("step", "<i8"), ("wallclock", "<f8"), ("value", "<f8")])


def series_file_stem(key: str) -> str:
    # keys may be long or hold any character; a digest makes a safe, fixed-length file name
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def encode_text_value(value: str | bytes) -> dict[str, str]:
    if isinstance(value, bytes):
        return {"b": base64.b64encode(value).decode()}
    return {"s": value}


def decode_text_value(value: dict[str, str]) -> str | bytes:
    return base64.b64decode(value["b"]) if "b" in value else value["s"]


class FileMetricStore(MetricStore):
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _paths(self, parent: str, key: str) -> tuple[Path, Path]:
        if not parent or not all(c.isalnum() or c == "-" for c in parent):
            raise InvalidArgumentError(f"{parent!r} is not an object id")
        stem = self.folder / parent / series_file_stem(key)
        return stem.with_suffix(".f64"), stem.with_suffix(".jsonl")

    def append(
        self, parent: str, key: str, steps: np.ndarray, wallclocks: np.ndarray, values: list[Any] | np.ndarray
    ) -> None:
        numeric_path, text_path = self._paths(parent, key)
        numeric_path.parent.mkdir(exist_ok=True)
        try:
            if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
                self._append_numeric(numeric_path, steps, wallclocks, values.astype("<f8", copy=False))
                return
            is_text = np.fromiter((isinstance(v, (str, bytes)) for v in values), bool, len(values))
            if not is_text.all():
                numbers = np.array([v for v, t in zip(values, is_text, strict=True) if not t], dtype="<f8")
                self._append_numeric(numeric_path, steps[~is_text], wallclocks[~is_text], numbers)
            if is_text.any():
                lines = "".join(
                    json.dumps([int(s), float(w), encode_text_value(v)]) + "\n"
                    for s, w, v, t in zip(steps, wallclocks, values, is_text, strict=True)
                    if t
                )
                with open(text_path, "a", encoding="utf-8") as out:
                    out.write(lines)
                    out.flush()
                    os.fsync(out.fileno())
        except OSError as exc:
            raise StorageError(f"could not append to metric series {key!r} of {parent}: {exc}") from exc

    @staticmethod
    def _append_numeric(path: Path, steps: np.ndarray, wallclocks: np.ndarray, values: np.ndarray) -> None:
        records = np.empty(len(values), dtype=RECORD)
        records["step"] = steps
        records["wallclock"] = wallclocks
        records["value"] = values
        is_new = not path.exists()
        with open(path, "ab") as out:
            size = out.tell()
            if size % RECORD.itemsize:  # a crash tore the last record: it was never acknowledged
                out.truncate(size - size % RECORD.itemsize)
            out.write(records.tobytes())
            out.flush()
            os.fsync(out.fileno())
        if is_new:
            fsync_dir(path.parent)

    def read(self, parent: str, key: str) -> SeriesColumns:
        numeric_path, text_path = self._paths(parent, key)
        parts = []
        if numeric_path.exists():
            with open(numeric_path, "rb") as handle:
                raw = handle.read()
            records = np.frombuffer(raw, dtype=RECORD, count=len(raw) // RECORD.itemsize)
            parts.append(SeriesColumns(records["step"], records["wallclock"], records["value"]))
        if text_path.exists():
            rows = []
            with open(text_path, encoding="utf-8") as handle:
                for line in handle:
                    try:
                        rows.append(json.loads(line))
                    except ValueError:
                        break  # a torn last line
            if rows:
                steps = np.array([r[0] for r in rows], dtype=np.int64)
                wallclocks = np.array([r[1] for r in rows], dtype=np.float64)
                values = np.empty(len(rows), dtype=object)
                values[:] = [decode_text_value(r[2]) for r in rows]
                parts.append(SeriesColumns(steps, wallclocks, values))
        if not parts:
            return SeriesColumns(np.empty(0, np.int64), np.empty(0), np.empty(0))
        if len(parts) == 1:
            return parts[0]
        values = np.empty(sum(len(p.values) for p in parts), dtype=object)
        values[:] = [v for p in parts for v in p.values.tolist()]
        return SeriesColumns(
            np.concatenate([p.steps for p in parts]), np.concatenate([p.wallclocks for p in parts]), values
        )

    def delete(self, parent: str) -> None:
        folder = self.folder / parent
        if folder.exists():
            shutil.rmtree(folder)

    # -- export, import, check: the export format is these files -------------------------------

    def mark(self) -> dict[Path, int]:
        """The size of every file: appends after it are left out of an export."""
        return {path: path.stat().st_size for path in self.folder.glob("*/*") if path.is_file()}

    def export_files(self, folder: Path, mark: dict[Path, int]) -> int:
        for path, size in mark.items():
            copy_prefix(path, folder / path.parent.name / path.name, size)
        return len(mark)

    def import_files(self, folder: Path, series: Iterable[tuple[str, str]] = ()) -> None:
        for path in sorted(folder.glob("*/*")) if folder.exists() else []:
            target = self.folder / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            with open(target, "rb+") as handle:
                os.fsync(handle.fileno())

    def check(self, repair: bool) -> list[str]:
        problems = []
        for path in self.folder.glob("*/*.f64"):
            extra = path.stat().st_size % RECORD.itemsize
            if extra:
                problems.append(f"metric file {path.name} ends with {extra} bytes of a torn record")
                if repair:
                    with open(path, "r+b") as handle:
                        handle.truncate(path.stat().st_size - extra)
        return problems


def copy_prefix(source: Path, target: Path, size: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(target, "wb") as out:
        remaining = size
        while remaining > 0:
            block = src.read(min(remaining, 1024 * 1024))
            if not block:
                break
            out.write(block)
            remaining -= len(block)

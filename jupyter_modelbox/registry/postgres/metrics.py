"""``MetricStore`` on PostgreSQL: one row per appended batch, its columns as raw arrays (bytea).

A million points are a handful of rows read with one query and decoded with ``numpy.frombuffer``;
text and bytes values (rare) travel as JSON beside their step and wallclock arrays. Appends are
part of the registry call's transaction, so points and the series record land together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import MetricStore, SeriesColumns
from ..metrics import RECORD, decode_text_value, encode_text_value, series_file_stem
from .connection import Connections
from .escape import escape_text, json_dumps, json_loads

INSERT = ("INSERT INTO modelbox_metric_batches (parent, key, kind, steps, wallclocks, vals, texts) "
          "VALUES (%s, %s, %s, %b, %b, %b, %s::jsonb)")


def _bytes(array: np.ndarray, dtype: str) -> bytes:
    return np.ascontiguousarray(array, dtype=dtype).tobytes()


class PostgresMetricStore(MetricStore):
    def __init__(self, connections: Connections) -> None:
        self.connections = connections

    def append(
        self, parent: str, key: str, steps: np.ndarray, wallclocks: np.ndarray, values: list[Any] | np.ndarray
    ) -> None:
        rows: list[tuple[Any, ...]] = []
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
            rows.append(("n", steps, wallclocks, values, None))
        else:
            is_text = np.fromiter((isinstance(v, (str, bytes)) for v in values), bool, len(values))
            if not is_text.all():
                numbers = np.array([v for v, t in zip(values, is_text, strict=True) if not t], dtype="<f8")
                rows.append(("n", steps[~is_text], wallclocks[~is_text], numbers, None))
            if is_text.any():
                texts = [encode_text_value(v) for v, t in zip(values, is_text, strict=True) if t]
                rows.append(("t", steps[is_text], wallclocks[is_text], None, json_dumps(texts)))
        with self.connections.cursor() as cur:
            for kind, batch_steps, batch_wallclocks, numbers, texts in rows:
                cur.execute(INSERT, [escape_text(parent), escape_text(key), kind, _bytes(batch_steps, "<i8"),
                                     _bytes(batch_wallclocks, "<f8"),
                                     None if numbers is None else _bytes(numbers, "<f8"), texts])

    def read(self, parent: str, key: str) -> SeriesColumns:
        with self.connections.cursor() as cur:
            cur.execute("SELECT kind, steps, wallclocks, vals, texts FROM modelbox_metric_batches "
                        "WHERE parent = %s AND key = %s ORDER BY kind, id",
                        [escape_text(parent), escape_text(key)], binary=True)
            rows = cur.fetchall()
        return _columns(rows)

    def delete(self, parent: str) -> None:
        with self.connections.cursor() as cur:
            cur.execute("DELETE FROM modelbox_metric_batches WHERE parent = %s", [escape_text(parent)])

    # -- export, import, check -----------------------------------------------------------------

    def mark(self) -> int:
        with self.connections.cursor() as cur:
            row = cur.execute("SELECT coalesce(max(id), 0) FROM modelbox_metric_batches").fetchone()
        return int(row[0]) if row else 0

    def export_files(self, folder: Path, mark: int) -> int:
        with self.connections.cursor() as cur:
            series = cur.execute("SELECT DISTINCT parent, key FROM modelbox_metric_batches WHERE id <= %s",
                                 [mark]).fetchall()
        written = 0
        for parent, key in series:
            with self.connections.cursor() as cur:
                cur.execute("SELECT kind, steps, wallclocks, vals, texts FROM modelbox_metric_batches "
                            "WHERE parent = %s AND key = %s AND id <= %s ORDER BY kind, id", [parent, key, mark],
                            binary=True)
                rows = cur.fetchall()
            written += _write_files(folder / parent / series_file_stem(key), rows)
        return written

    def import_files(self, folder: Path, series: Iterable[tuple[str, str]] = ()) -> None:
        for parent, key in series:
            stem = folder / parent / series_file_stem(key)
            numeric, text = stem.with_suffix(".f64"), stem.with_suffix(".jsonl")
            if numeric.exists():
                raw = numeric.read_bytes()
                records = np.frombuffer(raw, dtype=RECORD, count=len(raw) // RECORD.itemsize)
                self.append(parent, key, records["step"], records["wallclock"], records["value"])
            if text.exists():
                rows = [json.loads(line) for line in text.read_text(encoding="utf-8").splitlines() if line]
                values = [decode_text_value(r[2]) for r in rows]
                self.append(parent, key, np.array([r[0] for r in rows], np.int64),
                            np.array([r[1] for r in rows], np.float64), values)

    def check(self, repair: bool) -> list[str]:
        return []  # rows are whole or absent: a transaction cannot tear one


def _columns(rows: list[Any]) -> SeriesColumns:
    if not rows:
        return SeriesColumns(np.empty(0, np.int64), np.empty(0), np.empty(0))
    steps = np.frombuffer(b"".join(r[1] for r in rows), dtype="<i8")
    wallclocks = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f8")
    if all(r[0] == "n" for r in rows):
        return SeriesColumns(steps, wallclocks, np.frombuffer(b"".join(r[3] for r in rows), dtype="<f8"))
    values = np.empty(len(steps), dtype=object)
    items: list[Any] = []
    for kind, _, _, numbers, texts in rows:
        if kind == "n":
            items.extend(np.frombuffer(numbers, dtype="<f8").tolist())
        else:
            decoded = json_loads(texts) if isinstance(texts, (str, bytes)) else texts
            items.extend(decode_text_value(v) for v in decoded)
    values[:] = items
    return SeriesColumns(steps, wallclocks, values)


def _write_files(stem: Path, rows: list[Any]) -> int:
    stem.parent.mkdir(parents=True, exist_ok=True)
    columns = _columns(rows)
    numeric = [i for i, r in enumerate(rows) if r[0] == "n"]
    count = sum(len(rows[i][1]) // 8 for i in numeric)
    written = 0
    if count:
        records = np.empty(count, dtype=RECORD)
        records["step"], records["wallclock"] = columns.steps[:count], columns.wallclocks[:count]
        records["value"] = np.asarray(columns.values[:count], dtype="<f8")
        stem.with_suffix(".f64").write_bytes(records.tobytes())
        written += 1
    if count < len(columns.steps):
        lines = "".join(json.dumps([int(s), float(w), encode_text_value(v)]) + "\n" for s, w, v in zip(
            columns.steps[count:], columns.wallclocks[count:], columns.values[count:], strict=True))
        stem.with_suffix(".jsonl").write_text(lines, encoding="utf-8")
        written += 1
    return written

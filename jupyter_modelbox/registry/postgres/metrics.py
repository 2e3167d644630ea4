"""``MetricStore`` on PostgreSQL: one row per appended batch, its columns as raw arrays (bytea).

A million points are a handful of rows read with one query and decoded with ``numpy.frombuffer``;
text and bytes values (rare) travel as JSON beside their step and wallclock arrays. Appends are
part of the registry call's transaction, so points and the series record land together.

A batch row never changes once written (only a delete of its object removes it), so a series'
list of batch ids names its points exactly: each process keeps the columns of the series it read
last (``SeriesCache``, bounded in bytes) with their ids, and a read asks the database for the ids
(an index-only lookup) and fetches only the batches it has not seen. A live chart re-reading a
growing million-point series moves the new batches, not 24 MB each time.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
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


SERIES_CACHE_BYTES = 512 << 20  # decoded columns kept per process (about 20 million points)
BATCH_COLUMNS = "SELECT id, kind, steps, wallclocks, vals, texts FROM modelbox_metric_batches "


class SeriesCache:
    """The columns of recently read series with the batch ids they hold, least recently used out first."""

    def __init__(self, max_bytes: int = SERIES_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str], tuple[tuple[int, ...], SeriesColumns, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, series: tuple[str, str]) -> tuple[tuple[int, ...], SeriesColumns] | None:
        with self._lock:
            entry = self._entries.get(series)
            if entry is None:
                return None
            self._entries.move_to_end(series)
            return entry[0], entry[1]

    def put(self, series: tuple[str, str], ids: tuple[int, ...], columns: SeriesColumns) -> None:
        for array in columns:
            array.flags.writeable = False  # shared by every reader of the series: nobody may change it
        size = sum(a.nbytes for a in columns) + (8 * len(columns.values) if columns.values.dtype == object else 0)
        with self._lock:
            old = self._entries.pop(series, None)
            self._bytes -= old[2] if old else 0
            if size > self.max_bytes:
                return
            self._entries[series] = (ids, columns, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def drop_parent(self, parent: str) -> None:
        with self._lock:
            for series in [s for s in self._entries if s[0] == parent]:
                self._bytes -= self._entries.pop(series)[2]


class PostgresMetricStore(MetricStore):
    def __init__(self, connections: Connections) -> None:
        self.connections = connections
        self.cache = SeriesCache()

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
        series = (escape_text(parent), escape_text(key))
        with self.connections.cursor() as cur:
            ids = tuple(row[0] for row in cur.execute(
                "SELECT id FROM modelbox_metric_batches WHERE parent = %s AND key = %s ORDER BY kind, id", series))
            cached = self.cache.get(series)
            if cached is not None and cached[0] == ids:
                return cached[1]
            if cached is not None and ids[:len(cached[0])] == cached[0] and cached[1].values.dtype != object:
                known, rows = cached[1], cur.execute(BATCH_COLUMNS + "WHERE id = ANY(%s) ORDER BY kind, id",
                                                     [list(ids[len(cached[0]):])], binary=True).fetchall()
                if all(row[1] == "n" for row in rows):  # numbers appended after numbers: extend what is known
                    added = _columns([row[1:] for row in rows])
                    columns = SeriesColumns(*(np.concatenate([a, b]) for a, b in zip(known, added, strict=True)))
                    self.cache.put(series, ids, columns)
                    return columns
            rows = cur.execute(BATCH_COLUMNS + "WHERE parent = %s AND key = %s ORDER BY kind, id", series,
                               binary=True).fetchall()
        columns = _columns([row[1:] for row in rows])
        self.cache.put(series, tuple(row[0] for row in rows), columns)
        return columns

    def delete(self, parent: str) -> None:
        with self.connections.cursor() as cur:
            cur.execute("DELETE FROM modelbox_metric_batches WHERE parent = %s", [escape_text(parent)])
        self.cache.drop_parent(escape_text(parent))

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

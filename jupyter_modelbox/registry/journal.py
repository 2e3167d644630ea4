"""Durable file format for the registry's documents: a snapshot plus an append-only journal.

Stock TinyDB rewrites the whole JSON file on every write, which is O(n) per insert. Here every
committed batch of changes becomes one checksummed line appended to ``<name>.journal`` and
fdatasync'ed before the call returns, so a write costs one small append whatever the registry's
size. ``compact`` folds the journal into ``<name>.json`` with the usual tmp-file, fsync, rename
dance; replaying the journal on top of a snapshot is idempotent because every operation carries
the whole document (or a deletion), and each line carries a sequence number so lines already
folded into the snapshot are skipped.

Line format: ``<crc32 of the JSON, 8 hex digits> <JSON>\n`` with JSON ``{"s": seq, "o": ops}``;
an op is ``[table, "p", id, document]`` (put), ``[table, "d", id]`` (delete) or ``[table, "t"]``
(truncate).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import zlib
from pathlib import Path
from typing import Any

from .errors import StorageError

log = logging.getLogger(__name__)

Tables = dict[str, dict[str, dict[str, Any]]]
Op = list[Any]

SNAPSHOT_FORMAT = 1


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def apply_ops(tables: Tables, ops: list[Op]) -> None:
    for op in ops:
        table = tables.setdefault(op[0], {})
        kind = op[1]
        if kind == "p":
            table[op[2]] = op[3]
        elif kind == "d":
            table.pop(op[2], None)
        elif kind == "t":
            table.clear()
        else:
            raise ValueError(f"unknown journal operation {kind!r}")


class Journal:
    """The snapshot and journal files of one document store."""

    def __init__(self, folder: Path, name: str = "registry") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.snapshot_path = folder / f"{name}.json"
        self.journal_path = folder / f"{name}.journal"
        self.seq = 0
        self.recovered: list[str] = []
        self._fd: int | None = None

    # -- reading -------------------------------------------------------------------------------

    def load(self) -> Tables:
        """Read the snapshot, replay the journal, cut a torn last line. Returns the tables."""
        tables: Tables = {}
        if self.snapshot_path.exists():
            try:
                snapshot = json.loads(self.snapshot_path.read_bytes())
                if snapshot.get("format") != SNAPSHOT_FORMAT:
                    raise ValueError(f"unsupported format {snapshot.get('format')!r}")
                tables = snapshot["tables"]
                self.seq = int(snapshot["seq"])
            except (ValueError, KeyError, TypeError) as exc:
                raise StorageError(
                    f"registry snapshot {self.snapshot_path} is unreadable ({exc}); "
                    "restore it from a backup or run `modelbox check --repair`"
                ) from exc
        if self.journal_path.exists():
            self._replay(tables)
        self._fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return tables

    def _replay(self, tables: Tables) -> None:
        data = self.journal_path.read_bytes()
        lines = data.split(b"\n")
        tail = lines.pop()  # bytes after the last newline: empty unless the last write was torn
        good_end = 0
        for number, line in enumerate(lines, start=1):
            record = self._parse_line(line)
            if record is None:
                if number == len(lines) and not tail:
                    # a last line whose bytes did not all reach the disk before a crash
                    self._cut(good_end, f"discarded a damaged last journal record (line {number})")
                    return
                raise StorageError(
                    f"registry journal {self.journal_path} is corrupt at line {number}; "
                    "run `modelbox check --repair` to keep the records before it"
                )
            good_end += len(line) + 1
            if record["s"] > self.seq:
                apply_ops(tables, record["o"])
                self.seq = record["s"]
        if tail:
            self._cut(good_end, f"discarded {len(tail)} bytes of an unfinished journal record")

    @staticmethod
    def _parse_line(line: bytes) -> dict[str, Any] | None:
        crc, _, payload = line.partition(b" ")
        try:
            if int(crc, 16) != zlib.crc32(payload):
                return None
            record = json.loads(payload)
        except ValueError:
            return None
        return record if isinstance(record, dict) and "s" in record and "o" in record else None

    def _cut(self, size: int, what: str) -> None:
        with open(self.journal_path, "r+b") as handle:
            handle.truncate(size)
            os.fsync(handle.fileno())
        message = f"{self.journal_path}: {what} (a crash interrupted that write; it was never acknowledged)"
        self.recovered.append(message)
        log.warning(message)

    # -- writing -------------------------------------------------------------------------------

    def append(self, ops: list[Op]) -> None:
        """Append one batch atomically and durably."""
        if self._fd is None:
            raise StorageError("the registry is closed")
        seq = self.seq + 1
        payload = dumps({"s": seq, "o": ops}).encode()
        line = b"%08x %s\n" % (zlib.crc32(payload), payload)
        start = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            view = memoryview(line)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fdatasync(self._fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, start)
            raise StorageError(f"could not write the registry journal {self.journal_path}: {exc}") from exc
        self.seq = seq

    @property
    def journal_size(self) -> int:
        return os.fstat(self._fd).st_size if self._fd is not None else 0

    def compact(self, tables: Tables) -> None:
        """Write a fresh snapshot (atomically) and empty the journal."""
        tmp = self.snapshot_path.with_suffix(".json.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(dumps({"format": SNAPSHOT_FORMAT, "seq": self.seq, "tables": tables}))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.snapshot_path)
            fsync_dir(self.snapshot_path.parent)
            if self._fd is not None:
                os.ftruncate(self._fd, 0)
                os.fsync(self._fd)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"could not compact the registry into {self.snapshot_path}: {exc}") from exc

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

"""Durable file format for the registry's documents: a snapshot plus an append-only journal.

Stock TinyDB rewrites the whole JSON file on every write, which is O(n) per insert. Here every
committed batch of changes becomes one checksummed line appended to ``<name>.journal`` and
fdatasync'ed before the call returns, so a write costs one small append whatever the registry's
size. ``compact`` folds the journal into the snapshot ``<name>.snapshot`` (see ``snapshot.py``; a
``<name>.json`` of format 1 is still read) with the usual tmp-file, fsync, rename dance; replaying
the journal on top of a snapshot is idempotent because every operation carries the whole document
(or a deletion), and each line carries a sequence number so lines already folded into the snapshot
are skipped.

Line format: ``<crc32 of the JSON, 8 hex digits> <JSON>\n`` with JSON ``{"s": seq, "o": ops}``;
an op is ``[table, "p", id, document]`` (put), ``[table, "d", id]`` (delete) or ``[table, "t"]``
(truncate).

Compaction never stops a writer for longer than a rename: ``rotate`` renames the full journal to
``<name>.journal.<last seq>`` and opens an empty one, and ``python -m jupyter_modelbox.registry.journal
<folder>`` (a separate process, so neither its CPU nor its memory reaches the writer's) folds the
snapshot and the rotated journals into a new snapshot (tmp file, fsync, rename) and then deletes
them. It runs at nice 19 and hands the snapshot to the disk as it goes (``snapshot.write`` with
``trickle``), so the writer's next journal fdatasync never waits behind its flush. A crash anywhere
leaves a snapshot and journals that replay to the same state, since replay skips the sequence
numbers a snapshot already holds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from . import snapshot
from .errors import StorageError
from .groups import Pending, group_key

log = logging.getLogger(__name__)

Tables = snapshot.Tables
Op = list[Any]
RELEASE_BYTES = 8 * 1024 * 1024
RELEASE_PAUSE_S = 0.005


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def apply_ops(tables: Tables, ops: list[Op], put: dict[str, set[str]] | None = None,
              pending: dict[str, Pending] | None = None) -> None:
    """Apply a journal record's operations; ``put`` collects the ids each table was given. A
    grouped table's group still ``pending`` is read first when an operation touches it: a delete
    names the group of the document it removes (one written before grouped tables did not, and
    reads every group)."""
    for op in ops:
        table = tables.setdefault(op[0], {})
        kind = op[1]
        unread = pending.get(op[0]) if pending else None
        if kind == "p":
            if unread and type(op[3]) is dict:
                table.update(unread.take(group_key(op[3].get(unread.field))))
            table[op[2]] = op[3]
            if put is not None:
                put.setdefault(op[0], set()).add(op[2])
        elif kind == "d":
            if unread:
                if len(op) > 3:
                    table.update(unread.take(op[3]))
                else:
                    unread.take_all(table)
            table.pop(op[2], None)
        elif kind == "t":
            if unread:
                unread.drop()
            table.clear()
        else:
            raise ValueError(f"unknown journal operation {kind!r}")


def release(fd: int) -> None:
    """Free an unlinked file's blocks a few MiB at a time, then close it. On a file system mounted with
    ``discard`` (this project's machine) the blocks a transaction frees are trimmed at its commit, and
    the writer's next journal fdatasync waits for that commit: freeing a 200 MB snapshot at once stalled
    a create 57-128 ms (``benchmarks/bench_million.py``)."""
    try:
        size = os.fstat(fd).st_size
        while size > 0:
            size = max(0, size - RELEASE_BYTES)
            os.ftruncate(fd, size)
            if size:
                time.sleep(RELEASE_PAUSE_S)  # a journal commit (any write's fdatasync) between two pieces
    finally:
        os.close(fd)


def remove(path: Path) -> None:
    """Unlink ``path``, freeing its blocks as ``release`` does."""
    fd = os.open(path, os.O_WRONLY)
    path.unlink()
    release(fd)


class Journal:
    """The snapshot and journal files of one document store."""

    def __init__(self, folder: Path, name: str = "registry", grouped: dict[str, str] | None = None) -> None:
        """``grouped``: the tables written a pickle per group (table -> group field), see ``groups``."""
        folder.mkdir(parents=True, exist_ok=True)
        self.grouped = dict(grouped or {})
        self.pending: dict[str, Pending] = {}  # the groups of the snapshot read, not yet unpickled
        self.snapshot_path = folder / f"{name}.snapshot"
        self.legacy_snapshot_path = folder / f"{name}.json"  # format 1, read until the next compaction
        self.journal_path = folder / f"{name}.journal"
        self.seq = 0
        self.recovered: list[str] = []
        self._fd: int | None = None

    # -- reading -------------------------------------------------------------------------------

    def load(self) -> Tables:
        """Read the snapshot, replay the journals, cut a torn last line. Returns the tables."""
        for _ in range(5):
            try:
                return self._load()
            except FileNotFoundError:  # a compactor folded a rotated journal meanwhile: read again
                self.seq = 0
        return self._load()

    def _load(self) -> Tables:
        rotated = self.rotated()  # listed before the snapshot is read: see ``fold_rotated``
        tables = self.read_snapshot()
        for path in rotated:
            self._replay(tables, path, cut_torn=False)
        if self.journal_path.exists():
            self._replay(tables, self.journal_path)
        self._fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return tables

    def read_snapshot(self) -> Tables:
        """The snapshot's tables (empty without one); sets ``seq`` to the snapshot's, and ``pending``
        to its groups not yet unpickled."""
        path = self.snapshot_path
        self.pending = {}
        try:
            if path.exists():
                self.seq, tables, self.pending = snapshot.read(path)
            elif (path := self.legacy_snapshot_path).exists():
                self.seq, tables = snapshot.read_legacy(path)
            else:
                return {}
        except snapshot.SnapshotError as exc:
            raise StorageError(
                f"registry snapshot {path} is unreadable ({exc}); "
                "restore it from a backup or run `modelbox check --repair`"
            ) from exc
        return tables

    def rotated(self) -> list[Path]:
        """Journals set aside by ``rotate`` and not yet folded into the snapshot, oldest first."""
        found = []
        for path in self.journal_path.parent.glob(self.journal_path.name + ".*"):
            suffix = path.name.rsplit(".", 1)[1]
            if suffix.isdigit():
                found.append((int(suffix), path))
        return [path for _, path in sorted(found)]

    def _replay(self, tables: Tables, path: Path, cut_torn: bool = True, put: dict[str, set[str]] | None = None
                ) -> None:
        data = path.read_bytes()
        lines = data.split(b"\n")
        tail = lines.pop()  # bytes after the last newline: empty unless the last write was torn
        good_end = 0
        for number, line in enumerate(lines, start=1):
            record = self._parse_line(line)
            if record is None:
                if number == len(lines) and not tail and cut_torn:
                    # a last line whose bytes did not all reach the disk before a crash
                    self._cut(good_end, f"discarded a damaged last journal record (line {number})")
                    return
                raise StorageError(
                    f"registry journal {path} is corrupt at line {number}; "
                    "run `modelbox check --repair` to keep the records before it"
                )
            good_end += len(line) + 1
            if record["s"] > self.seq:
                apply_ops(tables, record["o"], put, self.pending)
                self.seq = record["s"]
        if tail and not cut_torn:
            raise StorageError(f"registry journal {path} ends in an unfinished record")
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

    def compact(self) -> None:
        """Fold the journal (and any set aside) into a new snapshot, here and now: what the compactor
        process does, so a snapshot is always written from the files, never from objects in memory
        (documents there may share a list or a dict, which a pickle would keep shared)."""
        try:
            if self.journal_size:
                self.rotate()
            if self.rotated():
                fold_rotated(self.snapshot_path.parent, self.snapshot_path.stem, self.grouped)
        except OSError as exc:
            raise StorageError(f"could not compact the registry into {self.snapshot_path}: {exc}") from exc

    def _replace_snapshot(self, written: Path) -> None:
        try:
            old = os.open(self.snapshot_path, os.O_WRONLY)
        except FileNotFoundError:
            old = None
        try:
            os.replace(written, self.snapshot_path)
            fsync_dir(self.snapshot_path.parent)
        except BaseException:
            if old is not None:
                os.close(old)  # still the snapshot in place: never shrink it
            raise
        if old is not None:
            release(old)
        self.legacy_snapshot_path.unlink(missing_ok=True)  # older than the snapshot now in place

    # -- compaction in the background -----------------------------------------------------------

    def rotate(self) -> None:
        """Set the journal aside (every line of it is already durable) and continue in an empty one."""
        if self._fd is None:
            raise StorageError("the registry is closed")
        rotated = self.journal_path.with_name(f"{self.journal_path.name}.{self.seq}")
        try:
            os.replace(self.journal_path, rotated)
            fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            fsync_dir(self.journal_path.parent)
        except OSError as exc:
            raise StorageError(f"could not rotate the registry journal {self.journal_path}: {exc}") from exc
        os.close(self._fd)
        self._fd = fd

    def start_compactor(self) -> subprocess.Popen[bytes]:
        """Fold the snapshot and the rotated journals into a new snapshot, in another process."""
        return subprocess.Popen(
            [sys.executable, "-m", __name__, str(self.snapshot_path.parent), self.snapshot_path.stem,
             dumps(self.grouped)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def fold_rotated(folder: Path, name: str = "registry", grouped: dict[str, str] | None = None) -> int:
    """The compactor's work: snapshot + rotated journals -> snapshot; returns how many were folded.
    The live journal is left alone (its writer keeps appending to it meanwhile). The groups the
    journals did not touch are copied as they were read, still pickled."""
    journal = Journal(folder, name, grouped)
    rotated = journal.rotated()
    if not rotated:
        return 0
    # without a snapshot of format 2 every document was parsed from JSON: each has copies of its own
    whole = not journal.snapshot_path.exists()
    tables = journal.read_snapshot()
    put: dict[str, set[str]] = {}
    for path in rotated:
        journal._replay(tables, path, cut_torn=False, put=put)
    shared: dict[str, str] = {}
    for name, docs in tables.items():
        snapshot.share_strings(docs, list(docs) if whole else put.get(name, ()), shared)
    tmp = journal.snapshot_path.with_suffix(".snapshot.compacting")
    snapshot.write(tmp, journal.seq, tables, trickle=True, grouped=journal.grouped, pending=journal.pending)
    journal._replace_snapshot(tmp)
    for path in rotated:
        remove(path)
    return len(rotated)


if __name__ == "__main__":
    with contextlib.suppress(OSError):
        os.nice(19)  # the registry's own process comes first for the CPU (2 cores shared with a server)
    fold_rotated(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "registry",
                 json.loads(sys.argv[3]) if len(sys.argv) > 3 else None)

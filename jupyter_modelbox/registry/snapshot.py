"""The snapshot file of the registry's documents: every table at one journal sequence number.

Format 3 (``<name>.snapshot``) is a fixed header and a pickle of ``{"seq": int, "tables": {...},
"groups": {...}}``:

    MODELBOX-SNAPSHOT 3 <crc32 of the pickle, 8 hex digits> <its length, 16 hex digits>\\n<pickle>

A grouped table (the versions, by model) is not in ``tables`` but in ``groups``: one pickle per
group, unpickled when the group is first used (``groups.Pending``), so opening 1M versions over 10k
models costs their catalogue, not 1M documents. Format 2 (no ``groups``) is still read.

JSON (format 1, ``<name>.json``, still read) made opening 1M versions cost 9 s of parsing and 1.65 GB:
each of the 1M documents got its own copy of every string. A pickle keeps one copy of a string that
many documents share (a model's id in each of its versions, a framework, an owner), and reads in
about a third of the time. It is read by an unpickler that refuses every class and function, so
the file can hold only dicts, lists, strings, numbers, booleans and None, as JSON can: nothing in it
runs. The CRC catches a torn or damaged copy before any of it is used.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .groups import Pending, pack
from .pickled import PROTOCOL, SnapshotError
from .pickled import load as load_pickle
from .writeback import SYNC_EVERY_BYTES, finish_writeback, start_writeback

Tables = dict[str, dict[str, dict[str, Any]]]

FORMAT = 3
READS = (2, 3)
LEGACY_FORMAT = 1
MAGIC = b"MODELBOX-SNAPSHOT %d " % FORMAT
HEADER_BYTES = len(MAGIC) + 8 + 1 + 16 + 1
CHUNK_BYTES = 1024 * 1024


def read(path: Path) -> tuple[int, Tables, dict[str, Pending]]:
    """``(seq, tables, groups still pickled)`` of a snapshot of format 2 or 3; ``SnapshotError`` says
    what is wrong with it."""
    data = path.read_bytes()
    header = data[:HEADER_BYTES]
    magic = next((b"MODELBOX-SNAPSHOT %d " % known for known in READS
                  if header.startswith(b"MODELBOX-SNAPSHOT %d " % known)), None)
    if magic is None or len(header) < HEADER_BYTES or header[-1:] != b"\n":
        raise SnapshotError(f"it does not start with a snapshot header of format {' or '.join(map(str, READS))}")
    try:
        crc, length = int(header[len(magic):len(magic) + 8], 16), int(header[len(magic) + 9:-1], 16)
    except ValueError as exc:
        raise SnapshotError(f"its header is damaged ({exc})") from None
    body = memoryview(data)[HEADER_BYTES:]
    if len(body) != length:
        raise SnapshotError(f"it holds {len(body):,} bytes after its header, not the {length:,} it announces")
    if zlib.crc32(body) != crc:
        raise SnapshotError("its checksum does not match its bytes")
    stream = io.BytesIO(data)
    stream.seek(HEADER_BYTES)
    snapshot = load_pickle(stream)
    try:
        groups = {name: Pending(**fields) for name, fields in snapshot.get("groups", {}).items()}
        return int(snapshot["seq"]), snapshot["tables"], groups
    except (KeyError, TypeError, AttributeError) as exc:
        raise SnapshotError(str(exc) or type(exc).__name__) from None


def read_whole(path: Path) -> tuple[int, Tables]:
    """``(seq, tables)`` with every group unpickled into its table (for tools that want all of it)."""
    seq, tables, groups = read(path)
    for name, unread in groups.items():
        unread.take_all(tables.setdefault(name, {}))
    return seq, tables


def read_legacy(path: Path) -> tuple[int, Tables]:
    """``(seq, tables)`` of a format-1 (JSON) snapshot, as written before format 2."""
    try:
        snapshot = json.loads(path.read_bytes())
        if snapshot.get("format") != LEGACY_FORMAT:
            raise SnapshotError(f"unsupported format {snapshot.get('format')!r}")
        return int(snapshot["seq"]), snapshot["tables"]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SnapshotError(str(exc)) from None


class _Body:
    """The file under the header: takes the pickler's frames, keeps the CRC and length, and hands the
    bytes to the disk as they come when ``trickle``: each MiB's write-out is started as it is written
    and waited for after the next one is written (so at most two are in flight), with an fdatasync
    per ``SYNC_EVERY_BYTES``. Written in one go, a snapshot of 1M versions left hundreds of MB dirty
    and the writer's next journal fdatasync waited behind their flush. Since the versions' pickles are
    copied as read, 200 MB are written in about 5 s; with write-out only started, creates then waited
    20-56 ms in bursts behind it (``benchmarks/bench_million.py``), with the wait none over 20 ms."""

    def __init__(self, handle: io.BufferedWriter, trickle: bool) -> None:
        self.handle, self.trickle = handle, trickle
        self.crc = self.length = self._unsynced = 0
        self._pending = bytearray()
        self._in_flight: tuple[int, int] | None = None  # (offset, length) of the last piece handed over

    def write(self, data: bytes | memoryview) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.length += len(data)
        self._pending += data
        if len(self._pending) >= CHUNK_BYTES:
            self.flush()
        return len(data)

    def flush(self) -> None:
        offset = self.handle.tell()
        self.handle.write(self._pending)
        self._unsynced += len(self._pending)
        piece = (offset, len(self._pending))
        self._pending.clear()
        self.handle.flush()
        if self.trickle:
            fd = self.handle.fileno()
            start_writeback(fd)
            if self._in_flight is not None:
                finish_writeback(fd, *self._in_flight)
            self._in_flight = piece
            if self._unsynced >= SYNC_EVERY_BYTES:
                os.fdatasync(fd)
                self._unsynced = 0


def write(path: Path, seq: int, tables: Tables, trickle: bool = False, grouped: Mapping[str, str] | None = None,
          pending: Mapping[str, Pending] | None = None) -> None:
    """Write the snapshot to ``path`` and fsync it (the caller renames it into place). The tables of
    ``grouped`` (table -> group field) are written a pickle per group: those of ``tables`` from their
    documents, those still ``pending`` as they were read."""
    grouped = dict(grouped or {})
    pending = pending or {}
    for name, unread in pending.items():
        grouped.setdefault(name, unread.field)
    groups = {name: pack(tables.get(name, {}), field, pending.get(name)) for name, field in grouped.items()}
    plain = {name: docs for name, docs in tables.items() if name not in groups}
    with open(path, "wb") as handle:
        handle.write(b"\0" * HEADER_BYTES)
        body = _Body(handle, trickle)
        pickle.Pickler(body, protocol=PROTOCOL).dump({"seq": int(seq), "tables": plain, "groups": groups})
        body.flush()
        handle.seek(0)
        handle.write(MAGIC + b"%08x %016x\n" % (body.crc, body.length))
        handle.flush()
        os.fsync(handle.fileno())


def share_strings(table: dict[str, Any], doc_ids: Iterable[str], shared: dict[str, str]) -> None:
    """Make the strings of the documents ``doc_ids`` of ``table`` (keys and values, at any depth) the
    objects ``shared`` holds for them, in place: a pickle then writes each once, and reading it back
    gives one copy. A journal is parsed a line at a time, so the documents it replays each have
    copies of their own, keys included."""
    keep = shared.setdefault

    def walk(value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return keep(value, value)
        if kind is dict:
            return {keep(key, key): walk(member) for key, member in value.items()}
        if kind is list:
            return [walk(member) for member in value]
        return value

    for doc_id in doc_ids:
        doc = table.get(doc_id)
        if doc is not None:
            table[doc_id] = walk(doc)

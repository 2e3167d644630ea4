"""Figure 10: an embedded registry of 1M versions over 10k models (ours only; MLflow has no embedded peer).

``python -m benchmarks.bench_million [--quick]`` prints one JSON object (see ``common.emit``). Filling 1M
versions through the API would take about 10 minutes, so the registry's snapshot is written directly:
every document is a copy of one that the registry itself wrote (a model, a version, an event), with its
own id, name, number and times. Then a fresh process (``--measure FOLDER``, so that its memory is only
the registry's) opens it, creates versions, and creates more while the journal is compacted in the
background (started with the store's ``start_compaction``, which a large journal would trigger).
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jupyter_modelbox import ModelBox, __version__
from jupyter_modelbox.registry import snapshot
from jupyter_modelbox.registry.embedded import GROUPED

from .common import VERSIONS_PER_MODEL, emit, progress, sizes_from_argv

MAX_EVENTS = 100_000  # what the events table keeps


def templates(folder: Path) -> dict[str, Any]:
    """One model, one of its versions and one event, as the registry writes them."""
    with ModelBox(root=folder) as mb:
        model = mb.new_model("template", description="a model", task="classification")
        model.new_model_version(description="nightly", metadata={"dataset": "v3", "lr": 0.001}, framework="torch")
    _, tables = snapshot.read_whole(folder / "registry.snapshot")
    return {"model": next(iter(tables["models"].values())), "version": next(iter(tables["versions"].values())),
            "event": next(iter(tables["events"].values()))}


def write_snapshot(folder: Path, versions: int, shapes: dict[str, Any]) -> int:
    """``versions`` versions in models of ``VERSIONS_PER_MODEL``, written as the registry's compactor writes
    its snapshot (equal strings shared); returns the snapshot's size in bytes."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    models = versions // VERSIONS_PER_MODEL
    key = itertools.count(1)
    model_docs: dict[str, Any] = {}
    for m in range(models):
        at = (start + timedelta(seconds=m)).isoformat(timespec="microseconds")
        model_docs[str(next(key))] = {
            **shapes["model"], "id": uuid.uuid4().hex, "name": f"m{m}", "_name_key": f"default\x00m{m}",
            "num_versions": VERSIONS_PER_MODEL, "_next_number": VERSIONS_PER_MODEL + 1,
            "created_at": at, "updated_at": at}
    models_in_order = list(model_docs.values())
    version_docs: dict[str, Any] = {}
    for v in range(versions):
        model = models_in_order[v % models]
        at = (start + timedelta(seconds=models + v)).isoformat(timespec="microseconds")
        number = v // models + 1
        version_docs[str(next(key))] = {
            **shapes["version"], "id": uuid.uuid4().hex, "model_id": model["id"], "number": number,
            "version": str(number), "name": model["name"], "created_at": at, "updated_at": at}
    events = min(versions, MAX_EVENTS)
    event_docs = {str(seq): {**shapes["event"], "id": str(seq), "seq": seq} for seq in range(1, events + 1)}
    tables = {"models": model_docs, "versions": version_docs, "events": event_docs,
              "meta": {"1": {"id": "counters", "event_seq": events}}}
    shared: dict[str, str] = {}
    for docs in tables.values():  # what the compactor does with documents parsed from JSON: each gets
        snapshot.share_strings(docs, list(docs), shared)  # containers of its own, equal strings are one
    snapshot.write(folder / "registry.snapshot", 0, tables, grouped=GROUPED)  # a model's versions, one pickle
    return (folder / "registry.snapshot").stat().st_size


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(durations: list[float], percent: float) -> float:
    ordered = sorted(durations)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))] if ordered else 0.0


def disk_alone(folder: Path, appends: int) -> list[float]:
    """The disk without the registry: seconds of each of ``appends`` 200-byte appends, each fdatasync'ed
    as a journal write is, to a file beside the registry's. Its slowest shows what no write can beat."""
    path = folder / "disk-alone.bin"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    line, durations = b"x" * 199 + b"\n", []
    try:
        for _ in range(appends):
            begin = time.perf_counter()
            os.write(fd, line)
            os.fdatasync(fd)
            durations.append(time.perf_counter() - begin)
    finally:
        os.close(fd)
        path.unlink()
    return durations


def measure(folder: Path, probes: int) -> dict[str, float]:
    """In a fresh process: open, memory, creates, and creates during a background compaction."""
    start = time.perf_counter()
    mb = ModelBox(root=folder)
    opened = time.perf_counter() - start
    memory = rss_mb()
    model = mb.get_model("m42")
    begin = time.perf_counter()
    model.get_version()  # the first call on a model reads its versions' pickle
    first_use = time.perf_counter() - begin
    durations = []
    for _ in range(probes):
        begin = time.perf_counter()
        model.new_model_version()
        durations.append(time.perf_counter() - begin)
    storage = mb._registry.backend.docs.db.storage  # type: ignore[union-attr]  # the embedded store, on purpose
    assert storage.start_compaction()
    during, begin_compaction = [], time.perf_counter()
    while storage.compacting():
        begin = time.perf_counter()
        model.new_model_version()
        during.append(time.perf_counter() - begin)
    compaction = time.perf_counter() - begin_compaction
    total = model.reload().num_versions
    begin = time.perf_counter()
    mb.search_versions("number = 7", limit=20)  # the first call over every version reads every model's
    first_search = time.perf_counter() - begin
    searched_memory = rss_mb()
    begin = time.perf_counter()
    mb.search_versions("number = 7", limit=20)
    second_search = time.perf_counter() - begin
    mb.close()
    disk = disk_alone(folder, len(during))
    return {
        "million_open_s": opened, "million_rss_mb": memory, "million_first_use_ms": first_use * 1e3,
        "million_first_search_s": first_search, "million_second_search_ms": second_search * 1e3,
        "million_rss_after_search_mb": searched_memory,
        "million_create_ms": statistics.median(durations) * 1e3,
        "million_create_max_ms": max(durations) * 1e3,
        "million_compaction_s": compaction, "million_writes_during_compaction": len(during),
        "million_write_max_during_compaction_ms": max(during, default=0.0) * 1e3,
        # the disk is shared: single slow fdatasyncs happen without a compaction too (the probes' slowest)
        "million_create_p99_ms": percentile(durations, 99) * 1e3,
        "million_write_p99_during_compaction_ms": percentile(during, 99) * 1e3,
        "million_writes_over_50ms_during_compaction": float(sum(d > 0.05 for d in during)),
        "million_versions_after": float(total),
        "million_disk_alone_max_ms": max(disk, default=0.0) * 1e3,
        "million_disk_alone_over_50ms": float(sum(d > 0.05 for d in disk)),
    }


def main() -> None:
    if "--measure" in sys.argv:
        folder = Path(sys.argv[sys.argv.index("--measure") + 1])
        print(json.dumps(measure(folder, int(sys.argv[sys.argv.index("--probes") + 1]))))
        return
    sizes = sizes_from_argv()
    with tempfile.TemporaryDirectory(prefix="bench-million-") as root:
        shapes = templates(Path(root) / "template")
        folder = Path(root) / "registry"
        folder.mkdir()
        progress(f"ours: writing a snapshot of {sizes.million_versions:,} versions")
        size = write_snapshot(folder, sizes.million_versions, shapes)
        progress(f"ours: opening it ({size / 2**20:,.0f} MiB) in a fresh process")
        done = subprocess.run([sys.executable, "-m", "benchmarks.bench_million", "--measure", str(folder),
                               "--probes", str(sizes.probes)], stdout=subprocess.PIPE, text=True, check=True)
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["million_snapshot_mb"] = size / 2**20
    emit("jupyter_modelbox", __version__, figures)


if __name__ == "__main__":
    main()

"""What both REST benchmark processes share (standard library only: both venvs import it).

Sizes, a server subprocess that is started, waited for and stopped within bounded times, the RSS of a
server's process tree sampled in a thread, and the artifact figures measured the same way for both tools.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from .common import progress

MB = 1e6
T = TypeVar("T")


@dataclass(frozen=True)
class RestSizes:
    ingest_steps: int  # figure 1, ours: steps (x 4 keys) per run of each batch size
    batch_steps: tuple[int, ...]  # figure 1, ours: steps per array log_metrics call
    calls: int  # figure 1, ours: buffered 4-key calls, then flush
    peer_ingest_points: int  # figure 1, MLflow (log_batch, 1,000 points per call)
    series_points: int  # figure 2, both
    max_points: int  # figure 2: the downsampled series' length
    queries: int  # figure 2, ours: timed queries
    peer_queries: int  # figure 2, MLflow: timed queries (seconds each)
    artifact_bytes: int  # figure 3, both
    repeats: int  # runs of figures 1 and 3; the median is reported

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FULL_REST = RestSizes(
    ingest_steps=400_000, batch_steps=(1_000, 10_000, 100_000), calls=100_000, peer_ingest_points=20_000,
    series_points=1_000_000, max_points=2_000, queries=20, peer_queries=3, artifact_bytes=1 << 30, repeats=3,
)
QUICK_REST = RestSizes(
    ingest_steps=100_000, batch_steps=(1_000, 10_000, 100_000), calls=20_000, peer_ingest_points=5_000,
    series_points=100_000, max_points=2_000, queries=10, peer_queries=3, artifact_bytes=64 << 20, repeats=3,
)


def rest_sizes_from_argv() -> RestSizes:
    return QUICK_REST if "--quick" in sys.argv[1:] else FULL_REST


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server subprocess in its own process group, ready once ``health_url`` answers 200."""

    def __init__(self, args: list[str], health_url: str, log_path: Path, headers: dict[str, str] | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.args, self.health_url, self.log_path = args, health_url, log_path
        self.headers, self.env = headers or {}, env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 120.0) -> Server:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.args[0]} exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(urllib.request.Request(self.health_url, headers=self.headers),
                                            timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.health_url} did not answer in {timeout} s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGINT to the whole group (as Ctrl-C would), SIGKILL if it is still there after ``timeout``."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (MLflow serves from several worker processes)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # it just exited
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
    return tree


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process tree, from ``VmRSS`` in ``/proc/<pid>/status``."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            status = Path(f"/proc/{member}/status").read_text().splitlines()
            total += next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:")), 0)
    return total


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process tree has used so far, from ``/proc/<pid>/stat``."""
    ticks = 0
    for member in process_tree(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
    return ticks / os.sysconf("SC_CLK_TCK")


class RssGrowth:
    """Samples the RSS of a process tree every 50 ms while active; ``growth_mb`` is the peak over the start."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.start_bytes = self.peak_bytes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(self.interval):
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.pid))

    @property
    def growth_mb(self) -> float:
        return (self.peak_bytes - self.start_bytes) / MB

    def __enter__(self) -> RssGrowth:
        self.start_bytes = self.peak_bytes = tree_rss_bytes(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(10)
        self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.pid))


def random_file(path: Path, size: int, block: int = 8 << 20) -> Path:
    """``size`` random (incompressible) bytes, on disk before anything is timed."""
    rng = random.Random(0)
    with open(path, "wb") as out:
        for low in range(0, size, block):
            out.write(rng.randbytes(min(block, size - low)))
    os.sync()
    return path


def timed(operation: Callable[..., T], *args: Any) -> tuple[T, float]:
    """``operation(*args)`` after a ``sync`` (so no earlier writes are charged to it), and its duration in s."""
    os.sync()
    start = time.perf_counter()
    result = operation(*args)
    return result, time.perf_counter() - start


def cp_sync(source: Path, target: Path) -> None:
    subprocess.run(["cp", source, target], check=True)
    os.sync()


def artifact_figures(tool: str, workdir: Path, size: int, repeats: int, server_pid: int,
                     upload: Callable[[Path], T], download: Callable[[T, Path], Path]) -> dict[str, float]:
    """Figure 3: ``cp``+``sync`` of a ``size``-byte file, then its upload and download through the server.

    Every operation runs ``repeats`` times (medians are reported; RSS growth is the largest seen). Each
    upload sends different bytes (its first 8 bytes are the run's number), so none is deduplicated.
    ``upload(file)`` returns what ``download(it, folder)`` needs to fetch the bytes back into ``folder``.
    """
    source = random_file(workdir / "artifact.bin", size)
    copy, folder = workdir / "artifact-copy.bin", workdir / "downloads"
    folder.mkdir()
    durations: dict[str, list[float]] = {"cp": [], "up": [], "down": []}
    growth: dict[str, list[float]] = {"up": [], "down": []}
    try:
        for _ in range(repeats):
            durations["cp"].append(timed(cp_sync, source, copy)[1])
            copy.unlink()
        for i in range(repeats):
            progress(f"{tool}: upload and download {size / MB:,.0f} MB ({i + 1}/{repeats})")
            with open(source, "r+b") as handle:
                handle.write(i.to_bytes(8, "big"))
            with RssGrowth(server_pid) as rss:
                uploaded, seconds = timed(upload, source)
            durations["up"].append(seconds)
            growth["up"].append(rss.growth_mb)
            with RssGrowth(server_pid) as rss:
                fetched, seconds = timed(download, uploaded, folder)
            durations["down"].append(seconds)
            growth["down"].append(rss.growth_mb)
            assert fetched.stat().st_size == size, f"{fetched} has {fetched.stat().st_size} bytes, not {size}"
            fetched.unlink()
    finally:
        source.unlink(missing_ok=True)
        copy.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
    cp_s, up_s, down_s = (statistics.median(durations[name]) for name in ("cp", "up", "down"))
    return {
        "cp_sync_mb_s": size / MB / cp_s,
        "upload_mb_s": size / MB / up_s,
        "download_mb_s": size / MB / down_s,
        "upload_pct_cp": 100 * cp_s / up_s,
        "download_pct_cp": 100 * cp_s / down_s,
        "upload_rss_mb": max(growth["up"]),
        "download_rss_mb": max(growth["down"]),
    }

"""gRPC against REST on one Jupyter server: artifact upload/download throughput and create-version latency.

Run by ``run.py --grpc`` with the project venv (``python -m benchmarks.bench_grpc [--quick]``). One
server (``tests/helpers/jupyter.py``) serves both APIs over the same registry on loopback; both are
driven through the Python client's transports (``GrpcTransport``, ``HttpTransport``), so each figure
includes the client's own work (hashing, framing) as a user would see it. Prints one JSON object.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_modelbox import __version__
from jupyter_modelbox.client.grpc_transport import GrpcTransport
from jupyter_modelbox.client.http import HttpTransport
from tests.helpers.jupyter import JupyterServer, free_port

from .common import emit, median_latency, median_seconds, progress

FULL_BYTES, QUICK_BYTES = 256 * 2**20, 32 * 2**20
FULL_PROBES, QUICK_PROBES = 500, 200
REPEATS = 3
FIGURES = [  # (label, key prefix, higher is better)
    ("artifact upload, MB/s (client hashes, server verifies sha256)", "upload_mb_s", True),
    ("artifact download, MB/s (client verifies sha256)", "download_mb_s", True),
    ("artifact download, CPU ms per MiB, client + server (sha256 included)", "download_cpu_ms_per_mib", False),
    ("  of which the client's (sha256 included)", "download_client_cpu_ms_per_mib", False),
    ("  of which the server's", "download_server_cpu_ms_per_mib", False),
    ("artifact download, MB/s, bytes only (the client counts them, no sha256)", "drain_mb_s", True),
    ("  client CPU ms per MiB", "drain_client_cpu_ms_per_mib", False),
    ("  server CPU ms per MiB", "drain_server_cpu_ms_per_mib", False),
    ("create version, median latency, ms", "create_version_ms", False),
]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def fresh_file(folder: Path, size: int, run: int) -> Path:
    """``size`` bytes, different per run (identical content would be stored once, which is not what we time)."""
    path = folder / f"payload-{run}.bin"
    block = os.urandom(2**20)
    with open(path, "wb") as out:
        out.write(run.to_bytes(8, "big"))
        for _ in range(size // len(block)):
            out.write(block)
    return path


def upload_seconds(transport: Any, folder: Path, size: int, runs: list[int]) -> float:
    path = fresh_file(folder, size, runs.pop())
    start = time.perf_counter()
    transport.upload_blob(path)
    seconds = time.perf_counter() - start
    path.unlink()
    return seconds


def download_seconds(transport: Any, artifact_id: str, server_pid: int, verify: bool = True) -> tuple[float, ...]:
    """Wall seconds, and CPU seconds of this process and of the server, of one download; ``verify``: the
    client checks its sha256 (as ``Artifact.download`` does), else it only counts the bytes."""
    start, client, server = time.perf_counter(), time.process_time(), cpu_seconds(server_pid)
    doc, stream = transport.open_artifact(artifact_id)
    digest, size = hashlib.sha256(), 0
    while block := stream.read(2**20):
        if verify:
            digest.update(block)
        size += len(block)
    stream.close()
    assert digest.hexdigest() == doc["checksum"] if verify else size == doc["size"]
    return time.perf_counter() - start, time.process_time() - client, cpu_seconds(server_pid) - server


def measure(name: str, transport: Any, folder: Path, size: int, probes: int, runs: list[int],
            server_pid: int) -> dict[str, float]:
    mb = size / 1e6
    progress(f"{name}: upload {size >> 20} MiB x {REPEATS}")
    upload = median_seconds(lambda: upload_seconds(transport, folder, size, runs), REPEATS)
    model = transport.create_model(f"bench-{name}")
    path = fresh_file(folder, size, runs.pop())
    artifact = transport.add_artifact(model["id"], transport.upload_blob(path), "payload.bin")
    path.unlink()
    progress(f"{name}: download {size >> 20} MiB x {REPEATS}")
    downloads = [download_seconds(transport, artifact["id"], server_pid) for _ in range(REPEATS)]
    progress(f"{name}: download {size >> 20} MiB x {REPEATS}, bytes only")
    drains = [download_seconds(transport, artifact["id"], server_pid, verify=False) for _ in range(REPEATS)]
    mib = size / 2**20
    progress(f"{name}: {probes} single create-version calls")
    create: Callable[[], object] = lambda: transport.create_version(model["id"])  # noqa: E731
    latency = median_latency(create, probes)
    return {f"upload_mb_s_{name}": mb / upload, f"create_version_ms_{name}": latency * 1000,
            f"download_mb_s_{name}": mb / statistics.median(wall for wall, *_ in downloads),
            f"download_cpu_ms_per_mib_{name}": statistics.median(c + s for _, c, s in downloads) * 1000 / mib,
            f"download_client_cpu_ms_per_mib_{name}": statistics.median(c for _, c, _ in downloads) * 1000 / mib,
            f"download_server_cpu_ms_per_mib_{name}": statistics.median(s for *_, s in downloads) * 1000 / mib,
            f"drain_mb_s_{name}": mb / statistics.median(wall for wall, *_ in drains),
            f"drain_client_cpu_ms_per_mib_{name}": statistics.median(c for _, c, _ in drains) * 1000 / mib,
            f"drain_server_cpu_ms_per_mib_{name}": statistics.median(s for *_, s in drains) * 1000 / mib}


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    os.environ["TQDM_DISABLE"] = "1"  # the REST client's progress bar would interleave with the log
    size, probes = (QUICK_BYTES, QUICK_PROBES) if quick else (FULL_BYTES, FULL_PROBES)
    with tempfile.TemporaryDirectory(prefix="bench-grpc-") as scratch:
        folder = Path(scratch)
        port = free_port()
        server = JupyterServer(folder / "server", extra_args=(f"--ModelboxApp.grpc_port={port}",)).start()
        try:
            runs, pid = list(range(100)), server.process.pid  # type: ignore[union-attr]
            figures = {
                **measure("grpc", GrpcTransport(f"127.0.0.1:{port}", server.token), folder, size, probes, runs, pid),
                **measure("rest", HttpTransport(server.url, server.token), folder, size, probes, runs, pid),
                "load_average": os.getloadavg()[0],
            }
        finally:
            server.stop()
    figures.update(bytes=size, probes=probes)
    emit("jupyter_modelbox gRPC vs REST", __version__, figures)


def shown(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def report(result: dict[str, Any], results_dir: Path) -> None:
    """The table ``run.py --grpc`` prints; the figures also go to ``results/latest-grpc.json``."""
    figures = result["figures"]
    rows = ["| figure | gRPC | REST | gRPC vs REST |", "|---|---|---|---|"]
    for label, key, higher in FIGURES:
        ours, rest = figures[f"{key}_grpc"], figures[f"{key}_rest"]
        speedup = ours / rest if higher else rest / ours
        verdict = f"{speedup:.2f}x faster" if speedup >= 1 else f"{1 / speedup:.2f}x slower"
        rows.append(f"| {label} | {shown(ours)} | {shown(rest)} | {verdict} |")
    size = (f"{int(figures['bytes']) >> 20} MiB files, median of {REPEATS}; {int(figures['probes'])} create calls; "
            f"load average {figures['load_average']:.1f}")
    print("", f"gRPC vs REST, one Jupyter server on loopback ({size}):", "", *rows, "", sep="\n")
    results_dir.mkdir(exist_ok=True)
    (results_dir / "latest-grpc.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

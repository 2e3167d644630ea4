"""Our REST figures: a real Jupyter server with the extension on loopback, driven by ``ModelBox(url, token)``.

Run by ``run.py --rest`` with the project venv: ``python -m benchmarks.bench_rest_modelbox [--quick]``.
Prints one JSON object (see ``common.emit``).
"""

from __future__ import annotations

import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from jupyter_modelbox import Artifact, Model, ModelBox, __version__

from .bench_modelbox import call_seconds, ingest_seconds, new_series
from .common import KEYS, emit, median_latency, median_seconds, progress
from .rest_common import RestSizes, Server, artifact_figures, free_port, rest_sizes_from_argv, tree_cpu_seconds

# Jupyter logs each successful request at DEBUG level: "200 GET <uri> (<user>@<ip>) 12.34ms"
REQUEST_LOG = re.compile(r"\] 200 GET (\S+) \(.*\) ([\d.]+)ms$")


def jupyter_server(workdir: Path) -> tuple[Server, str, str]:
    """A Jupyter server with only our extension, owning a new registry in ``workdir``; its URL and token."""
    port, token = free_port(), secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}/"
    extensions = {"jupyter_modelbox": True, "jupyterlab": False, "jupyter_lsp": False,
                  "jupyter_server_terminals": False, "notebook_shim": False, "notebook": False}
    args = [
        sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={workdir}",
        f"--ModelboxApp.root={workdir / 'registry'}", f"--ServerApp.jpserver_extensions={extensions}",
        "--ServerApp.log_level=DEBUG", *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(workdir / "runtime")}
    env.pop("MODELBOX_URL", None)
    headers = {"Authorization": f"token {token}"}
    return Server(args, f"{url}modelbox/api/info", workdir / "jupyter.log", headers, env), url, token


def ingest_figures(mb: ModelBox, model: Model, sizes: RestSizes) -> dict[str, float]:
    """Figure 1: array batches of each size, then the buffered per-step path, in points per second."""
    points = sizes.ingest_steps * len(KEYS)
    figures = {}
    for batch in sizes.batch_steps:
        progress(f"ours: ingest {points:,} points in batches of {batch:,} steps x {sizes.repeats}")
        seconds = median_seconds(lambda batch=batch: ingest_seconds(mb, model, points, batch), sizes.repeats)
        figures[f"ingest_{batch // 1000}k_points_per_s"] = points / seconds
    progress(f"ours: {sizes.calls:,} buffered 4-key calls x {sizes.repeats}")
    per_call = median_seconds(lambda: call_seconds(mb, model, sizes.calls), sizes.repeats)
    figures["ingest_buffered_points_per_s"] = len(KEYS) / per_call
    return figures


def server_ms(log_path: Path, uri_prefix: str, count: int, timeout: float = 10.0) -> float:
    """Median duration Jupyter logged for the last ``count`` requests whose URI starts with ``uri_prefix``."""
    deadline = time.monotonic() + timeout
    while True:
        found = map(REQUEST_LOG.search, log_path.read_text().splitlines())
        durations = [float(m.group(2)) for m in found if m and m.group(1).startswith(uri_prefix)]
        if len(durations) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if len(durations) < count:
        raise RuntimeError(f"{log_path} logged {len(durations)} of the {count} requests to {uri_prefix}")
    return statistics.median(durations[-count:])


def query_figures(server: Server, url: str, token: str, model: Model, sizes: RestSizes) -> dict[str, float]:
    """Figure 2: a ``series_points`` series downsampled to ``max_points``, by plain ``requests``."""
    progress(f"ours: query a {sizes.series_points:,}-point series for {sizes.max_points:,} points x {sizes.queries}")
    path = f"/modelbox/api/objects/{new_series(model, sizes.series_points).id}/metrics"
    session = requests.Session()
    session.headers["Authorization"] = f"token {token}"

    def query() -> None:
        answer = session.get(url.rstrip("/") + path, params={"key": "loss", "max_points": sizes.max_points}, timeout=60)
        answer.raise_for_status()
        assert 0 < len(answer.json()["value"]) <= sizes.max_points

    cpu = tree_cpu_seconds(server.pid)
    client = median_latency(query, sizes.queries)
    cpu = tree_cpu_seconds(server.pid) - cpu
    return {"query_client_ms": client * 1e3, "query_server_ms": server_ms(server.log_path, path + "?", sizes.queries),
            "query_server_cpu_ms": cpu / sizes.queries * 1e3}


def main() -> None:
    sizes = rest_sizes_from_argv()
    os.environ["TQDM_DISABLE"] = "1"  # upload_artifact's progress bar (tqdm is imported later, on first use)
    with tempfile.TemporaryDirectory(prefix="bench-rest-modelbox-") as root:
        workdir = Path(root)
        server, url, token = jupyter_server(workdir)
        with server, ModelBox(url=url, token=token) as mb:
            model = mb.new_model("metrics")
            figures = ingest_figures(mb, model, sizes) | query_figures(server, url, token, model, sizes)
            files = mb.new_model("files")

            def upload(path: Path) -> Artifact:
                return files.new_model_version().upload_artifact([path])[0]

            figures |= artifact_figures("ours", workdir, sizes.artifact_bytes, sizes.repeats, server.pid,
                                        upload, lambda artifact, folder: artifact.download(folder))
    emit("jupyter_modelbox", __version__, figures)


if __name__ == "__main__":
    main()

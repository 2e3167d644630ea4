"""MLflow's REST figures: ``mlflow server`` on loopback (sqlite store, proxied artifacts), via ``MlflowClient``.

Run by ``run.py --rest`` with ``benchmarks/.venv-mlflow``: ``python -m benchmarks.bench_rest_mlflow [--quick]``.
Prints one JSON object (see ``common.emit``).
"""

from __future__ import annotations

import contextlib
import logging
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import mlflow
import requests
from mlflow import MlflowClient
from mlflow.protos.service_pb2 import GetMetricHistoryBulkInterval
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.utils.proto_json_utils import message_to_json

from .bench_mlflow import MAX_BATCH, ingest_seconds
from .common import emit, median_latency, median_seconds, progress
from .rest_common import RestSizes, Server, artifact_figures, free_port, rest_sizes_from_argv, tree_cpu_seconds


def mlflow_server(workdir: Path) -> tuple[Server, str]:
    """``mlflow server`` as shipped (4 uvicorn workers) on a new sqlite store in ``workdir``, and its URL."""
    port = free_port()
    args = [
        str(Path(sys.executable).parent / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
        "--backend-store-uri", f"sqlite:///{workdir / 'mlflow.db'}",
        "--artifacts-destination", str(workdir / "artifacts"), "--serve-artifacts",
    ]
    url = f"http://127.0.0.1:{port}"
    return Server(args, f"{url}/health", workdir / "mlflow.log"), url


def insert_series(db: Path, run_id: str, points: int) -> None:
    """A ``loss`` series written straight into the store's ``metrics`` table: ``log_batch`` would take minutes."""
    rng, timestamp = random.Random(0), int(time.time() * 1000)
    rows = ((rng.random(), timestamp, run_id, step) for step in range(points))
    with contextlib.closing(sqlite3.connect(db, timeout=60)) as connection, connection:
        connection.executemany(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES ('loss', ?, ?, ?, ?, 0)", rows)


def query_figures(workdir: Path, server: Server, url: str, client: MlflowClient, experiment: str,
                  sizes: RestSizes) -> dict[str, float]:
    """Figure 2: the UI's sampled endpoint, ``get-history-bulk-interval``, over REST and its work in-process."""
    progress(f"MLflow: query a {sizes.series_points:,}-point series for {sizes.max_points:,} points "
             f"x {sizes.peer_queries}")
    run_id = client.create_run(experiment).info.run_id
    insert_series(workdir / "mlflow.db", run_id, sizes.series_points)
    params = {"run_ids": run_id, "metric_key": "loss", "max_results": sizes.max_points}

    def query() -> None:
        answer = requests.get(f"{url}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval", params=params,
                              timeout=600)
        answer.raise_for_status()
        assert 0 < len(answer.json()["metrics"]) <= sizes.max_points

    store = SqlAlchemyStore(f"sqlite:///{workdir / 'mlflow.db'}", str(workdir / "artifacts"))

    def server_work() -> None:  # what the handler does, without HTTP
        response = GetMetricHistoryBulkInterval.Response()
        found = store.get_metric_history_bulk_interval([run_id], "loss", sizes.max_points, None, None)
        response.metrics.extend(metric.to_proto() for metric in found)
        message_to_json(response)

    cpu = tree_cpu_seconds(server.pid)
    client_ms = median_latency(query, sizes.peer_queries) * 1e3
    cpu = tree_cpu_seconds(server.pid) - cpu
    return {"query_client_ms": client_ms, "query_server_ms": median_latency(server_work, sizes.peer_queries) * 1e3,
            "query_server_cpu_ms": cpu / sizes.peer_queries * 1e3}


def mlflow_artifact_figures(client: MlflowClient, experiment: str, workdir: Path, size: int, repeats: int,
                            server_pid: int) -> dict[str, float]:
    """Figure 3 for MLflow: ``log_artifact`` and ``download_artifacts`` through its proxied artifacts."""
    def upload(path: Path) -> tuple[str, str]:
        run_id = client.create_run(experiment).info.run_id
        client.log_artifact(run_id, str(path))
        return run_id, path.name

    def download(uploaded: tuple[str, str], folder: Path) -> Path:
        return Path(client.download_artifacts(*uploaded, dst_path=str(folder)))

    return artifact_figures("MLflow", workdir, size, repeats, server_pid, upload, download)


def main() -> None:
    sizes = rest_sizes_from_argv()
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-rest-mlflow-") as root:
        workdir = Path(root)
        server, url = mlflow_server(workdir)
        with server:
            client = MlflowClient(tracking_uri=url)
            experiment = client.create_experiment("bench")
            progress(f"MLflow: ingest {sizes.peer_ingest_points:,} points (log_batch) x {sizes.repeats}")
            ingest_seconds(client, experiment, 20 * MAX_BATCH)  # untimed: each worker opens its store on first use
            figures = {"ingest_points_per_s": sizes.peer_ingest_points / median_seconds(
                lambda: ingest_seconds(client, experiment, sizes.peer_ingest_points), sizes.repeats)}
            figures |= query_figures(workdir, server, url, client, experiment, sizes)

            figures |= mlflow_artifact_figures(client, experiment, workdir, sizes.artifact_bytes, sizes.repeats,
                                               server.pid)
    emit("mlflow", mlflow.__version__, figures)


if __name__ == "__main__":
    main()

"""MLflow's figures: ``MlflowClient`` (and the fluent API for figure 2) on a sqlite store, in-process.

Run by ``run.py`` with ``benchmarks/.venv-mlflow``: ``python -m benchmarks.bench_mlflow [--quick]``.
Prints one JSON object (see ``common.emit``).
"""

from __future__ import annotations

import logging
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric

from .common import (
    KEYS,
    SEARCHES,
    VERSIONS_PER_MODEL,
    Sizes,
    emit,
    median_latency,
    median_seconds,
    progress,
    sizes_from_argv,
)

MAX_BATCH = 1_000  # log_batch refuses more metrics per call
SOURCE = "file:///tmp/model"


def log_points(client: MlflowClient, run_id: str, steps: range, keys: tuple[str, ...]) -> None:
    """``len(steps) x len(keys)`` points through ``log_batch``, at most ``MAX_BATCH`` per call."""
    per_batch = MAX_BATCH // len(keys)
    timestamp = int(time.time() * 1000)
    for low in range(steps.start, steps.stop, per_batch):
        client.log_batch(run_id, metrics=[
            Metric(key, 1.0 / (step + 1), timestamp, step)
            for step in range(low, min(low + per_batch, steps.stop)) for key in keys
        ])


def ingest_seconds(client: MlflowClient, experiment: str, points: int) -> float:
    """Figure 1: ``points`` points, 250 steps x 4 keys per ``log_batch``."""
    run_id = client.create_run(experiment).info.run_id
    start = time.perf_counter()
    log_points(client, run_id, range(points // len(KEYS)), KEYS)
    return time.perf_counter() - start


def call_seconds(experiment: str, sizes: Sizes, synchronous: bool) -> float:
    """Figure 2: ``mlflow.log_metrics`` once per step in an active run; async runs include the final flush."""
    with mlflow.start_run(experiment_id=experiment):
        start = time.perf_counter()
        for i in range(sizes.peer_calls):
            loss = 1.0 / (i + 1)
            mlflow.log_metrics({"loss": loss, "acc": 1.0 - loss, "lr": 1e-3, "grad_norm": 2.0 * loss}, step=i,
                               synchronous=synchronous)
        mlflow.flush_async_logging()
        return (time.perf_counter() - start) / sizes.peer_calls


def read_seconds(client: MlflowClient, experiment: str, sizes: Sizes) -> float:
    """Figure 3: ``get_metric_history`` of a ``peer_read_points`` series, into a DataFrame like ours."""
    run_id = client.create_run(experiment).info.run_id
    log_points(client, run_id, range(sizes.peer_read_points), ("loss",))

    def read_once() -> float:
        start = time.perf_counter()
        history = client.get_metric_history(run_id, "loss")
        frame = pd.DataFrame({
            "key": [m.key for m in history], "step": [m.step for m in history],
            "wallclock": [m.timestamp / 1000 for m in history], "value": [m.value for m in history],
        })
        elapsed = time.perf_counter() - start
        assert len(frame) == sizes.peer_read_points
        return elapsed

    return median_seconds(read_once, sizes.repeats)


def add_versions(client: MlflowClient, run_id: str, prefix: str, total: int) -> list[str]:
    """``total`` versions, spread over new registered models of ``VERSIONS_PER_MODEL`` versions each."""
    names = [f"{prefix}-{i}" for i in range(total // VERSIONS_PER_MODEL)]
    for name in names:
        client.create_registered_model(name)
        for _ in range(VERSIONS_PER_MODEL):
            client.create_model_version(name, SOURCE, run_id)
    return names


# the same filter as ours, in MLflow's grammar (no OR, so no richer query is comparable)
SEARCH = "version_number > 95 and name LIKE 'large-1%'"


def registry_figures(client: MlflowClient, run_id: str, sizes: Sizes) -> dict[str, float]:
    """Figures 4-6 as in ``bench_modelbox``, with ``peer_versions_large`` versions instead of ``versions_large``."""
    progress(f"MLflow: {sizes.versions_small:,} versions")
    names = add_versions(client, run_id, "small", sizes.versions_small)
    client.create_registered_model("probe-small")
    small = median_latency(lambda: client.create_model_version("probe-small", SOURCE, run_id), sizes.probes)
    present = sizes.versions_small + sizes.probes
    progress(f"MLflow: {sizes.peer_versions_large:,} versions")
    names += add_versions(client, run_id, "large", sizes.peer_versions_large - present)
    client.create_registered_model("probe-large")
    large = median_latency(lambda: client.create_model_version("probe-large", SOURCE, run_id), sizes.probes)
    listed = median_latency(lambda: client.search_model_versions(f"name='{names[0]}'"), 10 * sizes.repeats)
    assert len(client.search_model_versions(f"name='{names[0]}'")) == VERSIONS_PER_MODEL
    searched = median_latency(lambda: client.search_model_versions(SEARCH, max_results=20), 2 * sizes.repeats)
    progress(f"MLflow: {sizes.models:,} models")
    for i in range(sizes.models - len(names) - 2):
        client.create_registered_model(f"empty-{i}")
    created = iter(range(sizes.probes))
    model_create = median_latency(lambda: client.create_registered_model(f"probe-model-{next(created)}"), sizes.probes)
    return {
        "create_version_small_ms": small * 1e3,
        "create_version_large_ms": large * 1e3,
        "create_version_growth": large / small,
        "create_model_ms": model_create * 1e3,
        "list_versions_ms": listed * 1e3,
        "search_versions_ms": searched * 1e3,
    }


def fill_directly(database: Path, prefix: str, first: int, last: int) -> None:
    """Registered models ``prefix-first`` .. ``prefix-(last - 1)`` of ``VERSIONS_PER_MODEL`` versions each, written
    into MLflow's sqlite tables as copies of the rows MLflow wrote for ``prefix-0`` (its API would take ~1 h)."""
    with sqlite3.connect(database) as db:
        model_cursor = db.execute("SELECT * FROM registered_models WHERE name = ?", (f"{prefix}-0",))
        model_columns = [d[0] for d in model_cursor.description]
        model_row = dict(zip(model_columns, model_cursor.fetchone(), strict=True))
        version_cursor = db.execute("SELECT * FROM model_versions WHERE name = ? AND version = 1", (f"{prefix}-0",))
        version_columns = [d[0] for d in version_cursor.description]
        version_row = dict(zip(version_columns, version_cursor.fetchone(), strict=True))
        insert_model = (f"INSERT INTO registered_models ({', '.join(model_columns)}) "
                        f"VALUES ({', '.join('?' * len(model_columns))})")
        insert_version = (f"INSERT INTO model_versions ({', '.join(version_columns)}) "
                          f"VALUES ({', '.join('?' * len(version_columns))})")
        now = int(time.time() * 1000)
        for i in range(first, last):
            name = f"{prefix}-{i}"
            db.execute(insert_model, [{**model_row, "name": name, "creation_time": now,
                                       "last_updated_time": now}[c] for c in model_columns])
            db.executemany(insert_version, [
                [{**version_row, "name": name, "version": number, "creation_time": now + number,
                  "last_updated_time": now + number}[c] for c in version_columns]
                for number in range(1, VERSIONS_PER_MODEL + 1)
            ])


def search_figures(client: MlflowClient, root: str, sizes: Sizes) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Figure 9: this registry filled up to the versions of ours (``versions_large`` in models ``large-*``), then the
    filters of ``SEARCHES``; the medians and the result sets."""
    present = sizes.versions_small + sizes.probes
    fill_directly(Path(root) / "mlflow.db", "large", (sizes.peer_versions_large - present) // VERSIONS_PER_MODEL,
                  (sizes.versions_large - present) // VERSIONS_PER_MODEL)
    figures, answers = {}, {}
    for name, (_, query) in SEARCHES.items():
        figures[f"search_{name}_ms"] = median_latency(lambda q=query: client.search_model_versions(q, max_results=20),
                                                      10 * sizes.repeats) * 1e3
        if name == "scan":  # every version: count them without building 100k entities
            with sqlite3.connect(Path(root) / "mlflow.db") as db:
                answers[name] = [f"{db.execute('SELECT count(*) FROM model_versions').fetchone()[0]} versions"]
            first = client.search_model_versions(query, max_results=20)
            assert len(first) == 20
        else:
            found = client.search_model_versions(query, max_results=1000)
            answers[name] = sorted(f"{v.name}/{v.version}" for v in found)
    progress(f"MLflow: search medians at {sizes.versions_large:,} versions: "
             f"{statistics.median(figures.values()):.1f} ms")
    return figures, answers


def open_store(root: str) -> tuple[MlflowClient, str]:
    """A client on a new sqlite tracking and registry store in ``root``, and a new experiment's id."""
    uri = f"sqlite:///{root}/mlflow.db"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    return client, client.create_experiment("bench")


def main() -> None:
    sizes = sizes_from_argv()
    logging.getLogger("mlflow").setLevel(logging.WARNING)  # table-creation notices on stderr
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-mlflow-") as root:
        client, experiment = open_store(root)
        progress(f"MLflow: ingest {sizes.peer_ingest_points:,} points x {sizes.repeats}")
        figures["ingest_points_per_s"] = sizes.peer_ingest_points / median_seconds(
            lambda: ingest_seconds(client, experiment, sizes.peer_ingest_points), sizes.repeats)
        progress(f"MLflow: {sizes.peer_calls:,} calls x {sizes.repeats}, synchronous and not")
        figures["call_us"] = median_seconds(lambda: call_seconds(experiment, sizes, True), sizes.repeats) * 1e6
        figures["call_async_us"] = median_seconds(lambda: call_seconds(experiment, sizes, False), sizes.repeats) * 1e6
        progress(f"MLflow: read a {sizes.peer_read_points:,}-point series")
        read = read_seconds(client, experiment, sizes)
        figures["read_points_per_s"] = sizes.peer_read_points / read
        figures["read_1m_s"] = read * 1_000_000 / sizes.peer_read_points
    with tempfile.TemporaryDirectory(prefix="bench-mlflow-") as root:
        client, experiment = open_store(root)
        figures |= registry_figures(client, client.create_run(experiment).info.run_id, sizes)
        searched, answers = search_figures(client, root, sizes)
    emit("mlflow", mlflow.__version__, figures | searched, answers)


if __name__ == "__main__":
    main()

"""MLflow's figures: ``MlflowClient`` (and the fluent API for figure 2) on a sqlite store, in-process.

Run by ``run.py`` with ``benchmarks/.venv-mlflow``: ``python -m benchmarks.bench_mlflow [--quick]``.
Prints one JSON object (see ``common.emit``).
"""

from __future__ import annotations

import logging
import tempfile
import time

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric

from .common import KEYS, VERSIONS_PER_MODEL, Sizes, emit, median_latency, median_seconds, progress, sizes_from_argv

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
    emit("mlflow", mlflow.__version__, figures)


if __name__ == "__main__":
    main()

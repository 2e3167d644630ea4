"""Our figures, through the public API only; prints one JSON object (see ``common.emit``).

Run by ``run.py`` with the project venv: ``python -m benchmarks.bench_modelbox [--quick]``.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from jupyter_modelbox import Model, ModelBox, ModelVersion, __version__

from .common import KEYS, VERSIONS_PER_MODEL, Sizes, emit, median_latency, median_seconds, progress, sizes_from_argv


def ingest_seconds(mb: ModelBox, model: Model, points: int, batch_steps: int) -> float:
    """Figure 1: ``points`` points as arrays, ``batch_steps`` steps x 4 keys per call, then flush."""
    steps = np.arange(points // len(KEYS), dtype=np.int64)
    values = {key: np.random.default_rng(i).random(len(steps)) for i, key in enumerate(KEYS)}
    version = model.new_model_version()
    start = time.perf_counter()
    for low in range(0, len(steps), batch_steps):
        batch = slice(low, low + batch_steps)
        version.log_metrics({key: column[batch] for key, column in values.items()}, step=steps[batch])
    mb.flush()
    return time.perf_counter() - start


def call_seconds(mb: ModelBox, model: Model, calls: int) -> float:
    """Figure 2: one buffered 4-key call per training step; the final flush is amortized over the calls."""
    version = model.new_model_version()
    start = time.perf_counter()
    for i in range(calls):
        loss = 1.0 / (i + 1)
        version.log_metrics({"loss": loss, "acc": 1.0 - loss, "lr": 1e-3, "grad_norm": 2.0 * loss}, step=i)
    mb.flush()
    return (time.perf_counter() - start) / calls


def new_series(model: Model, points: int, chunk: int = 100_000) -> ModelVersion:
    """A new version holding one ``points``-point series, ``loss``, logged in array batches of ``chunk``."""
    version = model.new_model_version()
    for low in range(0, points, chunk):
        steps = np.arange(low, min(low + chunk, points), dtype=np.int64)
        version.log_metrics({"loss": np.random.default_rng(low).random(len(steps))}, step=steps)
    return version


def read_seconds(model: Model, sizes: Sizes) -> float:
    """Figure 3: a ``read_points`` series of one key into a DataFrame (median of ``repeats`` reads)."""
    version = new_series(model, sizes.read_points)

    def read_once() -> float:
        start = time.perf_counter()
        frame = version.metrics("loss")
        elapsed = time.perf_counter() - start
        assert len(frame) == sizes.read_points
        return elapsed

    return median_seconds(read_once, sizes.repeats)


# every version of the registry is tested against it: a realistic filter on a number and a name
SEARCH = "number > 95 and model ~ large-1"


def add_versions(mb: ModelBox, prefix: str, total: int) -> list[Model]:
    """``total`` versions, spread over new models of ``VERSIONS_PER_MODEL`` versions each."""
    models = []
    for i in range(total // VERSIONS_PER_MODEL):
        model = mb.new_model(f"{prefix}-{i}")
        for _ in range(VERSIONS_PER_MODEL):
            model.new_model_version()
        models.append(model)
    return models


def registry_figures(mb: ModelBox, sizes: Sizes) -> dict[str, float]:
    """Figures 4-6, in one registry that grows: versions_small, then versions_large versions, then more models."""
    progress(f"ours: {sizes.versions_small:,} versions")
    populated = add_versions(mb, "small", sizes.versions_small)
    small = median_latency(mb.new_model("probe-small").new_model_version, sizes.probes)
    present = sizes.versions_small + sizes.probes
    progress(f"ours: {sizes.versions_large:,} versions")
    populated += add_versions(mb, "large", sizes.versions_large - present)
    large = median_latency(mb.new_model("probe-large").new_model_version, sizes.probes)
    listed = median_latency(populated[0].get_versions, 10 * sizes.repeats)
    assert len(populated[0].get_versions()) == VERSIONS_PER_MODEL
    searched = median_latency(lambda: mb.search_versions(SEARCH, limit=20), 2 * sizes.repeats)
    assert mb.search_versions(SEARCH).total % 5 == 0 and mb.search_versions(SEARCH).total > 0  # 96..100 per model
    progress(f"ours: {sizes.models:,} models")
    for i in range(sizes.models - len(populated) - 2):
        mb.new_model(f"empty-{i}")
    created = iter(range(sizes.probes))
    model_create = median_latency(lambda: mb.new_model(f"probe-model-{next(created)}"), sizes.probes)
    return {
        "create_version_small_ms": small * 1e3,
        "create_version_large_ms": large * 1e3,
        "create_version_growth": large / small,
        "create_model_ms": model_create * 1e3,
        "list_versions_ms": listed * 1e3,
        "search_versions_ms": searched * 1e3,
    }


def main() -> None:
    sizes = sizes_from_argv()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-modelbox-") as root, ModelBox(root=root) as mb:
        model = mb.new_model("metrics")
        progress(f"ours: ingest {sizes.ingest_points:,} points x {sizes.repeats}")
        figures["ingest_points_per_s"] = sizes.ingest_points / median_seconds(
            lambda: ingest_seconds(mb, model, sizes.ingest_points, sizes.batch_steps), sizes.repeats)
        progress(f"ours: {sizes.calls:,} buffered calls x {sizes.repeats}")
        figures["call_us"] = median_seconds(lambda: call_seconds(mb, model, sizes.calls), sizes.repeats) * 1e6
        progress(f"ours: read a {sizes.read_points:,}-point series")
        read = read_seconds(model, sizes)
        figures["read_points_per_s"] = sizes.read_points / read
        figures["read_1m_s"] = read * 1_000_000 / sizes.read_points
    with tempfile.TemporaryDirectory(prefix="bench-modelbox-") as root, ModelBox(root=root) as mb:
        figures |= registry_figures(mb, sizes)
    emit("jupyter_modelbox", __version__, figures)


if __name__ == "__main__":
    main()

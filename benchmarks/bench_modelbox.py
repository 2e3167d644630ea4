"""Our figures, through the public API only; prints one JSON object (see ``common.emit``).

Run by ``run.py`` with the project venv: ``python -m benchmarks.bench_modelbox [--quick]``.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np

from jupyter_modelbox import Model, ModelBox, ModelVersion, __version__

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
    search_figures(mb, sizes)
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


ANSWERS: dict[str, list[str]] = {}
SEARCHED: dict[str, float] = {}


def search_figures(mb: ModelBox, sizes: Sizes) -> None:
    """Figure 9: the filters of ``SEARCHES`` over the registry of figure 4 (MLflow fills its own to the same
    versions); the medians go to ``SEARCHED``, the result sets (model/number, or the count) to ``ANSWERS``."""
    for name, (query, _) in SEARCHES.items():
        SEARCHED[f"search_{name}_ms"] = median_latency(lambda q=query: mb.search_versions(q, limit=20),
                                                       10 * sizes.repeats) * 1e3
        found = mb.search_versions(query, limit=1000)
        names = {model.id: model.name for model in mb.get_models(limit=None)} if found.total <= 1000 else {}
        ANSWERS[name] = (sorted(f"{names[v.model_id]}/{v.number}" for v in found) if names
                         else [f"{found.total} versions"])


def one_model_figures(mb: ModelBox, sizes: Sizes) -> dict[str, float]:
    """Figure 8: per-version operations on a model of 100 versions and on one of ``one_model_versions``,
    both filled first, then timed call by call in alternation (so neither gains from running first)."""
    models = {"fresh": mb.new_model("fresh"), "big": mb.new_model("big")}
    counts = {"fresh": VERSIONS_PER_MODEL, "big": sizes.one_model_versions}
    for label, model in models.items():
        progress(f"ours: one model with {counts[label]:,} versions")
        for i in range(counts[label]):
            version = model.new_model_version()
            if i == counts[label] // 2:
                version.add_tag("prod")
    numbers = {label: itertools.cycle(range(1, count + 1, max(1, count // sizes.probes)))
               for label, count in counts.items()}
    operations: dict[str, Callable[[str], object]] = {
        "create": lambda label: models[label].new_model_version(),
        "get_number": lambda label: models[label].get_version(next(numbers[label])),
        "latest": lambda label: models[label].get_version(),
        "tag_holder": lambda label: models[label].tag_holder("prod"),
        "list_page": lambda label: models[label].get_versions(limit=20),
    }
    figures: dict[str, float] = {}
    for operation, call in operations.items():
        durations: dict[str, list[float]] = {"fresh": [], "big": []}
        for _ in range(sizes.probes):
            for label in models:
                start = time.perf_counter()
                call(label)
                durations[label].append(time.perf_counter() - start)
        for label, measured in durations.items():
            figures[f"one_{operation}_{label}_ms"] = statistics.median(measured) * 1e3
        figures[f"one_{operation}_ratio"] = figures[f"one_{operation}_big_ms"] / figures[f"one_{operation}_fresh_ms"]
    assert len(models["big"].get_versions(limit=20)) == 20 and models["big"].tag_holder("prod") is not None
    return figures


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
        figures |= registry_figures(mb, sizes) | SEARCHED
    with tempfile.TemporaryDirectory(prefix="bench-modelbox-") as root, ModelBox(root=root) as mb:
        figures |= one_model_figures(mb, sizes)
    emit("jupyter_modelbox", __version__, figures, ANSWERS)


if __name__ == "__main__":
    main()

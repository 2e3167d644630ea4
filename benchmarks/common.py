"""Sizes and timing helpers shared by both benchmark processes (standard library only: both venvs import it)."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

KEYS = ("loss", "acc", "lr", "grad_norm")


@dataclass(frozen=True)
class Sizes:
    ingest_points: int  # figure 1, ours
    peer_ingest_points: int  # figure 1, MLflow
    batch_steps: int  # ours: steps per log_metrics batch (x 4 keys); MLflow batches are capped at 1,000 points
    calls: int  # figure 2, ours
    peer_calls: int  # figure 2, MLflow
    read_points: int  # figure 3, ours
    peer_read_points: int  # figure 3, MLflow
    versions_small: int  # figure 4, both
    versions_large: int  # figures 4 and 6, ours
    peer_versions_large: int  # figures 4 and 6, MLflow
    models: int  # figure 5, both
    probes: int  # creates timed one by one in figures 4 and 5
    repeats: int  # runs of figures 1-3 and 6; the median is reported
    one_model_versions: int  # figure 8: versions in one model (ours)
    million_versions: int  # figure 10: versions of the large embedded registry (ours)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


FULL = Sizes(
    ingest_points=1_000_000, peer_ingest_points=50_000, batch_steps=10_000,
    calls=100_000, peer_calls=500,
    read_points=1_000_000, peer_read_points=50_000,
    versions_small=1_000, versions_large=100_000, peer_versions_large=10_000,
    models=10_000, probes=200, repeats=3,
    one_model_versions=100_000, million_versions=1_000_000,
)
QUICK = Sizes(
    ingest_points=200_000, peer_ingest_points=10_000, batch_steps=10_000,
    calls=20_000, peer_calls=100,
    read_points=200_000, peer_read_points=10_000,
    versions_small=1_000, versions_large=3_000, peer_versions_large=3_000,
    models=1_000, probes=100, repeats=3,
    one_model_versions=5_000, million_versions=50_000,
)
VERSIONS_PER_MODEL = 100  # how the version counts are spread: models of 100 versions each


def sizes_from_argv() -> Sizes:
    return QUICK if "--quick" in sys.argv[1:] else FULL


def median_seconds(run_once: Callable[[], float], repeats: int) -> float:
    """Median of ``repeats`` runs of a function that times itself (so its setup stays outside)."""
    return statistics.median(run_once() for _ in range(repeats))


def median_latency(operation: Callable[[], object], count: int) -> float:
    """Median duration in seconds of ``count`` calls of ``operation``, each timed on its own."""
    durations = []
    for _ in range(count):
        start = time.perf_counter()
        operation()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# Figure 9: the same filters in both grammars, over the same 100k versions (models large-0... of 100 each).
# name: (ours, MLflow's)
SEARCHES = {
    "selective": ("model = large-7 and number = 7", "name = 'large-7' and version_number = 7"),
    "range": ("number > 95 and model ~ large-1", "version_number > 95 and name LIKE 'large-1%'"),
    "scan": ("not model = nobody", "name != 'nobody'"),
}


def emit(tool: str, version: str, figures: dict[str, float], answers: dict[str, list[str]] | None = None) -> None:
    """The process's one line of stdout, read by ``run.py``; ``answers``: figure 9's result sets."""
    print(json.dumps({"tool": tool, "version": version, "python": sys.version.split()[0], "figures": figures,
                      "answers": answers or {}}))

"""Runs our benchmark and MLflow's, one after the other, and prints the figures side by side.

Use ``bash benchmarks/run.sh [--rest] [--quick]``, which first makes MLflow's venv; this driver runs with the
project venv, starts ``bench_modelbox`` (project venv) and ``bench_mlflow`` (``benchmarks/.venv-mlflow``),
prints a markdown table with the targets of ``DESIGN.md`` and writes it all to ``results/latest.json``.
With ``--rest`` it runs ``bench_rest_modelbox`` and ``bench_rest_mlflow`` instead (each against its own
server on loopback) and writes ``results/latest-rest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .common import FULL, QUICK, SEARCHES, Sizes
from .rest_common import FULL_REST, QUICK_REST, RestSizes

HERE = Path(__file__).resolve().parent
PEER_PYTHON = HERE / ".venv-mlflow" / "bin" / "python"
RESULTS = HERE / "results"


@dataclass(frozen=True)
class Row:
    label: str
    key: str  # the figure's name in both processes' JSON
    higher_is_better: bool = False
    target: float | None = None
    peer_key: str | None = None  # MLflow's figure, when it is not ``key``
    compare: bool = True  # False: the ratio column means nothing for this figure


def n(count: int) -> str:
    return f"{count // 1000:,}k" if count < 1_000_000 else f"{count / 1_000_000:g}M"


def rows(sizes: Sizes) -> list[Row]:
    large = f"ours {n(sizes.versions_large)} / MLflow {n(sizes.peer_versions_large)}"
    return [
        Row(f"1. ingest, points/s (ours {n(sizes.ingest_points)} pts, MLflow {n(sizes.peer_ingest_points)})",
            "ingest_points_per_s", higher_is_better=True, target=1_000_000),
        Row(f"2. log_metrics, 4 keys, µs/call (ours {n(sizes.calls)} calls, MLflow {sizes.peer_calls} sync)",
            "call_us", target=20),
        Row("2. same, MLflow `synchronous=False` (incl. final flush)", "call_us", target=20, peer_key="call_async_us"),
        Row(f"3. read series into pandas, points/s (ours {n(sizes.read_points)}, MLflow {n(sizes.peer_read_points)})",
            "read_points_per_s", higher_is_better=True),
        Row("3. 1M-point series into pandas, s (scaled linearly where fewer points were read)", "read_1m_s",
            target=0.2),
        Row(f"4. create version, {n(sizes.versions_small)} versions present, ms", "create_version_small_ms"),
        Row(f"4. create version, {large} versions present, ms", "create_version_large_ms", target=2),
        Row(f"4. create version: time at {large} over time at {n(sizes.versions_small)}", "create_version_growth",
            target=3, compare=False),
        Row(f"5. create model, {n(sizes.models)} models present, ms", "create_model_ms"),
        Row(f"6. list one model's 100 versions, {large} versions present, ms", "list_versions_ms"),
        Row(f"7. search versions, 'number > 95 and model ~ large-1', {large} versions present, ms",
            "search_versions_ms", target=50),
        *(Row(f"9. search at {n(sizes.versions_large)} versions in both, {kind}: `{SEARCHES[name][0]}`, ms",
              f"search_{name}_ms", target=target) for name, kind, target in (
            ("selective", "selective", 5), ("range", "selective", 5), ("scan", "full scan", 50))),
    ]


def one_model_table(figures: dict[str, float], sizes: Sizes) -> list[str]:
    """Figure 8 (ours only): each operation on a model of 100 versions and on one of ``one_model_versions``."""
    big = n(sizes.one_model_versions)
    lines = [f"| 8. operation on one model | 100 versions, ms | {big} versions, ms | ratio | target | met? |",
             "|---|---|---|---|---|---|"]
    for operation, label in (("create", "create version"), ("get_number", "`get_version(n)`"),
                             ("latest", "`get_version()` (latest)"), ("tag_holder", "`tag_holder(tag)`"),
                             ("list_page", "`get_versions(limit=20)` (newest first)")):
        ratio_value = figures[f"one_{operation}_ratio"]
        lines.append(f"| {label} | {number(figures[f'one_{operation}_fresh_ms'])} | "
                     f"{number(figures[f'one_{operation}_big_ms'])} | {ratio_value:.2f} | ≤ 1.5 | "
                     f"{'yes' if ratio_value <= 1.5 else 'NO'} |")
    return lines


def million_table(figures: dict[str, float], sizes: Sizes) -> list[str]:
    """Figure 10 (ours only): the embedded registry with ``million_versions`` versions."""
    size = n(sizes.million_versions)
    rows_ = [
        (f"open a registry of {size} versions over {n(sizes.million_versions // 100)} models "
         f"({figures['million_snapshot_mb']:,.0f} MiB snapshot), s", "million_open_s", 5),
        ("resident memory after opening, MB", "million_rss_mb", 2000),
        ("the first call on a model (reads its 100 versions), ms", "million_first_use_ms", None),
        ("create version, median ms", "million_create_ms", 1),
        ("create version, slowest of the probes, ms", "million_create_max_ms", None),
        ("create version, 99th percentile of the probes, ms", "million_create_p99_ms", None),
        (f"slowest create during a background compaction (of {figures['million_writes_during_compaction']:,.0f} "
         f"creates, {figures['million_compaction_s']:.0f} s), ms", "million_write_max_during_compaction_ms", 50),
        ("creates during the compaction, 99th percentile, ms", "million_write_p99_during_compaction_ms", None),
        ("creates during the compaction slower than 50 ms", "million_writes_over_50ms_during_compaction", None),
        ("the disk alone, as many fdatasync'd 200-byte appends right after: the slowest, ms",
         "million_disk_alone_max_ms", None),
        ("the disk alone: appends slower than 50 ms", "million_disk_alone_over_50ms", None),
        ("the first search over every version (`number = 7`: reads every model's versions, builds its "
         "indexes), s", "million_first_search_s", None),
        ("the same search again, ms", "million_second_search_ms", None),
        ("resident memory after it, MB", "million_rss_after_search_mb", 2000),
    ]
    lines = ["| 10. embedded registry at scale | ours | target | met? |", "|---|---|---|---|"]
    for label, key, target in rows_:
        met = "" if target is None else ("yes" if figures[key] <= target else "NO")
        lines.append(f"| {label} | {number(figures[key])} | {'' if target is None else f'≤ {number(target)}'} "
                     f"| {met} |")
    return lines


def same_answers(ours: dict[str, list[str]], peer: dict[str, list[str]]) -> str:
    verdicts = []
    for name in SEARCHES:
        mine, theirs = ours.get(name), peer.get(name)
        count = mine[0] if mine and len(mine) == 1 and mine[0].endswith("versions") else f"{len(mine or [])} versions"
        verdicts.append(f"{name}: {'same' if mine == theirs else 'DIFFERENT'} ({count})")
        if mine != theirs:
            print(f"  {name}: ours {(mine or [])[:10]}... MLflow {(theirs or [])[:10]}...", file=sys.stderr)
    return "9. result sets, ours against MLflow's: " + ", ".join(verdicts)


def rest_rows(sizes: RestSizes) -> list[Row]:
    gib = sizes.artifact_bytes / 2**30
    size = f"{gib:g} GiB" if gib >= 1 else f"{gib * 1024:g} MiB"
    first, *others = sizes.batch_steps
    ingest = (f"1. REST ingest, points/s: ours arrays of {n(first)} steps x 4 keys per call, "
              f"{n(sizes.ingest_steps * 4)} pts (MLflow: log_batch of 1,000, {n(sizes.peer_ingest_points)} pts)")
    return [
        Row(ingest, f"ingest_{first // 1000}k_points_per_s", True, 300_000, "ingest_points_per_s"),
        *(Row(f"1. same, ours arrays of {n(steps)} steps x 4 keys per call", f"ingest_{steps // 1000}k_points_per_s",
              True, 300_000, "ingest_points_per_s") for steps in others),
        Row(f"1. same, ours buffered: {n(sizes.calls)} 4-key log_metrics calls, then flush",
            "ingest_buffered_points_per_s", True, 300_000, "ingest_points_per_s"),
        Row(f"2. {n(sizes.series_points)}-point series downsampled to {sizes.max_points:,} points, client ms "
            "(MLflow: get-history-bulk-interval)", "query_client_ms"),
        Row("2. same, server ms (ours: Jupyter's request log; MLflow: its store query + JSON, in-process)",
            "query_server_ms", target=50),
        Row("2. same, server CPU ms per query (/proc of the server's processes, during the REST queries)",
            "query_server_cpu_ms"),
        Row(f"3. baseline: cp + sync of the {size} file, MB/s (each process measures its own)", "cp_sync_mb_s",
            True, compare=False),
        Row(f"3. {size} artifact upload, MB/s", "upload_mb_s", True),
        Row("3. upload, % of cp + sync", "upload_pct_cp", True, 50, compare=False),
        Row(f"3. {size} artifact download, MB/s (ours verifies the sha256)", "download_mb_s", True),
        Row("3. download, % of cp + sync", "download_pct_cp", True, compare=False),
        Row("3. server RSS growth during upload, MB (MLflow: all its processes)", "upload_rss_mb", target=100,
            compare=False),
        Row("3. server RSS growth during download, MB", "download_rss_mb", target=100, compare=False),
    ]


def number(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"


def ratio(row: Row, ours: float, peer: float) -> str:
    if not row.compare:
        return "—"
    speedup = ours / peer if row.higher_is_better else peer / ours
    if speedup < 1:
        return f"{1 / speedup:.1f}x slower"
    return f"{speedup:,.0f}x faster" if speedup >= 10 else f"{speedup:.1f}x faster"


def table_lines(table: list[Row], ours: dict[str, float], peer: dict[str, float],
                ) -> tuple[list[str], list[dict[str, Any]]]:
    """The markdown table, and the same cells for the JSON file."""
    cells = []
    for row in table:
        ours_value, peer_value = ours[row.key], peer[row.peer_key or row.key]
        target = met = ""
        if row.target is not None:
            target = f"{'≥' if row.higher_is_better else '≤'} {number(row.target)}"
            met = "yes" if (ours_value >= row.target if row.higher_is_better else ours_value <= row.target) else "NO"
        cells.append({"figure": row.label, "ours": number(ours_value), "MLflow": number(peer_value),
                      "ratio": ratio(row, ours_value, peer_value), "target": target, "met?": met})
    header = list(cells[0])
    widths = [max(len(header[i]), *(len(str(list(c.values())[i])) for c in cells)) for i in range(len(header))]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(str(v).ljust(w) for v, w in zip(c.values(), widths, strict=True)) + " |" for c in cells]
    return lines, cells


def run_bench(python: str, module: str, quick: bool) -> dict[str, Any]:
    """Run one benchmark process; its stderr (progress) passes through, its last stdout line is the JSON."""
    command = [python, "-m", f"benchmarks.{module}", *(["--quick"] if quick else [])]
    done = subprocess.run(command, cwd=HERE.parent, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{module} failed with exit code {done.returncode} (its errors are above)")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def peer_versions() -> tuple[str, str]:
    """Python and mlflow versions of MLflow's venv, without importing mlflow."""
    code = "import importlib.metadata as m, platform; print(platform.python_version(), m.version('mlflow'))"
    done = subprocess.run([PEER_PYTHON, "-c", code], capture_output=True, text=True, check=True)
    python, mlflow = done.stdout.split()
    return python, mlflow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run (under 2 minutes)")
    parser.add_argument("--rest", action="store_true", help="the REST figures: our Jupyter server vs mlflow server")
    parser.add_argument("--grpc", action="store_true", help="our gRPC service vs our REST API (bench_grpc.py)")
    args = parser.parse_args()
    if args.grpc:  # one Jupyter server serving both; MLflow is not involved
        from .bench_grpc import report

        return report(run_bench(sys.executable, "bench_grpc", args.quick), RESULTS)
    quick, rest = args.quick, args.rest
    if not PEER_PYTHON.exists():
        raise SystemExit(f"{PEER_PYTHON} is missing: run `bash benchmarks/run.sh`, which creates it")
    sizes: Sizes | RestSizes = (QUICK_REST if quick else FULL_REST) if rest else (QUICK if quick else FULL)
    table = rest_rows(sizes) if isinstance(sizes, RestSizes) else rows(sizes)
    store = "jupyter_server vs mlflow server on loopback, sqlite store" if rest else "sqlite store"
    prefix = "bench_rest_" if rest else "bench_"
    started = time.perf_counter()
    peer_python, mlflow = peer_versions()
    facts = (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} CPUs ({cpu_model()}), load average "
             f"{os.getloadavg()[0]:.1f} · {platform.system()} · Python {platform.python_version()} (ours), "
             f"{peer_python} (MLflow) · mlflow {mlflow}, {store} · {'quick' if quick else 'full'} sizes")
    print(facts, flush=True)
    ours = run_bench(sys.executable, f"{prefix}modelbox", quick)
    peer = run_bench(str(PEER_PYTHON), f"{prefix}mlflow", quick)
    lines, cells = table_lines(table, ours["figures"], peer["figures"])
    extra: list[str] = []
    if isinstance(sizes, Sizes):
        million = run_bench(sys.executable, "bench_million", quick)
        ours["figures"] |= million["figures"]
        extra = ["", same_answers(ours.get("answers", {}), peer.get("answers", {})), "",
                 *one_model_table(ours["figures"], sizes), "", *million_table(ours["figures"], sizes)]
    seconds = time.perf_counter() - started
    print("", *lines, *extra, "", f"jupyter_modelbox {ours['version']}; total {seconds:.0f} s; load average now "
          f"{os.getloadavg()[0]:.1f}", sep="\n")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("latest-rest.json" if rest else "latest.json")).write_text(json.dumps({
        "facts": facts, "quick": quick, "sizes": sizes.to_dict(), "seconds": seconds, "table": cells,
        "extra": extra, "modelbox": ours, "mlflow": peer,
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()

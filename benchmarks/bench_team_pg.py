"""Team registry figures: our Jupyter server on PostgreSQL against ``mlflow server`` on the same PostgreSQL.

    bash benchmarks/run.sh --pg [--quick]     (python -m benchmarks.bench_team_pg with the project venv)

One PostgreSQL cluster (Debian's server, a throwaway folder, ``fsync`` on as shipped) holds two databases,
one per tool; both servers reach it over TCP loopback. Both servers run at once and their timed calls take
turns (on a shared machine the load moves by the minute: measured one after the other, the ratios followed
it). Everything is measured over REST with the same HTTP client code on both sides (``Http``: one
keep-alive ``http.client`` connection per tool, not ``requests``, which spent 0.8-1.1 ms of client CPU per
call here), except ours ingests
through ``ModelBox(url, token)`` (the product's path: raw arrays in JSON) while MLflow gets
``runs/log-batch`` of 1,000 metrics. Registries are filled with versions by SQL (copies of one model with
100 versions made through the API, for both tools), and the 1M-point series of MLflow is inserted into its
``metrics`` table by SQL (its API would take minutes). Prints a table with ratios; figures also go to
``benchmarks/results/latest-pg.json``.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from jupyter_modelbox import ModelBox, __version__
from tests.helpers.postgres import PostgresCluster

from .common import progress
from .rest_common import Server, free_port

ROOT = Path(__file__).parent
PEER = ROOT / ".venv-mlflow"


@dataclass(frozen=True)
class Sizes:
    versions: tuple[int, int]  # create version at these registry sizes
    calls: int  # timed single calls per figure
    ingest_steps: int  # ours, x 4 keys, 10k steps per call
    peer_ingest_points: int  # MLflow, 1,000 per log-batch
    series_points: int
    queries: int
    peer_queries: int


FULL = Sizes((1_000, 100_000), 200, 400_000, 20_000, 1_000_000, 20, 3)
QUICK = Sizes((1_000, 10_000), 50, 100_000, 5_000, 100_000, 10, 3)


class Http:
    """The HTTP client of both tools' calls: one keep-alive connection (``http.client``) to the tool's
    server, JSON in and out, reconnecting when the server closed it.

    The same code for both tools. Not ``requests``: per call it spent 0.8-1.1 ms of client CPU here
    (against 0.3 ms for this), the same for both tools, which on two shared cores showed in both
    tools' latencies (measured on one of our servers at load 1: a create took 4.3 ms through a
    ``requests`` session, 3.5 ms through this).
    """

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = {"Accept": "application/json", **(headers or {})}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, json: Any = None,
                timeout: float = 600) -> Any:
        """The answer's JSON (``None`` for an empty body); an error status raises, naming the call."""
        target = path + ("?" + urllib.parse.urlencode(params) if params else "")
        body, headers = None, self.headers
        if json is not None:
            body, headers = jsonlib.dumps(json).encode(), {**headers, "Content-Type": "application/json"}
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile: once more, on a new one
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.conn.request(method, target, body=body, headers=headers)
                answer = self.conn.getresponse()
                data = answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if answer.will_close:
                self.conn.close()
                self.conn = None
            if answer.status >= 400:
                raise RuntimeError(f"{method} {target}: {answer.status} {data[:500].decode(errors='replace')}")
            return jsonlib.loads(data) if data else None
        raise AssertionError("unreachable")


def clone_sql(conn: psycopg.Connection[Any], table: str, replace: dict[str, str], source: str, first: int,
              last: int) -> None:
    """Copies of ``table``'s rows matching ``source``, one per i in [first, last], with ``replace``d columns."""
    columns = [row[0] for row in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table])]
    chosen = ", ".join(replace.get(name, f"t.{name}") for name in columns)
    conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {chosen} FROM {table} t, "  # type: ignore[arg-type]
                 f"generate_series({first}, {last}) AS i WHERE {source}")


# -- ours --------------------------------------------------------------------------------------------


class Ours:
    name = "ours"

    def __init__(self, workdir: Path, db_url: str) -> None:
        port, self.token = free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{port}/"
        extensions = {"jupyter_modelbox": True, "jupyterlab": False, "jupyter_lsp": False,
                      "jupyter_server_terminals": False, "notebook_shim": False, "notebook": False}
        args = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={workdir}", f"--ModelboxApp.database_url={db_url}",
                f"--ModelboxApp.blob_root={workdir / 'blobs'}", f"--ServerApp.jpserver_extensions={extensions}",
                *(["--allow-root"] if os.geteuid() == 0 else [])]
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(workdir / "runtime")}
        self.server = Server(args, f"{self.url}modelbox/api/info", workdir / "jupyter.log",
                             {"Authorization": f"token {self.token}"}, env)
        self.http = Http(self.url, {"Authorization": f"token {self.token}"})
        self.db_url = db_url
        self.filled = 0

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.http.request(method, f"/modelbox/api{path}", **kwargs)

    def create_model(self, name: str) -> str:
        return str(self.api("POST", "/models", json={"name": name})["id"])

    def create_version(self, model: str) -> None:
        self.api("POST", f"/models/{model}/versions", json={})

    def fill(self, versions: int) -> None:
        """Up to ``versions`` versions: models ``large-<i>`` of 100 versions each, copies of ``template``."""
        if not self.filled:
            template = self.create_model("template")
            for _ in range(100):
                self.create_version(template)
            self.filled, self.template = 100, template
        first, last = self.filled // 100, versions // 100 - 1
        if last < first:
            return
        mid = "md5('m' || i)::uuid::text"
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            clone_sql(conn, "modelbox_models", {
                "id": mid, "seq": "nextval('modelbox_models_seq_seq')",
                "doc": f"t.doc || jsonb_build_object('id', {mid}, 'name', 'large-' || i, '_name_key', "
                       "replace(t.doc->>'_name_key', 'template', 'large-' || i))"}, "t.doc->>'name' = 'template'",
                first, last)
            vid = "md5('v' || i || '-' || (t.doc->>'number'))::uuid::text"
            clone_sql(conn, "modelbox_versions", {
                "id": vid, "seq": "nextval('modelbox_versions_seq_seq')",
                "doc": f"t.doc || jsonb_build_object('id', {vid}, 'model_id', {mid})"},
                f"t.doc->>'model_id' = '{self.template}'", first, last)
            conn.execute("ANALYZE")
        self.filled = versions

    def list_versions_of(self, model_id: str) -> None:
        assert len(self.api("GET", f"/models/{model_id}/versions", params={"limit": 100})["versions"]) == 100

    def search_versions(self) -> None:
        found = self.api("GET", "/versions", params={"q": "number > 95 and model ~ large-1", "limit": 20})
        assert len(found["versions"]) == 20

    def ingest(self, steps: int) -> float:
        with ModelBox(url=self.url, token=self.token) as mb:
            version = mb.new_model(f"ingest-{time.monotonic_ns()}").new_model_version()
            start = time.perf_counter()
            for low in range(0, steps, 10_000):
                index = np.arange(low, low + 10_000)
                version.log_metrics({key: np.random.default_rng(low).random(10_000) for key in
                                     ("loss", "acc", "lr", "grad_norm")}, step=index)
            mb.flush()
            return 4 * steps / (time.perf_counter() - start)

    def series(self, points: int) -> tuple[Callable[[], None], Callable[[], None]]:
        """The query of a ``points``-point series, and a call that appends a batch of 1,000 points to it."""
        name = f"series-{time.monotonic_ns()}"
        with ModelBox(url=self.url, token=self.token) as mb:
            version = mb.new_model(name).new_model_version()
            for low in range(0, points, 100_000):
                steps = np.arange(low, min(low + 100_000, points))
                version.log_metrics({"loss": np.random.default_rng(low).random(len(steps))}, step=steps)
            mb.flush()
        path = f"/objects/{version.id}/metrics"
        grown = iter(range(points, 10**12, 1000))

        def grow() -> None:
            with ModelBox(url=self.url, token=self.token) as mb:
                low, newest = next(grown), mb.get_model(name).get_version()
                assert newest is not None
                newest.log_metrics({"loss": np.random.default_rng(low).random(1000)}, step=np.arange(low, low + 1000))
                mb.flush()

        return (lambda: self._query(path)), grow

    def _query(self, path: str) -> None:
        assert 0 < len(self.api("GET", path, params={"key": "loss", "max_points": 2000})["value"]) <= 2000


# -- MLflow ------------------------------------------------------------------------------------------


class Mlflow:
    name = "MLflow"

    def __init__(self, workdir: Path, db_url: str) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        args = [str(PEER / "bin" / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
                "--backend-store-uri", db_url, "--artifacts-destination", str(workdir / "artifacts"),
                "--serve-artifacts"]
        self.server = Server(args, f"{self.url}/health", workdir / "mlflow.log")
        self.http = Http(self.url)
        self.db_url = db_url.replace("postgresql+psycopg2://", "postgresql://")
        self.filled = 0

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.http.request(method, f"/api/2.0/mlflow/{path}", **kwargs)

    def create_model(self, name: str) -> str:
        self.api("POST", "registered-models/create", json={"name": name})
        return name

    def create_version(self, model: str) -> None:
        self.api("POST", "model-versions/create", json={"name": model, "source": "s3://bench/model"})

    def fill(self, versions: int) -> None:
        if not self.filled:
            self.create_model("template")
            for _ in range(100):
                self.create_version("template")
            self.filled = 100
        first, last = self.filled // 100, versions // 100 - 1
        if last < first:
            return
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            clone_sql(conn, "registered_models", {"name": "'large-' || i"}, "t.name = 'template'", first, last)
            clone_sql(conn, "model_versions", {"name": "'large-' || i"}, "t.name = 'template'", first, last)
            conn.execute("ANALYZE")
        self.filled = versions

    def list_versions_of(self, model: str) -> None:
        found = self.api("GET", "model-versions/search", params={"filter": f"name='{model}'", "max_results": 100})
        assert len(found["model_versions"]) == 100

    def search_versions(self) -> None:
        found = self.api("GET", "model-versions/search", params={
            "filter": "name LIKE 'large-1%' AND version_number > 95", "max_results": 20})
        assert len(found["model_versions"]) == 20

    def ingest(self, points: int) -> float:
        experiment = self.api("POST", "experiments/create", json={"name": f"ingest-{time.monotonic_ns()}"})
        run = self.api("POST", "runs/create", json={"experiment_id": experiment["experiment_id"]})["run"]
        run_id, now = run["info"]["run_id"], int(time.time() * 1000)
        start = time.perf_counter()
        for low in range(0, points, 1000):
            metrics = [{"key": ("loss", "acc", "lr", "grad_norm")[n % 4], "value": float(n), "timestamp": now,
                        "step": (low + n) // 4} for n in range(1000)]
            self.api("POST", "runs/log-batch", json={"run_id": run_id, "metrics": metrics})
        return points / (time.perf_counter() - start)

    def series(self, points: int) -> tuple[Callable[[], None], Callable[[], None]]:
        experiment = self.api("POST", "experiments/create", json={"name": f"series-{time.monotonic_ns()}"})
        run = self.api("POST", "runs/create", json={"experiment_id": experiment["experiment_id"]})["run"]
        run_id = run["info"]["run_id"]
        self.api("POST", "runs/log-batch", json={"run_id": run_id, "metrics": [
            {"key": "loss", "value": 0.5, "timestamp": int(time.time() * 1000), "step": 0}]})
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            conn.execute("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) SELECT 'loss', random(), "
                         "t.timestamp, t.run_uuid, i, false FROM metrics t, generate_series(1, %s) AS i "
                         "WHERE t.run_uuid = %s", [points - 1, run_id])
            conn.execute("ANALYZE metrics")
        params = {"run_ids": run_id, "metric_key": "loss", "max_results": 2000}
        grown = iter(range(points, 10**12, 1000))

        def grow() -> None:
            low, now = next(grown), int(time.time() * 1000)
            self.api("POST", "runs/log-batch", json={"run_id": run_id, "metrics": [
                {"key": "loss", "value": 0.5, "timestamp": now, "step": low + n} for n in range(1000)]})

        def query() -> None:
            answer = self.http.request("GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval", params)
            assert 0 < len(answer["metrics"]) <= 2000

        return query, grow


# -- the run -----------------------------------------------------------------------------------------


Tool = Ours | Mlflow


def alternate(calls: dict[str, tuple[Callable[[], Any], int]],
              before: dict[str, Callable[[], None]] | None = None, block: int = 1) -> dict[str, float]:
    """Median ms of each tool's call (``count`` times; ``before`` runs untimed ahead of each), the tools'
    calls taking turns so that both meet the same load: ``block`` calls of one tool in a row, then the
    other's."""
    durations: dict[str, list[float]] = {name: [] for name in calls}
    while any(len(durations[name]) < count for name, (_, count) in calls.items()):
        for name, (call, count) in calls.items():
            for _ in range(min(block, count - len(durations[name]))):
                if before:
                    before[name]()
                start = time.perf_counter()
                call()
                durations[name].append((time.perf_counter() - start) * 1e3)
    return {name: statistics.median(values) for name, values in durations.items()}


def measure(tools: list[Tool], sizes: Sizes) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {tool.name: {} for tool in tools}

    def record(key: str, medians: dict[str, float]) -> None:
        for name, value in medians.items():
            figures[name][key] = value

    for size in sizes.versions:
        progress(f"fill both to {size:,} versions, then {sizes.calls} create-version calls each, taking turns")
        models: dict[str, str] = {}
        for tool in tools:
            tool.fill(size)
            models[tool.name] = tool.create_model(f"fresh-{size}")
            tool.create_version(models[tool.name])  # untimed: the first call warms the path
        creates: dict[str, tuple[Callable[[], Any], int]] = {tool.name: (
            lambda tool=tool, model=models[tool.name]: tool.create_version(model), sizes.calls) for tool in tools}
        record(f"create_version_{size}_ms", alternate(creates))
        if size == sizes.versions[-1]:
            # each call above follows the other tool's: a process idle for ~10 ms answers about twice as
            # slowly here (on one server alone a create took 3.4 ms back to back, 7.7 ms with 13 ms
            # between calls), so also in runs of 20 calls of one tool, the runs taking turns
            progress(f"{sizes.calls} more create-version calls each, in runs of 20 taking turns")
            record(f"create_version_{size}_run_ms", alternate(creates, block=20))
    progress("create model, list one model's 100 versions, search versions")
    counter = iter(range(10**9))
    record("create_model_ms", alternate({tool.name: (
        lambda tool=tool: tool.create_model(f"m-{next(counter)}"), sizes.calls) for tool in tools}))
    record("list_versions_ms", alternate({tool.name: (
        lambda tool=tool: tool.list_versions_of(tool.template if isinstance(tool, Ours) else "template"), 30)
        for tool in tools}))
    record("search_versions_ms", alternate({tool.name: (tool.search_versions, 10) for tool in tools}))
    progress(f"ingest: ours {4 * sizes.ingest_steps:,} points, MLflow {sizes.peer_ingest_points:,}, 3 runs each")
    rates: dict[str, list[float]] = {tool.name: [] for tool in tools}
    for _ in range(3):
        for tool in tools:
            rates[tool.name].append(tool.ingest(sizes.ingest_steps if isinstance(tool, Ours) else
                                                sizes.peer_ingest_points))
    record("ingest_points_per_s", {name: statistics.median(values) for name, values in rates.items()})
    progress(f"a {sizes.series_points:,}-point series downsampled to 2,000 points")
    series = {tool.name: tool.series(sizes.series_points) for tool in tools}
    first = {}
    for name, (query, _) in series.items():
        start = time.perf_counter()
        query()
        first[name] = (time.perf_counter() - start) * 1e3
    record("downsample_first_ms", first)
    counts = {tool.name: sizes.queries if isinstance(tool, Ours) else sizes.peer_queries for tool in tools}
    record("downsample_ms", alternate({name: (query, counts[name]) for name, (query, _) in series.items()}))

    # a live chart: a batch arrives before each query (only the query is timed)
    record("downsample_grown_ms", alternate({name: (query, counts[name]) for name, (query, _) in series.items()},
                                            before={name: grow for name, (_, grow) in series.items()}))
    return figures


ROWS = [  # key, label, target for ours, lower is better
    ("create_version_{small}_ms", "create version, {small:,} versions present, ms", None, True),
    ("create_version_{large}_ms", "create version, {large:,} versions present, ms", "≤ 3", True),
    ("create_version_{large}_run_ms", "same, in runs of 20 calls of one tool taking turns, ms", "≤ 3", True),
    ("flat", "create version: time at {large:,} over time at {small:,}", "≤ 1.5 (flat)", True),
    ("create_model_ms", "create model, ms", None, True),
    ("list_versions_ms", "list one model's 100 versions, {large:,} present, ms", None, True),
    ("search_versions_ms", "search versions 'number > 95 and model ~ large-1', {large:,} present, ms", "≤ 20", True),
    ("ingest_points_per_s", "metric ingest, points/s (ours 10k steps x 4 keys per call; MLflow log-batch 1,000)",
     "≥ 300,000 and ≥ 50x", False),
    ("downsample_ms", "{points:,}-point series downsampled to 2,000 points, ms (median; ours: warm)", "≤ 50", True),
    ("downsample_grown_ms", "same, 1,000 points appended before each query, ms", None, True),
    ("downsample_first_ms", "same, the first query after logging, ms", None, True),
]


def table(ours: dict[str, float], peer: dict[str, float], sizes: Sizes) -> str:
    small, large = sizes.versions
    for figures in (ours, peer):
        figures["flat"] = figures[f"create_version_{large}_ms"] / figures[f"create_version_{small}_ms"]
    lines = ["| figure | ours | MLflow | ratio | target |", "|---|---|---|---|---|"]
    for key, label, target, lower in ROWS:
        key = key.format(small=small, large=large)
        a, b = ours[key], peer[key]
        faster = a < b if lower else a > b
        ratio = "—" if key == "flat" else f"{max(a, b) / min(a, b):,.1f}x {'faster' if faster else 'slower'}"
        shown = [f"{v:,.0f}" if v >= 1000 else f"{v:.3g}" for v in (a, b)]
        lines.append(f"| {label.format(small=small, large=large, points=sizes.series_points)} | {shown[0]} | "
                     f"{shown[1]} | {ratio} | {target or ''} |")
    return "\n".join(lines)


def main() -> None:
    sizes = QUICK if "--quick" in sys.argv[1:] else FULL
    os.environ["TQDM_DISABLE"] = "1"
    cluster = PostgresCluster(durable=True).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-team-pg-") as root:
            workdir = Path(root)
            tools: list[Tool] = []
            for tool_class, db in ((Ours, "ours"), (Mlflow, "mlflow")):
                cluster.create_database(db)
                url = cluster.url(db, tcp=True)
                if tool_class is Mlflow:
                    url = url.replace("postgresql://", "postgresql+psycopg2://")
                (workdir / db).mkdir()
                tools.append(tool_class(workdir / db, url))
            with tools[0].server, tools[1].server:  # both up: their calls take turns under the same load
                started = Path("/proc/loadavg").read_text().split()[0]
                results = measure(tools, sizes)
                load = f"{started}→{Path('/proc/loadavg').read_text().split()[0]}"
                progress("stopping the servers")
    finally:
        cluster.remove()
    text = table(results["ours"], results["MLflow"], sizes)
    header = (f"{'Quick' if sizes is QUICK else 'Full'} run, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} "
              f"CPUs, load average (1 min) {load}, the tools' calls taking turns · "
              f"Python {platform.python_version()} · "
              f"jupyter_modelbox {__version__} vs mlflow server, one PostgreSQL cluster (fsync on), TCP loopback")
    print(header + "\n\n" + text)
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "latest-pg.json").write_text(jsonlib.dumps({"header": header, "sizes": sizes.__dict__, "load": load,
                                                    **results}, indent=2))


if __name__ == "__main__":
    main()

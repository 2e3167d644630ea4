"""What only a shared PostgreSQL registry has: many writing processes, the schema's versions, one
search over both backends, the pool, the password, and a database that goes away and comes back.
(The API suites themselves run on PostgreSQL through the ``mb`` fixture.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from jupyter_modelbox import ModelBox, ModelBoxError
from jupyter_modelbox.cli import main
from jupyter_modelbox.registry.facade import Registry
from jupyter_modelbox.registry.postgres.connection import DatabaseAddress
from jupyter_modelbox.registry.postgres.schema import SCHEMA_VERSION, ensure_schema

from .helpers.jupyter import JupyterServer
from .helpers.postgres import PostgresCluster
from .test_search import fill_catalog

TESTS = Path(__file__).parent


@pytest.fixture
def db(postgres: PostgresCluster) -> str:
    """A new, empty database of its own."""
    return postgres.create_database(f"t{os.getpid()}_{time.monotonic_ns()}")


@pytest.fixture
def one_connection(db: str, tmp_path: Path) -> Iterator[Registry]:
    """A registry on ``db`` whose pool holds one connection: every call runs on the same one."""
    from jupyter_modelbox.registry.postgres.backend import PostgresBackend

    registry = Registry(PostgresBackend(db, tmp_path / "blobs", pool_size=1))
    try:
        yield registry
    finally:
        registry.close()


def box(url: str, tmp_path: Path) -> ModelBox:
    return ModelBox(database_url=url, blob_root=tmp_path / "blobs", lineage=False)


# -- many processes, one database ---------------------------------------------------------------


def test_several_processes_write_one_model_and_every_rule_holds(db: str, tmp_path: Path) -> None:
    with box(db, tmp_path) as mb:
        mb.new_model("shared")
    writers, rounds = 4, 15
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    processes = [subprocess.Popen([sys.executable, "-m", "helpers.pg_writer", db, str(tmp_path / "blobs"), f"w{i}",
                                   str(rounds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                 for i in range(writers)]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err.decode()[-2000:]
        results.append(json.loads(out.decode().splitlines()[-1]))
    with box(db, tmp_path) as mb:
        model = mb.get_model("shared")
        acknowledged = sorted(n for r in results for n in r["numbers"])
        assert acknowledged == list(range(1, writers * rounds + 1))  # unique and gap-free
        assert sorted(v.number for v in model.get_versions()) == acknowledged
        assert {key for r in results for key in r["merged"]} <= set(model.metadata)  # no merge lost
        holders = [v.number for v in model.get_versions() if "production" in v.tags]
        assert len(holders) == 1 and model.get_version("production").number == holders[0]
        history = model.tag_history("production")
        assert len(history) == writers * rounds and history[-1]["number"] == holders[0]
        events = mb._registry.events(0, limit=100_000)
        assert [e["seq"] for e in events] == sorted({e["seq"] for e in events})  # rising, none twice
        created = [e["number"] for e in events if e["kind"] == "version.created"]
        assert sorted(created) == acknowledged
        model.get_version(writers * rounds).delete()
        assert model.new_model_version().number == writers * rounds + 1  # a deleted number is never reused


def test_a_long_poll_wakes_when_another_process_commits(db: str, tmp_path: Path) -> None:
    with box(db, tmp_path) as mb:
        registry = mb._registry
        since = registry.last_event_seq
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(registry.events, since, 100, 60.0)
            time.sleep(0.5)  # the long-poll is waiting now
            started = time.monotonic()
            code = (f"from jupyter_modelbox import ModelBox; ModelBox(database_url={db!r}, "
                    f"blob_root={str(tmp_path / 'blobs')!r}).new_model('from-elsewhere')")
            subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
            events = waiting.result(timeout=60)
        assert [e["name"] for e in events if e["kind"] == "model.created"] == ["from-elsewhere"]
        assert time.monotonic() - started < 30  # woken by NOTIFY, not by the timeout


def test_concurrent_creates_in_one_process_share_the_pool_without_leaks(db: str, tmp_path: Path) -> None:
    with box(db, tmp_path) as mb:
        model = mb.new_model("busy")
        with ThreadPoolExecutor(16) as pool:  # more threads than connections: they wait their turn
            numbers = list(pool.map(lambda _: model.new_model_version().number, range(200)))
        assert sorted(numbers) == list(range(1, 201))
        stats = mb._registry.backend.pool_stats()
        assert stats["pool_max"] == 10 and stats.get("requests_waiting", 0) == 0
        assert stats["pool_available"] == stats["pool_size"] <= 10  # every connection came back
        with pytest.raises(ModelBoxError, match="already exists"):
            mb.new_model("busy")  # a failed call gives its connection back too
        assert mb._registry.backend.pool_stats()["pool_available"] == mb._registry.backend.pool_stats()["pool_size"]


def test_the_unique_constraints_hold_even_past_the_checks(db: str, tmp_path: Path) -> None:
    with box(db, tmp_path) as mb:
        model = mb.new_model("m")
        first, second = model.new_model_version(unique_tags=["prod"]), model.new_model_version()
        registry = mb._registry
        with pytest.raises(ModelBoxError, match="already exists"), registry.backend.operation():
            # the unique index, not the registry's check
            registry.docs.put("models", {**registry.docs.get("models", model.id), "id": "other"})
        with pytest.raises(ModelBoxError, match="held by another version"), registry.backend.operation():
            registry.docs.put("versions", {**registry.docs.get("versions", second.id), "tags": ["prod"]})
        assert [v.tags for v in (first.reload(), second.reload())] == [["prod"], []]
        run = mb.new_experiment("run")
        with pytest.raises(ModelBoxError, match="already exists"), registry.backend.operation():
            registry.docs.put("experiments", {**registry.docs.get("experiments", run.id), "id": "other"})
        assert [e.id for e in mb.experiments()] == [run.id]


# -- the schema ---------------------------------------------------------------------------------


def test_schema_is_created_versioned_upgraded_and_guarded(postgres: PostgresCluster, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    db = postgres.create_database("versions_of_the_schema")
    address = DatabaseAddress(db)
    assert ensure_schema(address, target=1) == (0, 1)  # as an older release left it
    assert main(["--json", "--database-url", db, "db", "upgrade"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["schema_version_found"], report["schema_version"]) == (1, SCHEMA_VERSION)
    with box(db, tmp_path) as mb:
        mb.new_model("kept")
    postgres.execute(f"INSERT INTO modelbox_schema (version, upgraded_by) VALUES ({SCHEMA_VERSION + 1}, 'future')",
                     "versions_of_the_schema")
    with pytest.raises(ModelBoxError) as refused:
        box(db, tmp_path)
    assert f"schema version {SCHEMA_VERSION + 1}, newer than" in refused.value.message
    assert f"(version {SCHEMA_VERSION})" in refused.value.message


def test_a_schema_2_database_upgrades_to_experiments_keeping_its_models(postgres: PostgresCluster,
                                                                         tmp_path: Path) -> None:
    db = postgres.create_database("before_experiments")
    assert ensure_schema(DatabaseAddress(db), target=2) == (0, 2)  # as the release before experiments left it
    postgres.execute("INSERT INTO modelbox_checkpoints (id, doc) VALUES ('old', '{\"id\": \"old\", \"uuid\": "
                     "\"old\", \"metadata\": {}, \"metrics\": {}, \"framework\": null, \"format\": null, "
                     "\"owner\": \"x\", \"revision\": 1, \"created_at\": \"2026-01-01T00:00:00+00:00\", "
                     "\"updated_at\": \"2026-01-01T00:00:00+00:00\"}')", "before_experiments")
    with box(db, tmp_path) as mb:  # opening upgrades
        old = mb.get_checkpoint("old")
        assert old.experiment is None and old.epoch is None and old.hparams == {} and old.resources == {}
        assert mb.new_model("m").register_version("old").checkpoint == old
        exp = mb.new_experiment("run", hparams={"lr": 0.1})
        exp.new_checkpoint(epoch=1, metrics={"val_loss": 0.5})
        assert exp.top_checkpoint().epoch == 1 and [e.name for e in mb.experiments()] == ["run"]
    assert ensure_schema(DatabaseAddress(db)) == (SCHEMA_VERSION, SCHEMA_VERSION)
    assert SCHEMA_VERSION == 3


def test_a_database_with_other_tables_is_refused(postgres: PostgresCluster, tmp_path: Path) -> None:
    url = postgres.create_database("someone_elses")
    postgres.execute("CREATE TABLE invoices (id int)", "someone_elses")
    with pytest.raises(ModelBoxError, match=r"holds tables that are not jupyter_modelbox's \(public.invoices\)"):
        box(url, tmp_path)


# -- one search, two backends -------------------------------------------------------------------

MODEL_QUERIES = [
    "", "mnist", '"OCR"', "metadata.dataset.name = v3", "metadata.dataset.rows >= 60000", "metadata.dataset.rows > '6'",
    "tag:production", "tags = production", "tags != production", "tags ~ prod", "task in [nlp, vision]",
    "name ~ CNN or name = bert", "not metadata.dataset.name = v3", "namespace != default", "metadata.team = null",
    "metadata.team != null", "metadata.dataset = v3", "metadata.flag = true", "metadata.flag = 1",
    "metadata.flag ~ tru",
    "metadata.score < 0.5", "metadata.score > 1e-2", "metadata.mixed < b", "metadata.mixed = 10", "metadata.list ~ 64",
    "metadata.list = 64", "created >= 2020-01-01 and created < 2999-12-31T23:59", "versions > 1", "versions = 2.0",
    "archived = false", "name > m", "name <= bert", "description ~ ''", "owner = nobody", "metadata.deep.er.x = 1",
    "(name = bert or name ~ mnist) and task = vision", "not (tag:production or metadata.team = ocr)",
]
VERSION_QUERIES = [
    "", "metrics.val_loss < 0.1", "metrics.val_loss >= 0.1", "metrics.acc = 0.9", "metrics.val_loss = null",
    "framework = onnx or tag:production", "metadata.lr < 0.05", "model = mnist_cnn and not tag:production",
    "model ~ MNIST", "namespace = default", "number > 1", "number in [1, 3]", "framework = null", "framework != torch",
    "checkpoint != null", "tags ~ prod", "version = '2'", "name ~ cnn", "created > 2020-01-01", "mnist",
    "metrics.nested.x > 1", "metrics.text = hello", "metadata.lr = '0.1'",
    # a condition on the model's name or namespace starts the query from the matching models
    "model ~ mnist and number > 1", "namespace = default and (model = bert or tag:production)",
    "model in [bert, mnist_cnn] and not model = bert", "model != bert and metadata.lr < 0.05", "model = null",
    "model in [bert, null]", "model ~ nothing-like-this and number > 0",
]

EXPERIMENT_QUERIES = [
    "", "run", "hparams.lr < 0.05", "hparams.optimizer = adam", "hparams.layers = 64", "metadata.team = null",
    "checkpoints > 0", "checkpoints = 0", "framework = torch or namespace = nlp", "not owner = ana", "tag:x",
    "not tag:x", "external_id != null", "metric = accuracy", "name > run-1", "created >= 2020-01-01", "id = nope",
]


def fill_experiments(mb: ModelBox) -> None:
    for number, (lr, optimizer) in enumerate([(0.1, "adam"), (0.01, "sgd"), (0.001, "adam")]):
        exp = mb.new_experiment(f"run-{number}", owner="ana" if number else "bo", framework="torch" if number else None,
                                namespace="nlp" if number == 2 else None, external_id=f"x{number}" if number else None,
                                hparams={"lr": lr, "optimizer": optimizer, "layers": [64, 32]},
                                metric="accuracy" if number == 1 else None)
        if number:
            exp.new_checkpoint(epoch=1, metrics={"val_loss": lr})


def fill_corner_cases(mb: ModelBox) -> None:
    fill_catalog(mb)
    mb.new_model("odd", metadata={"flag": True, "score": 0.25, "mixed": "a", "list": [64, 32], "deep": {"er": {"x": 1}},
                                  "dataset": "v3"})
    mb.new_model("odder", metadata={"flag": False, "score": 3, "mixed": 10, "list": "64"})
    checkpoint = mb.new_checkpoint([], metrics={"acc": 0.9, "nested": {"x": 2}, "val_loss": 0.05})
    version = mb.get_model("bert").register_version(checkpoint.uuid)
    version.log_metrics({"text": "hello"})
    mb.flush()


@pytest.mark.parametrize("kind", ["models", "versions", "experiments"])
def test_one_corpus_of_queries_gives_the_same_answers_on_both_backends(postgres: PostgresCluster,
                                                                        pg_databases: dict[str, str],
                                                                        tmp_path: Path, kind: str) -> None:
    url = pg_databases["mb_local"]
    postgres.reset("mb_local")
    with ModelBox(root=tmp_path / "embedded", lineage=False) as embedded, box(url, tmp_path) as shared:
        answers = []
        for mb in (embedded, shared):
            fill_experiments(mb) if kind == "experiments" else fill_corner_cases(mb)
            found = {}
            queries = {"models": MODEL_QUERIES, "versions": VERSION_QUERIES, "experiments": EXPERIMENT_QUERIES}[kind]
            for query in queries:
                if kind == "experiments":
                    page = mb.experiments(query=query)
                    found[query] = ([e.name for e in page], page.total, [e.name for e in mb.experiments(
                        query=query, offset=1, limit=1)])
                elif kind == "models":
                    page = mb.search(query)
                    first_two = [m.name for m in mb.search(query, limit=2)]
                    found[query] = (sorted(m.name for m in page), page.total, first_two)
                else:
                    page = mb.search_versions(query)
                    found[query] = (sorted((v.model.name, v.number) for v in page), page.total)
            answers.append(found)
        embedded_answers, shared_answers = answers
        for query in embedded_answers:
            assert shared_answers[query] == embedded_answers[query], query
        assert any(len(names) for names, *_ in embedded_answers.values())  # the corpus finds things


# -- faults and secrets -------------------------------------------------------------------------


def _api(server: JupyterServer, method: str, path: str, **kwargs: object) -> requests.Response:
    return requests.request(method, server.url + "modelbox/api" + path, timeout=60,
                            headers={"Authorization": f"token {server.token}"}, **kwargs)  # type: ignore[arg-type]


def test_a_database_restart_gives_503_naming_it_then_the_server_recovers(tmp_path: Path) -> None:
    cluster = PostgresCluster().start()  # a cluster of its own: this test stops it
    server = None
    try:
        url = cluster.create_database("restarted")
        server = JupyterServer(tmp_path / "server", database_url=url).start()
        assert _api(server, "POST", "/models", json={"name": "before"}).status_code == 201
        since = _api(server, "GET", "/info").json()["last_event_seq"]
        cluster.stop()
        for method, path, body in (("POST", "/models", {"name": "during"}), ("GET", "/models", None)):
            started = time.monotonic()
            answer = _api(server, method, path, json=body)
            assert answer.status_code == 503, answer.text
            assert time.monotonic() - started < 30  # bounded: never a hang
            message = answer.json()["message"]
            assert answer.json()["reason"] == "DatabaseUnavailableError"
            assert f"postgresql://postgres@[{cluster.folder}]:{cluster.port}/restarted" in message, message
        cluster.start()
        deadline, created = time.monotonic() + 60, None
        while time.monotonic() < deadline:  # recovers by itself, no restart of Jupyter
            created = _api(server, "POST", "/models", json={"name": "after"})
            if created.status_code != 503:
                break
            time.sleep(0.5)
        assert created is not None and created.status_code == 201, created.text if created else None
        assert [m["name"] for m in _api(server, "GET", "/models").json()["models"]] == ["after", "before"]
        feed = _api(server, "GET", f"/events?since={since}&timeout=10").json()["events"]
        assert [e["name"] for e in feed if e["kind"] == "model.created"] == ["after"]
        deadline = time.monotonic() + 30  # the listener reconnects on its own backoff (at most 5 s apart)
        while "listening to" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "lost the event feed" in server.log() and "listening to" in server.log()
    finally:
        if server is not None:
            server.stop()
        cluster.remove()


def test_the_password_is_in_no_log_line_repr_error_or_info(postgres: PostgresCluster, tmp_path: Path) -> None:
    secret, wrong = "pw-" + os.urandom(8).hex(), "wrong-" + os.urandom(8).hex()
    role = f"alice_{os.getpid()}"
    postgres.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{secret}'")
    postgres.create_database(f"{role}_db")
    postgres.execute(f"ALTER DATABASE {role}_db OWNER TO {role}")
    postgres.execute(f"ALTER SCHEMA public OWNER TO {role}", f"{role}_db")
    with_password = postgres.url(f"{role}_db", user=role, password=secret, tcp=True)
    with box(with_password, tmp_path) as mb:  # the password in the URL
        model = mb.new_model("m")
        with pytest.raises(ModelBoxError) as missing:
            mb.get_model("nope")
        backend = mb._registry.backend
        shown = [repr(mb), mb.location, repr(mb._registry), repr(backend), str(backend.info()), repr(backend.address),
                 missing.value.message, repr(model)]
        assert all(secret not in text for text in shown) and f"{role}@127.0.0.1:{postgres.port}" in mb.location
    password_file = tmp_path / "password"
    password_file.write_text(secret + "\n")
    from jupyter_modelbox.registry import open_registry, release_registry

    registry = open_registry(database_url=postgres.url(f"{role}_db", user=role, tcp=True), blob_root=tmp_path / "b",
                             password_file=password_file)  # the password from database_password_file
    assert [m["name"] for m in registry.list_models()[0]] == ["m"]
    release_registry(registry)
    with pytest.raises(ModelBoxError) as refused:  # a wrong password: a clear error at start, never the secret
        box(postgres.url(f"{role}_db", user=role, password=wrong, tcp=True), tmp_path)
    assert "password authentication failed" in refused.value.message and wrong not in refused.value.message
    with pytest.raises(ModelBoxError, match=r"cannot connect to the registry database postgresql://x@127\.0\.0\.1:1/db"):
        box("postgresql://x:pw@127.0.0.1:1/db", tmp_path)  # nothing listens there
    server = JupyterServer(tmp_path / "server", database_url=with_password).start()
    try:
        info = _api(server, "GET", "/info")
        assert info.status_code == 200 and secret not in info.text
        assert info.json()["root"] == str(tmp_path / "server" / "registry" / "blobs")
        assert _api(server, "POST", "/models", json={"name": "m"}).status_code == 409
    finally:
        server.stop()
    log = server.log()
    assert "serving the registry database" in log and secret not in log
    broken = JupyterServer(tmp_path / "broken", database_url=postgres.url(f"{role}_db", user=role, password=wrong,
                                                                          tcp=True))
    broken.launch()
    try:  # the extension does not load, and the log says why
        assert broken.wait_for_log("cannot open the registry", timeout=60)
    finally:
        broken.stop()
    assert "password authentication failed" in broken.log() and wrong not in broken.log()


# -- metric series read back through the per-process cache ----------------------------------


def test_a_cached_series_follows_appends_and_deletes_made_by_another_process(db: str, tmp_path: Path) -> None:
    import numpy as np

    from jupyter_modelbox.registry.postgres.connection import Connections
    from jupyter_modelbox.registry.postgres.metrics import PostgresMetricStore

    box(db, tmp_path).close()  # the schema
    here, there = (Connections(DatabaseAddress(db), pool_size=2) for _ in range(2))
    try:
        reader, writer = PostgresMetricStore(here), PostgresMetricStore(there)  # two caches, as two servers
        writer.append("p", "loss", np.arange(3), np.zeros(3), np.array([0.5, 0.4, 0.3]))
        first = reader.read("p", "loss")
        assert first.values.tolist() == [0.5, 0.4, 0.3] and reader.read("p", "loss") is first  # a hit
        with pytest.raises(ValueError, match="read-only"):
            first.values[0] = 9.0  # a cached series is shared: nobody may change it
        writer.append("p", "loss", np.arange(3, 5), np.ones(2), np.array([0.2, 0.1]))
        grown = reader.read("p", "loss")  # only the new batch is fetched
        assert grown.values.tolist() == [0.5, 0.4, 0.3, 0.2, 0.1] and grown.steps.tolist() == [0, 1, 2, 3, 4]
        assert grown.wallclocks.tolist() == [0, 0, 0, 1, 1]
        writer.append("p", "loss", np.array([5]), np.array([2.0]), ["text"])
        writer.append("p", "loss", np.array([6]), np.array([3.0]), np.array([0.05]))
        assert reader.read("p", "loss").values.tolist() == [0.5, 0.4, 0.3, 0.2, 0.1, 0.05, "text"]
        writer.delete("p")
        assert len(reader.read("p", "loss").values) == 0  # gone for the reader too
        writer.append("p", "loss", np.arange(2), np.zeros(2), np.array([1.0, 2.0]))
        assert reader.read("p", "loss").values.tolist() == [1.0, 2.0]
    finally:
        here.close()
        there.close()


def test_a_repeated_downsample_of_a_cached_series_is_kept_until_the_series_grows(db: str, tmp_path: Path) -> None:
    import numpy as np

    from jupyter_modelbox.registry.downsample import DownsampleMethod, downsample
    from jupyter_modelbox.registry.postgres.connection import Connections
    from jupyter_modelbox.registry.postgres.metrics import PostgresMetricStore

    box(db, tmp_path).close()  # the schema
    connections = Connections(DatabaseAddress(db), pool_size=1)
    try:
        store = PostgresMetricStore(connections)
        rng = np.random.default_rng(7)
        store.append("p", "loss", np.arange(10_000), np.zeros(10_000), rng.random(10_000))
        first = downsample(store.read("p", "loss"), 100, DownsampleMethod.MINMAX_LTTB)
        assert downsample(store.read("p", "loss"), 100, DownsampleMethod.MINMAX_LTTB) is first  # kept
        assert downsample(store.read("p", "loss"), 100, DownsampleMethod.LTTB) is not first  # another method
        with pytest.raises(ValueError, match="read-only"):
            first.values[0] = 9.0  # shared by every later caller
        store.append("p", "loss", np.arange(10_000, 10_010), np.ones(10), np.full(10, 5.0))  # a peak at the end
        grown = downsample(store.read("p", "loss"), 100, DownsampleMethod.MINMAX_LTTB)
        fresh = store.read("p", "loss")
        writable = type(fresh)(*(np.array(column) for column in fresh))  # the same points, not shared: computed
        assert grown is not first and grown.steps.tolist() == downsample(
            writable, 100, DownsampleMethod.MINMAX_LTTB).steps.tolist()
        assert 5.0 in grown.values.tolist() and grown.steps[-1] == 10_009
    finally:
        connections.close()


def test_a_version_create_is_two_round_trips_begin_with_the_counter_events_with_commit(one_connection: Registry,
                                                                                        tmp_path: Path) -> None:
    """Round trips are what a write pays on a busy machine: counted in libpq's protocol trace."""
    registry = one_connection
    model = registry.create_model("traced")
    traces = []
    for number in range(1, 5):  # the counter's UPDATE is prepared on the connection from the third create
        trace = tmp_path / f"trace-{number}.txt"
        pool = registry.backend.connections.pool  # type: ignore[attr-defined]
        with open(trace, "w") as out:
            conn = pool.getconn()
            conn.pgconn.trace(out.fileno())
            pool.putconn(conn)
            registry.create_version(model["id"])
            conn.pgconn.untrace()
        traces.append([line.split("\t") for line in trace.read_text().splitlines()])
    for number, messages in enumerate(traces, start=1):
        answered = [m for m in messages if m[1:2] == ["B"] and m[3].startswith("ReadyForQuery")]
        queries = [m[4] for m in messages if m[1:2] == ["F"] and m[3] == "Query"]
        assert len(answered) == 2, messages  # each round trip ends with ReadyForQuery
        # BEGIN with the model's counter (which holds the model), then the version, the events and COMMIT
        assert queries[0].startswith(' "BEGIN; ') and "FOR UPDATE" not in queries[0]
        assert "_next_number" in queries[0] or "EXECUTE modelbox_" in queries[0], queries[0]
        assert queries[-1].lstrip().startswith('"INSERT INTO "modelbox_versions"')
        assert "pg_advisory_xact_lock" in queries[-1]
        assert queries[-1].rstrip().endswith('COMMIT"') and answered[-1][4].strip() == "I"  # idle: committed
        assert registry.get_version(model["id"], number)["number"] == number  # type: ignore[index]
    first = [next(m[4] for m in messages if m[1:2] == ["F"] and m[3] == "Query") for messages in traces]
    assert first[2].startswith(' "BEGIN; PREPARE modelbox_') and first[3].startswith(' "BEGIN; EXECUTE modelbox_')


def test_a_first_statement_sent_with_begin_reads_as_psycopg_would(db: str) -> None:
    """Inlined with BEGIN (prepared or not), a call's first statement gives what psycopg's own execute gives:
    texts, numbers, booleans and NULL as values, %% as a percent sign, and no placeholders without values."""
    from jupyter_modelbox.registry.postgres.connection import Connections

    connections = Connections(DatabaseAddress(db), pool_size=1)
    try:
        query = "SELECT %s::text || '%%', %s::bigint + 1, %s::boolean, %s::text IS NULL, %s::jsonb"
        values = ["it's 50\\", 2**40, True, None, '{"a": [1, "\\u00e9"]}']
        for _ in range(5):  # new, then prepared
            with connections.transaction(), connections.cursor() as cur:
                assert cur.execute(query, values).fetchone() == ("it's 50\\%", 2**40 + 1, True, True, {"a": [1, "é"]})
            with connections.transaction(), connections.cursor() as cur:
                assert cur.execute("SELECT '100%', 1 WHERE 'a' LIKE 'a%'").fetchall() == [("100%", 1)]
    finally:
        connections.close()


def test_writes_held_back_are_sent_once_by_a_cursor_that_runs_nothing(db: str) -> None:
    """A call's held-back writes go with its next statement, or alone from a cursor that ran none (as when
    a call has held back ``MAX_PENDING`` of them): once either way."""
    from jupyter_modelbox.registry.postgres.connection import MAX_PENDING, Connections

    connections = Connections(DatabaseAddress(db), pool_size=1)
    try:
        with connections.transaction(), connections.cursor() as cur:
            cur.execute("CREATE TABLE held (n int)")
        with connections.transaction():
            for n in range(3):
                connections.defer("INSERT INTO held VALUES ({})", str(n))
            with connections.cursor():
                pass
        with connections.transaction():
            for n in range(MAX_PENDING + 5):
                connections.defer("INSERT INTO held VALUES ({})", str(n))
        with connections.transaction(), connections.cursor() as cur:
            assert cur.execute("SELECT count(*) FROM held").fetchone() == (3 + MAX_PENDING + 5,)
    finally:
        connections.close()


def test_a_prepared_first_statement_deallocated_behind_its_back_is_prepared_again(one_connection: Registry) -> None:
    """psycopg deallocates a connection's statements after DDL or a rollback: the next call still works."""
    from jupyter_modelbox.registry.errors import InvalidArgumentError, NotFoundError
    registry = one_connection
    model = registry.create_model("deallocated")
    for _ in range(4):
        registry.create_version(model["id"])
    pool = registry.backend.connections.pool  # type: ignore[attr-defined]
    conn = pool.getconn()
    assert conn.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'modelbox_%'").fetchone()[0]
    conn.pgconn.exec_(b"DEALLOCATE ALL")  # behind the back of everyone
    pool.putconn(conn)
    assert registry.create_version(model["id"])["number"] == 5
    with pytest.raises(InvalidArgumentError):  # a failed call rolls back: psycopg deallocates too
        registry.create_version(model["id"], metadata="not a mapping")  # type: ignore[arg-type]
    assert registry.create_version(model["id"])["number"] == 6
    assert sorted(v["number"] for v in registry.list_versions(model["id"])[0]) == [1, 2, 3, 4, 5, 6]
    for _ in range(10):  # failed calls leave no statements behind on the connection
        with pytest.raises(NotFoundError):
            registry.get_model("missing")
        for _ in range(3):
            registry.create_version(model["id"])
    conn = pool.getconn()
    names = [row[0] for row in conn.execute("SELECT name FROM pg_prepared_statements")]
    pool.putconn(conn)
    assert 0 < len([name for name in names if name.startswith("modelbox_")]) <= 3, names


def test_a_refused_version_create_takes_no_number(one_connection: Registry) -> None:
    """The counter's UPDATE is the create's first write: whatever refuses the create rolls it back too."""
    from jupyter_modelbox.registry.errors import ConflictError, InvalidArgumentError, NotFoundError
    registry = one_connection
    model = registry.create_model("refusing")
    registry.create_version(model["id"], unique_tags=["prod"])
    with pytest.raises(ConflictError, match="tag 'prod' is held by version 1"):
        registry.create_version(model["id"], unique_tags=["prod"])
    with pytest.raises(InvalidArgumentError):
        registry.create_version(model["id"], metadata="not a mapping")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="does not exist"):
        registry.create_version("no-such-model")
    registry.update_model(model["id"], archived=True)
    with pytest.raises(ConflictError, match="is archived; unarchive it before adding versions"):
        registry.create_version(model["id"])
    registry.update_model(model["id"], archived=False)
    second = registry.create_version(model["id"])
    assert (second["number"], second["version"], second["name"]) == (2, "2", "refusing")
    assert registry.get_model(model["id"])["num_versions"] == 2

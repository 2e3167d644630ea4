"""A team registry: two Jupyter servers on one PostgreSQL database, clients writing through both.

Every rule holds across the servers (unique gap-free numbers, no lost merge, one tag holder), both
servers' long-polls see every event in commit order, a change made through one server reaches the
other's feed within a second, a server whose LISTEN connection drops catches up from the last
sequence number, and kill -9 of one server under load loses nothing it acknowledged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from jupyter_modelbox import ModelBox

from .helpers.jupyter import JupyterServer
from .helpers.postgres import PostgresCluster
from .test_server_faults import acknowledged, start_clients, verify

TESTS = Path(__file__).parent
LISTENERS = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE application_name = 'jupyter_modelbox listener' AND datname = '{}'")


@pytest.fixture
def team(postgres: PostgresCluster, tmp_path: Path) -> Iterator[tuple[str, JupyterServer, JupyterServer]]:
    """A new database and two servers on it sharing one blob folder: (database name, A, B)."""
    name = f"team{os.getpid()}_{time.monotonic_ns()}"
    url = postgres.create_database(name)
    shared = tmp_path / "shared"
    servers = [JupyterServer(tmp_path / label, root=shared, database_url=url) for label in ("a", "b")]
    try:
        for server in servers:
            server.start()
        yield name, servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def api(server: JupyterServer, method: str, path: str, **kwargs: object) -> requests.Response:
    return requests.request(method, server.url + "modelbox/api" + path, timeout=90,
                            headers={"Authorization": f"token {server.token}"}, **kwargs)  # type: ignore[arg-type]


class Feed(threading.Thread):
    """Follows one server's event feed with long-polls (as the side panel does), from ``since``."""

    def __init__(self, server: JupyterServer, since: int, timeout: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.server, self.since, self.timeout = server, since, timeout
        self.events: list[dict[str, object]] = []
        self.arrived: list[float] = []  # when each event's long-poll answered
        self.errors: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                answer = api(self.server, "GET", f"/events?since={self.since}&timeout={self.timeout:g}&limit=1000")
            except requests.RequestException as exc:
                self.errors.append(repr(exc))
                time.sleep(0.2)
                continue
            if answer.status_code != 200:
                self.errors.append(answer.text)
                time.sleep(0.2)
                continue
            now = time.monotonic()
            for event in answer.json()["events"]:
                self.events.append(event)
                self.arrived.append(now)
                self.since = max(self.since, int(event["seq"]))  # type: ignore[call-overload]

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.events) >= count

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=15)


def last_seq(server: JupyterServer) -> int:
    return int(api(server, "GET", "/info").json()["last_event_seq"])


def test_two_servers_four_clients_every_rule_holds_and_both_feeds_see_every_event(
        team: tuple[str, JupyterServer, JupyterServer], tmp_path: Path) -> None:
    _, a, b = team
    assert api(a, "POST", "/models", json={"name": "shared"}).status_code == 201
    since = last_seq(a)
    feeds = [Feed(a, since), Feed(b, since)]
    for feed in feeds:
        feed.start()
    writers, rounds = 4, 10
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    processes = [subprocess.Popen([sys.executable, "-m", "helpers.pg_writer", server.url, server.token, f"w{i}",
                                   str(rounds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                 for i, server in enumerate((a, b, a, b))]  # two clients through each server
    results = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()[-2000:]
        results.append(json.loads(out.decode().splitlines()[-1]))
    with ModelBox(url=b.url, token=b.token) as mb:
        model = mb.get_model("shared")
        acknowledged_numbers = sorted(n for r in results for n in r["numbers"])
        assert acknowledged_numbers == list(range(1, writers * rounds + 1))  # unique and gap-free
        assert sorted(v.number for v in model.get_versions()) == acknowledged_numbers
        assert {key for r in results for key in r["merged"]} == set(model.metadata)  # no merge lost
        holders = [v.number for v in model.get_versions() if "production" in v.tags]
        assert len(holders) == 1 and model.get_version("production").number == holders[0]
        every = mb.events(since)
    every_seq = [int(e["seq"]) for e in every]
    assert every_seq == sorted(set(every_seq)) and len(every_seq) >= writers * rounds * 3
    created = sorted(int(e["number"]) for e in every if e["kind"] == "version.created")
    assert created == acknowledged_numbers
    for feed in feeds:
        assert feed.wait_for(len(every), timeout=30), (feed.server.url, len(feed.events), len(every))
        feed.stop()
        assert [int(e["seq"]) for e in feed.events] == every_seq  # all of them, in commit order, none twice
        assert feed.events == every


def test_a_model_created_through_one_server_reaches_the_others_feed_within_a_second(
        team: tuple[str, JupyterServer, JupyterServer]) -> None:
    _, a, b = team
    feed = Feed(b, last_seq(b))
    feed.start()
    try:
        time.sleep(1.0)  # B's long-poll is waiting
        lags = []
        for i in range(5):
            count = len(feed.events)
            started = time.monotonic()
            assert api(a, "POST", "/models", json={"name": f"from-a-{i}"}).status_code == 201
            answered = time.monotonic()
            assert feed.wait_for(count + 1, timeout=10)
            assert feed.events[count]["kind"] == "model.created" and feed.events[count]["name"] == f"from-a-{i}"
            lags.append(feed.arrived[count] - answered)
            assert feed.arrived[count] - started < 1.0, lags
    finally:
        feed.stop()
    assert max(lags) < 1.0 and not feed.errors, (lags, feed.errors)


def test_after_its_listen_connection_drops_a_server_catches_up_from_the_last_seq(
        team: tuple[str, JupyterServer, JupyterServer], postgres: PostgresCluster) -> None:
    name, a, b = team
    api(a, "POST", "/models", json={"name": "warm-up"})  # both servers hold pooled connections now
    api(b, "GET", "/models")
    feed = Feed(b, last_seq(b), timeout=60)  # one long-poll spans the outage: only a wake-up answers it early
    feed.start()
    try:
        time.sleep(0.5)
        postgres.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')  # no listener can reconnect yet
        postgres.execute(LISTENERS.format(name))
        assert b.wait_for_log("lost the event feed", timeout=30)
        assert api(a, "POST", "/models", json={"name": "while-b-was-deaf"}).status_code == 201  # a pooled connection
        time.sleep(2.0)
        assert [e for e in feed.events if e.get("name") == "while-b-was-deaf"] == []  # no NOTIFY reached B
        postgres.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert feed.wait_for(1, timeout=20), b.log()[-3000:]  # B reconnected, read the newest seq, woke its poll
    finally:
        postgres.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        feed.stop()
    assert [e["name"] for e in feed.events if e["kind"] == "model.created"] == ["while-b-was-deaf"]
    assert "listening to" in b.log() and "again" in b.log()


def test_kill_9_of_one_server_under_load_loses_nothing_it_acknowledged(
        team: tuple[str, JupyterServer, JupyterServer], tmp_path: Path) -> None:
    _, a, b = team
    with ModelBox(url=a.url, token=a.token) as mb:
        mb.new_model("shared")
    on_a = start_clients(a, count=2, operations=1_000_000, seed=7)
    on_b = start_clients(b, count=2, operations=40, seed=8)
    lines: list[list[str]] = [[] for _ in on_a]
    readers = [threading.Thread(target=lambda c=c, out=out: out.extend(c.stdout), daemon=True)
               for c, out in zip(on_a, lines, strict=True)]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 120
    while sum(map(len, lines)) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    a.kill()  # SIGKILL mid-write: no shutdown hooks; its open transactions die with their connections
    for client, reader in zip(on_a, readers, strict=True):
        client.wait(timeout=120)
        reader.join(timeout=30)
    outputs = ["".join(out) for out in lines]
    assert all("stopped" in output for output in outputs)  # A's clients saw A go away
    b_outputs = [client.communicate(timeout=300)[0] for client in on_b]
    assert all(client.returncode == 0 for client in on_b) and not any("stopped" in o for o in b_outputs), b_outputs
    acks = acknowledged(outputs + b_outputs)
    assert len(acks["version"]) + len(acks["metadata"]) > 20
    with ModelBox(url=b.url, token=b.token) as mb:  # the survivor serves everything acknowledged by either
        verify(mb, acks, tmp_path)

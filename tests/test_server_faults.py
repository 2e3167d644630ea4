"""Many clients at once, and the server killed with -9 under them: nothing acknowledged is lost
(artifact bytes in a folder, and once with them in S3: a real SeaweedFS)."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

from jupyter_modelbox import ModelBox

from .conftest import s3_prefix_url
from .helpers.jupyter import JupyterServer

CLIENT = Path(__file__).parent / "helpers" / "busy_client.py"
ACK_KINDS = {"version", "metadata", "metric", "artifact", "tag"}


def start_clients(server: JupyterServer, count: int, operations: int, seed: int) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen([sys.executable, str(CLIENT), server.url, server.token, f"s{seed}c{n}", str(operations),
                          str(seed * 100 + n)], stdout=subprocess.PIPE, text=True)
        for n in range(count)
    ]


def kill_during_writes(workdir: Path, root: Path, clients: int, seed: int, writes: int,
                       blob_url: str | None = None) -> list[str]:
    """Run clients against a server on ``root`` until about ``writes`` acknowledgements, then kill -9 it."""
    server = JupyterServer(workdir, root=root, blob_url=blob_url).start()
    running = start_clients(server, count=clients, operations=1_000_000, seed=seed)
    lines: list[list[str]] = [[] for _ in running]
    readers = [threading.Thread(target=lambda c=c, out=out: out.extend(c.stdout), daemon=True)
               for c, out in zip(running, lines, strict=True)]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 90
    while sum(map(len, lines)) < writes and time.monotonic() < deadline:
        time.sleep(0.02)
    server.kill()  # SIGKILL: no shutdown hooks, no flush, no compaction
    for client, reader in zip(running, readers, strict=True):
        client.wait(timeout=120)
        reader.join(timeout=30)
    return ["".join(out) for out in lines]


def acknowledged(outputs: list[str]) -> dict[str, list[list[str]]]:
    found: dict[str, list[list[str]]] = defaultdict(list)
    for output in outputs:
        for line in output.splitlines():
            kind, *rest = line.split()
            if kind in ACK_KINDS:
                found[kind].append(rest)
    return found


def verify(mb: ModelBox, acks: dict[str, list[list[str]]], tmp_path: Path) -> None:
    model = mb.get_model("shared")
    versions = {v.id: v for v in model.get_versions()}
    for number, version_id in acks["version"]:
        assert versions[version_id].number == int(number)
    numbers = sorted(v.number for v in versions.values())
    assert numbers == list(range(1, len(numbers) + 1))  # unique and gap-free (nothing was deleted)
    assert {key for (key,) in acks["metadata"]} <= set(model.metadata)
    logged = model.metrics()
    points = {(str(k).removeprefix("loss-"), int(v)) for k, v in zip(logged["key"], logged["value"], strict=True)}
    assert {(client, int(i)) for client, i in acks["metric"]} <= points
    artifacts = {(a.path, a.checksum): a for a in model.artifacts()}
    assert {(p, c) for p, c in acks["artifact"]} <= set(artifacts)
    for artifact in artifacts.values():  # no record without its bytes
        artifact.download(tmp_path / "check.bin")
    assert sum("production" in v.tags for v in versions.values()) <= 1
    # a crash between storing bytes and recording them leaves an unreferenced blob: reported as info only
    problems = [f for f in mb.check() if f["level"] != "info"]
    assert problems == []


def test_concurrent_clients_lose_no_update(jupyter_server: JupyterServer, tmp_path: Path) -> None:
    jupyter_server.reset(tmp_path / "registry")
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as mb:
        mb.new_model("shared")
    clients = start_clients(jupyter_server, count=4, operations=40, seed=1)
    outputs = [client.communicate(timeout=300)[0] for client in clients]
    assert all(client.returncode == 0 for client in clients)
    assert not any("stopped" in output for output in outputs), outputs
    acks = acknowledged(outputs)
    assert len(acks["metadata"]) + len(acks["version"]) + len(acks["metric"]) > 60
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as mb:
        verify(mb, acks, tmp_path)
        assert len(mb.get_model("shared").metadata) == len(acks["metadata"])  # every merge landed


@pytest.mark.parametrize(("seed", "blobs"), [(0, "folder"), (1, "folder"), (2, "folder"), (3, "s3")])
def test_server_killed_mid_stream_loses_nothing_acknowledged(
        tmp_path: Path, seed: int, blobs: str, request: pytest.FixtureRequest) -> None:
    rng = random.Random(seed)
    root = tmp_path / "registry"
    blob_url = None
    if blobs == "s3":
        request.getfixturevalue("seaweedfs")  # the servers' AWS chain and endpoint point at it
        blob_url = s3_prefix_url()
    outputs: list[str] = []
    for round_ in range(2):
        outputs += kill_during_writes(tmp_path / f"round{round_}", root, 2, seed * 10 + round_, rng.randint(10, 60),
                                      blob_url)
    acks = acknowledged(outputs)
    assert acks["version"] and acks["metadata"]
    if blobs == "s3":
        assert acks["artifact"]  # bytes went to the store before a kill
    with JupyterServer(tmp_path / "after", root=root, blob_url=blob_url) as server, \
            ModelBox(url=server.url, token=server.token) as mb:
        verify(mb, acks, tmp_path)

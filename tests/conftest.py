"""Fixtures shared by the test suite.

``mb`` is the user-facing ``ModelBox`` over each transport; every test of the Python API takes
it, so the same assertions run in-process and over HTTP, and, for the tests (or modules) marked
``@pytest.mark.transports(*ALL_TRANSPORTS)``, over gRPC too. Each transport runs twice: on a
registry folder, and (``-pg``) on PostgreSQL, a throwaway cluster started once per session with
each test on an emptied database. Tests marked ``@pytest.mark.blobs`` (the artifact suites) run a
third time (``-s3``): the registry folder with its artifact bytes in a real SeaweedFS, each test
under a prefix of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_modelbox import ModelBox

from .helpers.jupyter import JupyterServer, free_port
from .helpers.postgres import PostgresCluster
from .helpers.seaweedfs import SeaweedFS, credentials_env

TRANSPORTS = ("local", "http")  # what the mb fixture runs on unless a test is marked
ALL_TRANSPORTS = (*TRANSPORTS, "grpc")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "transports(*names): the transports the mb fixture runs the test on "
                                       "(default: local, http)")
    config.addinivalue_line("markers", "blobs: an artifact test the mb fixture also runs with bytes in S3 (-s3)")


# The longest tests, started first: under pytest-xdist (./dev.sh test runs two workers) the first tests go
# to the workers one each, so these run beside the rest of the suite instead of being the last one running
FIRST = ("tests/browser/test_packaging.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in FIRST)  # stable: the rest keep their order


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "mb" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("transports")
        transports = marker.args if marker else TRANSPORTS
        s3 = [f"{t}-s3" for t in transports] if metafunc.definition.get_closest_marker("blobs") else []
        metafunc.parametrize("mb", [*transports, *(f"{t}-pg" for t in transports), *s3], indirect=True)


S3_BUCKET = "modelbox-tests"


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """A real SeaweedFS (S3 gateway on 127.0.0.1) for the session, with the bucket ``S3_BUCKET``; the AWS
    chain of this process and of the servers it starts points at it. Stopped by its PID at the end."""
    store = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    store.create_bucket(S3_BUCKET)
    patch = pytest.MonkeyPatch()
    for name, value in credentials_env(store.folder).items():
        patch.setenv(name, value)
    patch.setenv("MODELBOX_S3_ENDPOINT_URL", store.endpoint_url)
    patch.setenv("MODELBOX_S3_ADDRESSING_STYLE", "path")
    yield store
    patch.undo()
    store.remove()


def s3_prefix_url() -> str:
    """A blob_url of its own in the session's bucket (a fresh, empty place for one test's bytes)."""
    return f"s3://{S3_BUCKET}/{uuid.uuid4().hex[:12]}"


def s3_server(tmp_path_factory: pytest.TempPathFactory, *extra: str) -> JupyterServer:
    roots = (f"--ModelboxApp.tracked_download_roots={tmp_path_factory.getbasetemp()}",
             f"--ModelboxApp.tracked_download_roots=s3://{S3_BUCKET}/tracked")
    return JupyterServer(tmp_path_factory.mktemp("jupyter-s3"), extra_args=(*roots, *extra),
                         blob_url=s3_prefix_url()).start()


@pytest.fixture(scope="session")
def jupyter_server_s3(tmp_path_factory: pytest.TempPathFactory, seaweedfs: SeaweedFS) -> Iterator[JupyterServer]:
    """A real Jupyter server whose artifact bytes are in SeaweedFS (each test gets a fresh prefix)."""
    server = s3_server(tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def grpc_server_s3(tmp_path_factory: pytest.TempPathFactory, seaweedfs: SeaweedFS
                   ) -> Iterator[tuple[JupyterServer, str]]:
    pytest.importorskip("grpc", reason="needs the grpc extra: pip install 'jupyter_modelbox[grpc]'")
    port = free_port()
    server = s3_server(tmp_path_factory, f"--ModelboxApp.grpc_port={port}")
    yield server, f"127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster in a temporary folder for the whole session, stopped by its PID at the end."""
    cluster = PostgresCluster().start()
    yield cluster
    cluster.remove()


@pytest.fixture(scope="session")
def pg_databases(postgres: PostgresCluster) -> Iterator[dict[str, str]]:
    """One database per kind of user (in-process, each server), created on first use: name -> URL."""
    yield _LazyDatabases(postgres)


class _LazyDatabases(dict):
    def __init__(self, cluster: PostgresCluster) -> None:
        super().__init__()
        self.cluster = cluster

    def __missing__(self, name: str) -> str:
        self[name] = self.cluster.create_database(name)
        return self[name]


def pg_server(tmp_path_factory: pytest.TempPathFactory, url: str, *extra: str) -> JupyterServer:
    roots = f"--ModelboxApp.tracked_download_roots={tmp_path_factory.getbasetemp()}"
    return JupyterServer(tmp_path_factory.mktemp("jupyter-pg"), extra_args=(roots, *extra), database_url=url).start()


@pytest.fixture(scope="session")
def jupyter_server_pg(tmp_path_factory: pytest.TempPathFactory, pg_databases: dict[str, str]
                      ) -> Iterator[JupyterServer]:
    """A real Jupyter server whose registry is on PostgreSQL (each test empties the database)."""
    server = pg_server(tmp_path_factory, pg_databases["mb_http"])
    yield server
    server.stop()


@pytest.fixture(scope="session")
def grpc_server_pg(tmp_path_factory: pytest.TempPathFactory, pg_databases: dict[str, str]
                   ) -> Iterator[tuple[JupyterServer, str]]:
    """The gRPC service of a server whose registry is on PostgreSQL, and its target."""
    pytest.importorskip("grpc", reason="needs the grpc extra: pip install 'jupyter_modelbox[grpc]'")
    port = free_port()
    server = pg_server(tmp_path_factory, pg_databases["mb_grpc"], f"--ModelboxApp.grpc_port={port}")
    yield server, f"127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """One real Jupyter server with the extension for the session (each test resets its registry)."""
    # tests track files in their tmp_path: let the server read them back (the default is its root_dir)
    roots = f"--ModelboxApp.tracked_download_roots={tmp_path_factory.getbasetemp()}"
    server = JupyterServer(tmp_path_factory.mktemp("jupyter"), extra_args=(roots,)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def grpc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[JupyterServer, str]]:
    """A real Jupyter server serving the gRPC ModelStore too (needs the grpc extra), and its target."""
    pytest.importorskip("grpc", reason="needs the grpc extra: pip install 'jupyter_modelbox[grpc]'")
    port = free_port()
    # the API suites track files in their tmp_path: let the server read them back
    roots = f"--ModelboxApp.tracked_download_roots={tmp_path_factory.getbasetemp()}"
    server = JupyterServer(tmp_path_factory.mktemp("grpc"), extra_args=(f"--ModelboxApp.grpc_port={port}", roots))
    server.start()
    yield server, f"127.0.0.1:{port}"
    server.stop()
    assert "gRPC ModelStore on 127.0.0.1" in server.log()


@pytest.fixture
def mb(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ModelBox]:
    """The Python API in-process (``local``), through a real Jupyter server's REST API (``http``) or
    its gRPC service (``grpc``); parametrized by ``pytest_generate_tests`` above. ``-pg``: the same on
    PostgreSQL, artifact bytes in ``tmp_path/registry/blobs``; ``-s3``: a folder, bytes in SeaweedFS."""
    transport, _, backend = request.param.partition("-")
    pg = f"_{backend}" if backend else ""
    if transport == "local" and backend == "s3":
        request.getfixturevalue("seaweedfs")
        box = ModelBox(root=tmp_path / "registry", blob_url=s3_prefix_url())
    elif transport == "local" and pg:
        url = request.getfixturevalue("pg_databases")["mb_local"]
        request.getfixturevalue("postgres").reset("mb_local")
        box = ModelBox(database_url=url, blob_root=tmp_path / "registry" / "blobs")
    elif transport == "local":
        box = ModelBox(root=tmp_path / "registry")
    elif transport == "http":
        server: JupyterServer = request.getfixturevalue(f"jupyter_server{pg}")
        server.reset(tmp_path / "registry")
        box = ModelBox(url=server.url, token=server.token)
    else:
        server, target = request.getfixturevalue(f"grpc_server{pg}")
        server.reset(tmp_path / "registry")
        box = ModelBox(grpc=target, token=server.token)
    yield box
    box.close()


@pytest.fixture
def count_calls(mb: ModelBox, monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """``count_calls(*names)``: the list, growing from then on, of ``mb``'s calls to its transport's
    methods of those names (each still runs): what one user operation costs in registry calls."""
    def count(*names: str) -> list[str]:
        calls: list[str] = []
        for name in names:
            monkeypatch.setattr(mb._transport, name, _counting(getattr(mb._transport, name), name, calls))
        return calls

    return count


def _counting(method: Callable[..., Any], name: str, calls: list[str]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return method(*args, **kwargs)

    return counted


@pytest.fixture
def registry_root(mb: ModelBox, tmp_path: Path) -> Path:
    """The folder of ``mb``'s registry (for tests that damage its files on purpose)."""
    return tmp_path / "registry"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A few small files of different kinds."""
    folder = tmp_path / "files"
    folder.mkdir()
    made = {
        "weights": folder / "weights.pt",
        "notes": folder / "notes.txt",
        "plot": folder / "loss.png",
    }
    made["weights"].write_bytes(bytes(range(256)) * 64)
    made["notes"].write_text("trained for 3 epochs\n")
    made["plot"].write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    return made

"""Fixtures shared by the test suite.

``mb`` is the user-facing ``ModelBox`` over each transport; every test of the Python API takes
it, so the same assertions run in-process and (once the server exists) over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_modelbox import ModelBox

from .helpers.jupyter import JupyterServer

TRANSPORTS = ["local", "http"]


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """One real Jupyter server with the extension for the session (each test resets its registry)."""
    # tests track files in their tmp_path: let the server read them back (the default is its root_dir)
    roots = f"--ModelboxApp.tracked_download_roots={tmp_path_factory.getbasetemp()}"
    server = JupyterServer(tmp_path_factory.mktemp("jupyter"), extra_args=(roots,)).start()
    yield server
    server.stop()


@pytest.fixture(params=TRANSPORTS)
def mb(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ModelBox]:
    """The Python API in-process (``local``) and through a real Jupyter server (``http``)."""
    if request.param == "local":
        box = ModelBox(root=tmp_path / "registry")
    else:
        server: JupyterServer = request.getfixturevalue("jupyter_server")
        server.reset(tmp_path / "registry")
        box = ModelBox(url=server.url, token=server.token)
    yield box
    box.close()


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

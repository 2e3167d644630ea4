"""``ModelBox()`` finds its registry: $MODELBOX_URL, the kernel's own server, $MODELBOX_ROOT, the default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .helpers.jupyter import JupyterServer

PROBE = "from jupyter_modelbox import ModelBox; mb = ModelBox(); print(repr(mb)); print(mb.namespaces())"


def choose(tmp_path: Path, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("MODELBOX_URL", "MODELBOX_TOKEN", "MODELBOX_ROOT", "JPY_PARENT_PID")}
    clean["JUPYTER_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120,
                            env={**clean, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[0]


def test_default_and_root(tmp_path: Path) -> None:
    assert choose(tmp_path) == f"ModelBox(local registry {tmp_path / 'data' / 'modelbox'})"
    assert choose(tmp_path, MODELBOX_ROOT=str(tmp_path / "r")) == f"ModelBox(local registry {tmp_path / 'r'})"


def test_the_kernels_server_wins_over_root(jupyter_server: JupyterServer, tmp_path: Path) -> None:
    assert jupyter_server.process is not None
    env = {"JPY_PARENT_PID": str(jupyter_server.process.pid), "MODELBOX_ROOT": str(tmp_path / "r"),
           "JUPYTER_RUNTIME_DIR": str(jupyter_server.workdir / "runtime")}
    assert choose(tmp_path, **env) == f"ModelBox(Jupyter server {jupyter_server.url})"


def test_url_wins_over_everything(jupyter_server: JupyterServer, tmp_path: Path) -> None:
    env = {"MODELBOX_URL": jupyter_server.url, "MODELBOX_TOKEN": jupyter_server.token,
           "MODELBOX_ROOT": str(tmp_path / "r")}
    assert choose(tmp_path, **env) == f"ModelBox(Jupyter server {jupyter_server.url})"


def test_a_stopped_server_is_skipped(tmp_path: Path) -> None:
    with JupyterServer(tmp_path / "plain") as plain:
        plain.stop()  # its runtime file is gone with it: fall back to the folder
        assert plain.process is not None
        env = {"JPY_PARENT_PID": str(plain.process.pid), "JUPYTER_RUNTIME_DIR": str(plain.workdir / "runtime"),
               "MODELBOX_ROOT": str(tmp_path / "r")}
        assert choose(tmp_path, **env) == f"ModelBox(local registry {tmp_path / 'r'})"

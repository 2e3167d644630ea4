"""Start a real Jupyter server (a subprocess on loopback) with the modelbox extension, for tests."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

# only what the tests need: jupyterlab, lsp and terminals add seconds to every start
EXTENSIONS = {"jupyter_modelbox": True, "helpers.registry_reset": True, "jupyterlab": False, "jupyter_lsp": False,
              "jupyter_server_terminals": False, "notebook_shim": False, "notebook": False}
TESTS = Path(__file__).parent.parent


# JupyterLab user settings every test lab starts from: no "get notified about official Jupyter news?" toast
# (it covers the bottom right of the page and takes the focus from what a test types or clicks)
LAB_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"}}


def write_lab_settings(folder: Path) -> None:
    """Make ``folder`` (a ``LabApp.user_settings_dir``) hold exactly the test labs' settings, ``LAB_SETTINGS``:
    whatever a test changed there (a sidebar switched side, a theme) is gone."""
    if folder.exists():
        shutil.rmtree(folder)
    for name, values in LAB_SETTINGS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(values))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterServer:
    """``jupyter server`` on 127.0.0.1 with a fresh token, owning the registry in ``root``."""

    def __init__(self, workdir: Path, root: Path | None = None, extra_args: tuple[str, ...] = (),
                 env: dict[str, str] | None = None, lab: bool = False, python: str = sys.executable,
                 database_url: str | None = None, blob_url: str | None = None) -> None:
        self.workdir = workdir
        self.root = root or workdir / "registry"
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = workdir / f"jupyter-{self.port}.log"
        self.extra_args = extra_args
        self.env = env or {}
        self.extensions = {**EXTENSIONS, "jupyterlab": lab}
        self.lab_settings = workdir / "lab-settings" if lab else None  # its LabApp.user_settings_dir
        self.python = python
        self.database_url = database_url  # the registry's database (else the folder ``root``)
        self.blob_url = blob_url  # where its artifact bytes are (else a folder), s3://bucket/prefix
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        """Start the process without waiting for it."""
        (self.workdir / "notebooks").mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(self.workdir / "runtime"), **self.env}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
        env.pop("MODELBOX_URL", None)
        args = [
            self.python, "-m", "jupyter_server", "--no-browser", f"--port={self.port}", "--ip=127.0.0.1",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.workdir / 'notebooks'}", f"--ModelboxApp.root={self.root}",
            *([f"--ModelboxApp.database_url={self.database_url}", f"--ModelboxApp.blob_root={self.root / 'blobs'}"]
              if self.database_url else []),
            *([f"--ModelboxApp.blob_url={self.blob_url}"] if self.blob_url else []),
            f"--ServerApp.jpserver_extensions={self.extensions}",
            *([f"--LabApp.user_settings_dir={self.lab_settings}"] if self.lab_settings else []), *self.extra_args,
        ]
        if self.lab_settings:
            write_lab_settings(self.lab_settings)
        if os.geteuid() == 0:
            args.append("--allow-root")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)

    def start(self, timeout: float = 60.0) -> JupyterServer:
        """Start the process and wait until it serves the modelbox API."""
        self.launch()
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                answer = requests.get(self.url + "modelbox/api/info", timeout=2,
                                      headers={"Authorization": f"token {self.token}"})
                if answer.status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still starting
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"jupyter server did not start in {timeout} s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(20)

    def reset(self, root: Path) -> None:
        """Serve a fresh registry in ``root`` (see helpers/registry_reset.py); a server on a database
        empties it and keeps artifact bytes in ``root/blobs``."""
        body: dict[str, str] = {"root": str(root)}
        if self.database_url:
            body = {"database_url": self.database_url, "blob_root": str(root / "blobs")}
        if self.blob_url:  # the bytes under a fresh prefix of the same bucket
            body["blob_url"] = f"{self.blob_url.rsplit('/', 1)[0]}/{secrets.token_hex(6)}"
        answer = requests.post(self.url + "modelbox-test/reset", json=body, timeout=30,
                               headers={"Authorization": f"token {self.token}"})
        answer.raise_for_status()

    def reset_lab_settings(self) -> None:
        """Back to the settings the lab started with (``LAB_SETTINGS``); the server reads them from disk on each
        request, so the next page loaded sees only these."""
        assert self.lab_settings is not None, "not a JupyterLab server"
        write_lab_settings(self.lab_settings)

    def wait_for_log(self, text: str, timeout: float = 60.0) -> bool:
        """Whether ``text`` shows up in the log within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            time.sleep(0.1)
        return False

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def __enter__(self) -> JupyterServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

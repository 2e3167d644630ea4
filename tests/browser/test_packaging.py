"""A wheel built from a clean checkout installs into a fresh venv with no node, and JupyterLab loads the panel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Browser

from ..helpers.jupyter import JupyterServer
from .conftest import open_lab

REPO = Path(__file__).resolve().parent.parent.parent


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: int = 900) -> str:
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_wheel_installs_without_node_and_the_panel_loads(tmp_path: Path, browser: Browser) -> None:
    clone = tmp_path / "clone"
    run("git", "clone", "-q", str(REPO), str(clone))  # what is committed, nothing built
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(clone))
    [wheel] = (tmp_path / "dist").glob("jupyter_modelbox-*.whl")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", str(venv))
    no_node = {**{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_PATH")},
               "PATH": str(venv / "bin"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
               "JUPYTER_DATA_DIR": str(tmp_path / "data"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    assert shutil.which("node", path=no_node["PATH"]) is None and shutil.which("npm", path=no_node["PATH"]) is None
    run(str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"{wheel}[lab]", env=no_node)

    labextensions = run(str(venv / "bin" / "jupyter"), "labextension", "list", env=no_node)
    assert "jupyter-modelbox v0.1.0" in labextensions and "enabled" in labextensions and "OK" in labextensions
    assert "(python, jupyter_modelbox)" in labextensions
    server_extensions = run(str(venv / "bin" / "jupyter"), "server", "extension", "list", env=no_node)
    assert "jupyter_modelbox" in server_extensions and "OK" in server_extensions

    server = JupyterServer(tmp_path / "lab", lab=True, python=str(venv / "bin" / "python"),
                           env={**no_node, "PYTHONPATH": ""}).start(timeout=180)
    try:
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        page = context.new_page()
        open_lab(page, server)
        page.locator(".jp-SideBar [data-id='jp-modelbox-panel']").click()
        page.locator("#jp-modelbox-panel").get_by_text("No models registered yet.").wait_for(timeout=30_000)
        context.close()
    finally:
        server.stop()

"""A wheel built from a clean checkout installs into a fresh venv with no node: JupyterLab loads the panel, and the
notebook drop zone's bundled module uploads a dropped file even with the labextension disabled."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from playwright.sync_api import Browser

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import drop_from_desktop, open_lab, run_notebook

REPO = Path(__file__).resolve().parent.parent.parent


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: int = 900) -> str:
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


# npm ci, two builds, a wheel and a fresh venv: minutes of honest work, more on a loaded machine
@pytest.mark.timeout(900)
def test_wheel_installs_without_node_and_the_panel_loads(tmp_path: Path, browser: Browser) -> None:
    clone = tmp_path / "clone"
    run("git", "clone", "-q", str(REPO), str(clone))  # what is committed, nothing built
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(clone))
    [wheel] = (tmp_path / "dist").glob("jupyter_modelbox-*.whl")
    shipped = zipfile.ZipFile(wheel).namelist()
    assert "jupyter_modelbox/widgets/static/drop_zone.js" in shipped  # built by the wheel build, git-ignored
    assert "jupyter_modelbox/widgets/drop_zone.js" not in shipped

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

    # where no labextension runs (Notebook 7, VS Code) the drop zone must still work: it loads nothing from the
    # lab bundle, so with the labextension disabled it still uploads what is dropped on it
    run(str(venv / "bin" / "jupyter"), "labextension", "disable", "jupyter-modelbox", env=no_node)
    server = JupyterServer(tmp_path / "lab", lab=True, python=str(venv / "bin" / "python"),
                           env={**no_node, "PYTHONPATH": ""}).start(timeout=180)
    try:
        with ModelBox(url=server.url, token=server.token) as mb:
            mb.new_model("from-the-wheel").new_model_version()
        cells = ["from jupyter_modelbox import ModelBox\nfrom jupyter_modelbox.widgets import ArtifactDropZone\n"
                 f"mb = ModelBox(url={server.url!r}, token={server.token!r})",
                 "ArtifactDropZone(mb.get_model('from-the-wheel').get_version())"]
        kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells], metadata={"kernelspec": kernel}),
                       server.workdir / "notebooks" / "drop.ipynb")
        (tmp_path / "weights.bin").write_bytes(os.urandom(100_000))
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        run_notebook(page, server, "drop.ipynb", len(cells))
        assert page.locator(".jp-SideBar [data-id='jp-modelbox-panel']").count() == 0  # no labextension
        zone = page.locator(".modelbox-drop-zone")
        zone.wait_for(timeout=60_000)
        drop_from_desktop(page, zone, [tmp_path / "weights.bin"])
        checksum = hashlib.sha256((tmp_path / "weights.bin").read_bytes()).hexdigest()
        page.get_by_text(checksum).wait_for(timeout=60_000)  # the artifact list, refreshed by the kernel
        context.close()
        with ModelBox(url=server.url, token=server.token) as mb:
            stored = mb.get_model("from-the-wheel").get_version().artifacts()
        assert [(a.path, a.checksum) for a in stored] == [("weights.bin", checksum)]
        assert errors == []
    finally:
        server.stop()

"""The example notebooks run top to bottom without an error, twice in a row (re-running must work),
in a kernel whose ``ModelBox()`` finds a real Jupyter server with the extension."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from jupyter_modelbox import ModelBox

from .helpers.jupyter import JupyterServer

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_every_notebook_is_tested_and_stored_without_outputs() -> None:
    assert {p.name for p in NOTEBOOKS} >= {"quickstart.ipynb", "training_loop.ipynb", "compare_versions.ipynb"}
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       jupyter_server: JupyterServer) -> None:
    jupyter_server.reset(tmp_path / "registry")
    monkeypatch.setenv("MODELBOX_URL", jupyter_server.url)
    monkeypatch.setenv("MODELBOX_TOKEN", jupyter_server.token)
    monkeypatch.delenv("MODELBOX_ROOT", raising=False)
    for _ in range(2):
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                       ).execute()
        errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert errors == []
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as box:
        assert box.get_models(), "the notebook's kernel did not write to the server's registry"

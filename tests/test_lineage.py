"""Lineage: what a notebook kernel records when it creates versions and checkpoints, and what it never records.

The notebooks run in real kernels (nbclient) against a real Jupyter server; the records are read
back through the REST API. Every planted secret must be absent from what was stored.
"""

from __future__ import annotations

import json
import os
import platform
import pwd
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import numpy
import pytest
import requests
from nbclient import NotebookClient

from jupyter_modelbox import ModelBox
from jupyter_modelbox.cli import main
from jupyter_modelbox.client import lineage
from jupyter_modelbox.client.lineage import REDACTED, redact

from .helpers.jupyter import JupyterServer, free_port

ENV_SECRET = "planted-env-secret-9f8e7d6c"
PLAIN_ENV_VALUE = "plain-env-value-4242-not-for-lineage"
API_KEY = "sk-liveplanted0123456789abcdefXYZ"
URL_PASSWORD = "hunter2pass"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def run_notebook(path: Path, cells: list[str]) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    nbformat.write(notebook, path)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    return notebook


@pytest.fixture
def kernel_env(jupyter_server: JupyterServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> JupyterServer:
    """What a kernel started by that server for a notebook sees, plus planted secrets."""
    jupyter_server.reset(tmp_path / "registry")
    monkeypatch.setenv("MODELBOX_URL", jupyter_server.url)
    monkeypatch.setenv("MODELBOX_TOKEN", jupyter_server.token)
    monkeypatch.setenv("MY_SERVICE_API_KEY", ENV_SECRET)
    monkeypatch.setenv("SOME_PLAIN_SETTING", PLAIN_ENV_VALUE)
    monkeypatch.delenv("MODELBOX_ROOT", raising=False)
    monkeypatch.delenv("MODELBOX_LINEAGE", raising=False)
    return jupyter_server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository with one commit, then a change to a tracked file (so it is dirty)."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "train.py").write_text("EPOCHS = 1\n")
    git(repo, "add", "train.py")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first")
    (repo / "train.py").write_text("EPOCHS = 2\n")
    return repo


def test_a_notebook_kernel_records_lineage_without_secrets(kernel_env: JupyterServer, project: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    notebook = project / "experiments" / "train.ipynb"
    notebook.parent.mkdir()
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))  # what jupyter_server gives a notebook's kernel
    cells = [
        "import os\nfrom pathlib import Path\nfrom jupyter_modelbox import ModelBox\nmb = ModelBox()",
        f'api_key = "{API_KEY}"\nservice_key = os.environ["MY_SERVICE_API_KEY"]\n'
        f'copy = "{ENV_SECRET}"\nserver_token = "{kernel_env.token}"\n'
        f'remote = "https://alice:{URL_PASSWORD}@example.com/repo.git"\ntokenizer = "bert-base-uncased"',
        'model = mb.new_model("lineage")\nv1 = model.new_model_version(metadata={"lr": 0.1})',
        'Path("weights.bin").write_bytes(b"w" * 100)\nckpt = mb.new_checkpoint(["weights.bin"])\n'
        "v2 = model.register_version(ckpt.uuid)",
        'quiet = ModelBox(lineage=False)\nv3 = quiet.get_model("lineage").new_model_version()',
    ]
    run_notebook(notebook, cells)

    with ModelBox(url=kernel_env.url, token=kernel_env.token) as box:
        model = box.get_model("lineage")
        v1, v2, v3 = (model.get_version(n) for n in (1, 2, 3))
        lineage = v1.lineage
        assert lineage is not None and v3.lineage is None  # ModelBox(lineage=False) records nothing
        assert v2.lineage is not None and v2.checkpoint.lineage is not None
        stored = json.dumps([v1.lineage, v2.lineage, v2.checkpoint.lineage])

        assert lineage["notebook"] == {"path": str(notebook), "name": "train.ipynb", "source": "JPY_SESSION_NAME"}
        recorded = lineage["cells"]
        assert recorded["count"] == 3 and recorded["recorded"] == 3 and not recorded["truncated"]
        assert [c["execution_count"] for c in recorded["sources"]] == [1, 2, 3]
        assert recorded["sources"][0]["source"] == cells[0] and recorded["sources"][2]["source"] == cells[2]
        assert re.fullmatch(r"[0-9a-f]{64}", recorded["sha256"])
        assert v2.lineage["cells"]["count"] == 4 and v2.lineage["cells"]["sha256"] != recorded["sha256"]

        assert lineage["python"]["version"] == platform.python_version()
        assert lineage["packages"]["numpy"] == numpy.__version__
        assert any(name.replace("-", "_") == "jupyter_modelbox" for name in lineage["packages"])
        assert lineage["packages_total"] >= len(lineage["packages"]) > 10
        assert lineage["git"] == {"commit": git(project, "rev-parse", "HEAD"), "dirty": True, "branch": "main",
                                  "root": str(project.resolve()), "remote": None}
        assert lineage["host"]["hostname"] == socket.gethostname()
        assert lineage["host"]["user"] == pwd.getpwuid(os.getuid()).pw_name

        for secret in (API_KEY, ENV_SECRET, kernel_env.token, URL_PASSWORD, PLAIN_ENV_VALUE):
            assert secret not in stored
        secret_cell = recorded["sources"][1]["source"]
        assert secret_cell.count(REDACTED) == 4 and 'os.environ["MY_SERVICE_API_KEY"]' in secret_cell
        assert 'tokenizer = "bert-base-uncased"' in secret_cell  # names merely containing a word are kept

        description = describe(kernel_env, capsys, "lineage", "--version", "1")
        assert "Lineage of version lineage:1" in description and str(notebook) in description
        assert git(project, "rev-parse", "HEAD")[:10] + " (dirty) on main" in description
        assert "3 cells executed" in description and "v1 = model.new_model_version" in description
        second = describe(kernel_env, capsys, "lineage", "--version", "2")
        assert re.search(rf"lineage:\s+{re.escape(str(notebook))} · 4 cells executed", second)
        assert second.count("Lineage of") == 1  # the checkpoint made in the same run adds nothing

        from jupyter_modelbox.widgets.browser import lineage_html

        shown = lineage_html(v1)
        assert "train.ipynb" in shown and "3 recorded cells" in shown and ENV_SECRET not in shown
        assert "not recorded" in lineage_html(v3)


def describe(server: JupyterServer, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["--url", server.url, "--token", server.token, "describe", *args]) == 0
    return capsys.readouterr().out


def test_lineage_can_be_turned_off_by_environment(kernel_env: JupyterServer, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = tmp_path / "outside-git" / "quiet.ipynb"
    notebook.parent.mkdir()
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    monkeypatch.setenv("MODELBOX_LINEAGE", "0")
    run_notebook(notebook, ['from jupyter_modelbox import ModelBox\nmb = ModelBox()\n'
                            'mb.new_model("quiet").new_model_version()\n'
                            'loud = ModelBox(lineage=True)\nloud.get_model("quiet").new_model_version()'])
    monkeypatch.delenv("MODELBOX_LINEAGE")
    with ModelBox(url=kernel_env.url, token=kernel_env.token) as box:
        model = box.get_model("quiet")
        assert model.get_version(1).lineage is None
        loud = model.get_version(2).lineage  # an explicit lineage=True wins over the environment
        assert loud is not None and loud["notebook"]["path"] == str(notebook)
        assert loud["git"] is None or loud["git"]["root"] != str(tmp_path)  # no repository here


def test_scripts_record_no_lineage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lineage, "_shell", lambda: None)  # other tests may have left an IPython shell behind
    with ModelBox(root=tmp_path / "registry") as box:
        assert box.new_model("script").new_model_version().lineage is None


@pytest.mark.parametrize(("text", "kept"), [
    ('password = "correct horse"', 'password = "[REDACTED]"'),
    ("{'hf_token': 'abc123456'}", "{'hf_token': '[REDACTED]'}"),
    ('os.environ.setdefault("WANDB_API_KEY", "0123456789")', 'os.environ.setdefault("WANDB_API_KEY", "[REDACTED]")'),
    ("headers = {'Authorization': 'Bearer abcdef123456'}", "headers = {'Authorization': 'Bearer [REDACTED]'}"),
    ("url = 'http://h:8888/lab?token=0123abcd&x=1'", "url = 'http://h:8888/lab?token=[REDACTED]&x=1'"),
    ("aws = AKIAABCDEFGHIJKLMNOP", "aws = [REDACTED]"),
    ("gh = ghp_" + "a" * 36, "gh = [REDACTED]"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "[REDACTED]"),
    ('author = "Ada"\ntokens = tokenize(text)', 'author = "Ada"\ntokens = tokenize(text)'),
])
def test_redaction_rules(text: str, kept: str) -> None:
    assert redact(text) == kept


def test_grpc_carries_lineage(tmp_path: Path) -> None:
    pytest.importorskip("grpc", reason="needs the grpc extra")
    port = free_port()
    server = JupyterServer(tmp_path / "grpc", extra_args=(f"--ModelboxApp.grpc_port={port}",)).start()
    record: dict[str, Any] = {"notebook": {"path": "/n.ipynb"}, "cells": {"count": 2, "sources": []}}
    try:
        with ModelBox(grpc=f"127.0.0.1:{port}", token=server.token) as box:
            model = box.new_model("over-grpc")
            checkpoint = box._transport.create_checkpoint([], lineage=record)
            version = model.register_version(checkpoint["uuid"], lineage=record)
            plain = model.new_model_version()
            assert version.lineage == record and box.get_checkpoint(checkpoint["uuid"]).lineage == record
            assert plain.lineage is None
            assert model.get_version(1).lineage == record  # read back, not just echoed
        with ModelBox(url=server.url, token=server.token) as rest:
            assert rest.get_model("over-grpc").get_version(1).lineage == record
    finally:
        server.stop()


def test_a_kernel_on_a_server_with_a_small_metadata_limit_still_creates_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 20_000
    args = (f"--ModelboxApp.max_metadata_bytes={limit}",)
    with JupyterServer(tmp_path / "small", extra_args=args) as server:
        monkeypatch.setenv("MODELBOX_URL", server.url)
        monkeypatch.setenv("MODELBOX_TOKEN", server.token)
        monkeypatch.delenv("MODELBOX_LINEAGE", raising=False)
        notebook = tmp_path / "big-cells.ipynb"
        monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
        big_cells = [f"cell_{i} = {'x' * 3000!r}" for i in range(12)]  # ~36 KB of cell text
        run_notebook(notebook, [*big_cells, 'from jupyter_modelbox import ModelBox\n'
                                'ModelBox().new_model("big").new_model_version()'])
        with ModelBox(url=server.url, token=server.token) as box:
            record = box.get_model("big").get_version(1).lineage
    assert record is not None and lineage.json_size(record) <= limit
    assert record["notebook"]["path"] == str(notebook)
    kept = record["cells"]["sources"]
    assert record["cells"]["truncated"] and record["cells"]["count"] == 13 and 0 < len(kept) < 13
    assert kept[-1]["source"].startswith("from jupyter_modelbox")  # the newest cells are the ones kept


def test_fit_drops_the_oldest_cells_then_packages_then_gives_up() -> None:
    sources = [{"execution_count": i, "source": f"step_{i} = {'y' * 500!r}"} for i in range(1, 41)]
    record = {"notebook": {"path": "/n.ipynb"}, "packages": {f"pkg{i}": "1.0" for i in range(400)},
              "packages_total": 400, "cells": {"count": 40, "sha256": "ab", "recorded": 40, "truncated": False,
                                               "sources": sources}}
    assert lineage.fit(record, 10**6) is record  # fits: untouched
    cut = lineage.fit(record, 15_000)
    assert cut is not None and lineage.json_size(cut) <= 15_000 and cut["packages"] == record["packages"]
    assert cut["cells"]["truncated"] and cut["cells"]["sources"] == sources[-cut["cells"]["recorded"]:]
    assert record["cells"]["sources"] == sources  # the original is left alone
    bare = lineage.fit(record, 1_000)
    assert bare is not None and bare["packages"] == {} and bare["packages_total"] == 400
    assert bare["cells"]["sources"] == [] and lineage.json_size(bare) <= 1_000
    assert lineage.fit(record, 50) is None


def test_without_jpy_session_name_the_notebook_comes_from_the_servers_sessions(tmp_path: Path) -> None:
    """Servers older than jupyter_server 2 do not set $JPY_SESSION_NAME: the kernel asks /api/sessions."""
    from jupyter_client import BlockingKernelClient

    with JupyterServer(tmp_path) as server:
        (tmp_path / "notebooks" / "work").mkdir()
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / "notebooks" / "work" / "train.ipynb")
        headers = {"Authorization": f"token {server.token}"}
        session = requests.post(server.url + "api/sessions", headers=headers, timeout=30, json={
            "path": "work/train.ipynb", "type": "notebook", "name": "", "kernel": {"name": "python3"}})
        assert session.status_code == 201, session.text
        kernel_id = session.json()["kernel"]["id"]
        client = BlockingKernelClient(connection_file=str(tmp_path / "runtime" / f"kernel-{kernel_id}.json"))
        client.load_connection_file()
        # a kernel still importing on a loaded machine can miss the default 1 s heartbeat, which
        # wait_for_ready takes for death ("Kernel died before replying to kernel_info")
        client.hb_channel.time_to_dead = 10.0
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            reply = client.execute_interactive(
                'import os\nos.environ.pop("JPY_SESSION_NAME", None)\n'
                'from jupyter_modelbox import ModelBox\nModelBox().new_model("from-sessions").new_model_version()',
                timeout=60, output_hook=lambda message: None)
        finally:
            client.stop_channels()
        assert reply["content"]["status"] == "ok", reply["content"]
        with ModelBox(url=server.url, token=server.token) as box:
            record = box.get_model("from-sessions").get_version(1).lineage
    assert record is not None
    assert record["notebook"] == {"path": str(tmp_path / "notebooks" / "work" / "train.ipynb"),
                                  "name": "train.ipynb", "source": "api/sessions"}

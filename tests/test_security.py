"""Nothing gets in without authentication, and nothing gets out of where it belongs."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
import requests

from jupyter_modelbox import InvalidArgumentError, ModelBox
from jupyter_modelbox.registry import Registry

from .helpers.jupyter import JupyterServer


def test_no_handler_method_lacks_authentication(tmp_path: Path) -> None:
    """jupyter_server warns (JupyterServerAuthWarning) for any verb without an auth decorator."""
    script = textwrap.dedent(f"""
        import warnings
        from jupyter_server.serverapp import ServerApp
        from jupyter_server.utils import JupyterServerAuthWarning
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            app = ServerApp(allow_unauthenticated_access=False, jpserver_extensions={{"jupyter_modelbox": True}},
                            reraise_server_extension_failures=True, root_dir={str(tmp_path)!r})
            app.config.ModelboxApp.root = {str(tmp_path / "registry")!r}
            app.initialize(argv=[], find_extensions=False, new_httpserver=False)
        bad = [str(w.message) for w in caught if issubclass(w.category, JupyterServerAuthWarning)]
        print("\\n".join(bad) or "OK")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={"JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "PATH": "/usr/bin:/bin",
                                 "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


@pytest.mark.parametrize("path", ["../escape.bin", "/etc/passwd", "a/../../b", "nul\x00byte", "win\\dows.bin",
                                  ".", "", "line\nbreak"])
def test_artifact_paths_cannot_escape(tmp_path: Path, path: str) -> None:
    registry = Registry(tmp_path / "registry")
    try:
        model = registry.create_model("m")
        source = tmp_path / "f.bin"
        source.write_bytes(b"x")
        blob = registry.upload_blob(source)
        with pytest.raises(InvalidArgumentError):
            registry.add_artifact(model["id"], blob, path)
        assert registry.list_artifacts(model["id"]) == []
    finally:
        registry.close()


def test_tracked_files_download_only_from_allowed_roots(jupyter_server: JupyterServer, tmp_path: Path) -> None:
    jupyter_server.reset(tmp_path / "registry")
    inside = jupyter_server.workdir / "notebooks" / "inside.bin"
    inside.write_bytes(b"inside")
    outside = Path(tempfile.mkdtemp()) / "outside.bin"  # outside every folder the test server may read
    outside.write_bytes(b"secret")
    link = jupyter_server.workdir / "notebooks" / "link-to-outside.bin"
    link.unlink(missing_ok=True)
    link.symlink_to(outside)
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as mb:
        model = mb.new_model("m")
        allowed, denied, sneaky = model.track_artifacts([str(inside), str(outside), str(link)])
        assert allowed.download(tmp_path / "a.bin").read_bytes() == b"inside"
        for artifact in (denied, sneaky):
            answer = requests.get(f"{jupyter_server.url}modelbox/api/artifacts/{artifact.id}/content", timeout=30,
                                  headers={"Authorization": f"token {jupyter_server.token}"})
            assert answer.status_code == 403 and answer.json()["reason"] == "AccessDeniedError"
            assert "outside the folders this server may read" in answer.json()["message"]


def test_registry_text_is_data_not_markup(jupyter_server: JupyterServer, tmp_path: Path) -> None:
    jupyter_server.reset(tmp_path / "registry")
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as mb:
        model = mb.new_model("xss", description=payload, metadata={"note": payload})
    answer = requests.get(f"{jupyter_server.url}modelbox/api/models/{model.id}", timeout=30,
                          headers={"Authorization": f"token {jupyter_server.token}"})
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["description"] == payload and answer.json()["metadata"]["note"] == payload

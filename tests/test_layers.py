"""The layers as the running code sees them: what importing each layer loads, and the entry points.

``lint-imports`` (in ``./dev.sh test``) checks the arrows statically from pyproject's contracts;
these tests check what a fresh interpreter really loads, lazy imports included.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

WIDGETS = ("ipywidgets", "anywidget", "matplotlib", "jupyter_modelbox.widgets")


def loaded_after(statement: str, cwd: Path | None = None) -> list[str]:
    code = f"import sys\n{statement}\nprint(__import__('json').dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def among(modules: list[str], *prefixes: str) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_the_registry_loads_no_client_http_or_jupyter() -> None:
    modules = loaded_after("import jupyter_modelbox.registry")
    assert among(modules, "jupyter_modelbox.client", "requests", "tornado", "jupyter_server", *WIDGETS) == []


def test_the_server_loads_no_client_and_no_widgets() -> None:
    modules = loaded_after("import jupyter_modelbox.server, jupyter_modelbox.server.routes")
    assert among(modules, "jupyter_modelbox.client", "jupyter_modelbox.loaders", *WIDGETS) == []


def test_the_client_loads_no_server_and_no_screen() -> None:
    modules = loaded_after("from jupyter_modelbox import ModelBox, ModelBoxError, Artifact")
    assert among(modules, "jupyter_modelbox.server", "tornado", "jupyter_server", *WIDGETS) == []


def test_the_package_names_and_entry_points_are_kept() -> None:
    import jupyter_modelbox

    for name in jupyter_modelbox.__all__:
        assert getattr(jupyter_modelbox, name) is not None and name in dir(jupyter_modelbox)
    assert jupyter_modelbox.ModelBox.__module__ == "jupyter_modelbox.client.modelbox"
    assert issubclass(jupyter_modelbox.NotFoundError, jupyter_modelbox.ModelBoxError)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        jupyter_modelbox.Nope  # noqa: B018
    [point] = jupyter_modelbox._jupyter_server_extension_points()
    assert point["module"] == "jupyter_modelbox" and point["app"].__name__ == "ModelboxApp"
    assert jupyter_modelbox._jupyter_labextension_paths() == [{"src": "labextension", "dest": "jupyter-modelbox"}]


def test_plots_reach_the_widgets_without_the_client_importing_them(tmp_path: Path) -> None:
    statement = (
        "from jupyter_modelbox import ModelBox\n"
        f"mb = ModelBox(root={str(tmp_path / 'registry')!r})\n"
        "model = mb.new_model('m')\n"
        "version = model.new_model_version()\n"
        "version.log_metrics({'loss': [1.0, 0.5]}, step=[0, 1])\n"
        "before = 'jupyter_modelbox.widgets' in sys.modules\n"
        "plot = version.plot_metrics('loss', live=False)\n"
        "trend = model.plot_metric_trend('loss')\n"
        "assert type(plot).__name__ == 'MetricsPlot' and type(trend).__name__ == 'Image', (plot, trend)\n"
        "assert not before\n"
        "mb.close()"
    )
    assert "jupyter_modelbox.widgets.plots" in loaded_after(statement)


def test_check_root_has_one_entry_point_on_the_client(tmp_path: Path) -> None:
    from jupyter_modelbox import ModelBox

    with ModelBox(root=tmp_path / "registry") as mb:
        mb.new_model("m")
    assert [f["level"] for f in ModelBox.check_folder(tmp_path / "registry")] == ["info"]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "registry.json").write_text("{not json")
    assert ModelBox.check_folder(broken)[0]["level"] == "error"

"""ModelBox's own Python SDK (PyPI ``modelbox`` 0.0.5, unmodified) against our gRPC service.

The SDK is installed by pip into a virtual environment of its own (cached under
``~/.cache/jupyter_modelbox/modelbox-sdk-venv-0.0.5``), runs its documented calls in that environment
(``helpers/modelbox_sdk_calls.py``, with the token added by a grpc interceptor), and everything it
wrote is read back through our own client. The calls its own bugs break are listed in ``SDK_BUGS``
(and in the README) and must fail the way described, so a change on our side that broke another
call, or fixed one of those, shows here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("grpc", reason="needs the grpc extra: pip install 'jupyter_modelbox[grpc]'")

from jupyter_modelbox import ModelBox

from .helpers.jupyter import JupyterServer

SDK_VERSION = "0.0.5"
SCRIPT = Path(__file__).parent / "helpers" / "modelbox_sdk_calls.py"
# call -> the error its own code raises (the README's list)
SDK_BUGS = {
    # modelbox/__init__.py star-imports itself, so the README's `from modelbox import ...` finds nothing
    "import_from_package": "AttributeError: module 'modelbox' has no attribute 'ModelBox'",
    # ListModelVersionsResponse.models is one ModelVersion in its proto; the SDK iterates it
    "model_versions": "TypeError: 'ModelVersion' object is not iterable",
    # Experiment.new_checkpoint's metrics default is the type Dict[str, float], which protobuf refuses
    "new_checkpoint.without_metrics": "TypeError",
}


def sdk_python() -> Path:
    """The SDK's virtual environment, made once per SDK version (pip picks grpcio/protobuf for it)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jupyter_modelbox"
    venv = cache / f"modelbox-sdk-venv-{SDK_VERSION}"
    python = venv / "bin" / "python"
    ready = venv / "installed"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=120)
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                               f"modelbox=={SDK_VERSION}"], capture_output=True, text=True, timeout=600)
        if done.returncode:
            pytest.fail(f"pip could not install modelbox=={SDK_VERSION}:\n{done.stderr[-2000:]}")
        ready.write_text(SDK_VERSION)
    return python


@pytest.fixture(scope="module")
def sdk() -> Path:
    return sdk_python()


@pytest.fixture(scope="module")
def sdk_run(sdk: Path, grpc_server: tuple[JupyterServer, str], tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[dict[str, Any], Path, tuple[JupyterServer, str]]]:
    """The SDK's calls, made once into an empty registry: (each call's result, its work folder, the server)."""
    jupyter, target = grpc_server
    work = tmp_path_factory.mktemp("sdk")
    jupyter.reset(work / "registry")
    done = subprocess.run([str(sdk), str(SCRIPT), target, jupyter.token, str(work)], capture_output=True, text=True,
                          timeout=300, cwd=work)
    assert done.returncode == 0, done.stderr[-3000:]
    yield json.loads(done.stdout.splitlines()[-1]), work, grpc_server


def values(results: dict[str, Any], calls: set[str]) -> dict[str, Any]:
    """The values of ``calls``, after checking that exactly the SDK's own bugs among them failed, as listed."""
    failed = {name: results[name]["error"] for name in calls if not results[name]["ok"]}
    assert set(failed) == set(SDK_BUGS) & calls, json.dumps({name: results[name] for name in sorted(calls)}, indent=1)
    for name in failed:
        assert failed[name].startswith(SDK_BUGS[name]), (name, failed[name])
    return {name: results[name]["value"] for name in calls if results[name]["ok"]}


def test_the_sdk_without_the_token_is_refused(sdk: Path, grpc_server: tuple[JupyterServer, str]) -> None:
    code = ("import sys; from modelbox.modelbox import ModelBox\n"
            "try:\n    ModelBox(sys.argv[1]).new_model('m', 'o', 'ns', 't', 'd')\n"
            "except Exception as exc:\n    print(exc.code().name)\n")
    done = subprocess.run([str(sdk), "-c", code, grpc_server[1]], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "UNAUTHENTICATED", done.stderr[-2000:]


MODEL_CALLS = {"import_from_package", "new_model", "models", "new_model_version", "model_versions", "model"} | {
    f"{kind}.{call}" for kind in ("model", "version") for call in (
        "update_metadata", "metadata", "log_metrics", "all_metrics", "upload_artifact", "track_artifacts",
        "artifacts", "download_artifact")}
EVENT_CALLS = {f"{kind}.{call}" for kind in ("model", "version") for call in ("log_event", "events")}


def test_the_sdk_model_calls_read_back_through_our_client(sdk_run: Any, tmp_path: Path) -> None:
    results, work, (jupyter, target) = sdk_run
    value = values(results, MODEL_CALLS)
    weights = (work / "weights.pt").read_bytes()
    with ModelBox(grpc=target, token=jupyter.token) as box:
        model = box.get_model("yolo", namespace="ai")
        assert value["new_model"] == model.id
        assert value["models"] == [[model.id, "yolo", "owner@email.com", "object_detection"]]
        [version] = model.get_versions()
        assert (version.id, version.version, version.name, version.tags) == (
            value["new_model_version"], "v1", "yolo4_v1", ["production"])
        assert version.framework == "pytorch" and version.description == "A Yolo v4 trained with custom dataset"
        for kind, obj in (("model", model), ("version", version)):
            obj.reload()
            assert obj.metadata["dataset"] == {"name": "coco", "size": 5}
            assert value[f"{kind}.metadata"]["dataset"] == {"name": "coco", "size": 5}
            frame = obj.metrics("loss")
            assert frame["step"].tolist() == [0, 1, 2]
            assert frame["value"].round(6).tolist() == [0.5, 0.4, 0.3]  # 32-bit floats on the SDK's wire
            assert value[f"{kind}.all_metrics"] == {"loss": [[0, 0.5], [1, 0.4], [2, 0.3]]}
            artifacts = {Path(a.location).name if a.tracked else a.path: a for a in obj.artifacts()}
            assert set(artifacts) == {"weights.pt", "notes.txt"}
            uploaded = artifacts["weights.pt"]
            assert value[f"{kind}.upload_artifact"] == {str(work / "weights.pt"): uploaded.id}
            assert uploaded.download(tmp_path / f"{kind}.pt").read_bytes() == weights
            assert artifacts["notes.txt"].tracked and value[f"{kind}.track_artifacts"] == 1
            assert value[f"{kind}.download_artifact"] is True
        # the metadata new_model was given: the SDK's create_model does not send it (see the README)
        assert "meta" not in model.metadata


def test_the_sdk_event_calls_read_back_through_our_client(sdk_run: Any) -> None:
    results, _, _ = sdk_run
    value = values(results, EVENT_CALLS)
    for kind in ("model", "version"):
        assert value[f"{kind}.log_event"] is True
        assert value[f"{kind}.events"] == [["checkpoint_write_start", "trainer", {"epoch": 3}]]


def test_the_sdk_experiment_calls_read_back_through_our_client(sdk_run: Any, tmp_path: Path) -> None:
    results, work, (jupyter, target) = sdk_run
    value = values(results, set(results) - MODEL_CALLS - EVENT_CALLS)
    weights = (work / "weights.pt").read_bytes()
    with ModelBox(grpc=target, token=jupyter.token) as box:
        experiment = box.get_experiment(value["new_experiment"])
        assert (experiment.name, experiment.owner, experiment.namespace, experiment.external_id,
                experiment.framework) == ("exp-1", "owner@email.com", "ai", "ext-42", "pytorch")
        assert value["experiment"] == ["exp-1", "owner@email.com", "ai", "ext-42", "PYTORCH"]
        assert value["experiments"] == [[experiment.id, "exp-1"]]
        checkpoints = experiment.checkpoints()
        assert [(c.uuid, c.epoch, c.metrics) for c in checkpoints] == [
            (value["new_checkpoint.1"], 1, {"val_loss": 0.5}), (value["new_checkpoint.2"], 2, {"val_loss": 0.25})]
        assert value["checkpoints"] == [[c.uuid, c.epoch] for c in checkpoints]
        assert experiment.top_checkpoint().uuid == value["new_checkpoint.2"]
        assert experiment.metrics("loss")["step"].tolist() == [7]
        assert experiment.metadata["lr"] == pytest.approx(0.001)
        assert value["experiment.events"] == [["started", "trainer"]]
        best = checkpoints[0]
        assert best.metadata == {"note": "best so far"}
        [artifact] = best.artifacts()
        assert artifact.path == "weights.pt" and artifact.download(tmp_path / "c.pt").read_bytes() == weights
        # the Determined path from what the SDK trained: register its best checkpoint
        model = box.get_model("yolo", namespace="ai")
        registered = model.register_version(experiment.top_checkpoint().uuid)
        assert registered.checkpoint.experiment.id == experiment.id

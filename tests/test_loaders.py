"""``model.log_model`` -> ``version.load()`` with real frameworks on tiny models, trust, integrity and plugins."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from onnx import TensorProto, helper
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from jupyter_modelbox import IntegrityError, ModelBox, ModelVersion
from jupyter_modelbox.loaders import (
    MissingFrameworkError,
    NoLoaderError,
    UntrustedFileError,
    available_loaders,
    find_loader,
)

from .helpers.jupyter import JupyterServer


class TinyNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def trained_net() -> tuple[TinyNet, torch.Tensor]:
    torch.manual_seed(0)
    net, x = TinyNet(), torch.randn(32, 4)
    y = (x[:, 0] > 0).long()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(20):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
    return net.eval(), x


def trained_classifier() -> tuple[object, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(40, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y), x


def plus_one_onnx() -> onnx.ModelProto:
    """Y = X + 1, built with onnx.helper (no exporter involved)."""
    one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
    graph = helper.make_graph([helper.make_node("Add", ["X", "one"], ["Y"])], "plus_one",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 2])], [one])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_sklearn_round_trip_needs_trust(mb: ModelBox) -> None:
    clf, x = trained_classifier()
    model = mb.new_model("iris")
    version = model.log_model(clf, dataset="toy", epochs=1)
    assert isinstance(version, ModelVersion) and version.number == 1 and version.framework == "sklearn"
    assert version.metadata == {"dataset": "toy", "epochs": 1}
    checkpoint = version.checkpoint
    assert (checkpoint.framework, checkpoint.format) == ("sklearn", "joblib")
    assert checkpoint.metadata["python_class"] == "sklearn.pipeline.Pipeline"
    assert [a.path for a in checkpoint.artifacts()] == ["model.joblib"]
    with pytest.raises(UntrustedFileError, match=r"model 'iris' version 1: it is a joblib pickle.*trusted=True"):
        version.load()
    loaded = model.get_version().load(trusted=True)
    assert loaded is not clf and np.array_equal(loaded.predict_proba(x), clf.predict_proba(x))
    assert np.array_equal(checkpoint.load(trusted=True).predict(x), clf.predict(x))
    assert model.log_model(clf).number == 2


def test_torch_state_dict_loads_without_trust(mb: ModelBox, tmp_path: Path) -> None:
    net, x = trained_net()
    version = mb.new_model("tiny").log_model(net)
    assert (version.checkpoint.framework, version.checkpoint.format) == ("torch", "state_dict")
    state = version.load()  # weights_only: safe without trusted=True
    rebuilt = TinyNet()
    rebuilt.load_state_dict(state)
    assert torch.equal(rebuilt.eval()(x), net(x))
    # a ModelBox-style version without a checkpoint: its own artifacts and the framework on the version
    torch.save(net.state_dict(), tmp_path / "weights.pth")
    plain = mb.new_model("plain").new_model_version(framework="PyTorch-2.13.0")
    plain.upload_artifact([tmp_path / "weights.pth"])
    assert set(plain.load()) == set(net.state_dict())


def test_whole_torch_module_needs_trust(mb: ModelBox, tmp_path: Path) -> None:
    net, x = trained_net()
    torch.save(net, tmp_path / "model.pt")
    checkpoint = mb.new_checkpoint([tmp_path / "model.pt"], framework="torch", format="module")
    version = mb.new_model("whole").register_version(checkpoint.uuid)
    with pytest.raises(UntrustedFileError, match=r"model\.pt holds pickled Python objects.*trusted=True"):
        version.load()
    loaded = version.load(trusted=True)
    assert isinstance(loaded, TinyNet) and torch.equal(loaded(x), net(x))


def test_onnx_export_round_trip(mb: ModelBox, tmp_path: Path) -> None:
    net, x = trained_net()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter needs no onnxscript
        torch.onnx.export(net, (x,), tmp_path / "tiny.onnx", dynamo=False, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}})
    version = mb.new_model("tiny-onnx").log_model(onnx.load(tmp_path / "tiny.onnx"), task="demo")
    assert (version.framework, version.checkpoint.format) == ("onnx", "onnx")
    session = version.load()
    assert isinstance(session, onnxruntime.InferenceSession)
    [scores] = session.run(None, {"x": x.numpy()})
    original = onnxruntime.InferenceSession(tmp_path / "tiny.onnx", providers=["CPUExecutionProvider"])
    assert np.array_equal(scores, original.run(None, {"x": x.numpy()})[0])
    np.testing.assert_allclose(scores, net(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(Exception, match="does not keep its model's bytes"):
        mb.get_model("tiny-onnx").log_model(session)


def test_missing_framework_names_the_package(mb: ModelBox, monkeypatch: pytest.MonkeyPatch) -> None:
    version = mb.new_model("plus-one").log_model(plus_one_onnx())
    [out] = version.load().run(None, {"X": np.zeros((1, 2), np.float32)})
    assert out.tolist() == [[1.0, 1.0]]
    import importlib

    real = importlib.import_module

    def without_onnxruntime(name: str, package: str | None = None) -> object:
        if name == "onnxruntime":
            raise ModuleNotFoundError("No module named 'onnxruntime'", name="onnxruntime")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", without_onnxruntime)
    with pytest.raises(MissingFrameworkError, match=r"pip install onnxruntime") as raised:
        version.load()
    assert isinstance(raised.value, ImportError) and "model 'plus-one' version 1" in str(raised.value)


def test_unknown_objects_are_pickled_only_when_asked(mb: ModelBox) -> None:
    model = mb.new_model("odd")
    with pytest.raises(NoLoaderError, match=r"fractions\.Fraction; pass framework='pickle'"):
        model.log_model(Fraction(3, 4))
    version = model.log_model(Fraction(3, 4), framework="pickle")
    with pytest.raises(UntrustedFileError, match="Python pickle"):
        version.load()
    assert version.load(trusted=True) == Fraction(3, 4)
    with pytest.raises(NoLoaderError, match="no loader named 'keras'"):
        model.log_model(Fraction(1, 2), framework="keras")


def touch(path: str) -> str:
    Path(path).touch()
    return path


class Tripwire:
    """Unpickling it creates a file: proof of whether anything was deserialized."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return touch, (self.path,)


def test_tampered_bytes_are_refused_before_deserializing(mb: ModelBox, registry_root: Path, tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    version = mb.new_model("wired").log_model(Tripwire(marker), framework="pickle")
    assert version.load(trusted=True) == str(marker) and marker.exists()  # the tripwire works
    marker.unlink()
    [artifact] = version.checkpoint.artifacts()
    blob = registry_root / "blobs" / "sha256" / artifact.checksum[:2] / artifact.checksum[2:]
    blob.write_bytes(blob.read_bytes() + b"trailing bytes that pickle would ignore")
    with pytest.raises(IntegrityError, match="sha256"):
        version.load(trusted=True)
    assert not marker.exists()


@pytest.mark.parametrize(("framework", "format", "files", "expected"), [
    ("PyTorch-2.13.0", None, ["weights.pt"], "torch"),
    ("torch", "onnx", ["model.pt", "model.onnx"], "onnx"),
    (None, None, ["model.onnx"], "onnx"),
    ("scikit-learn", "pkl", ["model.pkl"], "sklearn"),
    (None, None, ["model.joblib"], "sklearn"),
    (None, None, ["thing.pkl"], "pickle"),
    ("tensorflow-1.14.0", "h5", ["model.h5"], None),
    (None, None, ["a.pt", "b.pt"], None),
])
def test_recorded_framework_format_and_suffixes_choose_the_loader(
    framework: str | None, format: str | None, files: list[str], expected: str | None
) -> None:
    if expected is None:
        with pytest.raises(NoLoaderError, match=r"jupyter_modelbox\.loaders"):
            find_loader(framework, format, files)
    else:
        assert find_loader(framework, format, files).name == expected


PLUGIN = '''
import json
from fractions import Fraction


class FractionLoader:
    name = "fraction"

    def can_save(self, obj):
        return isinstance(obj, Fraction)

    def save(self, obj, folder):
        (folder / "fraction.json").write_text(json.dumps([obj.numerator, obj.denominator]))
        return "fraction", "json", ["fraction.json"]

    def can_load(self, framework, format, files):
        return framework == "fraction"

    def load(self, folder, files, trusted):
        return Fraction(*json.loads((folder / "fraction.json").read_text()))
'''


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An installed distribution (dist-info with entry points) that provides one good and one broken loader."""
    site = tmp_path / "site"
    (site / "fraction_loader-1.0.dist-info").mkdir(parents=True)
    (site / "fraction_loader.py").write_text(PLUGIN)
    (site / "fraction_loader-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fraction-loader\nVersion: 1.0\n")
    (site / "fraction_loader-1.0.dist-info" / "entry_points.txt").write_text(textwrap.dedent("""\
        [jupyter_modelbox.loaders]
        fraction = fraction_loader:FractionLoader
        broken = no_such_module_here:LOADER
    """))
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("fraction_loader", None)


def test_entry_point_plugin_is_discovered_and_used(mb: ModelBox, plugin_site: Path) -> None:
    with pytest.warns(RuntimeWarning, match="skipping the loader plugin broken"):
        names = [loader.name for loader in available_loaders()]
    assert names == ["fraction", "onnx", "torch", "sklearn", "pickle"]
    with pytest.warns(RuntimeWarning):
        version = mb.new_model("ratio").log_model(Fraction(3, 4), source="plugin")
    assert version.framework == "fraction" and version.checkpoint.format == "json"
    with pytest.warns(RuntimeWarning):
        assert version.load() == Fraction(3, 4)  # no pickle involved: no trust needed
    with pytest.warns(RuntimeWarning), pytest.raises(NoLoaderError, match="failed to load: broken"):
        find_loader("keras", "h5", ["model.h5"])


def test_client_import_does_not_import_frameworks() -> None:
    code = ("import sys, jupyter_modelbox, jupyter_modelbox.loaders; "
            "print(sorted({'torch', 'sklearn', 'joblib', 'onnx', 'onnxruntime'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.fixture
def shell(jupyter_server: JupyterServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    jupyter_server.reset(tmp_path / "registry")
    monkeypatch.setenv("MODELBOX_URL", jupyter_server.url)
    monkeypatch.setenv("MODELBOX_TOKEN", jupyter_server.token)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_modelbox")
    yield ip
    ip.run_line_magic("unload_ext", "jupyter_modelbox")
    InteractiveShell.clear_instance()


def test_register_object_magic(shell: InteractiveShell) -> None:
    clf, x = trained_classifier()
    shell.user_ns["clf"] = clf
    shell.run_line_magic("modelbox", "create iris")
    version = shell.run_line_magic("modelbox", "register-object iris clf --metadata '{\"dataset\": \"toy\"}'")
    assert isinstance(version, ModelVersion) and version.metadata == {"dataset": "toy"}
    assert np.array_equal(version.load(trusted=True).predict(x), clf.predict(x))
    second = shell.run_cell_magic("modelbox", "register-object iris clf --framework pickle", "note: pickled\n")
    assert second.number == 2 and second.framework == "pickle" and second.metadata == {"note": "pickled"}
    with pytest.raises(UsageError, match="no variable 'missing'"):
        shell.run_line_magic("modelbox", "register-object iris missing")

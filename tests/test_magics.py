"""``%modelbox`` / ``%%modelbox`` in an IPython shell, against a real Jupyter server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from jupyter_modelbox import Checkpoint, Experiment, Model, ModelBox, ModelBoxError, ModelVersion, NotFoundError
from jupyter_modelbox.widgets import MetricsPlot, ModelPanel, feed_for

from .helpers.jupyter import JupyterServer


@pytest.fixture
def box(jupyter_server: JupyterServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelBox]:
    """The registry the magics discover through ``$MODELBOX_URL``, read through a separate client."""
    jupyter_server.reset(tmp_path / "registry")
    monkeypatch.setenv("MODELBOX_URL", jupyter_server.url)
    monkeypatch.setenv("MODELBOX_TOKEN", jupyter_server.token)
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as opened:
        yield opened


@pytest.fixture
def shell(box: ModelBox) -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_modelbox")
    yield ip
    magics = ip.magics_manager.registry["ModelboxMagics"]
    for opened in magics.boxes.values():
        feed_for(opened).stop()
    ip.run_line_magic("unload_ext", "jupyter_modelbox")
    InteractiveShell.clear_instance()


def magic(ip: InteractiveShell, line: str) -> object:
    return ip.run_line_magic("modelbox", line)


def test_create_list_describe_and_rich_display(shell: InteractiveShell, box: ModelBox) -> None:
    created = magic(shell, 'create mnist --description "digits" --metadata \'{"dataset": "mnist"}\'')
    assert isinstance(created, Model) and box.get_model("mnist").metadata == {"dataset": "mnist"}
    formatted, _ = shell.display_formatter.format(created)
    assert "<table>" in formatted["text/html"] and "digits" in formatted["text/html"]
    magic(shell, "create cifar")
    listed = magic(shell, "list --sort-by name --order-by desc")
    assert isinstance(listed, pd.DataFrame) and list(listed["name"]) == ["mnist", "cifar"]
    described = shell.run_cell("x = %modelbox describe mnist\nx").result
    assert described["model"] == box.get_model("mnist") and described["version"] is None
    assert "no versions yet" in described._repr_html_()
    assert magic(shell, "--json describe mnist")["model"]["name"] == "mnist"


def test_checkpoints_versions_and_tags(shell: InteractiveShell, box: ModelBox, files: dict[str, Path]) -> None:
    magic(shell, "create detector")
    checkpoint = magic(shell, f"new-checkpoint {files['weights']} --framework pytorch --format pt")
    assert isinstance(checkpoint, Checkpoint)
    registered = magic(shell, f"register-version detector {checkpoint.uuid}")
    assert isinstance(registered, ModelVersion) and registered.checkpoint_uuid == checkpoint.uuid
    second = magic(shell, "new-version detector --label v2 --framework jax --tag staging")
    assert second.number == 2 and second.tags == ["staging"]
    versions = magic(shell, "list-versions detector")
    assert list(versions["number"]) == [2, 1]
    magic(shell, "tag detector:1 production")
    with pytest.raises(Exception, match="--move"):
        magic(shell, "tag detector:2 production")
    magic(shell, "tag detector:2 production --move")
    assert box.get_model("detector").get_version("production").number == 2
    magic(shell, "tag detector:2 staging --remove")
    history = magic(shell, "tag detector --history production")
    assert list(history["action"]) == ["set", "moved"]
    with pytest.raises(NotFoundError):
        magic(shell, "describe nobody")


def test_experiments_share_the_cli_grammar(shell: InteractiveShell, box: ModelBox) -> None:
    created = magic(shell, "experiment create run --hparams '{\"lr\": 0.1}'")
    assert isinstance(created, Experiment) and box.get_experiment("run").hparams == {"lr": 0.1}
    formatted, _ = shell.display_formatter.format(created)
    assert "Experiment run" in formatted["text/html"]
    checkpoint = magic(shell, "new-checkpoint --experiment run --epoch 1 --metrics '{\"val_loss\": 0.2}'")
    assert isinstance(checkpoint, Checkpoint) and checkpoint.experiment == created
    assert list(magic(shell, "experiment list")["name"]) == ["run"]
    assert list(magic(shell, "checkpoints run")["epoch"]) == [1]
    assert magic(shell, "checkpoints run --top") == checkpoint
    described = magic(shell, "experiment describe run")
    assert described["experiment"] == created and "<table" in described._repr_html_()
    with pytest.raises(UsageError, match="experiment create needs NAME"):
        magic(shell, "experiment create")


def test_artifacts_upload_track_download(shell: InteractiveShell, box: ModelBox, files: dict[str, Path],
                                         tmp_path: Path) -> None:
    magic(shell, "create ranker")
    magic(shell, "new-version ranker")
    uploaded = magic(shell, f"upload ranker:1 {files['weights']} {files['notes']}")
    assert sorted(uploaded["path"]) == ["notes.txt", "weights.pt"]
    tracked = magic(shell, "track ranker s3://bucket/big.bin")
    assert list(tracked["tracked"]) == [True]
    listed = magic(shell, "artifacts ranker:1")
    checksum = hashlib.sha256(files["weights"].read_bytes()).hexdigest()
    assert checksum in set(listed["checksum"])
    result = magic(shell, f"download ranker:1 {tmp_path / 'out'} --path weights.pt")
    assert Path(result["destination"]).read_bytes() == files["weights"].read_bytes()


def test_log_metrics_metadata_and_cell_bodies(shell: InteractiveShell, box: ModelBox, tmp_path: Path) -> None:
    magic(shell, "create trainer")
    magic(shell, "new-version trainer")
    for step in range(3):
        magic(shell, f"log trainer:latest loss={1 / (step + 1)} phase=warmup --step {step}")
    points = magic(shell, "metrics trainer:1 --keys loss")
    assert list(points["step"]) == [0, 1, 2]
    magic(shell, f"metrics trainer:1 --output {tmp_path / 'loss.csv'}")
    assert (tmp_path / "loss.csv").read_text().startswith("key,step,wallclock,value")
    shell.run_cell_magic("modelbox", "metadata trainer", "lr: 0.001\nlayers: [64, 32]\n# a comment\nnote: plain text")
    assert box.get_model("trainer").metadata == {"lr": 0.001, "layers": [64, 32], "note": "plain text"}
    shell.run_cell_magic("modelbox", "metadata trainer:1", '{"epochs": 3}')
    assert box.get_model("trainer").get_version(1).metadata == {"epochs": 3}
    after = magic(shell, "metadata trainer --set lr 0.01 --remove note")
    assert after == {"lr": 0.01, "layers": [64, 32]}
    created = shell.run_cell_magic("modelbox", "create with-body", "owner_team: vision")
    assert created.metadata == {"owner_team": "vision"}


def test_plot_and_panel_return_widgets(shell: InteractiveShell, box: ModelBox) -> None:
    model = box.new_model("plotted")
    version = model.new_model_version()
    version.log_metrics({"loss": [3.0, 2.0, 1.0], "acc": [0.1, 0.5, 0.9]}, step=[0, 1, 2])
    plot = magic(shell, "plot plotted:1 loss --x relative --smoothing 0.5 --log")
    assert isinstance(plot, MetricsPlot) and list(plot.key_select.value) == ["loss"]
    assert plot.x.value == "relative" and plot.log_y.value and plot.smoothing.value == 0.5
    plot.close()
    every = magic(shell, "plot plotted")
    assert every.selected_versions() == [version] and list(every.key_select.value) == ["acc", "loss"]
    every.close()
    shown = magic(shell, "panel plotted")
    assert isinstance(shown, ModelPanel) and shown.model == model
    shown.close()


def test_help(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    assert magic(shell, "--help") is None
    out = capsys.readouterr().out
    assert out.startswith("usage: %modelbox") and "register-version" in out and "plot" in out and "panel" in out
    magic(shell, "plot --help")
    assert "usage: %modelbox plot" in capsys.readouterr().out
    magic(shell, "metadata --help")
    assert "--merge JSON" in capsys.readouterr().out


@pytest.mark.parametrize(("line", "message"), [
    ("", "the following arguments are required: VERB"),
    ("bogus", "invalid choice: 'bogus'"),
    ("create", "usage: %modelbox create"),
    ("create x --metadata '[1]'", "is JSON but not an object"),
    ("create 'unbalanced", "No closing quotation"),
    ("list --limit -3", "usage: %modelbox list"),
    ("tag m:1", "TAG is required"),
    ("plot m --smoothing 1.5", "not a number in [0, 1)"),
    ("plot m --x epoch", "invalid choice: 'epoch'"),
    ("--url http://x --root /tmp/y list", "choose one registry"),
])
def test_bad_input_raises_usage_error_with_the_usage_line(shell: InteractiveShell, line: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        magic(shell, line)
    assert message in str(caught.value) and "usage: %modelbox" in str(caught.value)


@pytest.mark.parametrize(("line", "body", "message"), [
    ("metadata m", "  \n# only a comment\n", "no 'key: value' lines"),
    ("metadata m", "{not json", "not valid JSON"),
    ("metadata m", "[1, 2]", "must hold a JSON object"),
    ("metadata m", "just words", "expected 'key: value'"),
    ("metadata m", "a: 1\na: 2", "given twice"),
    ("metadata m --merge '{}'", "a: 1", "not both"),
    ("list", "a: 1", "takes no cell body"),
])
def test_bad_cell_bodies(shell: InteractiveShell, box: ModelBox, line: str, body: str, message: str) -> None:
    box.new_model("m")
    with pytest.raises(UsageError, match=message.replace("[", r"\[")):
        shell.run_cell_magic("modelbox", line, body)
    assert box.get_model("m").metadata == {}


def test_one_box_per_shell_and_root_override(shell: InteractiveShell, box: ModelBox, tmp_path: Path) -> None:
    magic(shell, "create on-server")
    magic(shell, f"--root {tmp_path / 'local'} create local-only")
    magics = shell.magics_manager.registry["ModelboxMagics"]
    assert len(magics.boxes) == 2
    assert [m.name for m in box.get_models()] == ["on-server"]
    assert list(magic(shell, f"--root {tmp_path / 'local'} list")["name"]) == ["local-only"]
    magic(shell, "list")
    assert len(magics.boxes) == 2  # reused, not reopened
    assert json.loads(json.dumps(magic(shell, "--json list")))[0]["name"] == "on-server"


def test_search_gives_what_python_gives(shell: InteractiveShell, box: ModelBox) -> None:
    box.new_model("mnist_cnn", metadata={"dataset": {"name": "v3"}}).new_model_version(unique_tags=["production"])
    box.new_model("bert", metadata={"dataset": {"name": "wiki"}})
    found = magic(shell, 'search "metadata.dataset.name = v3 or tag:production"')
    assert list(found["name"]) == [m.name for m in box.search("metadata.dataset.name = v3 or tag:production")]
    versions = magic(shell, 'search --versions "tag:production"')
    assert list(versions["number"]) == [v.number for v in box.search_versions("tag:production")] == [1]
    with pytest.raises(ModelBoxError, match="at position 6"):
        magic(shell, 'search "name ="')

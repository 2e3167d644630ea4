"""Comparing versions: ``Model.compare``, ``metric_trend``, the ``CompareVersions`` widget and ``modelbox compare``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_modelbox import InvalidArgumentError, Model, ModelBox, NotFoundError
from jupyter_modelbox.cli import main
from jupyter_modelbox.client.compare import STATS_MAX_POINTS, differing


@pytest.fixture
def model(mb: ModelBox, files: dict[str, Path]) -> Model:
    """Three versions: different metadata, tags, checkpoint metrics and logged curves."""
    model = mb.new_model("mnist")
    v1 = model.new_model_version(metadata={"dataset": {"name": "mnist", "size": 60000}, "lr": 0.1},
                                 framework="torch")
    v1.log_metrics({"loss": [3.0, 1.0, 2.0], "acc": [0.1, 0.5, 0.4]}, step=[0, 1, 2])
    checkpoint = mb.new_checkpoint([files["weights"]], metrics={"val_loss": 0.25, "eval": {"top1": 0.9}},
                                   framework="torch", format="pt")
    v2 = model.register_version(checkpoint.uuid, metadata={"dataset": {"name": "mnist", "size": 60000},
                                                           "lr": 0.01})
    v2.log_metrics({"loss": [2.0, 0.5, 0.7, 0.6]}, step=[0, 1, 2, 3])
    v2.log_metrics({"phase": "warmup"}, step=0)
    v3 = model.new_model_version(version="distilled", metadata={"dataset": {"name": "emnist", "size": 60000}},
                                 unique_tags=["production"], framework="onnx")
    v3.log_metrics({"loss": [1.5, 0.3, 0.4]}, step=[0, 1, 2])
    mb.flush()
    return model


def test_compare_has_a_column_per_version_and_every_row(model: Model) -> None:
    frame = model.compare()
    assert list(frame.columns) == ["v3 (distilled)", "v2", "v1"]  # all versions, newest first
    rows = list(frame.index)
    assert rows[:5] == ["label", "framework", "tags", "created", "checkpoint.uuid"]
    assert {"metadata.dataset.name", "metadata.dataset.size", "metadata.lr", "checkpoint.metrics.val_loss",
            "checkpoint.metrics.eval.top1", "metrics.loss.last", "metrics.loss.min", "metrics.loss.max",
            "metrics.acc.last", "metrics.phase.last"} <= set(rows)
    assert rows.index("metadata.lr") < rows.index("checkpoint.metrics.val_loss") < rows.index("metrics.acc.last")
    assert rows.index("metrics.loss.last") + 2 == rows.index("metrics.loss.max")
    assert frame.loc["label"].tolist() == ["distilled", "2", "1"]
    assert frame.loc["framework"].tolist() == ["onnx", "torch", "torch"]  # v2's from its checkpoint
    assert frame.loc["tags"].tolist() == ["production", "", ""]
    assert frame.loc["metadata.dataset.name"].tolist() == ["emnist", "mnist", "mnist"]
    assert frame.loc["metadata.lr"].tolist() == [None, 0.01, 0.1]
    assert frame.loc["checkpoint.uuid", "v2"] == model.get_version(2).checkpoint_uuid
    assert frame.loc["checkpoint.metrics.eval.top1"].tolist() == [None, 0.9, None]
    assert all(isinstance(t, pd.Timestamp | type(model.created_at)) for t in frame.loc["created"])


def test_metric_last_min_max(model: Model) -> None:
    frame = model.compare([1, 2, "production"])
    assert list(frame.columns) == ["v1", "v2", "v3 (distilled)"]  # the order asked for
    assert frame.loc["metrics.loss.last"].tolist() == [2.0, 0.6, 0.4]
    assert frame.loc["metrics.loss.min"].tolist() == [1.0, 0.5, 0.3]
    assert frame.loc["metrics.loss.max"].tolist() == [3.0, 2.0, 1.5]
    assert frame.loc["metrics.acc.last"].tolist() == [0.4, None, None]
    assert frame.loc[["metrics.phase.last", "metrics.phase.min", "metrics.phase.max"], "v2"].tolist() == \
        ["warmup", None, None]  # text series: a last value, no extremes


def test_long_series_statistics_stay_exact(mb: ModelBox) -> None:
    version = mb.new_model("long").new_model_version()
    count = STATS_MAX_POINTS * 3 + 17
    values = np.sin(np.arange(count) / 1000.0)
    values[12_345], values[count - 2] = -5.0, 7.5
    version.log_metrics({"loss": values}, step=np.arange(count))
    row = version.model.compare().iloc[:, 0]
    assert row["metrics.loss.min"] == -5.0 and row["metrics.loss.max"] == 7.5
    assert row["metrics.loss.last"] == values[-1]


def test_a_trailing_nan_is_the_last_value_of_a_short_series(mb: ModelBox) -> None:
    version = mb.new_model("nan").new_model_version()
    version.log_metrics({"loss": [1.0, 0.5, float("nan")]}, step=[0, 1, 2])
    row = version.model.compare().iloc[:, 0]
    assert math.isnan(row["metrics.loss.last"]) and row["metrics.loss.min"] == 0.5


def test_diff_only_keeps_rows_that_differ(model: Model) -> None:
    full = model.compare([1, 2])
    diff = model.compare([1, 2], diff_only=True)
    assert "metadata.dataset.name" not in diff.index and "metadata.dataset.size" not in diff.index
    assert "framework" not in diff.index and "tags" not in diff.index
    assert {"label", "created", "metadata.lr", "checkpoint.uuid", "metrics.loss.last", "metrics.acc.last",
            "checkpoint.metrics.val_loss"} <= set(diff.index)
    assert set(diff.index) < set(full.index)
    assert model.compare([model.get_version(1), 1, "1"]).shape[1] == 1  # duplicates dropped


def test_bad_version_references_are_clear(model: Model, mb: ModelBox) -> None:
    with pytest.raises(NotFoundError):
        model.compare([1, 99])
    with pytest.raises(NotFoundError):
        model.compare(["no-such-tag"])
    with pytest.raises(InvalidArgumentError, match="at least one"):
        model.compare([])
    other = mb.new_model("other").new_model_version()
    with pytest.raises(InvalidArgumentError, match="not a version of 'mnist'"):
        model.compare([1, other])


def test_metric_trend(model: Model) -> None:
    trend = model.metric_trend("loss")
    assert trend.index.tolist() == [1, 2, 3]
    assert trend["value"].tolist() == [2.0, 0.6, 0.4]
    assert trend["version"].tolist() == ["v1", "v2", "v3 (distilled)"] and set(trend["source"]) == {"logged"}
    from_checkpoint = model.metric_trend("val_loss")
    assert from_checkpoint.loc[2, "value"] == 0.25 and from_checkpoint.loc[2, "source"] == "checkpoint"
    assert from_checkpoint.loc[[1, 3], "source"].isna().all()
    with pytest.raises(NotFoundError, match="no version of 'mnist'"):
        model.metric_trend("never-logged")


def test_trend_plot_and_overlaid_curves(model: Model) -> None:
    image = model.plot_metric_trend("loss")
    assert bytes(image.value).startswith(b"\x89PNG") and image.trend["value"].tolist() == [2.0, 0.6, 0.4]
    assert image.figure.axes[0].get_ylabel() == "loss"
    line = image.figure.axes[0].lines[0]
    assert list(line.get_xdata()) == [1, 2, 3] and list(line.get_ydata()) == [2.0, 0.6, 0.4]
    plot = model.plot_metrics("loss", versions=[1, "production"])
    assert [v.number for v in plot.selected_versions()] == [1, 3]
    assert plot.png.startswith(b"\x89PNG") and len(plot.figure.axes[0].lines) == 2


def test_compare_widget(model: Model) -> None:
    from jupyter_modelbox.widgets import CompareVersions

    model.get_version(2).update_metadata("note", "<script>alert(1)</script>")
    widget = CompareVersions(model)
    assert [v.number for v in widget.selected_versions()] == [3, 2, 1]
    assert list(widget.frame.columns) == ["v3 (distilled)", "v2", "v1"]
    assert "<script>" not in widget.table.value and "&lt;script&gt;" in widget.table.value
    assert widget.table.value.count("class='modelbox-diff'") == differing(widget.frame).sum() > 0
    assert "<th style='text-align:left'>metadata.dataset.size</th>" in widget.table.value
    widget.diff_only.value = True
    assert "metadata.dataset.size" not in widget.table.value and "metadata.dataset.name" in widget.table.value
    widget.version_select.value = [widget.version_select.options[2][1], widget.version_select.options[1][1]]
    assert list(widget.frame.columns) == ["v1", "v2"]
    assert "metadata.lr" in widget.table.value and "metadata.note" in widget.table.value
    assert widget.png.startswith(b"\x89PNG") and set(widget.key_select.value) == {"acc", "loss", "phase"}
    assert {line.get_label() for ax in widget.figure.axes for line in ax.lines} >= {"v1", "v2"}
    widget.key_select.value = ["loss"]
    assert len(widget.figure.axes) == 1 and len(widget.figure.axes[0].lines) == 2
    widget.select(["production"])
    assert list(widget.frame.columns) == ["v3 (distilled)"]
    widget.diff_only.value = True
    assert "agree on everything" in widget.table.value
    widget.close()


def test_cli_compare(model: Model, mb: ModelBox, request: pytest.FixtureRequest, tmp_path: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    if mb.location.startswith("local"):
        mb.close()  # the CLI opens the folder itself
        where = ["--root", str(tmp_path / "registry")]
    elif mb.location.startswith("registry database"):
        where = ["--database-url", request.getfixturevalue("pg_databases")["mb_local"],
                 "--blob-root", str(tmp_path / "registry" / "blobs")]
    else:
        pg = "pg" in request.node.callspec.params["mb"]
        server = request.getfixturevalue("jupyter_server_pg" if pg else "jupyter_server")
        where = ["--url", server.url, "--token", server.token]
    assert main([*where, "compare", "mnist", "--versions", "1", "production", "--diff-only"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["field", "v1", "v3"]
    assert any(line.startswith("metadata.dataset.name") and "emnist" in line for line in lines)
    assert not any(line.startswith("metadata.dataset.size") for line in lines)
    assert main([*where, "--json", "compare", "mnist"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["field"]: r["v2"] for r in records}["metrics.loss.min"] == 0.5
    assert main([*where, "compare", "mnist", "--versions", "bad ref!"]) == 2
    assert main([*where, "compare", "mnist", "--versions", "42"]) == 1
    assert "42" in capsys.readouterr().err

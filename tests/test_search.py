"""The search language: grammar, precedence, errors with positions, and the same answers everywhere."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jupyter_modelbox import InvalidArgumentError, ModelBox
from jupyter_modelbox.cli import main

from .conftest import ALL_TRANSPORTS
from .helpers.jupyter import JupyterServer


def fill_catalog(mb: ModelBox) -> ModelBox:
    mnist = mb.new_model("mnist_cnn", description="digits, OCR", task="vision",
                         metadata={"dataset": {"name": "v3", "rows": 60000}, "team": "ocr"})
    first = mnist.new_model_version(framework="torch", unique_tags=["production"], metadata={"lr": 0.1})
    first.log_metrics({"val_loss": np.array([0.5, 0.2, 0.08])}, step=np.arange(3))
    second = mnist.new_model_version(framework="onnx", metadata={"lr": 0.01})
    second.log_metrics({"val_loss": np.array([0.4, 0.3])}, step=np.arange(2))
    mb.new_model("bert", description="text model", task="nlp", metadata={"dataset": {"name": "wiki"}})
    mb.new_model("resnet", namespace="vision", description="images", metadata={"dataset": {"name": "v3"}})
    mb.flush()
    return mb


@pytest.fixture
def catalog(mb: ModelBox) -> ModelBox:
    return fill_catalog(mb)


def names(models: list) -> list[str]:
    return sorted(m.name for m in models)


@pytest.mark.transports(*ALL_TRANSPORTS)
@pytest.mark.parametrize(("query", "expected"), [
    ("mnist", ["mnist_cnn"]),
    ('"OCR"', ["mnist_cnn"]),
    ("metadata.dataset.name = v3", ["mnist_cnn", "resnet"]),
    ("metadata.dataset.rows >= 60000", ["mnist_cnn"]),
    ("tag:production", ["mnist_cnn"]),
    ("task in [nlp, vision]", ["bert", "mnist_cnn"]),
    ("name ~ CNN or name = bert", ["bert", "mnist_cnn"]),
    ("not metadata.dataset.name = v3", ["bert"]),
    ("namespace != default", ["resnet"]),
    ("metadata.team = null", ["bert", "resnet"]),
    ("created >= 2020-01-01 and created < 2999-12-31T23:59", ["bert", "mnist_cnn", "resnet"]),
    ("versions > 1", ["mnist_cnn"]),
    ("", ["bert", "mnist_cnn", "resnet"]),
])
def test_model_queries(catalog: ModelBox, query: str, expected: list[str]) -> None:
    assert names(catalog.search(query)) == expected


@pytest.mark.transports(*ALL_TRANSPORTS)
def test_and_binds_tighter_than_or_and_parentheses_regroup(catalog: ModelBox) -> None:
    assert names(catalog.search("name = bert or name ~ mnist and task = nlp")) == ["bert"]
    assert names(catalog.search("(name = bert or name ~ mnist) and task = vision")) == ["mnist_cnn"]
    assert names(catalog.search("not name = bert and not name = resnet")) == ["mnist_cnn"]


@pytest.mark.transports(*ALL_TRANSPORTS)
def test_version_queries_see_metrics_tags_and_the_model(catalog: ModelBox) -> None:
    model = catalog.get_model("mnist_cnn")
    assert [v.number for v in model.search_versions("metrics.val_loss < 0.1")] == [1]  # the last value counts
    assert [v.number for v in model.search_versions("framework = onnx or tag:production")] == [2, 1]
    assert [v.number for v in model.search_versions("metadata.lr < 0.05")] == [2]
    assert [v.number for v in catalog.search_versions("model = mnist_cnn and not tag:production")] == [2]
    assert catalog.search_versions("model = bert") == []


@pytest.mark.transports(*ALL_TRANSPORTS)
@pytest.mark.parametrize(("query", "position", "message"), [
    ("name =", 6, "expected a value after '='"),
    ("nmae = x", 0, "unknown field 'nmae'"),
    ("(name = x", 9, "expected ')'"),
    ("a and or b", 6, "expected a condition, found 'or'"),
    ("name in [x,", 11, "expected a value after ','"),
    ("name = x )", 9, "unexpected ')'"),
    ("tag:", 4, "expected a tag name"),
    ("metadata.a.b ~ 'unterminated", 15, "unexpected character"),
])
def test_errors_point_at_the_position(catalog: ModelBox, query: str, position: int, message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        catalog.search(query)
    assert message in caught.value.message and f"at position {position} " in caught.value.message


def test_rest_and_cli_give_the_same_answers(jupyter_server: JupyterServer, tmp_path, capsys) -> None:
    jupyter_server.reset(tmp_path / "registry")
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as mb:
        fill_catalog(mb)
        python = names(mb.search("metadata.dataset.name = v3"))
    remote = ["--url", jupyter_server.url, "--token", jupyter_server.token, "--json"]
    assert main([*remote, "search", "metadata.dataset.name = v3"]) == 0
    cli = sorted(row["name"] for row in json.loads(capsys.readouterr().out))
    assert main([*remote, "search", "--versions", "metrics.val_loss < 0.1"]) == 0
    versions = json.loads(capsys.readouterr().out)
    assert python == cli == ["mnist_cnn", "resnet"]
    assert [(v["model"], v["number"]) for v in versions] == [("mnist_cnn", 1)]
    assert main([*remote, "search", "name = "]) == 1
    assert "at position 6" in capsys.readouterr().err  # tornado strips the trailing space of query arguments

"""The one declaration of the REST API (``jupyter_modelbox.api``) against what really runs.

Every reply of a real server is checked against the schema its operation declares: entities list
every field and refuse others, so a field the server adds or drops without the declaration fails
here (and the panel's TypeScript types, generated from the same document, cannot lie). Every
operation served by the default implementation names a ``Registry`` method that takes its
arguments; the routes, the OpenAPI document and the client's paths all come from the declaration.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import numpy as np
import pytest
import requests

from jupyter_modelbox import ModelBox
from jupyter_modelbox.api import BY_ID, OPERATIONS, PREFIX, SCHEMAS, Operation
from jupyter_modelbox.registry import Registry
from jupyter_modelbox.server.dispatch import IMPLEMENTATIONS
from jupyter_modelbox.server.openapi import openapi_document
from jupyter_modelbox.server.routes import ROUTES, handler_methods

from .helpers.jupyter import JupyterServer

PATTERNS = [(operation, re.compile("^/" + PREFIX + re.sub(r"\{\w+\}", "[^/]+", operation.path) + "$"))
            for operation in OPERATIONS]


def operation_of(method: str, url: str) -> Operation:
    path = requests.utils.urlparse(url).path
    for operation, pattern in PATTERNS:
        if operation.verb == method.lower() and pattern.match(path):
            return operation
    raise AssertionError(f"no declared operation serves {method} {path}")


def validator(schema: dict[str, Any]) -> Any:
    return jsonschema_rs.validator_for({**schema, "components": {"schemas": SCHEMAS}})


class ReplyChecker:
    """A ``requests`` response hook: each reply must be what its operation declares."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.error = validator({"$ref": "#/components/schemas/Error"})

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        operation = operation_of(response.request.method or "", response.url)
        if response.status_code >= 400:
            assert response.status_code in {*operation.errors, 412}, (operation.id, response.status_code)
            self.error.validate(response.json())
            return
        assert response.status_code in (operation.status, 206), (operation.id, response.status_code)
        if operation.response is not None and operation.content == "application/json":
            errors = [f"{e.instance_path}: {e.message}" for e in validator(operation.response).iter_errors(
                response.json())]
            assert not errors, (operation.id, errors)
        elif operation.response is None:
            assert not response.content, operation.id
        self.seen.add(operation.id)


@pytest.fixture
def checked(jupyter_server: JupyterServer, tmp_path: Path) -> Iterator[tuple[ModelBox, requests.Session,
                                                                          ReplyChecker]]:
    jupyter_server.reset(tmp_path / "registry")
    checker = ReplyChecker()
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as mb:
        mb._transport.session.hooks["response"].append(checker)  # type: ignore[attr-defined]
        raw = requests.Session()
        raw.headers["Authorization"] = f"token {jupyter_server.token}"
        raw.hooks["response"].append(checker)
        yield mb, raw, checker


def test_every_reply_matches_its_declared_schema(checked: tuple[ModelBox, requests.Session, ReplyChecker],
                                                 jupyter_server: JupyterServer, tmp_path: Path) -> None:
    mb, raw, checker = checked
    base = jupyter_server.url + PREFIX
    weights = tmp_path / "weights.pt"
    weights.write_bytes(b"w" * 1000)
    (jupyter_server.workdir / "notebooks" / "from-browser.txt").write_text("copied on the server")

    model = mb.new_model("mnist", description="digits", metadata={"dataset": "mnist"},
                         artifacts=[str(weights), "s3://bucket/big.bin"])
    mb.get_models(sort_by="last_updated_time", order_by="desc", name="mn", limit=10)
    mb.get_model("mnist")
    model.reload()  # GET models/{id}
    assert mb.namespaces() == ["default"]
    model.set_description("handwritten digits")
    model.archive()
    model.unarchive()
    checkpoint = mb.new_checkpoint([weights], metadata={"epoch": 3}, metrics={"val_loss": 0.1}, framework="torch")
    mb.get_checkpoint(checkpoint.uuid)
    version = model.register_version(checkpoint.uuid)
    second = model.new_model_version(label := "v2", unique_tags=["candidate"], framework="torch")
    assert second.version == label
    plain = raw.post(f"{base}/models/{model.id}/versions", json={}, timeout=30).json()
    traced = raw.post(f"{base}/models/{model.id}/versions", json={"lineage": {"notebook": "a.ipynb"}},
                      timeout=30).json()
    assert plain["lineage"] is None and plain["framework"] is None and traced["lineage"] == {"notebook": "a.ipynb"}
    second.add_tag("production")
    second.remove_tag("candidate")
    version.set_label("first")
    model.get_version(), model.get_version(1), model.get_versions(), model.search_versions("number > 0")
    mb.search_versions("framework = torch")
    mb._transport.get_version_by_id(version.id)  # type: ignore[attr-defined]
    model.tag_history(), model.tag_holder("production")
    version.add_metadata({"a": 1})
    version.update_metadata("b", [1, 2])
    version.remove_metadata("a")
    version.log_metrics({"loss": np.linspace(1, 0, 50), "note": ["x"] * 50}, step=np.arange(50))
    version.log_metrics({"raw": b"bytes", "nan": float("nan")}, step=60)
    version.metrics(), version.metrics("loss", max_points=10), version.metric_keys()
    uploaded = version.upload_artifact([weights])
    (tmp_path / "eval").mkdir()
    for name in ("a.json", "b.json"):
        (tmp_path / "eval" / name).write_text("{}")
    version.upload_artifact([tmp_path / "eval"])  # small files: the batch record
    tracked = version.track_artifacts([str(weights), "s3://bucket/other.bin"])
    assert [a.checksum for a in tracked] == [hashlib.sha256(weights.read_bytes()).hexdigest(), ""]
    assert len(version.artifacts()) == 5
    uploaded[0].download(tmp_path / "back.pt")
    experiment = mb.new_experiment("run", external_id="det-1", hparams={"lr": 0.1}, metric="acc",
                                   smaller_is_better=False)
    in_run = experiment.new_checkpoint([weights], epoch=1, batch_number=10, trial_id=2, metrics={"acc": 0.9})
    mb.get_experiment("run"), mb.experiments(query="hparams.lr < 1", limit=5), experiment.checkpoints(epoch=1)
    assert experiment.top_checkpoint() == in_run and in_run.resources == {"weights.pt": 1000}
    experiment.add_metadata({"team": "vision"})  # a RegistryObject reply that is an experiment
    experiment.log_event("checkpoint_write_start", source="trainer", metadata={"epoch": 1})
    experiment.events()
    mb.events(since=0)
    mb.check(verify_bytes=True)
    mb.gc(dry_run=True)
    mb._transport.info()  # type: ignore[attr-defined]

    raw.get(f"{base}/openapi.json", timeout=30).raise_for_status()
    raw.get(f"{base}/objects/{version.id}/metadata", timeout=30).raise_for_status()
    raw.get(f"{base}/artifacts/{uploaded[0].id}", timeout=30).raise_for_status()
    raw.get(f"{base}/artifacts/{uploaded[0].id}/content", headers={"Range": "bytes=10-"}, timeout=30)
    raw.get(f"{base}/artifacts/{uploaded[0].id}/url", timeout=30).raise_for_status()  # null here: bytes in a folder
    raw.post(f"{base}/objects/{model.id}/artifacts-from-contents", json={"paths": ["from-browser.txt"]},
             timeout=30).raise_for_status()
    upload = raw.post(f"{base}/uploads", json={}, timeout=30).json()
    raw.put(f"{base}/uploads/{upload['upload_id']}?offset=0", data=b"abc", timeout=30).raise_for_status()
    finished = raw.post(f"{base}/uploads/{upload['upload_id']}/finish",
                        json={"checksum": hashlib.sha256(b"abc").hexdigest()}, timeout=30).json()
    raw.post(f"{base}/objects/{model.id}/artifacts", json={"path": "abc.txt", **finished}, timeout=30)
    cancelled = raw.post(f"{base}/uploads", json={}, timeout=30).json()["upload_id"]
    raw.get(f"{base}/uploads/{cancelled}", timeout=30).raise_for_status()
    raw.delete(f"{base}/uploads/{cancelled}", timeout=30).raise_for_status()
    with raw.get(f"{base}/export", stream=True, timeout=60) as export:
        assert export.status_code == 200 and export.raw.read(512)
    raw.get(f"{base}/models/nope", timeout=30)  # an error reply is checked too
    uploaded[0].delete()
    second.delete()
    version.delete()
    model.delete(cascade=True)

    unexercised = set(BY_ID) - checker.seen
    assert unexercised == {"import_upload"}, unexercised  # import needs an empty registry: test_maintenance


def test_default_operations_name_a_registry_method_that_takes_their_arguments() -> None:
    for operation in OPERATIONS:
        if operation.id in IMPLEMENTATIONS:
            continue
        method = getattr(Registry, operation.id, None)
        assert callable(method), f"{operation.id}: no Registry.{operation.id} and no @implements"
        accepted = set(inspect.signature(method).parameters) - {"self"}
        wanted = {*operation.wire_names(), *(["actor"] if operation.writes else []),
                  *(["if_revision"] if operation.if_match else [])}
        assert wanted <= accepted, (operation.id, sorted(wanted - accepted))


def test_routes_and_the_document_come_from_the_declaration(jupyter_server: JupyterServer) -> None:
    declared = {(o.path, o.verb) for o in OPERATIONS}
    assert {(path, verb) for path, handler in ROUTES for verb in handler_methods(handler)} == declared
    document = requests.get(f"{jupyter_server.url}{PREFIX}/openapi.json", timeout=30,
                            headers={"Authorization": f"token {jupyter_server.token}"}).json()
    assert {(path, verb) for path, item in document["paths"].items() for verb in item} == declared
    assert sorted(o["operationId"] for item in document["paths"].values() for o in item.values()) == sorted(BY_ID)
    assert document == openapi_document("/")  # what labextension/src/generated/api.ts is generated from
    model = document["components"]["schemas"]["Model"]
    assert "revision" in model["required"] and model["additionalProperties"] is False
    json.dumps(document)  # plain JSON, nothing Python-only


@pytest.mark.parametrize(("body", "message"), [
    ({"name": 42}, "name must be a string, not int"),
    ({"name": "m", "metadata": [1]}, "metadata must be"),
    ({"name": "m", "artifacts": "one.txt"}, "artifacts must be"),
    ({"name": "m", "exist_ok": "yes"}, "exist_ok must be true or false, not str"),
])
def test_a_refused_field_is_named(jupyter_server: JupyterServer, tmp_path: Path, body: dict[str, Any],
                                  message: str) -> None:
    jupyter_server.reset(tmp_path / "registry")
    answer = requests.post(f"{jupyter_server.url}{PREFIX}/models", json=body, timeout=30,
                           headers={"Authorization": f"token {jupyter_server.token}"})
    assert answer.status_code == 422 and message in answer.json()["message"], answer.json()
    assert requests.get(f"{jupyter_server.url}{PREFIX}/models", timeout=30,
                        headers={"Authorization": f"token {jupyter_server.token}"}).json()["total"] == 0

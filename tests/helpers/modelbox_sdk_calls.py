"""ModelBox's own Python SDK (PyPI ``modelbox`` 0.0.5) making its documented calls against our server.

Run by the SDK's virtual environment (see ``tests/test_grpc_modelbox_sdk.py``), never imported by our
package or tests: ``python modelbox_sdk_calls.py TARGET TOKEN WORKDIR`` prints one JSON object, each
call's result or the error it raised. ``with_token`` is the interceptor the README documents (the SDK
has no token option).
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from modelbox import service_pb2_grpc
from modelbox.modelbox import Event, EventSource, MLFramework, ModelBox


class TokenInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                       grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds ``authorization: token <token>`` to every call."""

    def __init__(self, token: str) -> None:
        self.auth = ("authorization", f"token {token}")

    def _with_token(self, details: Any) -> Any:
        return details._replace(metadata=[*(details.metadata or ()), self.auth])

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    intercept_unary_stream = intercept_stream_unary = intercept_stream_stream = intercept_unary_unary


def with_token(box: ModelBox, token: str) -> ModelBox:
    client = box._client
    client._channel = grpc.intercept_channel(client._channel, TokenInterceptor(token))
    client._client = service_pb2_grpc.ModelStoreStub(client._channel)
    return box


results: dict[str, Any] = {}


def call(name: str, function: Callable[[], Any], show: Callable[[Any], Any] = lambda value: None) -> Any:
    try:
        value = function()
    except Exception as exc:
        results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:400],
                         "where": traceback.format_exc(limit=-1).splitlines()[-3].strip()}
        return None
    results[name] = {"ok": True, "value": show(value)}
    return value


def main(target: str, token: str, workdir: str) -> None:
    work = Path(workdir)
    weights, notes = work / "weights.pt", work / "notes.txt"
    weights.write_bytes(bytes(range(256)) * 40)  # 10 KiB: ten of the SDK's 1 KiB upload chunks
    notes.write_text("trained on voxlingua\n")
    call("import_from_package", lambda: __import__("modelbox").ModelBox)  # its README's import
    box = with_token(ModelBox(target), token)

    model = call("new_model", lambda: box.new_model("yolo", "owner@email.com", "ai", "object_detection", "yolo_des",
                                                    metadata={"meta": "foo"}), lambda m: m.id)
    call("models", lambda: box.models("ai"), lambda r: [(m.id, m.name, m.owner, m.task) for m in r.models])
    version = call("new_model_version", lambda: model.new_model_version(
        "v1", name="yolo4_v1", description="A Yolo v4 trained with custom dataset", unique_tags=["production"],
        framework=MLFramework.PYTORCH), lambda v: v.id)
    call("model_versions", lambda: model.model_versions(), lambda vs: [v.id for v in vs])

    for kind, parent in (("model", model), ("version", version)):
        call(f"{kind}.update_metadata", lambda p=parent: p.update_metadata("dataset", {"name": "coco", "size": 5}),
             lambda r: r.updated_at.seconds > 0)
        call(f"{kind}.metadata", lambda p=parent: p.metadata(), lambda r: r.metadata)
        call(f"{kind}.log_metrics", lambda p=parent: [p.log_metrics({"loss": 0.5 - step / 10}, step=step)
                                                      for step in range(3)])
        call(f"{kind}.all_metrics", lambda p=parent: p.all_metrics(),
             lambda r: {k: [(v.step, round(v.value, 6)) for v in vs] for k, vs in r.items()})
        call(f"{kind}.upload_artifact", lambda p=parent: p.upload_artifact([str(weights)]), lambda r: r.artifact_ids)
        call(f"{kind}.track_artifacts", lambda p=parent: p.track_artifacts([str(notes)]),
             lambda r: r.num_artifacts_tracked)
        artifacts = call(f"{kind}.artifacts", lambda p=parent: p.artifacts,
                         lambda r: sorted((a.path, a.checksum, a.mime_type.name) for a in r))
        uploaded = [a for a in artifacts or [] if a.path == "weights.pt"]
        if uploaded:
            copy = work / f"{kind}-copy.pt"
            call(f"{kind}.download_artifact", lambda p=parent, a=uploaded[0], c=copy: p.download_artifact(a.id, str(c)),
                 lambda r: Path(r.path).read_bytes() == weights.read_bytes())
        call(f"{kind}.log_event", lambda p=parent: p.log_event(Event(
            "checkpoint_write_start", EventSource("trainer"), 0, {"epoch": 3})), lambda r: r.created_at > 0)
        call(f"{kind}.events", lambda p=parent: p.events(),
             lambda r: [(e.name, e.source.name, e.metadata) for e in r])

    experiment = call("new_experiment", lambda: box.new_experiment("exp-1", "owner@email.com", "ai", "ext-42",
                                                                   MLFramework.PYTORCH), lambda e: e.id)
    call("experiment", lambda: box.experiment(experiment.id),
         lambda e: (e.name, e.owner, e.namespace, e.external_id, e.framework.name))
    call("experiments", lambda: box.experiments("ai"), lambda r: [(e.id, e.name) for e in r.experiments])
    checkpoints = []
    for epoch in (1, 2):
        checkpoints.append(call(f"new_checkpoint.{epoch}", lambda e=epoch: experiment.new_checkpoint(
            e, metrics={"val_loss": 0.5 / e}), lambda c: c.id))
    call("new_checkpoint.without_metrics", lambda: experiment.new_checkpoint(3), lambda c: c.id)
    call("checkpoints", lambda: experiment.checkpoints(), lambda cs: [(c.id, c.epoch) for c in cs])
    call("experiment.log_metrics", lambda: experiment.log_metrics({"loss": 0.25}, step=7))
    call("experiment.update_metadata", lambda: experiment.update_metadata("lr", 0.001))
    call("experiment.log_event", lambda: experiment.log_event(Event("started", EventSource("trainer"), 0, {})))
    call("experiment.events", lambda: experiment.events(), lambda r: [(e.name, e.source.name) for e in r])
    if checkpoints and checkpoints[0] is not None:
        call("checkpoint.update_metadata", lambda: checkpoints[0].update_metadata("note", "best so far"))
        call("checkpoint.upload_artifact", lambda: checkpoints[0].upload_artifact([str(weights)]),
             lambda r: r.artifact_ids)
    call("model", lambda: box.model(model.id), lambda m: m is not None)
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""Experiments and their checkpoints (issue 17): both seeds' calls, on each transport and backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jupyter_modelbox import AlreadyExistsError, Experiment, InvalidArgumentError, ModelBox, NotFoundError

from .conftest import ALL_TRANSPORTS

pytestmark = pytest.mark.transports(*ALL_TRANSPORTS)  # gRPC too


def train(mb: ModelBox, files: dict[str, Path], **experiment: Any) -> Experiment:
    exp = mb.new_experiment("mnist-run", owner="ana", external_id="det-17", framework="torch",
                            hparams={"lr": 0.01, "layers": [64, 32]}, metadata={"dataset": "mnist"}, **experiment)
    for epoch, (loss, acc) in enumerate([(0.9, 0.6), (0.3, 0.9), (0.5, 0.8)], start=1):
        exp.new_checkpoint([str(files["weights"])], epoch=epoch, batch_number=epoch * 100, trial_id=7,
                           metrics={"val_loss": loss, "accuracy": acc, "validation_metrics": {"loss": loss}})
    return exp


def test_a_new_checkpoint_is_one_call_and_its_experiment_reads_its_new_count_when_next_looked_at(
    mb: ModelBox, count_calls: Callable[..., list[str]],
) -> None:
    exp = mb.new_experiment("counted")
    calls = count_calls("create_checkpoint", "get_experiment")
    exp.new_checkpoint(epoch=1)
    exp.new_checkpoint(epoch=2)
    assert calls == ["create_checkpoint", "create_checkpoint"]
    assert (exp.num_checkpoints, exp.name) == (2, "counted")
    assert calls == ["create_checkpoint", "create_checkpoint", "get_experiment"]


def test_new_experiment_fields_and_lookups(mb: ModelBox) -> None:
    exp = mb.new_experiment("run-1", owner="ana", namespace="vision", external_id="wandb-abc", framework="torch",
                            metadata={"dataset": "mnist"}, hparams={"lr": 0.1})
    assert (exp.name, exp.namespace, exp.owner, exp.external_id, exp.framework) == (
        "run-1", "vision", "ana", "wandb-abc", "torch")
    assert exp.metadata == {"dataset": "mnist"} and exp.hparams == {"lr": 0.1} and exp.num_checkpoints == 0
    assert mb.get_experiment(exp.id) == exp == mb.get_experiment("run-1", namespace="vision")
    with pytest.raises(NotFoundError, match="none is named 'run-1' in namespace 'default'"):
        mb.get_experiment("run-1")
    with pytest.raises(AlreadyExistsError, match="already exists in namespace 'vision'"):
        mb.new_experiment("run-1", namespace="vision")
    assert mb.new_experiment("run-1", namespace="vision", exist_ok=True) == exp
    with pytest.raises(InvalidArgumentError, match="experiment name"):
        mb.new_experiment("a/b")
    with pytest.raises(InvalidArgumentError, match=r"hparams must be (a dict|null or an object)"):
        mb.new_experiment("x", hparams=[1, 2])  # type: ignore[arg-type]


def test_checkpoints_carry_determineds_fields_and_list_by_epoch(mb: ModelBox, files: dict[str, Path]) -> None:
    exp = mb.new_experiment("run", framework="torch", hparams={"lr": 0.01})
    late = exp.new_checkpoint([str(files["weights"])], epoch=2, batch_number=50, trial_id=3,
                              metrics={"val_loss": 0.2}, format="state_dict", metadata={"gpu": "a100"})
    early = exp.new_checkpoint(epoch=1, batch_number=900, metrics={"val_loss": 0.4}, hparams={"lr": 0.1})
    assert (late.experiment_id, late.trial_id, late.epoch, late.batch_number) == (exp.id, 3, 2, 50)
    assert late.framework == "torch" and late.hparams == {"lr": 0.01}  # from the experiment
    assert early.hparams == {"lr": 0.1} and early.resources == {}
    assert late.resources == {"weights.pt": files["weights"].stat().st_size}
    assert late.format == "state_dict" and late.metadata == {"gpu": "a100"}
    assert late.summary_metrics == {"val_loss": 0.2} and late.uuid == late.id
    assert [c.epoch for c in exp.checkpoints()] == [1, 2] and exp.checkpoints().total == 2
    assert [c.id for c in exp.checkpoints(epoch=2)] == [late.id]
    assert [c.epoch for c in exp.checkpoints(offset=1, limit=5)] == [2]
    assert exp.num_checkpoints == 2 and mb.get_experiment(exp.id).num_checkpoints == 2
    assert late.experiment == exp and mb.get_checkpoint(late.uuid).epoch == 2
    with pytest.raises(InvalidArgumentError, match="epoch must be >= 0"):
        exp.new_checkpoint(epoch=-1)
    with pytest.raises(NotFoundError, match="experiment 'nope' does not exist"):
        Experiment(mb, {**exp.to_dict(), "id": "nope"}).new_checkpoint(epoch=1)
    assert exp.reload().num_checkpoints == 2  # the refused ones counted nothing


def test_top_checkpoint_by_declared_metric_else_val_loss(mb: ModelBox, files: dict[str, Path]) -> None:
    exp = train(mb, files)
    assert exp.top_checkpoint().epoch == 2  # val_loss, smaller is better
    assert exp.top_checkpoint("accuracy", smaller_is_better=False).epoch == 2
    assert exp.top_checkpoint("accuracy").epoch == 1  # smaller is better unless said otherwise
    assert exp.top_checkpoint("validation_metrics.loss").epoch == 2
    declared = mb.new_experiment("declared", metric="accuracy", smaller_is_better=False)
    declared.new_checkpoint(epoch=1, metrics={"accuracy": 0.7, "val_loss": 0.1})
    declared.new_checkpoint(epoch=2, metrics={"accuracy": 0.8, "val_loss": 0.5})
    assert declared.metric == "accuracy" and declared.smaller_is_better is False
    assert declared.top_checkpoint().epoch == 2 and declared.top_checkpoint("val_loss").epoch == 1
    with pytest.raises(NotFoundError, match=r"none of its 3 checkpoint\(s\) reports 'f1'.*accuracy, val_loss"):
        exp.top_checkpoint("f1")
    with pytest.raises(NotFoundError, match="it has no checkpoints yet"):
        mb.new_experiment("empty").top_checkpoint()


def test_register_the_top_checkpoint_links_the_version_back(mb: ModelBox, files: dict[str, Path]) -> None:
    exp = train(mb, files)
    model = mb.new_model("mnist")
    version = model.register_version(exp.top_checkpoint().uuid)
    assert version.checkpoint is not None and version.checkpoint.epoch == 2
    assert version.checkpoint.experiment == exp and version.framework == "torch"
    assert mb.new_checkpoint([str(files["notes"])]).experiment is None  # checkpoints without experiments still work


def test_compare_and_describe_show_the_run_each_version_came_from(mb: ModelBox, files: dict[str, Path]) -> None:
    exp = train(mb, files)
    model = mb.new_model("mnist")
    model.register_version(exp.top_checkpoint().uuid)
    model.register_version(mb.new_checkpoint([str(files["notes"])], metrics={"val_loss": 0.7}).uuid)
    model.new_model_version()
    frame = model.compare()
    rows = list(frame.index)
    assert rows[:9] == ["label", "framework", "tags", "created", "checkpoint.uuid", "experiment",
                        "checkpoint.trial_id", "checkpoint.epoch", "checkpoint.batch_number"]
    assert frame.loc["experiment"].tolist() == [None, None, "mnist-run"]
    assert frame.loc["checkpoint.epoch", "v1"] == 2 and frame.loc["checkpoint.hparams.lr", "v1"] == 0.01
    assert rows.index("checkpoint.hparams.lr") < rows.index("checkpoint.metrics.val_loss")

    from jupyter_modelbox.widgets.browser import lineage_html

    assert "trained in</th><td style='text-align:left'>experiment mnist-run (default) · trial 7 · epoch 2 · " \
           "batch 200" in lineage_html(model.get_version(1))  # type: ignore[arg-type]
    assert "not recorded" in lineage_html(model.get_version(2))  # type: ignore[arg-type]


def test_experiments_page_and_search(mb: ModelBox) -> None:
    for number in range(5):
        mb.new_experiment(f"run-{number}", namespace="nlp" if number % 2 else "default", framework="torch",
                          hparams={"lr": 0.1 * number, "optimizer": "adam" if number < 3 else "sgd"})
    assert [e.name for e in mb.experiments()] == ["run-4", "run-3", "run-2", "run-1", "run-0"]
    assert mb.experiments().total == 5 and [e.name for e in mb.experiments(offset=1, limit=2)] == ["run-3", "run-2"]
    assert [e.name for e in mb.experiments(namespace="nlp")] == ["run-3", "run-1"]
    assert [e.name for e in mb.experiments(query="hparams.optimizer = sgd")] == ["run-4", "run-3"]
    assert [e.name for e in mb.experiments(query="hparams.lr < 0.15 and not namespace = nlp")] == ["run-0"]
    assert [e.name for e in mb.experiments(query="run-2 or checkpoints > 0")] == ["run-2"]
    page = mb.experiments(namespace="default", query="framework = torch", limit=1)
    assert [e.name for e in page] == ["run-4"] and page.total == 3
    with pytest.raises(InvalidArgumentError, match="unknown field 'task'"):
        mb.experiments(query="task = x")


def test_experiment_metrics_metadata_artifacts_and_events(mb: ModelBox, files: dict[str, Path]) -> None:
    exp = mb.new_experiment("run")
    for step in range(3):
        exp.log_metrics({"loss": 1.0 / (step + 1)}, step=step)
    assert exp.metrics("loss")["value"].tolist() == [1.0, 0.5, 1 / 3]
    exp.update_metadata("git", "abc123")
    exp.add_metadata({"team": "vision"})
    exp.remove_metadata("git")
    assert exp.metadata == {"team": "vision"} == mb.get_experiment(exp.id).metadata
    uploaded = exp.upload_artifact([str(files["notes"])])
    tracked = exp.track_artifacts(["s3://bucket/run/ckpt-1"])
    assert sorted(a.path for a in exp.artifacts()) == sorted([uploaded[0].path, tracked[0].path])
    exp.log_event("checkpoint_write_start", source="trainer", wallclock=100.0, metadata={"epoch": 1})
    exp.log_event("started", wallclock=50.0)
    assert [(e["name"], e["source"], e["wallclock"]) for e in exp.events()] == [
        ("started", None, 50.0), ("checkpoint_write_start", "trainer", 100.0)]
    with pytest.raises(InvalidArgumentError, match=r"wallclock must be (seconds|null or a number)"):
        exp.log_event("x", wallclock="soon")  # type: ignore[arg-type]
    changes = {(e["kind"], e.get("experiment_id")) for e in mb.events()}
    assert {("experiment.created", exp.id), ("event.logged", exp.id), ("metadata.updated", exp.id)} <= changes


def test_events_are_logged_on_every_kind_of_object(mb: ModelBox) -> None:
    model = mb.new_model("m")
    objects = [model, model.new_model_version(), mb.new_checkpoint([]), mb.new_experiment("run")]
    for number, obj in enumerate(objects):
        obj.log_event("evaluated", source="ci", wallclock=float(number), metadata={"n": number})
    assert [[(e["name"], e["parent"], e["metadata"]) for e in obj.events()] for obj in objects] == [
        [("evaluated", obj.id, {"n": number})] for number, obj in enumerate(objects)]
    with pytest.raises(NotFoundError, match="no model, version, checkpoint or experiment has id 'nope'"):
        mb._transport.log_event("nope", "x")  # type: ignore[attr-defined]


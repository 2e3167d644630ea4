"""The ModelBox seed's calls, exactly as the seed writes them, with the semantics of issue 3."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_modelbox import (
    AlreadyExistsError,
    Artifact,
    ArtifactMime,
    ConflictError,
    IntegrityError,
    InvalidArgumentError,
    ModelBox,
    NotFoundError,
)

from .conftest import ALL_TRANSPORTS

pytestmark = pytest.mark.transports(*ALL_TRANSPORTS)  # gRPC too


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_model_round_trips_every_argument(mb: ModelBox, files: dict[str, Path]) -> None:
    model = mb.new_model(
        "lang-id", "alice", "speech", "Language ID", "identifies the spoken language",
        [str(files["weights"])], {"dataset": {"name": "voxlingua", "hours": 6628}},
    )
    again = mb.get_model("lang-id", namespace="speech")
    for m in (model, again):
        assert (m.name, m.owner, m.namespace, m.task, m.description) == (
            "lang-id", "alice", "speech", "Language ID", "identifies the spoken language",
        )
        assert m.metadata == {"dataset": {"name": "voxlingua", "hours": 6628}}
    [tracked] = again.artifacts()
    assert tracked.tracked and tracked.path == str(files["weights"].absolute())
    assert tracked.checksum == sha256(files["weights"]) and tracked.size == files["weights"].stat().st_size
    assert tracked.mime_type is ArtifactMime.Model


def test_namespace_defaults_and_names_are_unique_per_namespace(mb: ModelBox) -> None:
    assert mb.new_model("asr").namespace == "default"
    mb.new_model("asr", namespace="other")
    with pytest.raises(AlreadyExistsError, match="'asr' already exists in namespace 'default'"):
        mb.new_model("asr")
    assert mb.new_model("asr", exist_ok=True).namespace == "default"
    assert [m.namespace for m in mb.models()] == ["default", "other"]
    assert [m.name for m in mb.models(namespace="other")] == ["asr"]


def test_new_model_version_numbers_labels_and_fields(mb: ModelBox, files: dict[str, Path]) -> None:
    model = mb.new_model("asr", description="speech")
    v1 = model.new_model_version(
        "v1.0", "asr-small", "first try", [str(files["notes"])], {"wer": 0.21}, ["production"], "pytorch",
    )
    v2 = model.new_model_version()
    assert (v1.number, v1.version, v1.name, v1.description, v1.framework) == (
        1, "v1.0", "asr-small", "first try", "pytorch",
    )
    assert v1.metadata == {"wer": 0.21} and v1.tags == ["production"]
    assert [a.path for a in v1.artifacts()] == [str(files["notes"].absolute())]
    assert (v2.number, v2.version, v2.name) == (2, "2", "asr")
    assert model.reload().num_versions == 2


def test_a_new_version_is_one_call_and_its_model_reads_its_new_count_when_next_looked_at(
    mb: ModelBox, count_calls: Callable[..., list[str]],
) -> None:
    model = mb.new_model("counted")
    calls = count_calls("create_version", "get_model")
    model.new_model_version()
    model.register_version(mb.new_checkpoint([]).uuid)
    assert calls == ["create_version", "create_version"]  # the model is not read back after each
    assert (model.num_versions, model.name) == (2, "counted")
    assert calls == ["create_version", "create_version", "get_model"]  # read once, when looked at


def test_version_numbers_are_never_reused_after_delete(mb: ModelBox) -> None:
    model = mb.new_model("m")
    model.new_model_version()
    model.new_model_version().delete()
    assert model.new_model_version().number == 3
    assert [v.number for v in model.get_versions()] == [3, 1]


def test_unique_tag_conflict_names_the_holder_and_move_keeps_history(mb: ModelBox) -> None:
    model = mb.new_model("m")
    v1 = model.new_model_version(unique_tags=["production"])
    v2 = model.new_model_version()
    with pytest.raises(ConflictError, match="held by version 1"):
        model.new_model_version(unique_tags=["production"])
    with pytest.raises(ConflictError, match="held by version 1"):
        v2.add_tag("production")
    v2.add_tag("production", move=True)
    assert v1.reload().tags == [] and v2.tags == ["production"]
    assert model.get_version("production") == v2
    history = model.tag_history("production")
    assert [(h["action"], h["number"], h["previous_number"]) for h in history] == [
        ("set", 1, None), ("moved", 2, 1),
    ]
    assert model.tag_holder("production", at=history[0]["at"]) == v1
    assert model.tag_holder("production") == v2


def test_log_metrics_orders_by_step_then_wallclock(mb: ModelBox) -> None:
    version = mb.new_model("m").new_model_version()
    version.log_metrics({"loss": 0.5, "acc": 0.7}, step=2)
    version.log_metrics({"loss": 0.9, "acc": 0.1}, step=1)
    version.log_metrics({"note": "no step, later"}, wallclock=2000.0)
    version.log_metrics({"note": "no step, earlier"}, wallclock=1000.0)
    frame = version.metrics()
    assert list(frame.columns) == ["key", "step", "wallclock", "value"]
    assert frame["step"].tolist()[:4] == [1, 1, 2, 2]
    assert frame["value"].tolist()[-2:] == ["no step, earlier", "no step, later"]
    assert frame["step"].isna().tolist()[-2:] == [True, True]
    assert version.metrics("loss")["value"].tolist() == [0.9, 0.5]


def test_metric_values_float_str_and_bytes_round_trip(mb: ModelBox) -> None:
    model = mb.new_model("m")
    model.log_metrics({"f": 1.5, "s": "text", "b": b"\x00\xff"}, step=0)
    values = model.metrics().set_index("key")["value"].to_dict()
    assert values == {"f": 1.5, "s": "text", "b": b"\x00\xff"}
    assert model.metric_keys() == ["b", "f", "s"]


def test_batch_log_metrics_with_arrays(mb: ModelBox) -> None:
    version = mb.new_model("m").new_model_version()
    steps = np.arange(10_000)
    version.log_metrics({"loss": np.linspace(1, 0, 10_000), "lr": np.full(10_000, 0.1)}, step=steps)
    frame = version.metrics("loss")
    assert len(frame) == 10_000 and frame["step"].tolist() == steps.tolist()
    assert frame["value"].iloc[-1] == 0.0


def test_nan_metric_values_are_kept(mb: ModelBox) -> None:
    version = mb.new_model("m").new_model_version()
    version.log_metrics({"loss": float("nan")}, step=0)
    assert np.isnan(version.metrics()["value"][0])


def test_update_metadata_accepts_any_json_value_on_every_object(mb: ModelBox, files: dict[str, Path]) -> None:
    model = mb.new_model("m")
    version = model.new_model_version()
    checkpoint = mb.new_checkpoint([str(files["weights"])])
    for obj in (model, version, checkpoint):
        obj.update_metadata("config", {"layers": [64, 32], "dropout": 0.1, "name": None})
        obj.update_metadata("epochs", 3)
        assert obj.metadata == {"config": {"layers": [64, 32], "dropout": 0.1, "name": None}, "epochs": 3}
        assert obj.reload().metadata == obj.metadata


@pytest.mark.blobs
def test_upload_artifact_lists_fields_and_downloads_verified(
    mb: ModelBox, files: dict[str, Path], tmp_path: Path
) -> None:
    version = mb.new_model("m").new_model_version()
    uploaded = version.upload_artifact([str(files["weights"]), str(files["notes"]), str(files["plot"])])
    listed = version.artifacts()
    assert [a.id for a in listed] == [a.id for a in uploaded]
    by_path = {a.path: a for a in listed}
    assert set(by_path) == {"weights.pt", "notes.txt", "loss.png"}
    assert by_path["weights.pt"].mime_type is ArtifactMime.Model
    assert by_path["notes.txt"].mime_type is ArtifactMime.Text
    assert by_path["loss.png"].mime_type is ArtifactMime.Image
    for artifact in listed:
        assert isinstance(artifact, Artifact)
        assert artifact.parent == version.id and not artifact.tracked and artifact.created_at is not None
        assert artifact.checksum == sha256(files[{"weights.pt": "weights", "notes.txt": "notes",
                                                  "loss.png": "plot"}[artifact.path]])
    out = by_path["weights.pt"].download(tmp_path)
    assert out == tmp_path / "weights.pt" and out.read_bytes() == files["weights"].read_bytes()


@pytest.mark.blobs
def test_upload_folder_keeps_relative_paths(mb: ModelBox, files: dict[str, Path], tmp_path: Path) -> None:
    model = mb.new_model("m")
    names = sorted(a.path for a in model.upload_artifact(files["weights"].parent))
    assert names == ["files/loss.png", "files/notes.txt", "files/weights.pt"]
    model.download(tmp_path / "copy")
    assert (tmp_path / "copy" / "files" / "notes.txt").read_text() == "trained for 3 epochs\n"


@pytest.mark.blobs
def test_two_files_for_one_path_are_refused_and_nothing_is_recorded(
    mb: ModelBox, files: dict[str, Path], tmp_path: Path
) -> None:
    other = tmp_path / "elsewhere" / "notes.txt"
    other.parent.mkdir()
    other.write_text("a different notes.txt")
    version = mb.new_model("m").new_model_version()
    with pytest.raises(InvalidArgumentError, match=r"given more than once: notes\.txt"):
        version.upload_artifact([files["notes"], files["weights"], other])
    assert version.artifacts() == []


@pytest.mark.blobs
def test_a_folder_of_many_small_files_becomes_one_artifact_each(mb: ModelBox, tmp_path: Path) -> None:
    folder = tmp_path / "shards"
    folder.mkdir()
    for i in range(40):
        (folder / f"part-{i:02d}.json").write_text(f'{{"shard": {i}}}')
    version = mb.new_model("m").new_model_version()
    uploaded = version.upload_artifact(folder)
    assert [a.path for a in uploaded] == [f"shards/part-{i:02d}.json" for i in range(40)]
    assert {a.path: a.checksum for a in version.artifacts()} == {
        f"shards/part-{i:02d}.json": sha256(folder / f"part-{i:02d}.json") for i in range(40)}


def test_identical_content_is_stored_once(
    mb: ModelBox, files: dict[str, Path], tmp_path: Path, registry_root: Path
) -> None:
    copy = tmp_path / "copy.pt"
    copy.write_bytes(files["weights"].read_bytes())
    mb.new_model("a").upload_artifact([files["weights"]])
    mb.new_model("b").upload_artifact([copy])
    assert len(list((registry_root / "blobs" / "sha256").rglob("*"))) == 2  # one fan-out folder, one blob


def test_download_detects_damaged_bytes(
    mb: ModelBox, files: dict[str, Path], tmp_path: Path, registry_root: Path
) -> None:
    [artifact] = mb.new_model("m").upload_artifact([files["weights"]])
    blob = registry_root / "blobs" / "sha256" / artifact.checksum[:2] / artifact.checksum[2:]
    blob.write_bytes(b"tampered")
    with pytest.raises(IntegrityError, match="sha256"):
        artifact.download(tmp_path / "out.pt")
    assert not (tmp_path / "out.pt").exists()


def test_tracked_file_that_changed_fails_download(mb: ModelBox, tmp_path: Path) -> None:
    source = tmp_path / "external.bin"
    source.write_bytes(b"original")
    [artifact] = mb.new_model("m").track_artifacts([str(source)])
    source.write_bytes(b"changed!")
    with pytest.raises(IntegrityError):
        artifact.download(tmp_path / "copy.bin")


def test_track_uri_records_location_without_checksum(mb: ModelBox) -> None:
    [artifact] = mb.new_model("m").track_artifacts(["s3://bucket/models/model.onnx"])
    assert artifact.tracked and artifact.location == "s3://bucket/models/model.onnx"
    assert artifact.checksum == "" and artifact.mime_type is ArtifactMime.Model


def test_missing_files_are_clear_errors_and_change_nothing(mb: ModelBox, tmp_path: Path) -> None:
    model = mb.new_model("m")
    with pytest.raises(NotFoundError, match="no such file"):
        model.upload_artifact([tmp_path / "nope.bin"])
    with pytest.raises(NotFoundError, match="no such file"):
        model.track_artifacts([str(tmp_path / "nope.bin")])
    with pytest.raises(NotFoundError, match="no such file"):
        mb.new_model("n", artifacts=[str(tmp_path / "nope.bin")])
    assert model.artifacts() == [] and [m.name for m in mb.models()] == ["m"]


def test_metrics_frame_types(mb: ModelBox) -> None:
    model = mb.new_model("m")
    assert model.metrics().empty
    model.log_metrics({"loss": 1.0}, step=3)
    frame = model.metrics()
    assert str(frame["step"].dtype) == "Int64" and frame["wallclock"].dtype == np.float64
    assert isinstance(frame, pd.DataFrame)


@pytest.mark.transports("local", "http")  # gRPC: issue 17's second half wires the experiment RPCs
def test_experiments_as_the_seeds_sdk_calls_them(mb: ModelBox, files: dict[str, Path]) -> None:
    experiment = mb.new_experiment("exp-langid", "owner@example.com", "langtech", "wandb-1x2", "pytorch")
    assert (experiment.owner, experiment.namespace, experiment.external_id, experiment.framework) == (
        "owner@example.com", "langtech", "wandb-1x2", "pytorch")
    assert mb.experiment(experiment.id) == experiment and [e.id for e in mb.experiments("langtech")] == [experiment.id]
    assert mb.new_experiment("exp-langid", namespace="langtech", exist_ok=True) == experiment  # idempotent on request
    for epoch in (1, 2):
        checkpoint = experiment.new_checkpoint(epoch=epoch, metrics={"loss": 1.0 / epoch, "accuracy": 0.4 * epoch})
        assert checkpoint.epoch == epoch and checkpoint.summary_metrics["loss"] == 1.0 / epoch
    listed = experiment.checkpoints()
    assert [c.epoch for c in listed] == [1, 2] and listed[1].summary_metrics == {"loss": 0.5, "accuracy": 0.8}
    experiment.log_metrics({"loss": 0.3}, step=1)
    experiment.update_metadata("dataset", {"name": "voxlingua", "hours": 6628})
    uploaded = experiment.upload_artifact([str(files["notes"])])
    experiment.track_artifacts(["s3://bucket/exp-langid/config.yaml"])
    assert {a.path for a in experiment.artifacts()} == {uploaded[0].path, "s3://bucket/exp-langid/config.yaml"}
    experiment.log_event("checkpoint_write_start", source="trainer", metadata={"epoch": 2})
    assert [(e["name"], e["source"]) for e in experiment.events()] == [("checkpoint_write_start", "trainer")]
    assert experiment.metrics()["value"].tolist() == [0.3]
    assert mb.get_experiment(experiment.id).metadata == {"dataset": {"name": "voxlingua", "hours": 6628}}

"""The Determined seed's registry calls, as the seed writes them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jupyter_modelbox import (
    ConflictError,
    InvalidArgumentError,
    ModelBox,
    ModelOrderBy,
    ModelSortBy,
    NotFoundError,
)

from .conftest import ALL_TRANSPORTS

pytestmark = pytest.mark.transports(*ALL_TRANSPORTS)  # gRPC too


def test_create_and_get_model(mb: ModelBox) -> None:
    model = mb.create_model(
        "model_name", description="optional description", metadata={"optional": "JSON serializable dictionary"},
    )
    fetched = mb.get_model("model_name")
    assert fetched == model == mb.get_model_by_id(model.id)
    assert fetched.description == "optional description"
    assert fetched.metadata == {"optional": "JSON serializable dictionary"}
    assert fetched.get_versions() == [] and fetched.get_version() is None


def make_models(mb: ModelBox) -> None:
    for name, description in [("mnist_pytorch", "digits"), ("ocr-lines", "OCR of text lines"),
                              ("Mnist_cnn", "a character recognition model"), ("bert", "ocr post-correction")]:
        mb.create_model(name, description=description)
        time.sleep(0.002)


def test_get_models_sorts_and_orders(mb: ModelBox) -> None:
    make_models(mb)
    assert [m.name for m in mb.get_models()] == ["bert", "Mnist_cnn", "mnist_pytorch", "ocr-lines"]
    assert [m.name for m in mb.get_models(sort_by=ModelSortBy.CREATION_TIME)] == [
        "mnist_pytorch", "ocr-lines", "Mnist_cnn", "bert",
    ]
    assert [m.name for m in mb.get_models(sort_by=ModelSortBy.CREATION_TIME, order_by=ModelOrderBy.DESC)] == [
        "bert", "Mnist_cnn", "ocr-lines", "mnist_pytorch",
    ]
    assert [m.description for m in mb.get_models(sort_by=ModelSortBy.DESCRIPTION)] == [
        "a character recognition model", "digits", "OCR of text lines", "ocr post-correction",
    ]
    mb.get_model("ocr-lines").set_description("OCR of text lines, v2")
    assert mb.get_models(sort_by=ModelSortBy.LAST_UPDATED_TIME)[-1].name == "ocr-lines"
    assert mb.get_models(sort_by="last_updated_time", order_by="desc")[0].name == "ocr-lines"


def test_get_models_filters_by_name_and_description_and_pages(mb: ModelBox) -> None:
    make_models(mb)
    assert sorted(m.name for m in mb.get_models(name="mnist")) == ["Mnist_cnn", "mnist_pytorch"]
    assert sorted(m.name for m in mb.get_models(description="ocr")) == ["bert", "ocr-lines"]
    assert [m.name for m in mb.get_models(offset=1, limit=2)] == ["Mnist_cnn", "mnist_pytorch"]
    with pytest.raises(InvalidArgumentError, match="sort_by must be one of"):
        mb.get_models(sort_by="size")


def test_add_metadata_merges_top_level_keys_exactly_as_the_seed_shows(mb: ModelBox) -> None:
    model = mb.create_model("model_name")
    model.add_metadata({"key": "value"})
    model.add_metadata({"metrics": {"test_set_loss": 0.091}})
    assert model.metadata == {"key": "value", "metrics": {"test_set_loss": 0.091}}
    model.add_metadata({"metrics": {"test_set_acc": 0.97}})
    assert model.metadata == {"key": "value", "metrics": {"test_set_acc": 0.97}}
    model.remove_metadata(["key"])
    assert model.metadata == {"metrics": {"test_set_acc": 0.97}}
    assert mb.get_model("model_name").metadata == {"metrics": {"test_set_acc": 0.97}}


def test_add_metadata_with_the_seeds_set_literal_explains_the_fix(mb: ModelBox) -> None:
    model = mb.create_model("model_name")
    with pytest.raises(InvalidArgumentError, match="with a colon"):
        model.add_metadata({"key", "value"})  # the seed's typo: a set, not a dict
    assert model.reload().metadata == {}


def test_checkpoint_register_and_access_versions(mb: ModelBox, files: dict[str, Path], tmp_path: Path) -> None:
    checkpoint = mb.new_checkpoint(
        [str(files["weights"]), str(files["notes"])], metadata={"batches": 100},
        metrics={"validation_loss": 0.12}, framework="tensorflow-1.14.0", format="h5",
    )
    assert checkpoint.summary_metrics == {"validation_loss": 0.12}
    assert (checkpoint.framework, checkpoint.format) == ("tensorflow-1.14.0", "h5")
    model = mb.create_model("model_name")
    versions = [model.register_version(checkpoint.uuid) for _ in range(3)]
    assert [v.number for v in versions] == [1, 2, 3]
    specific_version = model.get_version(3)
    latest_version = model.get_version()
    assert specific_version == latest_version == versions[2]
    assert [v.number for v in model.get_versions()] == [3, 2, 1]
    assert latest_version.checkpoint.uuid == checkpoint.uuid  # type: ignore[union-attr]
    assert latest_version.framework == "tensorflow-1.14.0"
    out = latest_version.checkpoint.download(tmp_path / "ckpt")  # type: ignore[union-attr]
    assert (out / "weights.pt").read_bytes() == files["weights"].read_bytes()
    assert (out / "notes.txt").read_text() == files["notes"].read_text()
    with pytest.raises(NotFoundError, match="no version 7"):
        model.get_version(7)


@pytest.mark.transports("local", "http")  # gRPC: issue 17's second half wires the experiment RPCs
def test_experiment_top_checkpoint_then_register_version_as_the_seed_writes_it(
    mb: ModelBox, files: dict[str, Path]
) -> None:
    experiment = mb.new_experiment("mnist-search", framework="tensorflow-1.14.0", hparams={"lr": 0.01})
    for batches, loss in ((100, 0.4), (200, 0.12), (300, 0.2)):
        experiment.new_checkpoint([str(files["weights"])], batch_number=batches, trial_id=11, format="h5",
                                  metrics={"val_loss": loss}, metadata={"steps_completed": batches})
    exp_id = experiment.id
    d = mb

    checkpoint = d.get_experiment(exp_id).top_checkpoint()
    model = d.create_model("mnist_cnn")
    version = model.register_version(checkpoint.uuid)

    registered = version.checkpoint
    assert registered is not None and registered.uuid == checkpoint.uuid
    assert (registered.experiment_id, registered.trial_id, registered.batch_number) == (exp_id, 11, 200)
    assert registered.hparams == {"lr": 0.01} and registered.summary_metrics == {"val_loss": 0.12}
    assert registered.resources == {"weights.pt": files["weights"].stat().st_size}
    assert registered.metadata == {"steps_completed": 200}
    assert (registered.framework, registered.format) == ("tensorflow-1.14.0", "h5")
    assert registered.experiment == experiment and version.framework == "tensorflow-1.14.0"
    assert model.get_version().checkpoint.experiment.name == "mnist-search"  # type: ignore[union-attr]


def test_register_unknown_checkpoint_is_not_found(mb: ModelBox) -> None:
    model = mb.create_model("m")
    with pytest.raises(NotFoundError, match="checkpoint 'nope' does not exist"):
        model.register_version("nope")
    assert model.get_versions() == []


def test_archive_blocks_changes_until_unarchived(mb: ModelBox) -> None:
    model = mb.create_model("m")
    model.archive()
    assert mb.get_model("m").archived
    with pytest.raises(ConflictError, match="archived"):
        model.new_model_version()
    with pytest.raises(ConflictError, match="archived"):
        model.add_metadata({"a": 1})
    assert [m.name for m in mb.get_models(archived=False)] == []
    model.unarchive()
    assert model.new_model_version().number == 1


def test_delete_model_refused_with_versions_unless_cascade(mb: ModelBox) -> None:
    model = mb.create_model("m")
    version = model.new_model_version()
    version.log_metrics({"loss": 1.0}, step=0)
    with pytest.raises(ConflictError, match="has 1 version"):
        model.delete()
    model.delete(cascade=True)
    with pytest.raises(NotFoundError):
        mb.get_model("m")
    with pytest.raises(NotFoundError):
        version.reload()


def test_rename_and_update_description(mb: ModelBox) -> None:
    model = mb.create_model("old")
    model.rename("new")
    model.set_description("better")
    assert mb.get_model("new").description == "better"
    with pytest.raises(NotFoundError, match="no model named 'old'"):
        mb.get_model("old")

"""Bad input gets a clear error naming what was wrong, and changes nothing."""

from __future__ import annotations

import pytest

from jupyter_modelbox import (
    ConflictError,
    InvalidArgumentError,
    ModelBox,
    ModelBoxError,
    NotFoundError,
)
from jupyter_modelbox.registry import PayloadTooLargeError


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 300, "the limit is 256"),
        ("bad\x00name", "control characters"),
        ("tab\tname", "control characters"),
        ("a/b", "must not contain '/'"),
        ("a\\b", "must not contain '/'"),
        ("..", "must not be '..'"),
        (" padded", "whitespace"),
        (42, "must be a string, not int"),
    ],
)
def test_bad_model_names(mb: ModelBox, name: object, message: str) -> None:
    with pytest.raises(ModelBoxError, match=message):
        mb.new_model(name)  # type: ignore[arg-type]
    assert mb.models() == []


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"x": float("nan")}, r"metadata.x is nan, which JSON cannot represent"),
        ({"deep": {"inf": float("inf")}}, r"metadata.deep.inf is inf"),
        ({"x": object()}, "not JSON-encodable"),
        ({1: "int key"}, "keys must be strings"),
        (["not", "a", "dict"], "must be a dict"),
    ],
)
def test_bad_metadata_is_rejected_before_anything_is_written(mb: ModelBox, metadata: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        mb.new_model("m", metadata=metadata)  # type: ignore[arg-type]
    model = mb.new_model("m", metadata={"kept": True})
    with pytest.raises(InvalidArgumentError, match=message):
        model.add_metadata(metadata)  # type: ignore[arg-type]
    assert model.reload().metadata == {"kept": True}


def test_metadata_size_limit(mb: ModelBox) -> None:
    model = mb.new_model("m")
    with pytest.raises(PayloadTooLargeError, match="limit is 1048576"):
        model.update_metadata("blob", "x" * (2 * 1024 * 1024))
    assert model.reload().metadata == {}


def test_unknown_namespace_is_named(mb: ModelBox) -> None:
    mb.new_model("m", namespace="vision")
    with pytest.raises(NotFoundError, match=r"namespace 'speech' does not exist .*'vision'"):
        mb.models(namespace="speech")
    with pytest.raises(NotFoundError, match="namespace 'speech' does not exist"):
        mb.get_model("m", namespace="speech")


def test_bad_tags(mb: ModelBox) -> None:
    model = mb.new_model("m")
    with pytest.raises(InvalidArgumentError, match="reserved"):
        model.new_model_version(unique_tags=["latest"])
    with pytest.raises(InvalidArgumentError, match="is not valid"):
        model.new_model_version(unique_tags=["has space"])
    with pytest.raises(InvalidArgumentError, match="lists a tag twice"):
        model.new_model_version(unique_tags=["a", "a"])
    assert model.get_versions() == [] and model.reload().num_versions == 0


def test_bad_metric_values_fail_at_the_call(mb: ModelBox) -> None:
    model = mb.new_model("m")
    with pytest.raises(InvalidArgumentError, match="all of the same length"):
        model.log_metrics({"loss": [1.0, 2.0], "acc": [1.0]}, step=[0, 1])
    with pytest.raises(InvalidArgumentError, match="3 steps given for 2 values"):
        model.log_metrics({"loss": [1.0, 2.0]}, step=[0, 1, 2])
    with pytest.raises(InvalidArgumentError, match="values must be float, str or bytes, not dict"):
        model.log_metrics({"loss": {"a": 1}})
    with pytest.raises(InvalidArgumentError, match="step must be a non-negative integer"):
        model.log_metrics({"loss": 1.0}, step=-1)
    with pytest.raises(InvalidArgumentError, match="step must be a non-negative integer"):
        model.log_metrics({"loss": 1.0}, step="3")
    with pytest.raises(InvalidArgumentError, match="wallclock must be a finite number"):
        model.log_metrics({"loss": 1.0}, wallclock=float("inf"))
    with pytest.raises(InvalidArgumentError, match="non-empty dict"):
        model.log_metrics({})
    assert model.metrics().empty


def test_deleting_a_tag_the_version_lacks(mb: ModelBox) -> None:
    version = mb.new_model("m").new_model_version()
    with pytest.raises(NotFoundError, match="does not have the tag 'prod'"):
        version.remove_tag("prod")


def test_errors_share_one_root(mb: ModelBox) -> None:
    for error in (InvalidArgumentError, NotFoundError, ConflictError, PayloadTooLargeError):
        assert issubclass(error, ModelBoxError)
    with pytest.raises(ModelBoxError):
        mb.get_model("missing")

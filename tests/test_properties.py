"""Property-based tests of the registry: whatever the input, it is stored exactly or refused cleanly."""

from __future__ import annotations

import itertools
import json
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_modelbox import ConflictError, InvalidArgumentError, ModelBoxError
from jupyter_modelbox.registry import PayloadTooLargeError, Registry

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
counter = itertools.count()


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    with tempfile.TemporaryDirectory() as folder:
        opened = Registry(Path(folder) / "registry")
        yield opened
        opened.close()


def fresh_namespace() -> str:
    return f"ns{next(counter)}"


json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)


def has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(has_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(has_non_finite(v) for v in value)
    return False


@SETTINGS
@given(name=st.text(max_size=300))
def test_any_name_is_stored_exactly_or_refused(registry: Registry, name: str) -> None:
    namespace = fresh_namespace()
    try:
        created = registry.create_model(name, namespace=namespace)
    except (InvalidArgumentError, PayloadTooLargeError) as error:
        assert error.message  # says what was wrong
        with pytest.raises(ModelBoxError):
            registry.list_models(namespace=namespace)  # nothing was created: the namespace does not exist
        return
    assert created["name"] == name
    assert registry.find_model(name, namespace)["id"] == created["id"]


@SETTINGS
@given(metadata=st.dictionaries(st.text(min_size=1, max_size=30), json_values, max_size=6))
def test_metadata_round_trips_or_is_refused(registry: Registry, metadata: dict[str, Any]) -> None:
    model = registry.create_model("m", namespace=fresh_namespace(), metadata={"kept": True})
    if has_non_finite(metadata):
        with pytest.raises(InvalidArgumentError, match="JSON cannot represent"):
            registry.merge_metadata(model["id"], metadata)
        assert registry.get_model(model["id"])["metadata"] == {"kept": True}
        return
    stored = registry.merge_metadata(model["id"], metadata)["metadata"]
    assert json.dumps(stored, sort_keys=True) == json.dumps({"kept": True, **metadata}, sort_keys=True)
    assert registry.get_model(model["id"])["metadata"] == stored


@SETTINGS
@given(operations=st.lists(st.one_of(
    st.tuples(st.just("merge"), st.dictionaries(st.sampled_from("abcde"), st.integers(), max_size=3)),
    st.tuples(st.just("set"), st.sampled_from("abcde"), json_values.filter(lambda v: not has_non_finite(v))),
    st.tuples(st.just("remove"), st.lists(st.sampled_from("abcdef"), max_size=3)),
), max_size=12))
def test_metadata_operations_follow_dict_semantics(registry: Registry, operations: list[tuple[Any, ...]]) -> None:
    model = registry.create_model("m", namespace=fresh_namespace())
    expected: dict[str, Any] = {}
    for operation in operations:
        if operation[0] == "merge":
            registry.merge_metadata(model["id"], operation[1])
            expected.update(operation[1])
        elif operation[0] == "set":
            registry.set_metadata(model["id"], operation[1], operation[2])
            expected[operation[1]] = operation[2]
        else:
            registry.remove_metadata(model["id"], operation[1])
            for key in operation[1]:
                expected.pop(key, None)
    assert registry.get_model(model["id"])["metadata"] == json.loads(json.dumps(expected))


points = st.tuples(
    st.none() | st.integers(0, 1000),
    st.floats(0, 2e9, allow_nan=False),
    st.floats() | st.text(max_size=10) | st.binary(max_size=10),
)


@SETTINGS
@given(logged=st.lists(points, min_size=1, max_size=40))
def test_metric_points_come_back_all_and_in_order(registry: Registry, logged: list[tuple[Any, float, Any]]) -> None:
    model = registry.create_model("m", namespace=fresh_namespace())
    registry.log_metrics(model["id"], {"k": {"step": [p[0] for p in logged], "wallclock": [p[1] for p in logged],
                                             "value": [p[2] for p in logged]}})
    frame = registry.read_metrics(model["id"])
    assert len(frame) == len(logged)
    steps = frame["step"].to_numpy(dtype=object, na_value=None)
    keys = [(math.inf if s is None else s, w) for s, w in zip(steps, frame["wallclock"], strict=True)]
    assert keys == sorted(keys)  # by step, then wallclock; points without a step last

    def canonical(value: Any) -> Any:
        return "nan" if isinstance(value, float) and math.isnan(value) else value

    got = sorted(map(repr, (canonical(v) for v in frame["value"])))
    assert got == sorted(map(repr, (canonical(float(v) if isinstance(v, float) else v) for _, _, v in logged)))


@SETTINGS
@given(moves=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["prod", "staging"]), st.booleans()),
                      max_size=15))
def test_a_tag_never_has_two_holders(registry: Registry, moves: list[tuple[int, str, bool]]) -> None:
    model = registry.create_model("m", namespace=fresh_namespace())
    versions = [registry.create_version(model["id"])["id"] for _ in range(4)]
    for index, tag, move in moves:
        try:
            registry.add_tag(versions[index], tag, move=move)
        except ConflictError as error:
            assert not move and "is held by version" in error.message
    for tag in ("prod", "staging"):
        holders = [v["number"] for v in registry.list_versions(model["id"])[0] if tag in v["tags"]]
        assert len(holders) <= 1
        holder = registry.tag_holder(model["id"], tag)
        assert (holder["number"] if holder else None) == (holders[0] if holders else None)

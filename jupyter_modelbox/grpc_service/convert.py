"""Registry documents (JSON-shaped dicts) <-> protobuf messages, driven by the message descriptors.

A document key maps to the field of the same name (``RENAMES`` lists the others); ISO timestamps
become ``Timestamp``, JSON becomes ``Struct``/``Value`` or the seed's ``Metadata`` map, optional fields
that are unset become ``None``. Fields that only restate another field in the seed's terms (its
``MLFramework`` enum, its float metrics map) are filled from the document and skipped when reading
one back (``DERIVED``). Both the service and the Python client use these, so a document read over
gRPC equals the one read over REST.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.struct_pb2 import Struct, Value

from ..registry.enums import ArtifactMime
from ..registry.errors import InvalidArgumentError

Doc = dict[str, Any]
MAX_EXACT_INT = 2**53  # a Value number is a double
RENAMES: dict[str, dict[str, str]] = {
    "FileMetadata": {"parent_id": "parent", "file_type": "mime_type"},
    "ModelVersion": {"unique_tags": "tags", "framework_name": "framework"},
    "Experiment": {"framework_name": "framework"},
    "Checkpoint": {"all_metrics": "metrics"},
}
# fields that restate others in the seed's terms: sent, not read back
DERIVED: dict[str, set[str]] = {
    "FileMetadata": {"updated_at"},
    "ModelVersion": {"framework", "files"},
    "Model": {"files"},
    "Experiment": {"framework"},
    "Checkpoint": {"metrics", "files", "has_epoch"},
}
FILE_TYPES: dict[str, int] = {mime.value: index for index, mime in enumerate(ArtifactMime)}  # seed's FileType order
MIMES: dict[int, str] = {index: value for value, index in FILE_TYPES.items()}
# the seed's MLFramework numbers; names of ours that mean one of them
FRAMEWORK_NUMBERS = {"pytorch": 1, "torch": 1, "keras": 2, "tensorflow": 2, "tf": 2}
FRAMEWORK_NAMES = {1: "pytorch", 2: "keras"}
METADATA = "modelbox.Metadata"


# -- JSON <-> Struct / Value ----------------------------------------------------------------------

def fill_value(target: Value, value: Any, what: str = "value") -> None:
    if value is None:
        target.null_value = 0  # type: ignore[assignment]
    elif isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int):
        if abs(value) > MAX_EXACT_INT:
            raise InvalidArgumentError(
                f"{what} holds the integer {value}, beyond 2**53: gRPC carries JSON numbers as doubles, so it "
                "would change; store it as a string"
            )
        target.number_value = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgumentError(f"{what} is {value}, which JSON cannot represent")
        target.number_value = value
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, Mapping):
        target.struct_value.Clear()
        fill_struct(target.struct_value, value, what)
    elif isinstance(value, (list, tuple)):
        target.list_value.Clear()
        for index, item in enumerate(value):
            fill_value(target.list_value.values.add(), item, f"{what}[{index}]")
    else:
        raise InvalidArgumentError(f"{what} is not JSON: {type(value).__name__} ({value!r:.80})")


def fill_struct(target: Struct, value: Mapping[str, Any], what: str = "metadata") -> None:
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidArgumentError(f"{what} keys must be strings, not {type(key).__name__} ({key!r})")
        fill_value(target.fields[key], item, f"{what}.{key}")


def to_struct(value: Mapping[str, Any] | None, what: str = "metadata") -> Struct:
    struct = Struct()
    if value is not None:
        if not isinstance(value, Mapping):
            raise InvalidArgumentError(f"{what} must be a dict of JSON values, not {type(value).__name__}")
        fill_struct(struct, value, what)
    return struct


def to_value(value: Any, what: str = "value") -> Value:
    message = Value()
    fill_value(message, value, what)
    return message


def from_value(value: Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() and abs(number) <= MAX_EXACT_INT else number
    if kind == "struct_value":
        return from_struct(value.struct_value)
    if kind == "list_value":
        return [from_value(item) for item in value.list_value.values]
    if kind in ("string_value", "bool_value"):
        return getattr(value, kind)
    return None


def from_struct(struct: Struct) -> Doc:
    return {key: from_value(item) for key, item in struct.fields.items()}


# -- timestamps, file types, frameworks ---------------------------------------------------------

def iso(timestamp: Any) -> str:
    return timestamp.ToDatetime(tzinfo=UTC).isoformat(timespec="microseconds")


def file_type(mime: Any) -> int:
    """An ``ArtifactMime`` value (or None) -> ``FileType`` number."""
    return FILE_TYPES[getattr(mime, "value", mime)] if mime is not None else 0


def mime_of(number: int, *, detect: bool) -> str | None:
    """``FileType`` number -> mime value; UNDEFINED in a request means "detect from the path" (``None``)."""
    if number not in MIMES:
        raise InvalidArgumentError(f"file_type {number} is not a FileType (0-{len(MIMES) - 1})")
    return None if detect and number == 0 else MIMES[number]


def framework_number(name: str | None) -> int:
    """Our framework string as the seed's ``MLFramework`` (UNKNOWN for any it lacks)."""
    return FRAMEWORK_NUMBERS.get((name or "").strip().lower(), 0)


def framework_name(name: str, number: int) -> str | None:
    """The framework a request means: our string when given, else the seed's enum (UNKNOWN: none)."""
    if name:
        return name
    if number not in (0, *FRAMEWORK_NAMES):
        raise InvalidArgumentError(f"framework {number} is not an MLFramework (0-{len(FRAMEWORK_NAMES)})")
    return FRAMEWORK_NAMES.get(number)


# -- documents <-> messages ----------------------------------------------------------------------

def _message_name(field: FieldDescriptor) -> str | None:
    return field.message_type.full_name if field.message_type is not None else None


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _fill_map(target: Any, field: FieldDescriptor, value: Mapping[str, Any]) -> None:
    if field.message_type.fields_by_name["value"].message_type is not None:  # map<string, Value>
        for key, item in value.items():
            target[key].CopyFrom(to_value(item, f"{field.name}.{key}"))
    else:  # map<string, float>: the numbers only
        for key, item in value.items():
            if isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item):
                target[key] = item


def to_metadata(value: Mapping[str, Any] | None, message: Any, what: str = "metadata") -> Any:
    """A dict as the seed's ``Metadata`` (``message`` is an empty one to fill)."""
    struct = to_struct(value, what)
    for key, item in struct.fields.items():
        message.metadata[key].CopyFrom(item)
    return message


def from_map(entries: Any) -> Doc:
    """A ``map<string, Value>`` (the seed's metadata) as a dict."""
    return {key: from_value(item) for key, item in entries.items()}


def _derived(message: Message, doc: Mapping[str, Any]) -> None:
    name = message.DESCRIPTOR.name
    if name in ("ModelVersion", "Experiment"):
        message.framework = framework_number(doc.get("framework"))  # type: ignore[attr-defined]
    elif name == "Checkpoint":
        metrics = doc.get("metrics")
        if isinstance(metrics, Mapping):
            _fill_map(message.metrics, message.DESCRIPTOR.fields_by_name["metrics"], metrics)  # type: ignore[attr-defined]
        message.has_epoch = doc.get("epoch") is not None  # type: ignore[attr-defined]
    elif name == "FileMetadata" and doc.get("created_at"):
        message.updated_at.FromDatetime(datetime.fromisoformat(doc["created_at"]))  # type: ignore[attr-defined]


def _set(message: Message, field: FieldDescriptor, value: Any) -> None:
    name = field.name
    kind = _message_name(field)
    if kind is not None and not field.is_repeated:
        getattr(message, name).SetInParent()
    if _is_map(field):
        _fill_map(getattr(message, name), field, value)
    elif kind == "google.protobuf.Timestamp":
        getattr(message, name).FromDatetime(datetime.fromisoformat(value))
    elif kind == "google.protobuf.Struct":
        getattr(message, name).CopyFrom(to_struct(value, name))
    elif kind == "google.protobuf.Value":
        getattr(message, name).CopyFrom(to_value(value, name))
    elif kind == METADATA:
        to_metadata(value, getattr(message, name), name)
    elif field.enum_type is not None and field.enum_type.name == "FileType":
        setattr(message, name, file_type(value))
    elif field.is_repeated and kind is not None:
        for item in value:
            fill(getattr(message, name).add(), item)
    elif field.is_repeated:
        getattr(message, name).extend(value)
    elif kind is not None:
        fill(getattr(message, name), value)
    else:
        setattr(message, name, value)


def fill(message: Message, doc: Mapping[str, Any]) -> Message:
    """Set the fields of ``message`` from ``doc`` (keys without a field, and ``None``s, are skipped)."""
    renames = RENAMES.get(message.DESCRIPTOR.name, {})
    derived = DERIVED.get(message.DESCRIPTOR.name, set())
    for field in message.DESCRIPTOR.fields:
        if field.name in derived:
            continue
        value = doc.get(renames.get(field.name, field.name))
        if value is not None:
            _set(message, field, value)
    if derived:
        _derived(message, doc)
    return message


def to_doc(message: Message) -> Doc:
    """The registry document a message carries."""
    renames = RENAMES.get(message.DESCRIPTOR.name, {})
    skip = DERIVED.get(message.DESCRIPTOR.name, set())
    doc: Doc = {}
    for field in message.DESCRIPTOR.fields:
        if field.name in skip:
            continue
        value = getattr(message, field.name)
        kind = _message_name(field)
        if _is_map(field):
            value = from_map(value) if kind and field.message_type.fields_by_name["value"].message_type else dict(value)
        elif field.is_repeated:
            value = [to_doc(item) for item in value] if kind is not None else list(value)
        elif field.has_presence and not message.HasField(field.name):
            value = None
        elif kind == "google.protobuf.Timestamp":
            value = iso(value)
        elif kind == "google.protobuf.Struct":
            value = from_struct(value)
        elif kind == "google.protobuf.Value":
            value = from_value(value)
        elif kind == METADATA:
            value = from_map(value.metadata)
        elif kind is not None:
            value = to_doc(value)
        elif field.enum_type is not None and field.enum_type.name == "FileType":
            value = mime_of(value, detect=False)
        doc[renames.get(field.name, field.name)] = value
    if message.DESCRIPTOR.name == "Checkpoint" and not message.has_epoch:  # type: ignore[attr-defined]
        doc["epoch"] = None
    return doc

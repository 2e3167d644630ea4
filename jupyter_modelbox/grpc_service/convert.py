"""Registry documents (JSON-shaped dicts) <-> protobuf messages, driven by the message descriptors.

A document key maps to the field of the same name (``FileMetadata`` renames ``parent`` and
``mime_type``); ISO timestamps become ``Timestamp``, JSON becomes ``Struct``/``Value``, optional
fields that are unset become ``None``. Both the service and the Python client use these, so a
document read over gRPC equals the one read over REST.
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
RENAMES: dict[str, dict[str, str]] = {"FileMetadata": {"parent_id": "parent", "file_type": "mime_type"}}
# seed fields our documents lack: sent (artifacts never change: updated_at = created_at), not read back
NOT_IN_DOC: dict[str, set[str]] = {"FileMetadata": {"updated_at"}}
FILE_TYPES: dict[str, int] = {mime.value: index for index, mime in enumerate(ArtifactMime)}  # seed's FileType order
MIMES: dict[int, str] = {index: value for value, index in FILE_TYPES.items()}


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


# -- timestamps and file types -------------------------------------------------------------------

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


# -- documents <-> messages ----------------------------------------------------------------------

def _message_name(field: FieldDescriptor) -> str | None:
    return field.message_type.full_name if field.message_type is not None else None


def _set(message: Message, field: FieldDescriptor, value: Any) -> None:
    name = field.name
    kind = _message_name(field)
    if kind is not None and not field.is_repeated:
        getattr(message, name).SetInParent()
    if kind == "google.protobuf.Timestamp":
        getattr(message, name).FromDatetime(datetime.fromisoformat(value))
    elif kind == "google.protobuf.Struct":
        getattr(message, name).CopyFrom(to_struct(value, name))
    elif kind == "google.protobuf.Value":
        getattr(message, name).CopyFrom(to_value(value, name))
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
    for field in message.DESCRIPTOR.fields:
        value = doc.get(renames.get(field.name, field.name))
        if value is not None:
            _set(message, field, value)
    return message


def to_doc(message: Message) -> Doc:
    """The registry document a message carries."""
    renames = RENAMES.get(message.DESCRIPTOR.name, {})
    skip = NOT_IN_DOC.get(message.DESCRIPTOR.name, set())
    doc: Doc = {}
    for field in message.DESCRIPTOR.fields:
        if field.name in skip:
            continue
        value = getattr(message, field.name)
        kind = _message_name(field)
        if field.is_repeated:
            value = [to_doc(item) for item in value] if kind is not None else list(value)
        elif field.has_presence and not message.HasField(field.name):
            value = None
        elif kind == "google.protobuf.Timestamp":
            value = iso(value)
        elif kind == "google.protobuf.Struct":
            value = from_struct(value)
        elif kind == "google.protobuf.Value":
            value = from_value(value)
        elif kind is not None:
            value = to_doc(value)
        elif field.enum_type is not None and field.enum_type.name == "FileType":
            value = mime_of(value, detect=False)
        doc[renames.get(field.name, field.name)] = value
    return doc

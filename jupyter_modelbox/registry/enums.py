"""Enumerations shared by every layer (their values are what REST and the CLI accept), and parsing them."""

from __future__ import annotations

from enum import Enum, StrEnum


class ModelSortBy(StrEnum):
    NAME = "name"
    DESCRIPTION = "description"
    CREATION_TIME = "creation_time"
    LAST_UPDATED_TIME = "last_updated_time"


class ModelOrderBy(StrEnum):
    ASC = "asc"
    DESC = "desc"


class ArtifactMime(StrEnum):
    """What an artifact holds; mirrors the seed's gRPC ``FileType``."""

    Unknown = "unknown"
    Model = "model"
    Checkpoint = "checkpoint"
    Text = "text"
    Image = "image"
    Audio = "audio"
    Video = "video"


def parse_enum(enum: type[Enum], value: object, what: str) -> Enum:
    from .errors import InvalidArgumentError

    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        for member in enum:  # accept the value ("name") and the member name ("NAME", "Unknown")
            if value.lower() in (member.value, member.name.lower()):
                return member
    choices = ", ".join(m.value for m in enum)
    raise InvalidArgumentError(f"{what} must be one of {choices}, not {value!r}")

"""Enumerations shared by every layer (their values are what REST and the CLI accept)."""

from __future__ import annotations

import mimetypes
from enum import Enum, StrEnum
from pathlib import PurePath


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


MODEL_SUFFIXES = {
    ".pt", ".pth", ".onnx", ".pkl", ".pickle", ".joblib", ".h5", ".keras", ".safetensors", ".pb",
    ".tflite", ".mlmodel", ".gguf", ".bin", ".skops", ".xgb", ".lgb", ".cbm",
}
CHECKPOINT_SUFFIXES = {".ckpt", ".checkpoint"}
TEXT_TYPES = {"application/json", "application/yaml", "application/x-yaml", "application/xml", "application/toml"}


def content_type_of(path: str) -> str:
    guessed, _ = mimetypes.guess_type(PurePath(path).name, strict=False)
    return guessed or "application/octet-stream"


def detect_mime(path: str) -> ArtifactMime:
    suffix = PurePath(path).suffix.lower()
    if suffix in CHECKPOINT_SUFFIXES:
        return ArtifactMime.Checkpoint
    if suffix in MODEL_SUFFIXES:
        return ArtifactMime.Model
    content_type = content_type_of(path)
    family = content_type.split("/")[0]
    if family in {"text", "image", "audio", "video"}:
        return ArtifactMime(family)
    if content_type in TEXT_TYPES or suffix in {".md", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".log", ".jsonl"}:
        return ArtifactMime.Text
    return ArtifactMime.Unknown


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

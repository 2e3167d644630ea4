"""What an artifact holds, guessed from its path: its ``ArtifactMime`` and HTTP content type."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from .enums import ArtifactMime

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

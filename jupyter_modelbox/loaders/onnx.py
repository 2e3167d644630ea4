"""ONNX: ``onnx.ModelProto`` objects in, ``onnxruntime.InferenceSession`` out (no pickle, no trust needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..registry.errors import InvalidArgumentError
from .base import loaded_instance, one_file, require, suffixed


class OnnxLoader:
    name = "onnx"
    package = "onnxruntime"

    def can_save(self, obj: Any) -> bool:
        return loaded_instance(obj, "onnx", "ModelProto") or loaded_instance(obj, "onnxruntime", "InferenceSession")

    def save(self, obj: Any, folder: Path) -> tuple[str, str, list[str]]:
        if not loaded_instance(obj, "onnx", "ModelProto"):
            raise InvalidArgumentError(
                "an onnxruntime.InferenceSession does not keep its model's bytes: log the onnx.ModelProto "
                "(onnx.load('model.onnx')) or register the .onnx file with new_checkpoint(..., format='onnx')"
            )
        onnx = require("onnx")
        onnx.save_model(obj, folder / "model.onnx")
        return "onnx", "onnx", ["model.onnx"]

    def can_load(self, framework: str | None, format: str | None, files: list[str]) -> bool:
        if format == "onnx" or (format is None and framework in (None, "onnx")):
            return bool(suffixed(files, (".onnx",)))
        return False

    def load(self, folder: Path, files: list[str], trusted: bool) -> Any:
        ort = require("onnxruntime")
        # external weight files (model.onnx.data) are found next to the model, so load by path
        path = folder / one_file(files, (".onnx",), "ONNX")
        return ort.InferenceSession(str(path), providers=ort.get_available_providers())

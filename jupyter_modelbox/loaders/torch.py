"""PyTorch: ``state_dict`` files (the default for ``log_model``) and whole pickled modules.

Files are read with ``torch.load(weights_only=True)``, which only rebuilds tensors and plain
containers and so cannot run code from the file; a whole module needs ``trusted=True``.
Tensors are mapped to the CPU: a checkpoint saved on a GPU loads on any machine, ``.to(device)`` moves it.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from .base import UntrustedFileError, loaded_instance, one_file, require, suffixed, unpickling

SUFFIXES = (".pt", ".pth", ".ckpt")
FORMATS = ("state_dict", "module", "pt", "pth", "torch")


class TorchLoader:
    """``torch.nn.Module`` objects are saved as their ``state_dict``: weights only, loadable without trust,
    into a freshly built module (``net.load_state_dict(version.load())``)."""

    name = "torch"
    package = "torch"

    def can_save(self, obj: Any) -> bool:
        return loaded_instance(obj, "torch", "nn.Module")

    def save(self, obj: Any, folder: Path) -> tuple[str, str, list[str]]:
        torch = require("torch")
        torch.save(obj.state_dict(), folder / "state_dict.pt")
        return "torch", "state_dict", ["state_dict.pt"]

    def can_load(self, framework: str | None, format: str | None, files: list[str]) -> bool:
        if format in FORMATS or (format is None and framework == "torch"):
            return bool(suffixed(files, SUFFIXES))
        return framework is None and format is None and len(suffixed(files, SUFFIXES)) == 1

    def load(self, folder: Path, files: list[str], trusted: bool) -> Any:
        torch = require("torch")
        path = folder / one_file(files, SUFFIXES, "PyTorch")
        if trusted:
            with unpickling():
                return torch.load(path, map_location="cpu", weights_only=False)
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:
            why = str(exc).strip().splitlines()[0]
            raise UntrustedFileError(
                f"{path.name} holds pickled Python objects besides tensors (a whole module?), which "
                f"weights_only loading refuses ({why}). Unpickling runs whatever code the file holds: call "
                "load(trusted=True) only if you trust who registered it"
            ) from exc

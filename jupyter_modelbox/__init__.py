"""jupyter_modelbox: a model registry that lives inside Jupyter.

The public names below are loaded on first use (PEP 562), so importing a layer does not import the
others: ``import jupyter_modelbox.registry`` (what the server process needs) never loads the
client, ``requests`` or the metric buffer's exit hook.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("jupyter_modelbox")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

_CLIENT = ("Artifact", "Checkpoint", "Experiment", "Model", "ModelBox", "ModelVersion")
_REGISTRY = ("AlreadyExistsError", "ArtifactMime", "ConflictError", "DatabaseUnavailableError", "IntegrityError",
             "InvalidArgumentError",
             "ModelBoxError", "ModelOrderBy", "ModelSortBy", "NotFoundError", "ObjectStoreUnavailableError",
             "RegistryLockedError", "StorageError")
_HOMES = {**dict.fromkeys(_CLIENT, ".client"), **dict.fromkeys(_REGISTRY, ".registry")}

if TYPE_CHECKING:
    from .client import Artifact, Checkpoint, Experiment, Model, ModelBox, ModelVersion
    from .registry import (
        AlreadyExistsError,
        ArtifactMime,
        ConflictError,
        DatabaseUnavailableError,
        IntegrityError,
        InvalidArgumentError,
        ModelBoxError,
        ModelOrderBy,
        ModelSortBy,
        NotFoundError,
        ObjectStoreUnavailableError,
        RegistryLockedError,
        StorageError,
    )


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # the next lookup is an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    from .server import ModelboxApp

    return [{"module": "jupyter_modelbox", "app": ModelboxApp}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-modelbox"}]


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext jupyter_modelbox``: registers the ``%modelbox`` magics (imported only now)."""
    from .magics import load_ipython_extension as load

    load(ipython)  # type: ignore[arg-type]


def unload_ipython_extension(ipython: object) -> None:
    from .magics import unload_ipython_extension as unload

    unload(ipython)  # type: ignore[arg-type]


__all__ = [
    "AlreadyExistsError",
    "Artifact",
    "ArtifactMime",
    "Checkpoint",
    "ConflictError",
    "DatabaseUnavailableError",
    "Experiment",
    "IntegrityError",
    "InvalidArgumentError",
    "Model",
    "ModelBox",
    "ModelBoxError",
    "ModelOrderBy",
    "ModelSortBy",
    "ModelVersion",
    "NotFoundError",
    "ObjectStoreUnavailableError",
    "RegistryLockedError",
    "StorageError",
    "__version__",
]

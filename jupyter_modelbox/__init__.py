"""jupyter_modelbox: a model registry that lives inside Jupyter."""

from importlib.metadata import PackageNotFoundError, version

from .client import Artifact, Checkpoint, Model, ModelBox, ModelVersion
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
    RegistryLockedError,
    StorageError,
)

try:
    __version__ = version("jupyter_modelbox")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"



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
    "IntegrityError",
    "InvalidArgumentError",
    "Model",
    "ModelBox",
    "ModelBoxError",
    "ModelOrderBy",
    "ModelSortBy",
    "ModelVersion",
    "NotFoundError",
    "RegistryLockedError",
    "StorageError",
    "__version__",
]

"""The registry domain: rules and storage. Imports nothing from Jupyter, tornado or IPython."""

from .backend import BlobRef, BlobStore, DocumentStore, MetricStore
from .enums import ArtifactMime, ModelOrderBy, ModelSortBy
from .errors import (
    AlreadyExistsError,
    ConflictError,
    DatabaseUnavailableError,
    IntegrityError,
    InvalidArgumentError,
    ModelBoxError,
    NotFoundError,
    ObjectStoreUnavailableError,
    PayloadTooLargeError,
    RegistryLockedError,
    StorageError,
)
from .facade import Registry, open_registry, release_registry
from .maintenance import check_folder
from .validation import Limits

__all__ = [
    "AlreadyExistsError",
    "ArtifactMime",
    "BlobRef",
    "BlobStore",
    "ConflictError",
    "DatabaseUnavailableError",
    "DocumentStore",
    "IntegrityError",
    "InvalidArgumentError",
    "Limits",
    "MetricStore",
    "ModelBoxError",
    "ModelOrderBy",
    "ModelSortBy",
    "NotFoundError",
    "ObjectStoreUnavailableError",
    "PayloadTooLargeError",
    "Registry",
    "RegistryLockedError",
    "StorageError",
    "check_folder",
    "open_registry",
    "release_registry",
]

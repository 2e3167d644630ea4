"""One error hierarchy for every layer.

Each error carries the HTTP status the server answers with, so the mapping from domain errors
to HTTP lives in one place (the class) and the HTTP client can rebuild the same error type.
"""

from __future__ import annotations


class ModelBoxError(Exception):
    """Base of every error jupyter_modelbox raises on purpose."""

    status: int = 400
    reason: str = "Bad Request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgumentError(ModelBoxError, ValueError):
    """An argument has the wrong type, shape or value."""

    status = 422
    reason = "Unprocessable Entity"


class NotFoundError(ModelBoxError, LookupError):
    """The named model, version, checkpoint, artifact or upload does not exist."""

    status = 404
    reason = "Not Found"


class AccessDeniedError(ModelBoxError):
    """The request would read something outside what the registry may serve (e.g. a tracked path)."""

    status = 403
    reason = "Forbidden"


class AlreadyExistsError(ModelBoxError):
    """An object with that unique name already exists."""

    status = 409
    reason = "Conflict"


class ConflictError(ModelBoxError):
    """The request contradicts the registry's current state (tag held elsewhere, archived model...)."""

    status = 409
    reason = "Conflict"


class PreconditionFailedError(ModelBoxError):
    """An edit named the revision it started from, and the object has changed since (If-Match)."""

    status = 412
    reason = "Precondition Failed"


class IntegrityError(ModelBoxError):
    """Bytes do not match their recorded checksum or size."""

    status = 422
    reason = "Unprocessable Entity"


class PayloadTooLargeError(ModelBoxError):
    """A body, metadata document or name exceeds a configured limit."""

    status = 413
    reason = "Payload Too Large"


class RegistryLockedError(ModelBoxError):
    """Another process already owns the registry folder for writing."""

    status = 409
    reason = "Conflict"


class StorageError(ModelBoxError):
    """The registry files could not be read or written (corruption, disk full, permissions)."""

    status = 507
    reason = "Insufficient Storage"


class DatabaseUnavailableError(ModelBoxError):
    """The registry's database cannot be reached (down, restarting, unreachable); try again later."""

    status = 503
    reason = "Service Unavailable"


class ObjectStoreUnavailableError(ModelBoxError):
    """The object store holding artifact bytes cannot be reached, or refuses this server (credentials,
    a missing bucket); the message names the bucket and endpoint, never a secret."""

    status = 503
    reason = "Service Unavailable"


class ServerUnavailableError(ModelBoxError):
    """The Jupyter server holding the registry cannot be reached (client side only)."""

    status = 503
    reason = "Service Unavailable"


ERRORS_BY_NAME: dict[str, type[ModelBoxError]] = {
    cls.__name__: cls
    for cls in (
        ModelBoxError,
        InvalidArgumentError,
        NotFoundError,
        AccessDeniedError,
        AlreadyExistsError,
        ConflictError,
        PreconditionFailedError,
        IntegrityError,
        PayloadTooLargeError,
        RegistryLockedError,
        StorageError,
        DatabaseUnavailableError,
        ObjectStoreUnavailableError,
        ServerUnavailableError,
    )
}

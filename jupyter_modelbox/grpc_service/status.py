"""The one mapping between domain errors and gRPC status codes (both directions).

- ``ConflictError`` -> FAILED_PRECONDITION, not ABORTED: a held tag, an archived model or a model
  that still has versions stay that way until someone changes the state on purpose (move the tag,
  unarchive, cascade), which is what FAILED_PRECONDITION means; ABORTED tells clients that a retry
  of the same sequence may succeed, which it would not.
- ``PreconditionFailedError`` (a stale ``if_revision``) -> ABORTED: the read-modify-write lost a race;
  reading the object again and retrying is exactly what the client should do.
- ``IntegrityError`` -> DATA_LOSS: the bytes received are not the bytes announced (corrupted in
  transit or on disk); nothing was recorded and the client should send the file again.
- ``StorageError`` -> INTERNAL: the server's disk failed (full, permissions, damaged files); not the
  caller's fault and not something a retry fixes by itself.

The status message is the registry's message; trailing metadata ``modelbox-error`` carries the error
class so the Python client raises exactly the class the in-process registry raises.
"""

from __future__ import annotations

import grpc

from ..registry.errors import (
    ERRORS_BY_NAME,
    AccessDeniedError,
    AlreadyExistsError,
    ConflictError,
    IntegrityError,
    InvalidArgumentError,
    ModelBoxError,
    NotFoundError,
    PayloadTooLargeError,
    PreconditionFailedError,
    RegistryLockedError,
    ServerUnavailableError,
    StorageError,
)

ERROR_KEY = "modelbox-error"
CODES: dict[type[ModelBoxError], grpc.StatusCode] = {
    InvalidArgumentError: grpc.StatusCode.INVALID_ARGUMENT,
    NotFoundError: grpc.StatusCode.NOT_FOUND,
    AlreadyExistsError: grpc.StatusCode.ALREADY_EXISTS,
    ConflictError: grpc.StatusCode.FAILED_PRECONDITION,
    PreconditionFailedError: grpc.StatusCode.ABORTED,
    AccessDeniedError: grpc.StatusCode.PERMISSION_DENIED,
    IntegrityError: grpc.StatusCode.DATA_LOSS,
    PayloadTooLargeError: grpc.StatusCode.RESOURCE_EXHAUSTED,
    RegistryLockedError: grpc.StatusCode.UNAVAILABLE,
    StorageError: grpc.StatusCode.INTERNAL,
    ServerUnavailableError: grpc.StatusCode.UNAVAILABLE,
}
ERRORS: dict[grpc.StatusCode, type[ModelBoxError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.FAILED_PRECONDITION: ConflictError,
    grpc.StatusCode.ABORTED: PreconditionFailedError,
    grpc.StatusCode.PERMISSION_DENIED: AccessDeniedError,
    grpc.StatusCode.DATA_LOSS: IntegrityError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: PayloadTooLargeError,
    grpc.StatusCode.INTERNAL: StorageError,
    grpc.StatusCode.UNAVAILABLE: ServerUnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: ServerUnavailableError,
}


def code_of(error: ModelBoxError) -> grpc.StatusCode:
    for cls in type(error).__mro__:
        if cls in CODES:
            return CODES[cls]  # type: ignore[index]
    return grpc.StatusCode.UNKNOWN


def error_of(code: grpc.StatusCode, message: str, class_name: str | None) -> ModelBoxError:
    """The ``ModelBoxError`` a failed call stands for (the class the server named, else by code)."""
    cls = ERRORS_BY_NAME.get(class_name or "")
    if cls is None:
        if code == grpc.StatusCode.UNAUTHENTICATED:
            message = f"the gRPC server refused the call ({code.name}): {message}; check the token"
        cls = ERRORS.get(code, ModelBoxError)
    return cls(message)

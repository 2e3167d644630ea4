"""What every RPC shares: the registry and worker pool of the Jupyter server, and error mapping.

Like the REST handlers, RPCs are thin: read the request, call the registry in the worker pool
(registry calls block on disk), build the reply. A ``ModelBoxError`` ends the call with the status
code ``status.code_of`` gives and the registry's message.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import grpc

from ..registry import ModelBoxError, Registry
from ..registry.errors import InvalidArgumentError
from ..registry.validation import check_int
from .protos import load
from .status import ERROR_KEY, code_of

T = TypeVar("T")
Context = grpc.aio.ServicerContext
pb, _ = load()


async def abort(context: Context, error: ModelBoxError) -> None:
    await context.abort(code_of(error), error.message, trailing_metadata=((ERROR_KEY, type(error).__name__),))


def unary(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """An RPC with one reply (unary or client-streaming request)."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: Context) -> Any:
        try:
            return await method(self, request, context)
        except ModelBoxError as error:
            await abort(context, error)

    return wrapper


def streaming(method: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
    """An RPC with a stream of replies."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: Context) -> AsyncIterator[Any]:
        try:
            async for reply in method(self, request, context):
                yield reply
        except ModelBoxError as error:
            await abort(context, error)

    return wrapper


def optional(message: Any, field: str) -> Any:
    """The value of an ``optional`` field, or ``None`` when it is unset."""
    return getattr(message, field) if message.HasField(field) else None


def required(value: str, what: str) -> str:
    if not value:
        raise InvalidArgumentError(f"{what} is required")
    return value


def page(offset: int, limit: int | None) -> tuple[int, int | None]:
    """Paging arguments checked as REST checks its query parameters."""
    return check_int(offset, "offset"), None if limit is None else check_int(limit, "limit")


class ServiceBase:
    def __init__(self, settings: Mapping[str, Any]) -> None:
        # the web app's settings, looked up per call as the REST handlers do (the registry can be swapped)
        self._settings = settings

    @property
    def registry(self) -> Registry:
        return self._settings["modelbox_registry"]

    @property
    def executor(self) -> ThreadPoolExecutor:
        return self._settings["modelbox_executor"]

    @property
    def actor(self) -> str:
        """A token shared by every caller identifies nobody: owners are the account running the server."""
        return self.registry.default_actor

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking registry work in the worker pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(function, *args, **kwargs))

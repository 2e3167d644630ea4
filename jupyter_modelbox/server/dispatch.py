"""From the declared operations to tornado handlers: one class per path, one method per verb.

Each verb method is authenticated and authorized like any Jupyter API, reads the request as its
``Operation`` declares (``parsing.py``), and then runs the operation's implementation: by default
the ``Registry`` method named like the operation, called with the request's arguments (and
``actor=`` / ``if_revision=`` when the operation writes / takes ``If-Match``), its result sent as
the declaration says. Operations that are more than "parse, call, serialize" register their own
implementation with ``@implements(id)`` (in ``handlers.py``, ``file_handlers.py``,
``admin_handlers.py``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..api import BY_ID, Operation
from .base import ModelboxHandler

Arguments = dict[str, Any]
Implementation = Callable[[ModelboxHandler, Operation, Arguments], Awaitable[None]]
IMPLEMENTATIONS: dict[str, Implementation] = {}


def implements(operation_id: str) -> Callable[[Implementation], Implementation]:
    """Register the implementation of a declared operation (an unknown id is a startup error)."""
    if operation_id not in BY_ID:
        raise KeyError(f"no operation {operation_id!r} is declared in jupyter_modelbox.api.operations")

    def register(function: Implementation) -> Implementation:
        IMPLEMENTATIONS[operation_id] = function
        return function

    return register


async def call_registry(handler: ModelboxHandler, operation: Operation, arguments: Arguments) -> Any:
    """Call the ``Registry`` method of the operation with the request's arguments, by their Python names."""
    kwargs = {operation.python_name(name): value for name, value in arguments.items()}
    if operation.writes:
        kwargs["actor"] = handler.actor
    if operation.if_match:
        kwargs["if_revision"] = handler.if_revision()
    return await handler.call(getattr(handler.registry, operation.id), **kwargs)


async def parse_call_serialize(handler: ModelboxHandler, operation: Operation, arguments: Arguments) -> None:
    handler.reply_to(operation, await call_registry(handler, operation, arguments))


def _verb(operation: Operation) -> Callable[..., Awaitable[None]]:
    async def verb(self: ModelboxHandler, **path: str) -> None:
        implementation = IMPLEMENTATIONS.get(operation.id, parse_call_serialize)
        await implementation(self, operation, {**path, **self.arguments(operation)})

    verb.__name__ = verb.__qualname__ = operation.verb
    verb.__doc__ = operation.summary
    return web.authenticated(authorized(verb))


def handler_for(path: str, operations: Iterable[Operation], base: type[ModelboxHandler] = ModelboxHandler,
                ) -> type[ModelboxHandler]:
    """The handler class of ``path``: ``base`` plus one method per declared verb."""
    words = re.sub(r"\{(\w+)\}", r" by \1 ", path).replace("-", " ").replace("/", " ").replace(".", " ").split()
    name = "".join(word.title() for word in "_".join(words).split("_")) + "Handler"
    methods = {operation.verb: _verb(operation) for operation in operations}
    return type(name, (base,), {**methods, "__doc__": f"``{path}``: {', '.join(m.upper() for m in methods)}."})

"""The REST routes, derived from the declared operations: one handler class per path (see ``dispatch``)."""

from __future__ import annotations

import re

from tornado.web import RequestHandler

from ..api import OPERATIONS, PREFIX, Operation
from . import admin_handlers, handlers  # noqa: F401  (importing them registers their implementations)
from .base import ModelboxHandler
from .dispatch import handler_for
from .file_handlers import UploadStreamHandler

BASES: dict[str, type[ModelboxHandler]] = {"/uploads/{upload_id}": UploadStreamHandler}  # a streamed body
PARAMETER = re.compile(r"\{(\w+)\}")


def _routes() -> list[tuple[str, type[ModelboxHandler]]]:
    by_path: dict[str, list[Operation]] = {}
    for operation in OPERATIONS:
        by_path.setdefault(operation.path, []).append(operation)
    return [(path, handler_for(path, operations, BASES.get(path, ModelboxHandler)))
            for path, operations in by_path.items()]


ROUTES: list[tuple[str, type[ModelboxHandler]]] = _routes()


def url_pattern(template: str) -> str:
    """``/models/{model_id}`` -> a tornado pattern with a named group per parameter."""
    return PREFIX + PARAMETER.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", template)


def handler_methods(handler: type[RequestHandler]) -> list[str]:
    """The HTTP verbs a handler class implements itself."""
    verbs = ("get", "post", "put", "patch", "delete")
    return [verb for verb in verbs if getattr(handler, verb) is not getattr(RequestHandler, verb)]

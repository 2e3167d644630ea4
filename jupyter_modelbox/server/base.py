"""The base of every REST handler: auth, JSON in and out, and the one domain-error -> HTTP mapping."""

from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from tornado.web import HTTPError

from ..api import Operation
from ..registry import ModelBoxError, Registry
from ..registry.errors import ERRORS_BY_NAME, InvalidArgumentError
from .parsing import read_body, read_query

AUTH_RESOURCE = "modelbox"
ANONYMOUS = re.compile(r"^[0-9a-f]{32}$")
ETAG = re.compile(r'^(?:W/)?"(\d+)"$')
T = TypeVar("T")


def http_error(error: ModelBoxError) -> HTTPError:
    """The one place domain errors become HTTP errors: ``{"message", "reason": <error class>}``."""
    reason = next(cls.__name__ for cls in type(error).__mro__ if cls.__name__ in ERRORS_BY_NAME)
    return HTTPError(error.status, error.message.replace("%", "%%"), reason=reason)


class ModelboxHandler(APIHandler):
    """Handlers are thin: read the request as declared, call the registry off the event loop, write JSON."""

    auth_resource = AUTH_RESOURCE

    @property
    def registry(self) -> Registry:
        return self.settings["modelbox_registry"]

    @property
    def executor(self) -> ThreadPoolExecutor:
        return self.settings["modelbox_executor"]

    @property
    def actor(self) -> str:
        """Who is asking: the Jupyter user's name, or for a shared-token server the account running it.

        A token shared by everyone identifies nobody: jupyter_server then invents a random
        "Anonymous <moon>" user per request, which would make owners meaningless.
        """
        user = self.current_user
        username = getattr(user, "username", None)
        if not username or (ANONYMOUS.match(username) and str(getattr(user, "name", "")).startswith("Anonymous ")):
            return self.registry.default_actor
        return username

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking registry work in the worker pool; domain errors become HTTP errors."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, functools.partial(function, *args, **kwargs))
        except ModelBoxError as error:
            raise http_error(error) from error

    # -- request and reply, as the operation declares them ----------------------------------

    def arguments(self, operation: Operation) -> dict[str, Any]:
        """The query parameters and JSON body fields of the request, checked against the declaration."""
        try:
            found = read_query(operation, self.get_query_arguments)
            if operation.body is not None:
                limit = self.settings.get("modelbox_max_json_body_bytes", 64 * 1024 * 1024)
                found.update(read_body(operation, self.request.body, limit))
        except ModelBoxError as error:
            raise http_error(error) from None
        return found

    def reply_to(self, operation: Operation, result: Any) -> None:
        """The registry's result as the operation's reply (``204`` when it declares no body)."""
        if operation.response is None:
            self.set_status(204)
            self.finish()
        else:
            self.reply(operation.wrap(result), operation.status)

    def if_revision(self) -> int | None:
        """The revision named by ``If-Match: "<revision>"`` (an ETag this API sent), if any."""
        header = self.request.headers.get("If-Match")
        if header is None or header.strip() == "*":
            return None
        match = ETAG.match(header.strip())
        if match is None:
            raise http_error(InvalidArgumentError(
                f"If-Match must be an ETag this API sent, like \"3\", not {header!r}"))
        return int(match.group(1))

    def reply(self, data: dict[str, Any], status: int = 200) -> None:
        """Write JSON; a model, version, checkpoint or experiment also gets its revision as ETag (for If-Match)."""
        self.set_status(status)
        if isinstance(data.get("revision"), int) and "id" in data:
            self.set_header("ETag", f'"{data["revision"]}"')
        self.finish(json.dumps(data, allow_nan=False))

"""The base of every REST handler: auth, JSON in and out, and the one domain-error -> HTTP mapping."""

from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from tornado.web import HTTPError

from ..registry import ModelBoxError, Registry
from ..registry.errors import ERRORS_BY_NAME, InvalidArgumentError, PayloadTooLargeError

AUTH_RESOURCE = "modelbox"
ANONYMOUS = re.compile(r"^[0-9a-f]{32}$")
ETAG = re.compile(r'^(?:W/)?"(\d+)"$')
T = TypeVar("T")


def http_error(error: ModelBoxError) -> HTTPError:
    """The one place domain errors become HTTP errors: ``{"message", "reason": <error class>}``."""
    reason = next(cls.__name__ for cls in type(error).__mro__ if cls.__name__ in ERRORS_BY_NAME)
    return HTTPError(error.status, error.message.replace("%", "%%"), reason=reason)


class ModelboxHandler(APIHandler):
    """Handlers are thin: parse the request, call the registry off the event loop, write JSON."""

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

    # -- request parsing -----------------------------------------------------------------------

    def body(self, allowed: Iterable[str], required: Iterable[str] = ()) -> dict[str, Any]:
        """The JSON object body, refusing unknown or missing fields by name."""
        limit = self.settings.get("modelbox_max_json_body_bytes", 64 * 1024 * 1024)
        if len(self.request.body) > limit:
            raise http_error(PayloadTooLargeError(
                f"the request body has {len(self.request.body)} bytes; the limit is {limit} "
                "(ModelboxApp.max_json_body_bytes); send big metric batches in parts and files through /uploads"))
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError as exc:
            raise HTTPError(400, f"the request body is not valid JSON: {exc}", reason="InvalidArgumentError") from None
        if not isinstance(data, dict):
            raise HTTPError(400, "the request body must be a JSON object", reason="InvalidArgumentError")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise http_error(InvalidArgumentError(
                f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
            ))
        absent = [name for name in required if name not in data]
        if absent:
            raise http_error(InvalidArgumentError(f"missing required field(s): {', '.join(absent)}"))
        return data

    def int_arg(self, name: str, default: int | None = None, minimum: int = 0) -> int | None:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            error = InvalidArgumentError(f"query parameter {name!r} must be an integer, not {raw!r}")
            raise http_error(error) from None
        if value < minimum:
            raise http_error(InvalidArgumentError(f"query parameter {name!r} must be >= {minimum}, not {value}"))
        return value

    def float_arg(self, name: str, default: float) -> float:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return default
        try:
            return float(raw)
        except ValueError:
            raise http_error(InvalidArgumentError(f"query parameter {name!r} must be a number, not {raw!r}")) from None

    def bool_arg(self, name: str, default: bool | None = None) -> bool | None:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return default
        if raw.lower() in ("1", "true", "yes"):
            return True
        if raw.lower() in ("0", "false", "no"):
            return False
        raise http_error(InvalidArgumentError(f"query parameter {name!r} must be true or false, not {raw!r}"))

    def str_arg(self, name: str) -> str | None:
        raw = self.get_query_argument(name, None)
        return raw if raw != "" else None

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
        """Write JSON; a model, version or checkpoint also gets its revision as ETag (for If-Match)."""
        self.set_status(status)
        if isinstance(data.get("revision"), int) and "id" in data:
            self.set_header("ETag", f'"{data["revision"]}"')
        self.finish(json.dumps(data, allow_nan=False))

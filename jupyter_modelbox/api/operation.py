"""``Operation``: one REST operation as data, and how a Python call maps onto its request and reply.

The server reads requests by it (``server/parsing.py``), serves the OpenAPI document built from it
(``server/openapi.py``) and, unless it registers its own implementation, calls the ``Registry``
method of the same name with the request's arguments; the HTTP client builds requests from it
(``client/http.py``). Python names and wire names are the same unless ``python`` says otherwise.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .schemas import Schema

PREFIX = "modelbox/api"  # under the Jupyter server's base_url
JSON = "application/json"
PATH_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Param:
    """A query parameter or a field of the JSON body."""

    schema: Schema
    required: bool = False
    description: str = ""
    many: bool = False  # a query parameter that may repeat (?key=a&key=b): a list of strings


@dataclass(frozen=True)
class Operation:
    """One verb on one path.

    ``id`` is the operationId, and the name of the ``Registry``/``Transport`` method it stands for.
    ``reply`` names the fields the reply wraps the method's result in: none (the result is the
    reply), one (``{"namespaces": [...]}``) or several (a tuple result, e.g. ``("models", "total")``).
    ``writes``: the call records who made it (``actor=``); ``if_match``: it takes ``If-Match``.
    """

    id: str
    verb: str
    path: str
    summary: str
    query: Mapping[str, Param] = field(default_factory=dict)
    body: Mapping[str, Param] | None = None
    response: Schema | None = None  # the JSON reply; None: 204 No Content (or a non-JSON ``content``)
    status: int = 200
    reply: tuple[str, ...] = ()
    writes: bool = False
    if_match: bool = False
    python: Mapping[str, str] = field(default_factory=dict)  # wire name -> Python argument name
    content: str = JSON  # the media type of a success reply
    request_content: str | None = None  # a raw (non-JSON) request body, e.g. upload chunks
    ranges: bool = False  # answers ``Range: bytes=N-`` with 206 and part of the bytes
    errors: tuple[int, ...] = (400, 403, 404, 409, 413, 422)

    @property
    def path_params(self) -> list[str]:
        return PATH_PARAMETER.findall(self.path)

    def python_name(self, wire: str) -> str:
        return self.python.get(wire, wire)

    def wire_names(self) -> dict[str, str]:
        """Python argument name -> wire name, for every path, query and body parameter."""
        names = [*self.path_params, *self.query, *(self.body or {})]
        return {self.python_name(name): name for name in names}

    def request(self, args: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        """Python arguments -> (path, query parameters, JSON body); ``None`` values are left out."""
        wire = self.wire_names()
        unknown = sorted(set(args) - set(wire))
        if unknown:
            raise TypeError(f"{self.id}() got unexpected arguments: {', '.join(unknown)}")
        values = {wire[name]: value for name, value in args.items() if value is not None}
        missing = [name for name in self.path_params if name not in values]
        if missing:
            raise TypeError(f"{self.id}() needs {', '.join(missing)}")
        path = PATH_PARAMETER.sub(lambda m: urllib.parse.quote(str(values[m.group(1)]), safe=""), self.path)
        query = {name: _query_value(values[name]) for name in self.query if name in values}
        body = None if self.body is None else {name: values[name] for name in self.body if name in values}
        return path, query, body

    def wrap(self, result: Any) -> Any:
        """The registry method's result -> the reply's JSON."""
        if not self.reply:
            return result
        if len(self.reply) == 1:
            return {self.reply[0]: result}
        return dict(zip(self.reply, result, strict=True))

    def unwrap(self, data: Any) -> Any:
        """The reply's JSON -> what the registry method returns."""
        if not self.reply:
            return data
        if len(self.reply) == 1:
            return data[self.reply[0]]
        return tuple(data[name] for name in self.reply)


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return getattr(value, "value", value)  # enum members travel as their value

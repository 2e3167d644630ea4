"""The OpenAPI 3.1 document of the REST API (served at ``{base_url}modelbox/api/openapi.json``),
built from the declared operations (``jupyter_modelbox.api``)."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..api import OPERATIONS, PREFIX, SCHEMAS, Operation, Param
from ..api.operation import JSON
from ..api.schemas import STR, ref

ERRORS = {400: ("BadRequest", "Malformed request"), 403: ("Forbidden", "Not authenticated or not authorized"),
          404: ("NotFound", "Not found"), 409: ("Conflict", "Conflict"),
          412: ("PreconditionFailed", "If-Match names an older revision: reload and retry"),
          413: ("TooLarge", "Too large"), 416: ("RangeNotSatisfiable", "Range not satisfiable"),
          422: ("InvalidArgument", "Invalid argument")}
# each error once, in components.responses: operations refer to them (the generated TypeScript stays small)
ERROR_RESPONSES = {name: {"description": text, "content": {JSON: {"schema": ref("Error")}}}
                   for name, text in ERRORS.values()}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": STR,
            "description": "The ETag (revision) the edit starts from; 412 if the object changed since"}


def _query(name: str, param: Param) -> dict[str, Any]:
    schema = {"type": "array", "items": param.schema} if param.many else param.schema
    described = {"description": param.description} if param.description else {}
    return {"name": name, "in": "query", "required": param.required, "schema": schema, **described,
            **({"explode": True} if param.many else {})}


def _body(operation: Operation) -> dict[str, Any] | None:
    if operation.request_content is not None:
        return {"required": True, "content": {operation.request_content: {"schema": {"type": "string",
                                                                                      "format": "binary"}}}}
    if operation.body is None:
        return None
    properties = {name: {**param.schema, **({"description": param.description} if param.description else {})}
                  for name, param in operation.body.items()}
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [name for name, param in operation.body.items() if param.required]
    if required:
        schema["required"] = required
    return {"required": True, "content": {JSON: {"schema": schema}}}


def _responses(operation: Operation) -> dict[str, Any]:
    if operation.response is None:
        responses: dict[str, Any] = {str(operation.status): {"description": "Done (no content)"}}
    else:
        responses = {str(operation.status): {"description": "OK" if operation.status == 200 else "Created",
                                             "content": {operation.content: {"schema": operation.response}}}}
    if operation.ranges:
        responses["206"] = {"description": "Part of the bytes ('Range: bytes=N-')",
                            "content": {operation.content: {"schema": operation.response}}}
    codes = sorted({*operation.errors, *([412] if operation.if_match else [])})
    for code in codes:
        responses[str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    return responses


def operation_object(operation: Operation) -> dict[str, Any]:
    parameters = [{"name": name, "in": "path", "required": True, "schema": STR} for name in operation.path_params]
    if operation.if_match:
        parameters.append(IF_MATCH)
    parameters += [_query(name, param) for name, param in operation.query.items()]
    document: dict[str, Any] = {"operationId": operation.id, "summary": operation.summary}
    if parameters:
        document["parameters"] = parameters
    body = _body(operation)
    if body is not None:
        document["requestBody"] = body
    document["responses"] = _responses(operation)
    return document


def openapi_document(base_url: str = "/") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.verb] = operation_object(operation)
    return {
        "openapi": "3.1.0",
        "info": {"title": "jupyter_modelbox REST API", "version": __version__,
                 "description": "A model registry served by the Jupyter server. Authenticate as for any Jupyter "
                                "API: 'Authorization: token <token>', or the session cookie plus the X-XSRFToken "
                                "header for writes."},
        "servers": [{"url": f"{base_url.rstrip('/')}/{PREFIX}"}],
        "security": [{"token": []}],
        "components": {"schemas": SCHEMAS, "responses": ERROR_RESPONSES,
                       "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": paths,
    }

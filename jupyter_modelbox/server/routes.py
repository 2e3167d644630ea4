"""The one table of REST routes: path templates (as in the OpenAPI document) and their handlers."""

from __future__ import annotations

import re

from tornado.web import RequestHandler

from . import admin_handlers as admin
from . import file_handlers as files
from . import handlers as h

PREFIX = "modelbox/api"

ROUTES: list[tuple[str, type[RequestHandler]]] = [
    ("/info", h.InfoHandler),
    ("/openapi.json", h.OpenAPIHandler),
    ("/namespaces", h.NamespacesHandler),
    ("/models", h.ModelsHandler),
    ("/models/by-name/{namespace}/{name}", h.ModelByNameHandler),
    ("/models/{model_id}", h.ModelHandler),
    ("/models/{model_id}/versions", h.VersionsHandler),
    ("/models/{model_id}/versions/{ref}", h.VersionRefHandler),
    ("/models/{model_id}/tag-history", h.TagHistoryHandler),
    ("/models/{model_id}/tags/{tag}/holder", h.TagHolderHandler),
    ("/versions", h.VersionSearchHandler),
    ("/versions/{version_id}", h.VersionHandler),
    ("/versions/{version_id}/tags", h.VersionTagsHandler),
    ("/versions/{version_id}/tags/{tag}", h.VersionTagHandler),
    ("/checkpoints", h.CheckpointsHandler),
    ("/checkpoints/{uuid}", h.CheckpointHandler),
    ("/objects/{object_id}/metadata", h.MetadataHandler),
    ("/objects/{object_id}/metadata/{key}", h.MetadataKeyHandler),
    ("/objects/{object_id}/metrics", h.MetricsHandler),
    ("/objects/{object_id}/metric-keys", h.MetricKeysHandler),
    ("/objects/{object_id}/artifacts", files.ArtifactsHandler),
    ("/objects/{object_id}/artifact-batch", files.ArtifactBatchHandler),
    ("/objects/{object_id}/tracked-artifacts", files.TrackedArtifactsHandler),
    ("/objects/{object_id}/artifacts-from-contents", files.ContentsArtifactsHandler),
    ("/artifacts/{artifact_id}", files.ArtifactHandler),
    ("/artifacts/{artifact_id}/content", files.ArtifactContentHandler),
    ("/uploads", files.UploadsHandler),
    ("/uploads/{upload_id}", files.UploadHandler),
    ("/uploads/{upload_id}/finish", files.UploadFinishHandler),
    ("/events", h.EventsHandler),
    ("/check", admin.CheckHandler),
    ("/export", admin.ExportHandler),
    ("/import", admin.ImportHandler),
]

PARAMETER = re.compile(r"\{(\w+)\}")


def url_pattern(template: str) -> str:
    """``/models/{model_id}`` -> a tornado pattern with a named group per parameter."""
    return PREFIX + PARAMETER.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", template)


def handler_methods(handler: type[RequestHandler]) -> list[str]:
    """The HTTP verbs a handler class implements itself."""
    verbs = ("get", "post", "put", "patch", "delete")
    return [verb for verb in verbs if getattr(handler, verb) is not getattr(RequestHandler, verb)]

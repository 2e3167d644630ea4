"""Test-only server extension: point the running modelbox extension at a fresh registry (a new
folder, or its PostgreSQL database emptied with a new blob folder).

Starting a Jupyter server takes seconds; the HTTP half of the API suite instead starts one
server per session and gives each test an empty registry through this endpoint.
"""

from __future__ import annotations

import json

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from jupyter_modelbox.registry import open_registry, release_registry
from jupyter_modelbox.registry.s3 import S3Options


class ResetHandler(APIHandler):
    @web.authenticated
    def post(self) -> None:
        body = json.loads(self.request.body)
        settings = self.application.settings
        old = settings["modelbox_registry"]
        if body.get("database_url"):  # a PostgreSQL registry: the same database, emptied
            from .postgres import empty_registry

            release_registry(old)
            empty_registry(body["database_url"])
            new = open_registry(database_url=body["database_url"], blob_root=body["blob_root"], limits=old.limits,
                                blob_url=body.get("blob_url"), s3=S3Options.from_env())
        else:
            new = open_registry(body["root"], old.limits, blob_url=body.get("blob_url"), s3=S3Options.from_env())
        new.tracked_roots = old.tracked_roots
        settings["modelbox_registry"] = new
        app = settings["jupyter_modelbox"]
        app.registry = new
        if not body.get("database_url"):
            release_registry(old)
        self.finish({"location": new.location})


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "helpers.registry_reset"}]


def _load_jupyter_server_extension(serverapp: object) -> None:
    web_app = serverapp.web_app  # type: ignore[attr-defined]
    pattern = url_path_join(web_app.settings["base_url"], "modelbox-test/reset")
    web_app.add_handlers(".*$", [(pattern, ResetHandler)])

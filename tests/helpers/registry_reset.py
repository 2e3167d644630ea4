"""Test-only server extension: point the running modelbox extension at a fresh registry folder.

Starting a Jupyter server takes seconds; the HTTP half of the API suite instead starts one
server per session and gives each test an empty registry through this endpoint.
"""

from __future__ import annotations

import json

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from jupyter_modelbox.registry import open_registry, release_registry


class ResetHandler(APIHandler):
    @web.authenticated
    def post(self) -> None:
        root = json.loads(self.request.body)["root"]
        settings = self.application.settings
        old = settings["modelbox_registry"]
        new = open_registry(root, old.limits)
        new.tracked_roots = old.tracked_roots
        settings["modelbox_registry"] = new
        app = settings["jupyter_modelbox"]
        app.registry = new
        release_registry(old)
        self.finish({"root": str(new.root)})


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "helpers.registry_reset"}]


def _load_jupyter_server_extension(serverapp: object) -> None:
    web_app = serverapp.web_app  # type: ignore[attr-defined]
    pattern = url_path_join(web_app.settings["base_url"], "modelbox-test/reset")
    web_app.add_handlers(".*$", [(pattern, ResetHandler)])

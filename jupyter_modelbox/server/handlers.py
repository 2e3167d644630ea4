"""REST handlers for models, versions, tags, checkpoints, metadata, metrics and events.

One small class per resource; every verb is authenticated and authorized against the
``modelbox`` resource. Artifacts and uploads are in ``file_handlers.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..registry.wire import decode_series, frame_to_json
from .base import ModelboxHandler

MAX_POLL_SECONDS = 60.0


class ModelsHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        models, total = await self.call(
            self.registry.list_models,
            namespace=self.str_arg("namespace"), name=self.str_arg("name"),
            description=self.str_arg("description"), sort_by=self.str_arg("sort_by") or "name",
            order_by=self.str_arg("order_by") or "asc", offset=self.int_arg("offset", 0),
            limit=self.int_arg("limit"), archived=self.bool_arg("archived"), q=self.str_arg("q"),
        )
        self.reply({"models": models, "total": total})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body(
            {"name", "owner", "namespace", "task", "description", "artifacts", "metadata", "exist_ok"}, {"name"}
        )
        self.reply(await self.call(self.registry.create_model, actor=self.actor, **body), 201)


class ModelByNameHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, namespace: str, name: str) -> None:
        self.reply(await self.call(self.registry.find_model, name, namespace))


class NamespacesHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply({"namespaces": await self.call(self.registry.namespaces)})


class ModelHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, model_id: str) -> None:
        self.reply(await self.call(self.registry.get_model, model_id))

    @web.authenticated
    @authorized
    async def patch(self, model_id: str) -> None:
        body = self.body({"name", "description", "task", "owner", "archived"})
        self.reply(await self.call(self.registry.update_model, model_id, actor=self.actor,
                                   if_revision=self.if_revision(), **body))

    @web.authenticated
    @authorized
    async def delete(self, model_id: str) -> None:
        await self.call(self.registry.delete_model, model_id, cascade=bool(self.bool_arg("cascade")),
                        actor=self.actor, if_revision=self.if_revision())
        self.set_status(204)
        self.finish()


class VersionsHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, model_id: str) -> None:
        versions, total = await self.call(
            self.registry.list_versions, model_id, self.int_arg("offset", 0), self.int_arg("limit"), self.str_arg("q")
        )
        self.reply({"versions": versions, "total": total})

    @web.authenticated
    @authorized
    async def post(self, model_id: str) -> None:
        body = self.body({"version", "name", "description", "artifacts", "metadata", "unique_tags", "framework",
                          "checkpoint_uuid", "lineage"})
        self.reply(await self.call(self.registry.create_version, model_id, actor=self.actor, **body), 201)


class VersionSearchHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        versions, total = await self.call(
            self.registry.search_versions, self.str_arg("q"), self.int_arg("offset", 0), self.int_arg("limit")
        )
        self.reply({"versions": versions, "total": total})


class VersionRefHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, model_id: str, ref: str) -> None:
        self.reply(await self.call(self.registry.get_version, model_id, ref, must_exist=True))


class TagHistoryHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, model_id: str) -> None:
        history = await self.call(self.registry.tag_history, model_id, self.str_arg("tag"))
        self.reply({"history": history})


class TagHolderHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, model_id: str, tag: str) -> None:
        holder = await self.call(self.registry.tag_holder, model_id, tag, self.str_arg("at"))
        self.reply({"version": holder})


class VersionHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, version_id: str) -> None:
        self.reply(await self.call(self.registry.get_version_by_id, version_id))

    @web.authenticated
    @authorized
    async def patch(self, version_id: str) -> None:
        body = self.body({"version", "name", "description", "framework"})
        self.reply(await self.call(self.registry.update_version, version_id, actor=self.actor,
                                   if_revision=self.if_revision(), **body))

    @web.authenticated
    @authorized
    async def delete(self, version_id: str) -> None:
        await self.call(self.registry.delete_version, version_id, actor=self.actor, if_revision=self.if_revision())
        self.set_status(204)
        self.finish()


class VersionTagsHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def post(self, version_id: str) -> None:
        body = self.body({"tag", "move"}, {"tag"})
        self.reply(await self.call(self.registry.add_tag, version_id, body["tag"], bool(body.get("move")),
                                   actor=self.actor))


class VersionTagHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def delete(self, version_id: str, tag: str) -> None:
        self.reply(await self.call(self.registry.remove_tag, version_id, tag, actor=self.actor))


class CheckpointsHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body({"files", "metadata", "metrics", "framework", "format", "lineage"})
        self.reply(await self.call(self.registry.create_checkpoint, actor=self.actor, **body), 201)


class CheckpointHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, uuid: str) -> None:
        self.reply(await self.call(self.registry.get_checkpoint, uuid))


class MetadataHandler(ModelboxHandler):
    """Merge, set and remove run atomically in the registry: no read-modify-write across requests."""

    @web.authenticated
    @authorized
    async def get(self, object_id: str) -> None:
        doc = await self.call(self.registry.object_doc, object_id)
        self.set_header("ETag", f'"{doc.get("revision", 0)}"')
        self.reply({"metadata": doc["metadata"]})

    @web.authenticated
    @authorized
    async def patch(self, object_id: str) -> None:
        body = self.body({"metadata"}, {"metadata"})
        self.reply(await self.call(self.registry.merge_metadata, object_id, body["metadata"], actor=self.actor,
                                   if_revision=self.if_revision()))

    @web.authenticated
    @authorized
    async def delete(self, object_id: str) -> None:
        keys = self.get_query_arguments("key")
        self.reply(await self.call(self.registry.remove_metadata, object_id, keys, actor=self.actor,
                                   if_revision=self.if_revision()))


class MetadataKeyHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def put(self, object_id: str, key: str) -> None:
        body = self.body({"value"}, {"value"})
        self.reply(await self.call(self.registry.set_metadata, object_id, key, body["value"], actor=self.actor,
                                   if_revision=self.if_revision()))


class MetricsHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, object_id: str) -> None:
        keys = self.get_query_arguments("key") or None
        frame = await self.call(
            self.registry.read_metrics, object_id, keys, max_points=self.int_arg("max_points"),
            method=self.str_arg("method") or "minmax_lttb",
        )
        self.reply(await asyncio.get_running_loop().run_in_executor(self.executor, frame_to_json, frame))

    @web.authenticated
    @authorized
    async def post(self, object_id: str) -> None:
        body = self.body({"series"}, {"series"})
        series = await self.call(decode_series, body["series"])
        written = await self.call(self.registry.log_metrics, object_id, series, actor=self.actor)
        self.reply({"points": written})


class MetricKeysHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self, object_id: str) -> None:
        self.reply({"keys": await self.call(self.registry.metric_keys, object_id)})


class EventsHandler(ModelboxHandler):
    """``since=<seq>`` returns newer events at once, or waits up to ``timeout`` s for one (long-poll)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        since = self.int_arg("since", 0) or 0
        limit = self.int_arg("limit", 1000, minimum=1) or 1000
        timeout = min(max(self.float_arg("timeout", 0.0), 0.0), MAX_POLL_SECONDS)
        arrived = asyncio.Event()
        loop = asyncio.get_running_loop()

        def listener(seq: int) -> None:
            if seq > since:
                loop.call_soon_threadsafe(arrived.set)

        self.registry.listeners.append(listener)
        try:
            feed = await self.call(self.registry.event_feed, since, limit)
            if not feed["events"] and timeout > 0:  # waiting is the server's part, not a registry call
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrived.wait(), timeout)
                feed = await self.call(self.registry.event_feed, since, limit)
        finally:
            self.registry.listeners.remove(listener)
        self.reply(feed)


class InfoHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        app = self.settings["jupyter_modelbox"]
        self.reply({
            "root": str(self.registry.root),
            "version": app.version_string,
            "last_event_seq": await self.call(lambda: self.registry.last_event_seq),
            "limits": app.limits_document(),
            "user": self.actor,
        })


def _openapi_document(handler: ModelboxHandler) -> dict[str, Any]:
    from .openapi import openapi_document

    return openapi_document(handler.settings["base_url"])


class OpenAPIHandler(ModelboxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(_openapi_document(self))

"""Implementations of the operations that are more than one registry call serialized as declared.

Every other operation of ``api/operations.py`` is served by ``dispatch.parse_call_serialize``.
Artifacts and uploads are in ``file_handlers.py``, maintenance in ``admin_handlers.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from ..api import Operation
from ..registry.wire import decode_series, frame_to_json
from .base import ModelboxHandler
from .dispatch import Arguments, implements

MAX_POLL_SECONDS = 60.0


@implements("get_version")
async def get_version(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    """A model without versions answers 404 here (the Python API's ``get_version()`` returns None)."""
    version = await handler.call(handler.registry.get_version, args["model_id"], args["ref"], must_exist=True)
    handler.reply_to(operation, version)


@implements("get_metadata")
async def get_metadata(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    doc = await handler.call(handler.registry.object_doc, args["object_id"])
    handler.set_header("ETag", f'"{doc.get("revision", 0)}"')  # what a metadata edit's If-Match names
    handler.reply_to(operation, {"metadata": doc["metadata"]})


@implements("read_metrics")
async def read_metrics(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    frame = await handler.call(handler.registry.read_metrics, args["object_id"], args["key"] or None,
                               max_points=args.get("max_points"), method=args.get("method") or "minmax_lttb")
    handler.reply_to(operation, await handler.call(frame_to_json, frame))


@implements("log_metrics")
async def log_metrics(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    series = await handler.call(decode_series, args["series"])  # JSON columns -> arrays, in a worker thread
    written = await handler.call(handler.registry.log_metrics, args["object_id"], series, actor=handler.actor)
    handler.reply_to(operation, written)


@implements("events")
async def events(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    """``since=<seq>`` returns newer events at once, or waits up to ``timeout`` s for one (long-poll).

    Waiting is the server's part: the registry is asked once, and once more if something arrived.
    """
    since, limit = args.get("since", 0), args.get("limit", 1000)
    timeout = min(args.get("timeout", 0.0), MAX_POLL_SECONDS)
    registry = handler.registry
    arrived = asyncio.Event()
    loop = asyncio.get_running_loop()

    def listener(seq: int) -> None:
        if seq > since:
            loop.call_soon_threadsafe(arrived.set)

    registry.listeners.append(listener)
    try:
        feed = await handler.call(registry.event_feed, since, limit)
        if not feed["events"] and timeout > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), timeout)
            feed = await handler.call(registry.event_feed, since, limit)
    finally:
        registry.listeners.remove(listener)
    handler.reply_to(operation, feed)


@implements("info")
async def info(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    app = handler.settings["jupyter_modelbox"]
    handler.reply_to(operation, {
        "root": str(handler.registry.backend.scratch_dir),  # the folder (for a database: of its blobs)
        "version": app.version_string,
        "last_event_seq": await handler.call(lambda: handler.registry.last_event_seq),
        "limits": app.limits_document(),
        "user": handler.actor,
        "checksum_first": handler.registry.blobs.direct_uploads,
        "ranged_downloads": handler.registry.blobs.ranged_downloads,
        "direct_downloads": bool(handler.settings.get("modelbox_direct_download_seconds"))
        and handler.registry.blobs.download_urls,
    })


@implements("openapi")
async def openapi(handler: ModelboxHandler, operation: Operation, args: Arguments) -> None:
    from .openapi import openapi_document

    document: dict[str, Any] = openapi_document(handler.settings["base_url"])
    handler.reply_to(operation, document)

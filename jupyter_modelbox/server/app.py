"""The Jupyter server extension: it owns the registry while Jupyter runs and serves its REST API."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from tornado.ioloop import PeriodicCallback
from traitlets import Bool, Float, Int, List, Unicode, default

from .. import __version__
from ..paths import default_root
from ..registry import Limits, ModelBoxError, Registry, open_registry, release_registry
from ..registry.s3 import S3Options
from .memory import keep_freed_memory
from .routes import ROUTES, url_pattern


class ModelboxApp(ExtensionApp):
    name = "jupyter_modelbox"
    load_other_extensions = True

    root = Unicode(
        help="Folder of the registry this server owns. Default: $MODELBOX_ROOT, else <Jupyter data dir>/modelbox.",
    ).tag(config=True)
    database_url = Unicode(
        help="PostgreSQL registry shared by many servers and jobs, postgresql://user@host:5432/dbname "
        "(default: $MODELBOX_DATABASE_URL; empty: the embedded registry in root). The password comes from "
        "the URL, $PGPASSWORD, ~/.pgpass or database_password_file; it is never logged or shown.",
    ).tag(config=True)
    blob_root = Unicode(
        help="With database_url: the folder of artifact bytes, one that every server sharing the database "
        "reaches (default: $MODELBOX_BLOB_ROOT).",
    ).tag(config=True)
    blob_url = Unicode(
        help="Keep artifact bytes in S3 or an S3-compatible store instead, s3://bucket/prefix (default: "
        "$MODELBOX_BLOB_URL). Credentials come from the standard AWS chain on this server only (environment, "
        "~/.aws files, instance roles); clients never need them.",
    ).tag(config=True)
    s3_endpoint_url = Unicode(
        help="With an s3:// blob_url: the endpoint of an S3-compatible store, e.g. http://127.0.0.1:8333 "
        "(default: $MODELBOX_S3_ENDPOINT_URL, else boto3's own: $AWS_ENDPOINT_URL_S3, ~/.aws/config; else AWS).",
    ).tag(config=True)
    s3_region = Unicode(help="With an s3:// blob_url: the region (default: $MODELBOX_S3_REGION, else boto3's).").tag(
        config=True)
    s3_addressing_style = Unicode(
        help="With an s3:// blob_url: 'path', 'virtual' or 'auto' bucket addressing (default: "
        "$MODELBOX_S3_ADDRESSING_STYLE, else boto3's).",
    ).tag(config=True)
    s3_timeout_seconds = Float(
        10.0, help="With an s3:// blob_url: how long to wait for the store to connect or answer before a 503.",
    ).tag(config=True)
    s3_part_bytes = Int(
        8 * 1024 * 1024, help="With an s3:// blob_url: the size of multipart upload parts (at least 5 MiB; they "
        "grow by this much every 1,000 parts, so 10,000 parts hold 55,000 times it).",
    ).tag(config=True)
    s3_presigned_downloads = Bool(
        False, help="With an s3:// blob_url: answer artifact downloads with a redirect to a short-lived presigned "
        "URL of the store (the client must reach it) instead of streaming the bytes through this server.",
    ).tag(config=True)
    s3_presigned_seconds = Int(300, help="How long a presigned download URL is valid.").tag(config=True)
    s3_direct_downloads = Bool(
        True, help="With an s3:// blob_url: hand the Python client a presigned URL (s3_presigned_seconds) to read "
        "large artifacts straight from the store; where it cannot reach the store it reads them through this "
        "server. False: every byte passes through this server.",
    ).tag(config=True)
    upload_timeout_seconds = Float(
        24 * 3600.0, help="Unfinished uploads idle for longer are aborted (their bytes and S3 parts removed).",
    ).tag(config=True)
    database_pool_size = Int(10, help="With database_url: most database connections this server holds.").tag(
        config=True
    )
    database_password_file = Unicode(
        help="With database_url: a file holding the database password (instead of the URL or $PGPASSWORD).",
    ).tag(config=True)
    max_chunk_bytes = Int(
        512 * 1024 * 1024, help="Largest single upload request (PUT of one chunk), in bytes.",
    ).tag(config=True)
    max_metadata_bytes = Int(Limits.max_metadata_bytes, help="Largest metadata document, as JSON bytes.").tag(
        config=True
    )
    max_name_length = Int(Limits.max_name_length, help="Longest model, version or namespace name.").tag(config=True)
    max_metadata_keys = Int(Limits.max_metadata_keys, help="Most top-level keys in one metadata document.").tag(
        config=True
    )
    max_description_length = Int(Limits.max_description_length, help="Longest description, in characters.").tag(
        config=True
    )
    max_json_body_bytes = Int(
        64 * 1024 * 1024,
        help="Largest JSON request body (uploads stream separately, see max_chunk_bytes). Jupyter's "
        "ServerApp.max_body_size still caps what tornado reads before this check.",
    ).tag(config=True)
    worker_threads = Int(4, help="Threads doing registry disk work off the event loop.").tag(config=True)
    receive_chunk_bytes = Int(
        1024 * 1024, help="Size of the pieces a streamed upload body is received in (tornado's default: 64 KiB).",
    ).tag(config=True)
    keep_freed_bytes = Int(
        32 * 1024 * 1024, help="Freed memory the server process keeps for reuse instead of returning it to the "
        "kernel (glibc malloc's trim threshold; blocks up to half of it come from the heap). Uploads allocate a "
        "1 MiB piece per MiB received: glibc's own thresholds made the kernel fault those pages in again, "
        "~170k faults per GiB. 0 leaves glibc's settings. Affects the whole Jupyter server process.",
    ).tag(config=True)
    grpc_port = Int(0, help="Port of the gRPC ModelStore service (0: off). Needs jupyter_modelbox[grpc].").tag(
        config=True
    )
    grpc_bind = Unicode("127.0.0.1", help="Address the gRPC service listens on.").tag(config=True)
    grpc_token = Unicode(
        help="Token gRPC calls send as 'authorization: token <t>'. Default: the Jupyter server's token.",
    ).tag(config=True)
    grpc_certfile = Unicode(help="TLS certificate (PEM) of the gRPC service; with grpc_keyfile.").tag(config=True)
    grpc_keyfile = Unicode(help="TLS private key (PEM) of the gRPC service; with grpc_certfile.").tag(config=True)
    tracked_download_roots = List(
        Unicode(),
        help="Folders from which tracked (not uploaded) artifacts may be downloaded through the server, and "
        "s3://bucket/prefix places (read with the server's credentials, with an s3:// blob_url). "
        "Default: the server's root_dir.",
    ).tag(config=True)

    registry: Registry | None = None
    grpc_server: Any = None
    upload_sweep: Any = None
    version_string = __version__

    @default("root")
    def _default_root(self) -> str:
        return os.environ.get("MODELBOX_ROOT") or str(default_root())

    @default("database_url")
    def _default_database_url(self) -> str:
        return os.environ.get("MODELBOX_DATABASE_URL", "")

    @default("blob_root")
    def _default_blob_root(self) -> str:
        return os.environ.get("MODELBOX_BLOB_ROOT", "")

    @default("blob_url")
    def _default_blob_url(self) -> str:
        return os.environ.get("MODELBOX_BLOB_URL", "")

    @default("tracked_download_roots")
    def _default_tracked_roots(self) -> list[str]:
        return [self.serverapp.root_dir] if self.serverapp is not None else []

    def limits(self) -> Limits:
        return Limits(max_metadata_bytes=self.max_metadata_bytes, max_name_length=self.max_name_length,
                      max_metadata_keys=self.max_metadata_keys, max_description_length=self.max_description_length)

    def limits_document(self) -> dict[str, Any]:
        return {**asdict(self.limits()), "max_chunk_bytes": self.max_chunk_bytes,
                "max_json_body_bytes": self.max_json_body_bytes}

    def open_registry(self) -> Registry:
        """The registry this server's configuration names (a folder, or a database and a blob folder)."""
        try:
            s3 = S3Options.from_env(self.s3_endpoint_url, self.s3_region, self.s3_addressing_style,
                                    timeout_seconds=self.s3_timeout_seconds, part_bytes=self.s3_part_bytes)
            return open_registry(self.root, self.limits(), database_url=self.database_url or None,
                                 blob_root=self.blob_root or None, pool_size=self.database_pool_size,
                                 password_file=self.database_password_file or None,
                                 blob_url=self.blob_url or None, s3=s3)
        except ModelBoxError as error:  # a wrong password, an unreachable host, tables that are not ours, no bucket
            self.log.error("jupyter_modelbox: cannot open the registry: %s", error.message)
            raise

    def _share_log(self) -> None:
        """The registry's own log lines (a lost database connection, a reconnect) go to Jupyter's log."""
        registry_log = logging.getLogger("jupyter_modelbox.registry")
        for handler in getattr(self.serverapp, "log", self.log).handlers:
            if handler not in registry_log.handlers:
                registry_log.addHandler(handler)
        registry_log.setLevel(logging.INFO)
        registry_log.propagate = False

    def initialize_settings(self) -> None:
        self._share_log()
        keep_freed_memory(self.keep_freed_bytes)
        self.registry = self.open_registry()
        self.registry.tracked_roots = [root if root.startswith("s3://") else Path(root)
                                       for root in self.tracked_download_roots]
        for message in self.registry.recovered:
            self.log.warning("jupyter_modelbox: %s", message)
        self.log.info("jupyter_modelbox: serving the %s", self.registry.location)
        self.settings.update(
            modelbox_registry=self.registry,
            modelbox_executor=ThreadPoolExecutor(self.worker_threads, thread_name_prefix="modelbox"),
            modelbox_max_chunk_bytes=self.max_chunk_bytes,
            modelbox_max_json_body_bytes=self.max_json_body_bytes,
            modelbox_presigned_seconds=self.s3_presigned_seconds if self.s3_presigned_downloads else 0,
            modelbox_direct_download_seconds=self.s3_presigned_seconds if self.s3_direct_downloads else 0,
        )

    def initialize_handlers(self) -> None:
        self.handlers.extend((url_pattern(template), handler) for template, handler in ROUTES)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        self._widen_body_pieces(serverapp)
        every = min(600.0, max(1.0, self.upload_timeout_seconds / 4))
        self.upload_sweep = PeriodicCallback(self._sweep_uploads, every * 1000)
        self.upload_sweep.start()
        if self.grpc_port:
            from ..grpc_service.server import start_grpc

            self.grpc_server = await start_grpc(self, serverapp)

    def _widen_body_pieces(self, serverapp: Any) -> None:
        """Let streamed request bodies (uploads) arrive in pieces of ``receive_chunk_bytes``.

        tornado hands a streamed body over 64 KiB at a time, one coroutine call each: that, not the
        disk, bounded upload speed. Its HTTPServer takes ``chunk_size`` only at construction, which
        jupyter_server does; the same settings are set here for the connections still to come.
        """
        server = getattr(serverapp, "http_server", None)
        params = getattr(server, "conn_params", None)
        if params is None or self.receive_chunk_bytes <= (params.chunk_size or 0):
            return
        params.chunk_size = self.receive_chunk_bytes
        server.read_chunk_size = self.receive_chunk_bytes

    async def _sweep_uploads(self) -> None:
        """Abort uploads idle for longer than ``upload_timeout_seconds`` (their S3 parts too), and staging
        that no session owns (a server killed mid-upload). Every server sharing the registry does it."""
        registry, executor = self.registry, self.settings.get("modelbox_executor")
        if registry is None or executor is None:
            return
        try:
            aborted = await asyncio.get_running_loop().run_in_executor(
                executor, registry.abort_abandoned_uploads, self.upload_timeout_seconds)
        except ModelBoxError as error:  # the store or database is away: the next sweep tries again
            self.log.warning("jupyter_modelbox: could not sweep abandoned uploads: %s", error.message)
            return
        for name in aborted:
            self.log.info("jupyter_modelbox: aborted abandoned %s", name)

    async def stop_extension(self) -> None:
        if self.upload_sweep is not None:
            self.upload_sweep.stop()
            self.upload_sweep = None
        if self.grpc_server is not None:
            await self.grpc_server.stop()
            self.grpc_server = None
        executor = self.settings.get("modelbox_executor")
        if executor is not None:
            executor.shutdown(wait=True)
        if self.registry is not None:
            release_registry(self.registry)
            self.registry = None

"""The ``ModelStore`` gRPC server, on the Jupyter server's event loop (``grpc.aio``).

Off unless ``ModelboxApp.grpc_port`` is set. Every call must carry ``authorization: token <t>``
(the Jupyter server's token unless ``grpc_token`` is set; ``Bearer <t>`` is accepted too), else it
fails with UNAUTHENTICATED before the service sees it. ``grpc_certfile``/``grpc_keyfile`` turn on TLS.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from .experiments import ExperimentRpcs
from .files import FileRpcs
from .objects import ObjectRpcs
from .protos import load
from .series import SeriesRpcs

SCHEMES = ("token", "bearer")


class ModelStoreServicer(ObjectRpcs, ExperimentRpcs, FileRpcs, SeriesRpcs):
    """Every RPC of ``service ModelStore``."""


@dataclass(frozen=True)
class GrpcConfig:
    port: int
    bind: str = "127.0.0.1"
    token: str = ""
    certfile: str = ""
    keyfile: str = ""
    max_message_bytes: int = 512 * 1024 * 1024

    def check(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"grpc_port must be 1-65535 (0 turns gRPC off), not {self.port}")
        if not self.token:
            raise ValueError(
                "the gRPC service needs a token and the Jupyter server has none; set ModelboxApp.grpc_token"
            )
        if bool(self.certfile) != bool(self.keyfile):
            raise ValueError("TLS needs both grpc_certfile and grpc_keyfile")

    @property
    def address(self) -> str:
        host = f"[{self.bind}]" if ":" in self.bind and not self.bind.startswith("[") else self.bind
        return f"{host}:{self.port}"


def _authorized(metadata: Any, token: str) -> bool:
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str):
            scheme, _, given = value.strip().partition(" ")
            if scheme.lower() in SCHEMES and hmac.compare_digest(given.strip().encode(), token.encode()):
                return True
    return False


def _refusing(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """A handler of the same kind that ends the call with UNAUTHENTICATED, reading nothing."""
    message = "missing or wrong token: send the metadata 'authorization: token <token>'"

    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, message)

    async def refuse_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, message)
        yield  # pragma: no cover  (makes this an async generator)

    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(refuse_stream)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(refuse)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(refuse_stream)
    return grpc.unary_unary_rpc_method_handler(refuse)


class TokenInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, token: str) -> None:
        self._token = token

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or _authorized(handler_call_details.invocation_metadata, self._token):
            return handler
        return _refusing(handler)


class GrpcServer:
    """The running service; ``settings`` are the Jupyter web app's (registry and worker pool)."""

    def __init__(self, config: GrpcConfig, settings: Mapping[str, Any], log: logging.Logger) -> None:
        config.check()
        self.config = config
        self.log = log
        self.port = 0
        _, services = load()
        self.server = grpc.aio.server(
            interceptors=[TokenInterceptor(config.token)],
            options=[
                ("grpc.so_reuseport", 0),  # a port in use is an error, not a silently shared port
                ("grpc.max_receive_message_length", config.max_message_bytes),
                ("grpc.max_send_message_length", -1),
            ],
        )
        services.add_ModelStoreServicer_to_server(ModelStoreServicer(settings), self.server)

    async def start(self) -> int:
        config = self.config
        try:
            if config.certfile:
                credentials = grpc.ssl_server_credentials(
                    [(Path(config.keyfile).read_bytes(), Path(config.certfile).read_bytes())]
                )
                self.port = self.server.add_secure_port(config.address, credentials)
            else:
                self.port = self.server.add_insecure_port(config.address)
        except RuntimeError as exc:
            raise OSError(f"cannot listen for gRPC on {config.address}: {exc}") from None
        if not self.port:
            raise OSError(f"cannot listen for gRPC on {config.address} (in use, or not an address of this host)")
        await self.server.start()
        scheme = "TLS" if config.certfile else "plaintext"
        self.log.info("jupyter_modelbox: gRPC ModelStore on %s (%s, token required)", config.address, scheme)
        return self.port

    async def stop(self, grace: float = 2.0) -> None:
        await self.server.stop(grace)


async def start_grpc(app: Any, serverapp: Any) -> GrpcServer | None:
    """Start the service as ``ModelboxApp``'s ``grpc_*`` traits say; log and return ``None`` if it cannot."""
    config = GrpcConfig(
        port=app.grpc_port, bind=app.grpc_bind, token=app.grpc_token or serverapp.identity_provider.token,
        certfile=app.grpc_certfile, keyfile=app.grpc_keyfile, max_message_bytes=app.max_chunk_bytes,
    )
    try:
        server = GrpcServer(config, serverapp.web_app.settings, app.log)
        await server.start()
    except (ValueError, OSError, ImportError) as exc:
        app.log.error("jupyter_modelbox: the gRPC service is not running: %s", exc)
        return None
    return server

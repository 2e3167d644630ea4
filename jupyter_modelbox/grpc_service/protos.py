"""Message and service classes of ``modelbox.proto``, compiled in memory on first use.

``grpc.protos_and_services`` runs grpcio-tools' protoc on the ``.proto`` shipped in this package
and imports the result, so the classes always match the file and nothing generated is committed
or cached on disk. Other languages generate their stubs from the same file (``PROTO_PATH``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType

PROTO_PATH = Path(__file__).with_name("modelbox.proto")
# the import name protoc resolves against sys.path (the folder holding jupyter_modelbox/)
PROTO_IMPORT = "jupyter_modelbox/grpc_service/modelbox.proto"
MISSING = "gRPC support needs grpcio and grpcio-tools: pip install 'jupyter_modelbox[grpc]'"


@functools.cache
def load() -> tuple[ModuleType, ModuleType]:
    """``(messages, services)``: the ``modelbox_pb2`` and ``modelbox_pb2_grpc`` modules."""
    try:
        import grpc
        import grpc_tools  # noqa: F401  (protos_and_services needs it; say so before grpc does)
    except ImportError as exc:
        raise ImportError(f"{MISSING} ({exc})") from exc
    return grpc.protos_and_services(PROTO_IMPORT)  # type: ignore[no-any-return]

"""The gRPC ``ModelStore`` service (``modelbox.proto``), served by the Jupyter server extension.

Needs the ``grpc`` extra (``pip install 'jupyter_modelbox[grpc]'``). Message and service classes are
compiled from ``modelbox.proto`` when first used (see ``protos.py``); no generated code is stored.
"""

from .protos import PROTO_PATH, load

__all__ = ["PROTO_PATH", "load"]

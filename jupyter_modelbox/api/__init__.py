"""The REST API's shape, declared once: every operation's route, verb, parameters and schemas.

Nothing here imports Jupyter, tornado or ``requests``: the server (``jupyter_modelbox.server``)
and the HTTP client (``jupyter_modelbox.client.http``) both import it. From it come the OpenAPI
document the server serves (and the labextension's TypeScript types generated from that), the
server's request checks and 422 messages, the server's routes, and the client's paths and verbs.

Adding a REST operation:

1. Declare it in ``operations.py``: ``Operation(id, verb, path, summary, query=..., body=...,
   response=..., reply=..., writes=..., if_match=...)``; its ``id`` names the ``Registry`` method
   it calls (``python`` maps wire names that differ from the method's argument names).
2. Write that ``Registry`` method (validate everything, then write in one transaction).
3. On the client, give the transport a one-line method: ``return self._call("<id>", **arguments)``
   (and list it in ``client/transport.py``'s ``Transport`` if the Python objects use it).

The server needs no code for it: ``server/dispatch.py`` routes the path, ``server/parsing.py``
checks the request against the declaration (422 names the field), calls the method with
``actor=`` (``writes``) and ``if_revision=`` (``if_match``), and replies with the result wrapped as
``reply`` says, with ``status``. Only an operation that is not "parse, call, serialize" (streams,
long polls, the contents manager) registers its own implementation with ``@implements("<id>")``.
"""

from .operation import PREFIX, Operation, Param
from .operations import BY_ID, OPERATIONS
from .schemas import SCHEMAS

__all__ = ["BY_ID", "OPERATIONS", "PREFIX", "SCHEMAS", "Operation", "Param"]

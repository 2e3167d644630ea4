"""Which registry ``ModelBox()`` uses when it is not told.

1. ``$MODELBOX_URL`` (with ``$MODELBOX_TOKEN``): a Jupyter server named explicitly.
2. The Jupyter server that started this kernel (``$JPY_PARENT_PID`` -> its ``jpserver-<pid>.json``),
   if it serves the modelbox extension: while Jupyter runs, it owns the registry.
3. ``$MODELBOX_DATABASE_URL`` (with ``$MODELBOX_BLOB_ROOT``): a PostgreSQL registry opened in this process.
4. ``$MODELBOX_ROOT``: a registry folder opened in this process.
5. ``<Jupyter data dir>/modelbox``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import requests

from ..paths import default_root

log = logging.getLogger("jupyter_modelbox")


@dataclass(frozen=True)
class Choice:
    url: str | None = None
    token: str | None = None
    root: Path | None = None
    database_url: str | None = None
    blob_root: str | None = None
    why: str = ""


def parent_server() -> tuple[str, str | None] | None:
    """URL and token of the Jupyter server whose kernel this process is, if it has modelbox."""
    pid = os.environ.get("JPY_PARENT_PID")
    if not pid:
        return None
    from jupyter_core.paths import jupyter_runtime_dir

    info_file = Path(jupyter_runtime_dir()) / f"jpserver-{pid}.json"
    try:
        info = json.loads(info_file.read_text())
    except (OSError, ValueError):
        return None
    if info.get("sock"):
        return None  # a server on a unix socket: not reachable with a URL
    url, token = info["url"], info.get("token") or None
    try:
        answer = requests.get(url.rstrip("/") + "/modelbox/api/info", timeout=5,
                              headers={"Authorization": f"token {token}"} if token else {})
    except requests.RequestException:
        return None
    if answer.status_code != 200:
        log.info("jupyter_modelbox: the Jupyter server at %s does not serve modelbox (HTTP %s)", url,
                 answer.status_code)
        return None
    return url, token


def choose() -> Choice:
    if os.environ.get("MODELBOX_URL"):
        return Choice(url=os.environ["MODELBOX_URL"], token=os.environ.get("MODELBOX_TOKEN"), why="$MODELBOX_URL")
    server = parent_server()
    if server is not None:
        return Choice(url=server[0], token=server[1], why="the Jupyter server running this kernel")
    if os.environ.get("MODELBOX_DATABASE_URL"):
        return Choice(database_url=os.environ["MODELBOX_DATABASE_URL"], blob_root=os.environ.get("MODELBOX_BLOB_ROOT"),
                      why="$MODELBOX_DATABASE_URL")
    if os.environ.get("MODELBOX_ROOT"):
        return Choice(root=Path(os.environ["MODELBOX_ROOT"]), why="$MODELBOX_ROOT")
    return Choice(root=default_root(), why="the default location")

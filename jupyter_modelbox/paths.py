"""Where registries live by default (shared by the server extension and the client)."""

from __future__ import annotations

from pathlib import Path


def default_root() -> Path:
    """``<Jupyter data dir>/modelbox``: per user, outside any notebook folder."""
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "modelbox"

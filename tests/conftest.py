"""Fixtures shared by the test suite.

``mb`` is the user-facing ``ModelBox`` over each transport; every test of the Python API takes
it, so the same assertions run in-process and (once the server exists) over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_modelbox import ModelBox

TRANSPORTS = ["local"]


@pytest.fixture(params=TRANSPORTS)
def mb(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ModelBox]:
    box = ModelBox(root=tmp_path / "registry")
    yield box
    box.close()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A few small files of different kinds."""
    folder = tmp_path / "files"
    folder.mkdir()
    made = {
        "weights": folder / "weights.pt",
        "notes": folder / "notes.txt",
        "plot": folder / "loss.png",
    }
    made["weights"].write_bytes(bytes(range(256)) * 64)
    made["notes"].write_text("trained for 3 epochs\n")
    made["plot"].write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    return made

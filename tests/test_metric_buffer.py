"""Buffered log_metrics: never slows the loop, never loses points silently."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jupyter_modelbox import ModelBox, NotFoundError


def test_reads_see_buffered_points_and_flush_is_explicit(mb: ModelBox) -> None:
    version = mb.new_model("m").new_model_version()
    for step in range(1000):
        version.log_metrics({"loss": 1.0 / (step + 1)}, step=step)
    assert len(version.metrics("loss")) == 1000  # reading flushes first
    version.log_metrics({"loss": 0.0}, step=1000)
    mb.flush()
    assert version.metrics("loss")["value"].iloc[-1] == 0.0


def test_a_failed_background_send_is_raised_by_the_next_call(mb: ModelBox) -> None:
    model = mb.new_model("m")
    version = model.new_model_version()
    doomed = model.new_model_version()
    doomed.log_metrics({"loss": 1.0}, step=0)
    mb._transport.delete_version(doomed.id)  # deleted behind the buffer's back (another kernel, say)
    with pytest.raises(NotFoundError, match="a buffered log_metrics call failed"):
        mb.flush()
    version.log_metrics({"loss": 2.0}, step=0)  # the error was reported once; logging goes on
    assert version.metrics()["value"].tolist() == [2.0]


def test_points_are_flushed_at_interpreter_exit(tmp_path: Path) -> None:
    root = tmp_path / "registry"
    script = textwrap.dedent(f"""
        from jupyter_modelbox import ModelBox
        mb = ModelBox(root={str(root)!r})
        version = mb.new_model("m").new_model_version()
        for step in range(500):
            version.log_metrics({{"loss": float(step)}}, step=step)
        # no flush, no close: the interpreter exits with points still buffered
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    with ModelBox(root=root) as mb:
        assert len(mb.get_model("m").get_version(1).metrics()) == 500

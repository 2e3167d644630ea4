"""Background write-out of uploads: an error the kernel reports to the background sync is not lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyter_modelbox.registry.writeback import BackgroundSync


def test_a_background_sync_error_is_raised_by_wait() -> None:
    read_end, write_end = os.pipe()  # fdatasync on a pipe fails (EINVAL): a real error from the kernel
    try:
        sync = BackgroundSync(every=1)
        sync.wrote(write_end, 10)
        with pytest.raises(OSError):
            sync.wait()
    finally:
        os.close(read_end)
        os.close(write_end)


def test_the_writer_may_close_its_descriptor_while_a_sync_runs(tmp_path: Path) -> None:
    sync = BackgroundSync(every=1)
    with open(tmp_path / "f.bin", "wb") as out:
        out.write(b"x" * 4096)
        out.flush()
        sync.wrote(out.fileno(), 4096)
    sync.wait()  # the sync used its own descriptor: no EBADF
    assert (tmp_path / "f.bin").read_bytes() == b"x" * 4096

"""Give the memory of part buffers back to the system as soon as they are dropped.

An upload or download through S3 allocates and frees many buffers of a few MiB (parts being
sent, ranges read ahead) from several threads. glibc's malloc serves a large block with its own
``mmap`` and returns it on ``free``, but only until the first such block is freed: then it raises
its threshold to that size, later blocks come from per-thread arenas, and freed arena memory is
kept. Measured with a Jupyter server uploading and downloading 256 MB to SeaweedFS twice: +95 MB
RSS per upload, and the server ended 130 MB larger than it began; with a fixed threshold, +48 MB
per upload, +37 MB per download, and back to where it started after each. A fixed threshold
(``M_MMAP_THRESHOLD``) stops the adjustment; small allocations are unaffected.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # <malloc.h>
MMAP_THRESHOLD_BYTES = 1024 * 1024

_done = False


def return_large_blocks() -> bool:
    """Blocks of ``MMAP_THRESHOLD_BYTES`` or more get their own mapping, returned when freed (glibc only).

    Once per process; false where it cannot be set (another C library, or a platform without glibc)."""
    global _done
    if _done or not sys.platform.startswith("linux"):
        return _done
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl has no mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _done = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    return _done

"""Freed memory the server process keeps for reuse: glibc malloc's trim and mmap thresholds.

An upload arrives in 1 MiB pieces, each a new ``bytes`` that lives until its few MiB are written.
With glibc's own thresholds (which adapt: trim at twice the largest block freed so far) the heap's
top was handed back to the kernel every few MiB and faulted in again, page by page: about 170k
minor faults and a third of the server's system time per GiB uploaded. Keeping up to
``keep_bytes`` of freed memory at the top of the heap, and taking blocks up to half of it from the
heap rather than from fresh mmaps, reuses those pages instead.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1  # glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
MAX_MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc refuses more on 64-bit (HEAP_MAX_SIZE / 2)
MAX_INT = 2**31 - 1  # mallopt takes a C int


def keep_freed_memory(keep_bytes: int) -> tuple[int, int] | None:
    """Have malloc keep up to ``keep_bytes`` freed for reuse; the mmap and trim thresholds set, or None
    where that is not glibc's malloc (or ``keep_bytes`` is 0: glibc's own thresholds stay)."""
    if keep_bytes <= 0 or not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None)  # the C library this process runs on
    if not hasattr(libc, "gnu_get_libc_version"):  # musl and others: their mallopt has no such settings
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    trim = min(keep_bytes, MAX_INT)  # ctypes would wrap a larger value around, silently
    mmap = min(trim // 2, MAX_MMAP_THRESHOLD)
    if not (libc.mallopt(M_MMAP_THRESHOLD, mmap) and libc.mallopt(M_TRIM_THRESHOLD, trim)):
        return None
    return mmap, trim

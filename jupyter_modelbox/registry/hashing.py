"""Write bytes while a second thread hashes them: sha256 and file writes both release the GIL."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

_HASHERS = ThreadPoolExecutor(4, thread_name_prefix="modelbox-sha256")


def _update(digest: Any, pieces: Sequence[bytes]) -> None:
    for piece in pieces:
        digest.update(piece)


def write_hashing(out: BinaryIO, pieces: Sequence[bytes], digest: Any | None) -> int:
    """Write ``pieces`` to ``out`` in order (and flush) while ``digest`` (a hashlib object) takes them; the count.

    OSError from the write propagates after the hashing thread is done with the pieces.
    """
    hashed = _HASHERS.submit(_update, digest, pieces) if digest is not None else None
    try:
        for piece in pieces:
            out.write(piece)
        out.flush()
    finally:
        if hashed is not None:
            hashed.result()
    return sum(map(len, pieces))

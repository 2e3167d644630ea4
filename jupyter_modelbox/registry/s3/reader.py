"""An S3 object as a seekable binary stream: ``seek`` picks where reading starts, so a resumed download
reads only what is missing. Ahead of the reader, ``AHEAD`` ranged ``GetObject`` calls of ``RANGE_BYTES``
run at once (as boto3's own ``download_file`` does): one stream from an object store is slow, several
are not; memory stays bounded at ``AHEAD * RANGE_BYTES``.

Read from the start, it also hashes the bytes and refuses to hand over the last block unless
they match the sha256 the object is named by: bytes changed in the bucket behind the registry's
back never arrive whole at a client.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..errors import IntegrityError
from .location import S3Location

RANGE_BYTES = 8 * 1024 * 1024
AHEAD = 4
_FETCHERS = ThreadPoolExecutor(8, thread_name_prefix="modelbox-s3-range")


class S3ObjectReader(io.RawIOBase):
    def __init__(self, client: Any, location: S3Location, key: str, size: int, checksum: str | None) -> None:
        self.client = client
        self.location = location
        self.key = key
        self.size = size
        self.checksum = checksum
        self._position = 0
        self._digest = hashlib.sha256() if checksum else None
        self._ahead: deque[Future[bytes]] = deque()
        self._next = 0  # where the next range fetched starts
        self._end = size  # nothing past it is fetched (see ``limit``)
        self._block = memoryview(b"")  # the current range's bytes not yet read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self.size}[whence]
        position = max(0, base + offset)
        if position != self._position:
            self._drop_ahead()
            self._position = self._next = position
            # only a whole read, from the start, can be verified
            self._digest = hashlib.sha256() if position == 0 and self.checksum else None
        return position

    def limit(self, end: int) -> None:
        """Read no further than ``end`` (a ranged request): no range past it is fetched ahead."""
        self._end = min(end, self.size)

    def _fetch(self, start: int) -> bytes:
        end = min(self._end, start + RANGE_BYTES) - 1
        with self.location.errors("reading artifact bytes", self.key):
            body = self.client.get_object(Bucket=self.location.bucket, Key=self.key, Range=f"bytes={start}-{end}")
            data: bytes = body["Body"].read()
        if len(data) != end - start + 1:
            raise IntegrityError(f"{self.location.bucket}/{self.key} ended short of its {self.size} bytes "
                                 f"(at {start + len(data)}): it changed in the bucket")
        return data

    def read(self, size: int = -1) -> bytes:
        if self._position >= self._end:
            return b""
        if not self._block:
            while len(self._ahead) < AHEAD and self._next < self._end:
                self._ahead.append(_FETCHERS.submit(self._fetch, self._next))
                self._next += RANGE_BYTES
            self._block = memoryview(self._ahead.popleft().result())
        wanted = len(self._block) if size is None or size < 0 else min(size, len(self._block))
        whole = self._block.obj if wanted == len(self._block) == len(self._block.obj) else None  # type: ignore[arg-type]
        block = whole if isinstance(whole, bytes) else bytes(self._block[:wanted])  # a whole range goes uncopied
        self._block = self._block[wanted:]
        self._position += len(block)
        if self._digest is not None:
            self._digest.update(block)
            if self._position == self.size and self._digest.hexdigest() != self.checksum:
                raise IntegrityError(
                    f"the bytes of {self.location.bucket}/{self.key} no longer match their sha256 {self.checksum}: "
                    "they were changed in the bucket; restore them from a backup (modelbox import)")
        return block

    def readinto(self, buffer: Any) -> int:
        block = self.read(len(buffer))
        buffer[:len(block)] = block
        return len(block)

    def _drop_ahead(self) -> None:
        for future in self._ahead:
            future.cancel()
        self._ahead.clear()
        self._block = memoryview(b"")

    def close(self) -> None:
        self._drop_ahead()
        super().close()

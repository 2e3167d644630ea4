"""An S3 object as a seekable binary stream: ``seek`` picks where the next ``GetObject`` (with
``Range``) starts, so a resumed download reads only what is missing.

Read from the start, it also hashes the bytes and refuses to hand over the last block unless
they match the sha256 the object is named by: bytes changed in the bucket behind the registry's
back never arrive whole at a client.
"""

from __future__ import annotations

import hashlib
import io
import os
from typing import Any

from ..errors import IntegrityError
from .location import S3Location


class S3ObjectReader(io.RawIOBase):
    def __init__(self, client: Any, location: S3Location, key: str, size: int, checksum: str | None) -> None:
        self.client = client
        self.location = location
        self.key = key
        self.size = size
        self.checksum = checksum
        self._position = 0
        self._body: Any = None
        self._digest = hashlib.sha256() if checksum else None

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
            self._drop_body()
            self._position = position
            # only a whole read, from the start, can be verified
            self._digest = hashlib.sha256() if position == 0 and self.checksum else None
        return position

    def read(self, size: int = -1) -> bytes:
        remaining = self.size - self._position
        if remaining <= 0:
            return b""
        wanted = remaining if size is None or size < 0 else min(size, remaining)
        if self._body is None:
            with self.location.errors("reading artifact bytes", self.key):
                self._body = self.client.get_object(Bucket=self.location.bucket, Key=self.key,
                                                    Range=f"bytes={self._position}-")["Body"]
        with self.location.errors("reading artifact bytes", self.key):
            block = self._body.read(wanted)
        if not block:
            raise IntegrityError(f"{self.location.bucket}/{self.key} ended after {self._position} of its "
                                 f"{self.size} bytes: it changed in the bucket")
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

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop_body()
        super().close()

"""Bytes streamed into an S3 multipart upload as they arrive, in bounded memory.

A writer holds at most one part being filled plus ``IN_FLIGHT`` parts on their way (a small
thread pool sends them while more bytes arrive), about 5 x ``part_bytes`` per upload. A part takes
the store's latency to land (over a second for 8 MiB on a loaded machine), so an upload moves at
most ``IN_FLIGHT x part_bytes`` per latency: 4 (boto3's upload_file sends 10 at once). S3 accepts
parts under 5 MiB only as the last one, so when a writer closes before the upload ends (the end
of one REST chunk), the bytes short of a part are kept as a small ``.tail`` object and the next
writer, on any server, starts from them. The state (``key``, ``mpu``, ``parts``, ``tail``) lives in
the registry's upload session.
"""

from __future__ import annotations

import base64
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..backend import Doc
from .location import S3Location

IN_FLIGHT = 4
_SENDERS = ThreadPoolExecutor(8, thread_name_prefix="modelbox-s3-part")


def new_state(key: str, mpu: str) -> Doc:
    return {"key": key, "mpu": mpu, "parts": [], "tail": 0}


def received(state: Doc) -> int:
    return sum(part["size"] for part in state["parts"]) + state["tail"]


def tail_key(state: Doc) -> str:
    return f"{state.get('staging') or state['key']}.tail"  # a direct upload's tail stays under uploads/


class PartWriter:
    """Appends to the multipart upload of ``state`` (``write``/``flush``/``close``); ``state`` after
    ``close()`` is what the session keeps. ``finish()`` instead sends what is left as the last part."""

    def __init__(self, client: Any, location: S3Location, state: Doc) -> None:
        self.client = client
        self.location = location
        self.state: Doc = {**state, "parts": list(state["parts"])}
        self.closed = False
        self._failed = False
        self._part_bytes = location.options.part_bytes
        # The part being filled is copied into a buffer that is reused once its part has landed: a fresh
        # 8 MiB allocation per part cost more in page faults than the copy itself. The CRC32 is taken as
        # the bytes are copied, while they are in the cache.
        self._part: bytearray | None = None
        self._filled = 0
        self._crc = 0
        self._free: list[bytearray] = []
        self._sending: list[tuple[int, int, Future[Doc], bytearray | None]] = []  # (number, size, reply, buffer)
        if state["tail"]:
            with location.errors("reading an upload's tail", tail_key(state)):
                body = client.get_object(Bucket=location.bucket, Key=tail_key(state))["Body"]
                self._keep(body.read())
            if self._filled != state["tail"]:
                raise location.client_error("reading an upload's tail", tail_key(state), "404", 404)

    def _next_part_bytes(self) -> int:
        """Parts grow by ``part_bytes`` every 1,000 parts: small parts keep memory low, and S3's 10,000
        parts still hold 55,000 x ``part_bytes`` (440 GB at 8 MiB)."""
        return self._part_bytes * (1 + (len(self.state["parts"]) + len(self._sending)) // 1000)

    def write(self, data: bytes) -> int:
        if self._failed:
            raise self.location.client_error("sending an upload's parts", self.state["key"], "500", 500)
        view = memoryview(data)
        while view:
            room = self._next_part_bytes() - self._filled
            self._keep(view[:room])
            view = view[room:]
            if self._filled == self._next_part_bytes():
                self._send(self._take())
        return len(data)

    def _keep(self, piece: bytes | memoryview) -> None:
        if self._part is None:
            size = self._next_part_bytes()
            self._free = [buffer for buffer in self._free if len(buffer) == size]  # parts grow every 1,000
            # a new buffer grows as bytes arrive, so a small upload does not touch a whole part's memory
            self._part = self._free.pop() if self._free else bytearray()
        self._part[self._filled:self._filled + len(piece)] = piece
        self._filled += len(piece)
        self._crc = zlib.crc32(piece, self._crc)

    def _body(self) -> bytes | bytearray:
        """The part's bytes: its buffer itself when they fill it, else a copy (the short last part)."""
        if self._part is None:
            return b""
        return self._part if self._filled == len(self._part) else bytes(memoryview(self._part)[:self._filled])

    def _take(self) -> tuple[bytes | bytearray, int, bytearray | None]:
        """The part being filled, with its CRC32 and its buffer (free again once the part has landed)."""
        part = (self._body(), self._crc, self._part)
        self._part, self._filled, self._crc = None, 0, 0
        return part

    def flush(self) -> None:
        """Parts go out as they fill; the bytes short of a part stay until ``close`` or ``finish``."""

    def _send(self, part: tuple[bytes | bytearray, int, bytearray | None]) -> None:
        body, crc, buffer = part
        while len(self._sending) >= IN_FLIGHT:
            self._collect_oldest()
        number = len(self.state["parts"]) + len(self._sending) + 1
        self._sending.append((number, len(body), _SENDERS.submit(self._upload_part, number, body, crc), buffer))

    def _upload_part(self, number: int, part: bytes | bytearray, crc: int) -> Doc:
        location = self.location
        # the CRC32 given, botocore does not read the part again to compute it; the store still checks it
        checksum = base64.b64encode(crc.to_bytes(4, "big")).decode()
        with location.errors(f"sending part {number} of an upload", self.state["key"]):
            reply = self.client.upload_part(Bucket=location.bucket, Key=self.state["key"], UploadId=self.state["mpu"],
                                            PartNumber=number, Body=part, ChecksumCRC32=checksum)
        return {"etag": reply["ETag"], "crc32": reply.get("ChecksumCRC32") or checksum}

    def _collect_oldest(self) -> None:
        number, size, reply, buffer = self._sending.pop(0)
        try:
            self.state["parts"].append({"number": number, "size": size, **reply.result()})
            if buffer is not None:
                self._free.append(buffer)
        except BaseException:
            self._failed = True  # the parts after it are dropped too: the parts kept stay contiguous
            for _, _, later, _ in self._sending:
                later.exception()
            self._sending.clear()
            raise

    def _collect_all(self) -> None:
        while self._sending:
            self._collect_oldest()

    def close(self) -> None:
        """Wait for the parts on their way and keep the rest as the tail. After a failed part only the
        parts before it count: the session then reports fewer bytes, and the client resends from there."""
        if self.closed:
            return
        self.closed = True
        if not self._failed:
            try:
                self._collect_all()
            except BaseException:
                self.state["tail"] = 0
                raise
            self._keep_tail()
        else:
            self.state["tail"] = 0

    def _keep_tail(self) -> None:
        location = self.location
        if self._filled:
            with location.errors("keeping an upload's tail", tail_key(self.state)):
                self.client.put_object(Bucket=location.bucket, Key=tail_key(self.state), Body=self._body())
        self.state["tail"] = self._filled

    def finish(self) -> Doc:
        """Send every byte left as the last part(s); the completed parts for ``complete_multipart_upload``."""
        self.closed = True
        if self._filled or not self.state["parts"]:  # an empty upload still needs one (empty) part
            self._send(self._take())
        self._collect_all()
        self.state["tail"] = 0
        return {"Parts": [{"PartNumber": part["number"], "ETag": part["etag"],
                           **({"ChecksumCRC32": part["crc32"]} if part.get("crc32") else {})}
                          for part in self.state["parts"]]}

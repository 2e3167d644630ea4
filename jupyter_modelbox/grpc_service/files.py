"""RPCs for artifact bytes and records (REST: ``server/file_handlers.py``).

``UploadFile`` uses the registry's resumable-upload session, as ``PUT uploads/{id}`` does: each
chunk is appended to a staging file as it arrives (never the whole file in memory), then the sha256
of everything received must equal the announced checksum before the bytes enter the blob store and
the artifact is recorded. ModelBox's SDK announces an MD5 instead: then the MD5 of the bytes must
match it, and the sha256 computed beside it is what the registry verifies and stores. Any failure
cancels the session: nothing is recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from ..registry.artifacts import check_artifact_path
from ..registry.blobs import is_sha256
from ..registry.errors import IntegrityError, InvalidArgumentError, ModelBoxError
from ..registry.uploads import UploadStream
from .base import Context, ServiceBase, optional, pb, streaming, unary
from .convert import Doc, fill, mime_of

DOWNLOAD_BLOCK = 1024 * 1024
MAX_DOWNLOAD_BLOCK = 16 * 1024 * 1024
READ_AHEAD = 4 * 1024 * 1024  # bytes read per trip to the worker pool
WRITE_BYTES = 1024 * 1024  # bytes of upload chunks written per trip to the worker pool
CHUNKS_TAG = b"\x12"  # DownloadFileResponse.chunks: field 2, length-delimited
MD5_HEX = re.compile(r"[0-9a-f]{32}")
SERVER_FIELDS = ("id", "tracked", "location", "content_type", "owner", "created_at", "updated_at")


def varint(number: int) -> bytes:
    out = bytearray()
    while number > 0x7F:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


def chunk_frame(data: bytes | memoryview) -> bytes:
    """A ``DownloadFileResponse`` holding ``chunks=data``, encoded (one copy of the bytes, no message object)."""
    return b"".join((CHUNKS_TAG, varint(len(data)), data))


def serialize_download_frame(frame: Any) -> bytes:
    """DownloadFile's reply serializer: chunk frames come encoded (``chunk_frame``), the metadata frame as a message."""
    return frame if isinstance(frame, bytes) else frame.SerializeToString()


def file_message(doc: Doc) -> Any:
    return fill(pb.FileMetadata(), doc)


def _check_checksum(checksum: str) -> str:
    checksum = checksum.lower()
    if not is_sha256(checksum) and not MD5_HEX.fullmatch(checksum):
        raise InvalidArgumentError(f"checksum must be the sha256 or MD5 hex digest of the file, not {checksum!r}")
    return checksum


def _upload_path(path: str) -> str:
    """ModelBox's SDK sends the client's own path of the file: an absolute one is recorded as its name."""
    pure = PurePosixPath(path)
    return check_artifact_path(pure.name if pure.is_absolute() else path)


class _Chunks:
    """Chunks gathered up to ``WRITE_BYTES`` for one trip to the worker pool (ModelBox's SDK sends 1 KiB
    frames); for an upload announced by its MD5, also the MD5 and the sha256 the registry checks."""

    def __init__(self, stream: UploadStream, md5: bool) -> None:
        self.stream, self.pending = stream, 0
        self.pieces: list[bytes] = []
        self.digests = (hashlib.md5(usedforsecurity=False), hashlib.sha256()) if md5 else None

    def add(self, chunk: bytes) -> bool:
        """Keep ``chunk``; true when enough is kept to write."""
        self.pieces.append(chunk)
        self.pending += len(chunk)
        return self.pending >= WRITE_BYTES

    def write(self) -> None:
        if self.digests is not None:
            for piece in self.pieces:
                for digest in self.digests:
                    digest.update(piece)
        self.stream.write_all(self.pieces)
        self.pieces, self.pending = [], 0

    def sha256_if(self, md5: str) -> str:
        """The sha256 of the bytes, if their MD5 is ``md5``."""
        assert self.digests is not None
        got, sha256 = (digest.hexdigest() for digest in self.digests)
        if got != md5:
            raise IntegrityError(f"the bytes received have MD5 {got}, not the announced {md5}")
        return sha256


class _Upload:
    """What the metadata frames of one ``UploadFile`` call said."""

    def __init__(self, first: Any) -> None:
        for field in SERVER_FIELDS:
            if first.HasField(field) if first.DESCRIPTOR.fields_by_name[field].has_presence else getattr(first, field):
                raise InvalidArgumentError(f"FileMetadata.{field} is set by the server; leave it empty in UploadFile")
        self.parent_id = first.parent_id
        self.size = optional(first, "size")
        self.checksum = _check_checksum(first.checksum) if first.checksum else None
        if self.parent_id:
            self.path = _upload_path(first.path)
            self.mime = mime_of(first.file_type, detect=True)
        elif first.path or first.file_type:
            raise InvalidArgumentError("path and file_type need a parent_id (without one, the bytes are only stored)")

    def closing_frame(self, frame: Any) -> None:
        """A metadata frame after the chunks may carry only the checksum, if the first did not."""
        if self.checksum is not None:
            raise InvalidArgumentError("only one metadata frame may carry the checksum")
        if frame.ListFields() and [f.name for f, _ in frame.ListFields()] != ["checksum"]:
            raise InvalidArgumentError("a metadata frame after the chunks may carry only the checksum")
        self.checksum = _check_checksum(frame.checksum) if frame.checksum else None


class FileRpcs(ServiceBase):
    @unary
    async def UploadFile(self, request_iterator: AsyncIterator[Any], context: Context) -> Any:
        frames = aiter(request_iterator)
        first = await anext(frames, None)
        if first is None or first.WhichOneof("stream_frame") != "metadata":
            raise InvalidArgumentError("the first UploadFile frame must be the file's metadata")
        upload = _Upload(first.metadata)
        registry = self.registry
        if upload.parent_id:
            await self.call(registry.object_doc, upload.parent_id)  # an unknown parent fails before any byte
        by_md5 = upload.checksum is not None and len(upload.checksum) == 32
        sha256 = upload.checksum if upload.checksum is not None and len(upload.checksum) == 64 else None
        upload_id = (await self.call(registry.start_upload, sha256))["upload_id"]
        stream: UploadStream | None = None
        try:
            stream = await self.call(registry.open_upload_stream, upload_id)
            chunks = _Chunks(stream, by_md5)
            async for frame in frames:
                kind = frame.WhichOneof("stream_frame")
                if kind == "chunks" and stream is not None:
                    if chunks.add(frame.chunks):
                        await self.call(chunks.write)
                elif kind == "chunks":
                    raise InvalidArgumentError("no chunks may follow the closing metadata frame")
                elif kind == "metadata":
                    upload.closing_frame(frame.metadata)
                    if stream is not None:
                        await self.call(chunks.write)
                        await self.call(stream.close)
                        stream = None
                else:
                    raise InvalidArgumentError("an UploadFile frame holds neither metadata nor chunks")
            if stream is not None:
                await self.call(chunks.write)
                await self.call(stream.close)
                stream = None
            if upload.checksum is None:
                raise InvalidArgumentError("UploadFile needs the file's sha256 (or MD5) in FileMetadata.checksum")
            if len(upload.checksum) == 32 and not by_md5:
                raise InvalidArgumentError("an MD5 checksum must come in the first metadata frame")
            sha256 = chunks.sha256_if(upload.checksum) if by_md5 else upload.checksum
            blob = await self.call(registry.finish_upload, upload_id, sha256)
        except BaseException:
            if stream is not None:
                with contextlib.suppress(OSError, ModelBoxError):
                    await self.call(stream.close)
            with contextlib.suppress(OSError, ModelBoxError):
                await self.call(registry.cancel_upload, upload_id)
            raise
        if upload.size is not None:
            blob = {**blob, "size": upload.size}  # add_artifact checks it against the stored bytes
        if not upload.parent_id:
            if upload.size is not None and upload.size != blob["size"]:
                raise IntegrityError(f"the upload holds {blob['size']} bytes, not the announced {upload.size}")
            return pb.UploadFileResponse(checksum=blob["checksum"], size=blob["size"])
        doc = await self.call(registry.add_artifact, upload.parent_id, blob, upload.path, upload.mime,
                              actor=self.actor)
        return pb.UploadFileResponse(file_id=doc["id"], file=file_message(doc), checksum=doc["checksum"],
                                     size=doc["size"])

    @streaming
    async def DownloadFile(self, request: Any, context: Context) -> AsyncIterator[Any]:
        block = request.chunk_bytes or DOWNLOAD_BLOCK
        if not 0 < block <= MAX_DOWNLOAD_BLOCK:
            raise InvalidArgumentError(f"chunk_bytes must be 1-{MAX_DOWNLOAD_BLOCK}, not {request.chunk_bytes}")
        if request.length < 0:
            raise InvalidArgumentError(f"length must be >= 0, not {request.length}")
        doc, stream = await self.call(self.registry.open_artifact, request.file_id)
        try:
            size = await self.call(stream.seek, 0, os.SEEK_END)  # a file or an S3 object
            if not 0 <= request.offset <= size:
                raise InvalidArgumentError(f"offset {request.offset} is outside the file's {size} bytes")
            await self.call(stream.seek, request.offset)
            if not request.no_metadata:
                yield pb.DownloadFileResponse(metadata=file_message(doc))
            left = min(request.length, size - request.offset) if request.length else size - request.offset
            while left > 0 and (data := await self.call(stream.read, min(max(block, READ_AHEAD), left))):
                left -= len(data)
                view = memoryview(data)
                for start in range(0, len(view), block):
                    yield chunk_frame(view[start:start + block])
        finally:
            stream.close()

    @unary
    async def AddArtifact(self, request: Any, context: Context) -> Any:
        blob = {"checksum": request.checksum, "size": optional(request, "size")}
        doc = await self.call(self.registry.add_artifact, request.parent_id, blob, request.path,
                              mime_of(request.file_type, detect=True), actor=self.actor)
        return pb.AddArtifactResponse(file=file_message(doc))

    @unary
    async def AddArtifacts(self, request: Any, context: Context) -> Any:
        items = [({"checksum": item.checksum, "size": optional(item, "size")}, item.path) for item in request.items]
        if not items:
            raise InvalidArgumentError("AddArtifacts needs at least one item")
        docs = await self.call(self.registry.add_artifacts, request.parent_id, items,
                               mime_of(request.file_type, detect=True), actor=self.actor)
        return pb.AddArtifactsResponse(files=[file_message(d) for d in docs])

    @unary
    async def TrackArtifacts(self, request: Any, context: Context) -> Any:
        parent_id, locations, file_types = request.parent_id, list(request.locations), {request.file_type}
        if request.files:  # the seed's form: one FileMetadata per location, each naming the parent
            if locations or parent_id:
                raise InvalidArgumentError("TrackArtifacts takes files (the seed's form) or parent_id and "
                                           "locations, not both")
            parents = {spec.parent_id for spec in request.files}
            if len(parents) != 1 or not next(iter(parents)):
                raise InvalidArgumentError(f"the files to track must all name one parent_id, not {sorted(parents)}")
            parent_id, locations = parents.pop(), [spec.path for spec in request.files]
            file_types = {spec.file_type for spec in request.files}
        mime = mime_of(file_types.pop(), detect=True) if len(file_types) == 1 else None
        docs = await self.call(self.registry.track_artifacts, parent_id, locations, mime, actor=self.actor)
        reply = pb.TrackArtifactsResponse(num_files_tracked=len(docs), files=[file_message(d) for d in docs])
        if docs:
            reply.created_at.FromDatetime(datetime.fromisoformat(docs[0]["created_at"]))
        return reply

    @unary
    async def ListArtifacts(self, request: Any, context: Context) -> Any:
        docs = await self.call(self.registry.list_artifacts, request.parent_id)
        return pb.ListArtifactsResponse(files=[file_message(d) for d in docs])

    @unary
    async def GetArtifact(self, request: Any, context: Context) -> Any:
        return pb.GetArtifactResponse(file=file_message(await self.call(self.registry.get_artifact, request.file_id)))

    @unary
    async def DeleteArtifact(self, request: Any, context: Context) -> Any:
        await self.call(self.registry.delete_artifact, request.file_id, actor=self.actor)
        return pb.DeleteArtifactResponse()

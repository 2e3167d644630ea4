"""``S3BlobStore``: content-addressed artifact bytes in an S3 bucket (AWS, or an S3-compatible store).

    <prefix>/sha256/<hash>          a blob: its bytes, named by their sha256
    <prefix>/uploads/<id>           an upload being received (a multipart upload, then one object)
    <prefix>/uploads/<id>.tail      its bytes short of a part, between two chunks

An upload whose sha256 was announced at its start is instead a multipart upload at its blob key,
completed (conditionally) only after the bytes received were verified against it.

Every write of a blob is conditional (``If-None-Match: *``): concurrent uploads of the same bytes
never clobber each other, and the second one learns (412) that the bytes are already stored.
An upload's bytes are sent as a multipart upload while they arrive (``PartWriter``); when the last
chunk is in, the sha256 is checked and the object is copied inside the store to its blob key.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from ..backend import BlobRef, BlobStore, Doc, StoredBlob
from ..blobs import CHUNK, is_sha256, sha256_file
from ..errors import ConflictError, IntegrityError, InvalidArgumentError, NotFoundError
from .location import S3Location
from .memory import return_large_blocks
from .parts import PartWriter, new_state, received, tail_key
from .reader import S3ObjectReader

MAX_PARTS = 10_000
COPY_THREADS = 4


class S3BlobStore(BlobStore):
    direct_uploads = True
    ranged_downloads = True
    download_urls = True

    def __init__(self, location: S3Location) -> None:
        self.where = location
        self.location = str(location)
        self.client = location.client()
        return_large_blocks()  # part buffers go back to the system when dropped (see memory.py)
        self.check_access()

    def check_access(self, doing: str = "checking the bucket") -> None:
        """A clear error now for a missing bucket, wrong credentials or an unreachable store."""
        with self.where.errors(doing):
            self.client.head_bucket(Bucket=self.where.bucket)

    def key(self, checksum: str) -> str:
        if not is_sha256(checksum):
            raise InvalidArgumentError(f"{checksum!r} is not a sha256 hex digest")
        return self.where.key("sha256", checksum)

    def _upload_key(self, upload_id: str) -> str:
        if not upload_id.isalnum():
            raise InvalidArgumentError(f"{upload_id!r} is not an upload id")
        return self.where.key("uploads", upload_id)

    def _head(self, key: str) -> Doc | None:
        from botocore.exceptions import ClientError

        with self.where.errors("looking up artifact bytes", key):
            try:
                return self.client.head_object(Bucket=self.where.bucket, Key=key)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchKey", "NotFound"}:
                    raise
        # a HEAD answer has no body to tell a missing object from a missing bucket: ask about the bucket
        self.check_access("looking up artifact bytes")
        return None

    # -- blobs ---------------------------------------------------------------------------------

    def put_stream(self, stream: BinaryIO, expected_checksum: str | None = None) -> BlobRef:
        upload_id = uuid.uuid4().hex
        state = self.start_upload(upload_id)
        writer = PartWriter(self.client, self.where, state)
        digest = hashlib.sha256()
        try:
            while block := stream.read(self.where.options.part_bytes):
                digest.update(block)
                writer.write(block)
        except BaseException:
            self.cancel_upload(upload_id, state)
            raise
        return self._store_staged(writer, expected_checksum or digest.hexdigest(), digest.hexdigest())

    def put_file(self, source: Path, expected_checksum: str | None = None) -> BlobRef:
        """Hash the file first, then send it straight to its blob key (no copy inside the store)."""
        checksum, size = sha256_file(source)
        if expected_checksum is not None and expected_checksum.lower() != checksum:
            raise IntegrityError(f"{source} has sha256 {checksum}, not {expected_checksum}; nothing was stored")
        if self._head(self.key(checksum)) is None:
            key = self.key(checksum)
            with self.where.errors("starting an upload", key):
                mpu = self.client.create_multipart_upload(Bucket=self.where.bucket, Key=key,
                                                          ChecksumAlgorithm="CRC32")["UploadId"]
            writer = PartWriter(self.client, self.where, new_state(key, mpu))
            try:
                with open(source, "rb") as stream:
                    while block := stream.read(self.where.options.part_bytes):
                        writer.write(block)
                self._complete(key, mpu, writer.finish())
            except BaseException:
                self._abort(key, mpu)
                raise
        return BlobRef(checksum=checksum, size=size)

    def _complete(self, key: str, mpu: str, parts: Doc) -> None:
        """Complete a multipart upload unless the key is taken (412: the same bytes are there already)."""
        from botocore.exceptions import ClientError

        with self.where.errors("completing an upload", key):
            try:
                self.client.complete_multipart_upload(Bucket=self.where.bucket, Key=key, UploadId=mpu,
                                                      MultipartUpload=parts, IfNoneMatch="*")
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in {"PreconditionFailed", "412"}:
                    raise
                self._abort(key, mpu)

    def _abort(self, key: str, mpu: str) -> None:
        from botocore.exceptions import ClientError

        with self.where.errors("aborting an upload", key):
            try:
                self.client.abort_multipart_upload(Bucket=self.where.bucket, Key=key, UploadId=mpu)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in {"NoSuchUpload", "404"}:
                    raise

    def open(self, checksum: str) -> BinaryIO:
        key = self.key(checksum)
        head = self._head(key)
        if head is None:
            raise NotFoundError(f"the bytes of blob {checksum} are missing from {self.location}")
        return S3ObjectReader(self.client, self.where, key, head["ContentLength"], checksum)  # type: ignore[return-value]

    def exists(self, checksum: str) -> bool:
        return self._head(self.key(checksum)) is not None

    def size(self, checksum: str) -> int:
        head = self._head(self.key(checksum))
        if head is None:
            raise NotFoundError(f"the bytes of blob {checksum} are missing from {self.location}")
        return int(head["ContentLength"])

    def list_blobs(self) -> Iterator[StoredBlob]:
        prefix = self.where.key("sha256") + "/"
        with self.where.errors("listing blobs"):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.where.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    name = item["Key"][len(prefix):]
                    if is_sha256(name):
                        yield StoredBlob(name, item["LastModified"].timestamp(), item["Size"])

    def remove(self, checksum: str) -> None:
        with self.where.errors("removing a blob", self.key(checksum)):
            self.client.delete_object(Bucket=self.where.bucket, Key=self.key(checksum))

    def copy_to(self, checksum: str, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with self.open(checksum) as source, open(target, "wb") as out:
            while block := source.read(CHUNK * 8):
                out.write(block)

    def open_location(self, location: str) -> BinaryIO | None:
        """An ``s3://bucket/key`` object at this store's endpoint, with the server's credentials."""
        if not location.startswith("s3://"):
            return None
        bucket, _, key = location.removeprefix("s3://").partition("/")
        where = S3Location(bucket, "", self.where.options)
        from botocore.exceptions import ClientError

        with where.errors("reading a tracked object", key):
            try:
                head = self.client.head_object(Bucket=bucket, Key=key)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                    raise NotFoundError(f"{location} does not exist{where._at()}") from None
                raise
        return S3ObjectReader(self.client, where, key, head["ContentLength"], None)  # type: ignore[return-value]

    def download_url(self, checksum: str, filename: str, expires_seconds: int) -> str | None:
        with self.where.errors("signing a download link", self.key(checksum)):
            return self.client.generate_presigned_url(
                "get_object", ExpiresIn=expires_seconds,
                Params={"Bucket": self.where.bucket, "Key": self.key(checksum),
                        "ResponseContentDisposition": f"attachment; filename=\"{filename}\""})

    # -- resumable uploads ---------------------------------------------------------------------

    def start_upload(self, upload_id: str, checksum: str | None = None) -> Doc:
        """With the sha256 announced, the multipart upload goes straight to its blob key: it is completed
        only once the bytes received are verified against it, so nothing is copied inside the store."""
        staging = self._upload_key(upload_id)
        key = self.key(checksum.lower()) if checksum else staging
        with self.where.errors("starting an upload", key):
            mpu = self.client.create_multipart_upload(Bucket=self.where.bucket, Key=key,
                                                      ChecksumAlgorithm="CRC32")["UploadId"]
        if not checksum:
            return new_state(key, mpu)
        return {**new_state(key, mpu), "staging": staging, "checksum": checksum.lower()}

    def restart_unverifiable(self, upload_id: str, state: Doc | None = None) -> Doc | None:
        """A direct upload's parts cannot be read back before they are completed: without the sha256 of
        the bytes so far (lost by a restart, or held by another server) it starts again, staged."""
        state = self._state(upload_id, state)
        if not state.get("checksum"):
            return None
        self.cancel_upload(upload_id, state)
        return self.start_upload(upload_id)

    def _state(self, upload_id: str, state: Doc | None) -> Doc:
        if not state or state.get("staging", state.get("key")) != self._upload_key(upload_id):
            raise NotFoundError(f"upload {upload_id} does not exist (finished, cancelled or never started)")
        return state

    def upload_offset(self, upload_id: str, state: Doc | None = None) -> int:
        return received(self._state(upload_id, state))

    def open_upload(self, upload_id: str, state: Doc | None = None) -> BinaryIO:
        return PartWriter(self.client, self.where, self._state(upload_id, state))  # type: ignore[return-value]

    def finish_upload(
        self, upload_id: str, expected_checksum: str, known_checksum: str | None = None, state: Doc | None = None,
    ) -> BlobRef:
        writer = PartWriter(self.client, self.where, self._state(upload_id, state))
        if writer.state.get("checksum"):
            return self._store_direct(writer, expected_checksum, known_checksum)
        return self._store_staged(writer, expected_checksum, known_checksum)

    def _store_direct(self, writer: PartWriter, expected_checksum: str, known_checksum: str | None) -> BlobRef:
        """Complete a direct upload at its blob key once its bytes are verified; abort it otherwise."""
        state = writer.state
        key, declared = state["key"], state["checksum"]
        try:
            parts = writer.finish()
            if known_checksum is None:
                raise ConflictError("the sha256 of this upload's first bytes is unknown here (received before a "
                                    "restart or by another server): start the upload again; nothing was stored")
            if expected_checksum.lower() != declared:
                raise IntegrityError(f"the upload was started for sha256 {declared} but finished with "
                                     f"{expected_checksum}; nothing was stored")
            if known_checksum != declared:
                raise IntegrityError(
                    f"the uploaded bytes have sha256 {known_checksum} but the client announced {declared}: "
                    "the data was corrupted in transit; nothing was stored")
            if self._head(key) is None:
                self._complete(key, state["mpu"], parts)  # aborts it when another upload stored them first
            else:
                self._abort(key, state["mpu"])
            return BlobRef(checksum=declared, size=received(state))
        except BaseException:
            self._abort(key, state["mpu"])
            raise
        finally:
            self._delete_staging(state)

    def _store_staged(self, writer: PartWriter, expected_checksum: str, known_checksum: str | None) -> BlobRef:
        """Complete the staged upload, check its sha256, copy it to its blob key; the staging goes either way."""
        state = writer.state
        staged = state["key"]
        try:
            parts = writer.finish()
            size = received(state)
            self._complete(staged, state["mpu"], parts)
            checksum = known_checksum or self._sha256(staged, size)
            if expected_checksum.lower() != checksum:
                raise IntegrityError(
                    f"the uploaded bytes have sha256 {checksum} but the client announced {expected_checksum}: "
                    "the data was corrupted in transit; nothing was stored")
            if self._head(self.key(checksum)) is None:
                self._copy(staged, self.key(checksum), size)
            return BlobRef(checksum=checksum, size=size)
        except BaseException:
            self._abort(staged, state["mpu"])
            raise
        finally:
            self._delete_staging(state)

    def _sha256(self, key: str, size: int) -> str:
        """The sha256 of a staged object (an upload resumed on another server, or after a restart)."""
        digest = hashlib.sha256()
        with S3ObjectReader(self.client, self.where, key, size, None) as stream:
            while block := stream.read(CHUNK * 8):
                digest.update(block)
        return digest.hexdigest()

    def _copy(self, source: str, key: str, size: int) -> None:
        """Copy inside the store, in parallel ranges, completed only if the blob key is still free.

        A store answers a part copy only once it has written the whole range (SeaweedFS copies the
        bytes), so a copied part is as big as an uploaded one (``part_bytes``): each request then does
        the work of one part upload and fits the same ``timeout_seconds`` (256 MiB parts did not).
        """
        with self.where.errors("storing a blob", key):
            mpu = self.client.create_multipart_upload(Bucket=self.where.bucket, Key=key)["UploadId"]
        part = max(self.where.options.part_bytes, -(-size // MAX_PARTS))
        ranges = [(start, min(size, start + part) - 1) for start in range(0, size, part)] or [(0, -1)]

        def copy_part(index: int) -> Doc:
            start, end = ranges[index]
            extra = {"CopySourceRange": f"bytes={start}-{end}"} if size else {}
            with self.where.errors("storing a blob", key):
                reply = self.client.upload_part_copy(Bucket=self.where.bucket, Key=key, UploadId=mpu,
                                                     PartNumber=index + 1, **extra,
                                                     CopySource={"Bucket": self.where.bucket, "Key": source})
            return {"PartNumber": index + 1, "ETag": reply["CopyPartResult"]["ETag"]}

        try:
            with ThreadPoolExecutor(COPY_THREADS, thread_name_prefix="modelbox-s3-copy") as pool:
                parts = list(pool.map(copy_part, range(len(ranges))))
            self._complete(key, mpu, {"Parts": parts})
        except BaseException:
            self._abort(key, mpu)
            raise

    def _delete_staging(self, state: Doc) -> None:
        with self.where.errors("removing an upload's staging objects", state["key"]):
            self.client.delete_objects(Bucket=self.where.bucket, Delete={
                "Objects": [{"Key": state.get("staging", state["key"])}, {"Key": tail_key(state)}], "Quiet": True})

    def cancel_upload(self, upload_id: str, state: Doc | None = None) -> None:
        if not state:
            return
        self._abort(state["key"], state["mpu"])
        self._delete_staging(state)

    def stale_staging(self, older_than_seconds: float, keep: Collection[str] = (),
                      keep_states: Collection[Doc] = ()) -> list[str]:
        """Multipart uploads and staging objects under ``uploads/`` older than that, but for the uploads
        ``keep``; and direct multipart uploads at blob keys, but for those of the sessions ``keep_states``."""
        import time

        cutoff = time.time() - older_than_seconds
        prefix = self.where.key("uploads") + "/"
        kept = {self.where.key("uploads", upload_id) for upload_id in keep}
        kept_mpus = {state.get("mpu") for state in keep_states if state}
        found = []
        with self.where.errors("listing unfinished uploads"):
            for under in (prefix, self.where.key("sha256") + "/"):
                pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.where.bucket,
                                                                                     Prefix=under)
                for page in pages:
                    for item in page.get("Uploads", []):
                        if (item["Key"] not in kept and item["UploadId"] not in kept_mpus
                                and item["Initiated"].timestamp() < cutoff):
                            found.append(f"multipart {item['UploadId']} {item['Key']}")
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.where.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    if item["Key"].removesuffix(".tail") not in kept and item["LastModified"].timestamp() < cutoff:
                        found.append(f"object {item['Key']}")
        return sorted(found)

    def remove_staging(self, name: str) -> None:
        kind, _, rest = name.partition(" ")
        prefix = self.where.key("uploads") + "/"
        if kind == "multipart":
            mpu, _, key = rest.partition(" ")
            if key.startswith((prefix, self.where.key("sha256") + "/")):  # aborting leaves a stored blob alone
                self._abort(key, mpu)
        elif kind == "object" and rest.startswith(prefix):
            with self.where.errors("removing an upload's staging objects", rest):
                self.client.delete_object(Bucket=self.where.bucket, Key=rest)

    def __repr__(self) -> str:
        return f"S3BlobStore({self.location})"

"""One factory picks the backend from configuration: a registry folder, or a database; and where the
artifact bytes go: the folder's ``blobs/``, a shared ``blob_root`` folder, or an S3 ``blob_url``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .backend import Backend, BlobStore
from .errors import InvalidArgumentError
from .s3.location import S3Location, S3Options

DEFAULT_POOL_SIZE = 10


@dataclass(frozen=True)
class BackendConfig:
    """Where a registry lives: ``root`` (embedded), or ``database_url`` (PostgreSQL); its bytes in
    ``blob_root`` (a folder) or ``blob_url`` (``s3://bucket/prefix``, reached with ``s3``)."""

    root: Path | None = None
    database_url: str | None = None
    blob_root: Path | None = None
    pool_size: int = DEFAULT_POOL_SIZE
    password_file: Path | None = None
    blob_url: str | None = None
    s3: S3Options = field(default_factory=S3Options)

    def __post_init__(self) -> None:
        if self.database_url is None and self.root is None:
            raise InvalidArgumentError("a registry needs a folder (root) or a database_url")
        if self.database_url is not None and self.blob_root is None and self.blob_url is None:
            raise InvalidArgumentError(
                "a registry on a database needs blob_root (a folder for artifact bytes that every server can "
                "reach) or blob_url (s3://bucket/prefix)")
        if self.blob_url is not None:
            S3Location.parse(self.blob_url, self.s3)  # a clear error for a malformed URL, before anything opens

    @classmethod
    def of(
        cls,
        root: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        blob_root: str | os.PathLike[str] | None = None,
        pool_size: int | None = None,
        password_file: str | os.PathLike[str] | None = None,
        blob_url: str | None = None,
        s3: S3Options | None = None,
    ) -> BackendConfig:
        def folder(path: str | os.PathLike[str] | None) -> Path | None:
            return Path(path).expanduser().resolve() if path else None

        return cls(
            root=folder(root) if not database_url else None,
            database_url=database_url or None,
            blob_root=folder(blob_root) if not blob_url else None,
            pool_size=pool_size or DEFAULT_POOL_SIZE,
            password_file=folder(password_file),
            blob_url=blob_url or None,
            s3=s3 or S3Options(),
        )

    @property
    def key(self) -> tuple[object, ...]:
        """What identifies one registry (a process opens each once)."""
        where = (self.root,) if self.database_url is None else (self.database_url, self.blob_root)
        return (*where, self.blob_url)


def open_blob_store(config: BackendConfig) -> BlobStore | None:
    """The object store of ``blob_url`` (checked now: bucket, credentials, endpoint), or None for a folder."""
    if config.blob_url is None:
        return None
    from .s3.store import S3BlobStore  # boto3 is only needed here

    return S3BlobStore(S3Location.parse(config.blob_url, config.s3))


def open_backend(config: BackendConfig) -> Backend:
    blobs = open_blob_store(config)
    if config.database_url is None:
        from .embedded import EmbeddedBackend

        return EmbeddedBackend(config.root, blobs)  # type: ignore[arg-type]
    from .postgres import PostgresBackend  # psycopg is only needed here

    return PostgresBackend(config.database_url, config.blob_root, pool_size=config.pool_size,
                           password_file=config.password_file, blobs=blobs)

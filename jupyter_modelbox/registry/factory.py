"""One factory picks the backend from configuration: a registry folder, or a database and a blob folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .backend import Backend
from .errors import InvalidArgumentError

DEFAULT_POOL_SIZE = 10


@dataclass(frozen=True)
class BackendConfig:
    """Where a registry lives: ``root`` (embedded), or ``database_url`` with ``blob_root`` (PostgreSQL)."""

    root: Path | None = None
    database_url: str | None = None
    blob_root: Path | None = None
    pool_size: int = DEFAULT_POOL_SIZE
    password_file: Path | None = None

    def __post_init__(self) -> None:
        if self.database_url is None and self.root is None:
            raise InvalidArgumentError("a registry needs a folder (root) or a database_url")
        if self.database_url is not None and self.blob_root is None:
            raise InvalidArgumentError(
                "a registry on a database needs blob_root: a folder for artifact bytes that every server can reach")

    @classmethod
    def of(
        cls,
        root: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        blob_root: str | os.PathLike[str] | None = None,
        pool_size: int | None = None,
        password_file: str | os.PathLike[str] | None = None,
    ) -> BackendConfig:
        def folder(path: str | os.PathLike[str] | None) -> Path | None:
            return Path(path).expanduser().resolve() if path else None

        return cls(
            root=folder(root) if not database_url else None,
            database_url=database_url or None,
            blob_root=folder(blob_root),
            pool_size=pool_size or DEFAULT_POOL_SIZE,
            password_file=folder(password_file),
        )

    @property
    def key(self) -> tuple[object, ...]:
        """What identifies one registry (a process opens each once)."""
        return (self.root,) if self.database_url is None else (self.database_url, self.blob_root)


def open_backend(config: BackendConfig) -> Backend:
    if config.database_url is None:
        from .embedded import EmbeddedBackend

        return EmbeddedBackend(config.root)  # type: ignore[arg-type]
    from .postgres import PostgresBackend  # psycopg is only needed here

    return PostgresBackend(config.database_url, config.blob_root,  # type: ignore[arg-type]
                           pool_size=config.pool_size, password_file=config.password_file)

"""The team registry's database, outside any registry: its schema (``modelbox db upgrade``), and
moving an embedded registry into it (``modelbox migrate``)."""

from __future__ import annotations

import os
from typing import Any


def upgrade_database(database_url: str) -> dict[str, Any]:
    """Bring a PostgreSQL registry's schema to this version's, under its lock; what was found and is now."""
    from ..registry.postgres.connection import DatabaseAddress
    from ..registry.postgres.schema import SCHEMA_VERSION, ensure_schema

    address = DatabaseAddress(database_url)
    found, now = ensure_schema(address)
    return {"database": str(address), "schema_version_found": found, "schema_version": now,
            "code_schema_version": SCHEMA_VERSION}


def migrate_to_database(source_root: str | os.PathLike[str], database_url: str,
                        blob_root: str | os.PathLike[str], password_file: str | os.PathLike[str] | None = None
                        ) -> dict[str, Any]:
    """Copy the registry folder ``source_root`` into the empty database registry and verify every record.

    The folder is opened in this process (no server may have it open); it is left as it was.
    """
    from ..registry import Registry, open_registry, release_registry
    from ..registry.migrate import migrate_registry

    source = Registry(source_root)
    try:
        target = open_registry(database_url=database_url, blob_root=blob_root, password_file=password_file)
        try:
            return migrate_registry(source, target)
        finally:
            release_registry(target)
    finally:
        source.close()

"""The team registry's database, outside any registry: its schema (``modelbox db upgrade``)."""

from __future__ import annotations

from typing import Any


def upgrade_database(database_url: str) -> dict[str, Any]:
    """Bring a PostgreSQL registry's schema to this version's, under its lock; what was found and is now."""
    from ..registry.postgres.connection import DatabaseAddress
    from ..registry.postgres.schema import SCHEMA_VERSION, ensure_schema

    address = DatabaseAddress(database_url)
    found, now = ensure_schema(address)
    return {"database": str(address), "schema_version_found": found, "schema_version": now,
            "code_schema_version": SCHEMA_VERSION}

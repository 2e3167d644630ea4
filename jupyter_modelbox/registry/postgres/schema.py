"""The registry's tables, created on first use and versioned in ``modelbox_schema``.

Every document table is ``(seq, id, doc jsonb)``: the registry's documents as they are, with the
rules the database enforces as indexes and constraints on them:

- ``modelbox_models``: unique ``(namespace, name)``;
- ``modelbox_experiments``: unique ``(namespace, name)`` (since version 3);
- ``modelbox_versions``: unique ``(model_id, number)``; a trigger keeps ``modelbox_version_tags``
  (primary key ``(model_id, tag)``: one holder per tag) in step with each version's ``tags``;
- ``modelbox_events``: ``seq`` from a sequence, taken under a lock held to COMMIT (commit order);
- ``modelbox_metric_batches``: one row per appended batch, columns as raw little-endian arrays.

``MIGRATIONS[n]`` takes the schema from version n-1 to n; opening a registry applies the missing
ones under an advisory lock (as does ``modelbox db upgrade``). A database whose schema is newer
than this code is refused, naming both versions; a database holding other tables and none of
ours is refused too (the registry wants a database of its own).
"""

from __future__ import annotations

import getpass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import psycopg

from ..errors import StorageError
from .connection import DatabaseAddress

SCHEMA_LOCK = 0x6D6F64656C626F78  # "modelbox": one schema change at a time, across every server
FIRST_TABLES = ("models", "versions", "checkpoints", "artifacts", "series", "tag_history", "uploads", "meta")
DOCUMENT_TABLES = (*FIRST_TABLES, "experiments", "logged_events")  # these two came with schema version 3


def package_version() -> str:
    try:
        return version("jupyter_modelbox")
    except PackageNotFoundError:
        return "(not installed)"


def table(name: str) -> str:
    return f"modelbox_{name}"


def _documents() -> list[str]:
    statements = [
        f"CREATE TABLE {table(name)} (seq bigserial NOT NULL, id text PRIMARY KEY, doc jsonb NOT NULL)"
        for name in FIRST_TABLES
    ]
    indexes = {  # index elements: the lookups of find() and the orders of list and search
        "models": ["(doc->'_name_key')", "(doc->'namespace')"],
        "versions": ["(doc->'model_id')", "(doc->>'created_at') COLLATE \"C\" DESC, ((doc->>'number')::bigint) DESC",
                     "((doc->>'number')::bigint)"],
        "artifacts": ["(doc->'parent')"],
        "series": ["(doc->'parent')"],
        "tag_history": ["(doc->'model_id')"],
    }
    for name, elements in indexes.items():
        statements += [f"CREATE INDEX ON {table(name)} ({element})" for element in elements]
    return [
        *statements,
        "CREATE UNIQUE INDEX modelbox_models_unique_name ON modelbox_models ((doc->>'namespace'), (doc->>'name'))",
        "CREATE UNIQUE INDEX modelbox_versions_unique_number ON modelbox_versions "
        "((doc->>'model_id'), ((doc->>'number')::bigint))",
        "CREATE TABLE modelbox_version_tags (model_id text NOT NULL, tag text NOT NULL, version_id text NOT NULL, "
        "CONSTRAINT modelbox_version_tags_one_holder PRIMARY KEY (model_id, tag))",
        "CREATE INDEX ON modelbox_version_tags (version_id)",
        """CREATE FUNCTION modelbox_sync_version_tags() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN
            DELETE FROM modelbox_version_tags WHERE version_id = OLD.id;
          END IF;
          IF TG_OP <> 'DELETE' THEN
            INSERT INTO modelbox_version_tags (model_id, tag, version_id)
              SELECT NEW.doc->>'model_id', tag, NEW.id FROM jsonb_array_elements_text(NEW.doc->'tags') AS tag;
          END IF;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER modelbox_version_tags_insert AFTER INSERT OR DELETE ON modelbox_versions "
        "FOR EACH ROW EXECUTE FUNCTION modelbox_sync_version_tags()",
        "CREATE TRIGGER modelbox_version_tags_update AFTER UPDATE ON modelbox_versions FOR EACH ROW "
        "WHEN (OLD.doc->'tags' IS DISTINCT FROM NEW.doc->'tags') EXECUTE FUNCTION modelbox_sync_version_tags()",
        "CREATE SEQUENCE modelbox_event_seq",
        "CREATE TABLE modelbox_events (seq bigint PRIMARY KEY, doc jsonb NOT NULL)",
        "CREATE TABLE modelbox_metric_batches (id bigserial PRIMARY KEY, parent text NOT NULL, key text NOT NULL, "
        "kind char(1) NOT NULL, steps bytea NOT NULL, wallclocks bytea NOT NULL, vals bytea, texts jsonb)",
        "CREATE INDEX ON modelbox_metric_batches (parent, key, kind, id)",
        # raw float arrays do not compress: storing them out of line as they are saves pglz's time both ways
        "ALTER TABLE modelbox_metric_batches ALTER COLUMN steps SET STORAGE EXTERNAL, "
        "ALTER COLUMN wallclocks SET STORAGE EXTERNAL, ALTER COLUMN vals SET STORAGE EXTERNAL",
    ]


MIGRATIONS: dict[int, list[str]] = {
    1: _documents(),
    # 2: what search needs beyond the lookups: tags of versions, names of models
    2: [
        "CREATE INDEX ON modelbox_versions USING gin ((doc->'tags') jsonb_path_ops)",
        "CREATE INDEX ON modelbox_models (lower(doc->>'name') COLLATE \"C\", (doc->>'name') COLLATE \"C\")",
    ],
    # 3: experiments (unique names per namespace, listed newest first), the checkpoints of each, logged events
    3: [
        "CREATE TABLE modelbox_experiments (seq bigserial NOT NULL, id text PRIMARY KEY, doc jsonb NOT NULL)",
        "CREATE UNIQUE INDEX modelbox_experiments_unique_name ON modelbox_experiments "
        "((doc->>'namespace'), (doc->>'name'))",
        "CREATE INDEX ON modelbox_experiments ((doc->'_name_key'))",
        "CREATE INDEX ON modelbox_experiments ((doc->'namespace'))",
        "CREATE INDEX ON modelbox_experiments ((doc->>'created_at') COLLATE \"C\" DESC)",
        "CREATE INDEX ON modelbox_checkpoints ((doc->'experiment_id'))",
        "CREATE TABLE modelbox_logged_events (seq bigserial NOT NULL, id text PRIMARY KEY, doc jsonb NOT NULL)",
        "CREATE INDEX ON modelbox_logged_events ((doc->'parent'))",
    ],
}
SCHEMA_VERSION = max(MIGRATIONS)
OURS = {table(name) for name in DOCUMENT_TABLES} | {
    "modelbox_schema", "modelbox_version_tags", "modelbox_events", "modelbox_metric_batches"}


def schema_version(conn: psycopg.Connection[Any]) -> int | None:
    """The version the database holds, or None before the first use."""
    exists = conn.execute("SELECT to_regclass('modelbox_schema') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute("SELECT max(version) FROM modelbox_schema").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _foreign_tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2").fetchall()
    return [f"{schema}.{name}" for schema, name in rows if name not in OURS]


def ensure_schema(address: DatabaseAddress, target: int = SCHEMA_VERSION, upgrade: bool = True) -> tuple[int, int]:
    """Create or upgrade the schema to ``target``; returns (version found, version now)."""
    with address.connect(autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [SCHEMA_LOCK])
        try:
            found = schema_version(conn)
            if found is None:
                foreign = _foreign_tables(conn)
                if foreign:
                    shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
                    raise StorageError(
                        f"the database {address} holds tables that are not jupyter_modelbox's ({shown}); "
                        "give the registry a database of its own")
            current = found or 0
            if current > SCHEMA_VERSION:
                raise StorageError(
                    f"the registry database {address} has schema version {current}, newer than this "
                    f"jupyter_modelbox {package_version()} understands (version {SCHEMA_VERSION}); upgrade "
                    "jupyter_modelbox "
                    "on every server and job that uses this registry")
            if current < target and (upgrade or found is None):
                _migrate(conn, current, target)
            elif current < target:
                raise StorageError(f"the registry database {address} has schema version {current}; this code needs "
                                   f"{target}: run `modelbox db upgrade`")
            return current, max(current, target)
        except psycopg.Error as exc:
            raise StorageError(f"cannot set up the registry database {address}: {address.reason(exc)}") from None
        finally:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s)", [SCHEMA_LOCK])


def _migrate(conn: psycopg.Connection[Any], current: int, target: int) -> None:
    with conn.transaction():
        if current == 0:
            conn.execute("CREATE TABLE modelbox_schema (version int NOT NULL, upgraded_at timestamptz NOT NULL "
                         "DEFAULT now(), upgraded_by text NOT NULL)")
        for version in range(current + 1, target + 1):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)  # our own constant DDL
            conn.execute("INSERT INTO modelbox_schema (version, upgraded_by) VALUES (%s, %s)",
                         [version, f"jupyter_modelbox {package_version()} ({getpass.getuser()})"])

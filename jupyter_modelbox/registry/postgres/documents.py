"""``DocumentStore`` on PostgreSQL: one ``(seq, id, doc jsonb)`` table per registry table.

Changes are single SQL statements (``UPDATE ... SET doc = <expression> WHERE id = $1 AND
<expected fields> RETURNING doc``): counters, metadata merges (``||``), key removals (``-``),
list members and revision checks happen in the database, so concurrent writers never lose an
update. ``lock`` is ``SELECT ... FOR UPDATE``. Field names are the registry's own constants;
values always travel as parameters.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from psycopg import sql

from ..backend import Change, Doc, DocumentStore
from .connection import Connections
from .escape import escape_text, json_dumps
from .schema import DOCUMENT_TABLES, table

TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
MAX_RENDERED = 1024  # rendered UPDATE statements kept, by table and shape of change


def field(name: str, source: str = "doc") -> sql.Composable:
    """``doc->'name'`` (jsonb) with the name as a literal, so expression indexes apply."""
    return sql.SQL("{}->{}").format(sql.SQL(source), sql.Literal(name))


def member_test(name: str) -> sql.Composable:
    """A scalar field equals the value, or a list field holds it (the parameter is a jsonb value)."""
    value = field(name)
    return sql.SQL("({v} = %s::jsonb OR (jsonb_typeof({v}) = 'array' AND {v} @> jsonb_build_array(%s::jsonb)))"
                   ).format(v=value)


class PostgresDocumentStore(DocumentStore):
    """The registry's tables come from the schema; any other table is created on first use, with an
    index on each field named in ``indexes`` (as the embedded store indexes them)."""

    def __init__(self, connections: Connections, indexes: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.connections = connections
        self.indexes = dict(indexes or {})
        self._known = set(DOCUMENT_TABLES)
        self._lock = threading.Lock()
        self._rendered: dict[tuple[str, str], sql.SQL] = {}
        self._updates: dict[tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...]], sql.SQL] = {}

    def _table(self, name: str) -> sql.Identifier:
        if name not in self._known:
            if not TABLE_NAME.match(name):
                raise KeyError(f"{name!r} is not a document table name")
            with self._lock, self.connections.transaction(), self.connections.cursor() as cur:
                ident = sql.Identifier(table(name))
                cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (seq bigserial NOT NULL, id text PRIMARY KEY, "
                                    "doc jsonb NOT NULL)").format(ident))
                for index in self.indexes.get(name, ()):
                    cur.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (({}))").format(
                        sql.Identifier(f"{table(name)}_{index}"), ident, field(index)))
            self._known.add(name)
        return sql.Identifier(table(name))

    def transaction(self) -> AbstractContextManager[None]:
        return self.connections.transaction()

    def _statement(self, template: str, table_name: str) -> sql.SQL:
        """``template`` with the table in its ``{}``, rendered once: composing SQL costs more CPU than
        the statement's round trip, and the hot statements differ only in their parameters."""
        key = (template, table_name)
        found = self._rendered.get(key)
        if found is None:
            found = self._rendered[key] = sql.SQL(sql.SQL(template).format(self._table(table_name)).as_string())
        return found

    def _one(self, query: sql.Composed | sql.SQL, params: list[Any]) -> Doc | None:
        with self.connections.cursor() as cur:
            row = cur.execute(query, params).fetchone()
        return row[0] if row else None

    def _all(self, query: sql.Composed | sql.SQL, params: list[Any]) -> list[Doc]:
        with self.connections.cursor() as cur:
            return [row[0] for row in cur.execute(query, params)]

    def get(self, table_name: str, doc_id: str) -> Doc | None:
        return self._one(self._statement("SELECT doc FROM {} WHERE id = %s", table_name), [escape_text(doc_id)])

    def lock(self, table_name: str, doc_id: str) -> Doc | None:
        query = self._statement("SELECT doc FROM {} WHERE id = %s FOR UPDATE", table_name)
        return self._one(query, [escape_text(doc_id)])

    def find(self, table_name: str, name: str, value: Any) -> list[Doc]:
        query = sql.SQL("SELECT doc FROM {} WHERE {} = %s::jsonb ORDER BY seq").format(
            self._table(table_name), field(name))
        return self._all(query, [json_dumps(value)])

    def find_all(self, table_name: str, criteria: Mapping[str, Any]) -> list[Doc]:
        if table_name == "versions" and set(criteria) == {"model_id", "tags"}:  # the tag holder: a key lookup
            return self._all(sql.SQL(
                "SELECT v.doc FROM modelbox_version_tags t JOIN modelbox_versions v ON v.id = t.version_id "
                "WHERE t.model_id = %s AND t.tag = %s"), [escape_text(criteria["model_id"]),
                                                          escape_text(str(criteria["tags"]))]
            ) if isinstance(criteria["tags"], str) else []
        (first, value), *rest = criteria.items()
        conditions = [sql.SQL("{} = %s::jsonb").format(field(first))] + [member_test(name) for name, _ in rest]
        params = [json_dumps(value)] + [json_dumps(v) for _, v in rest for _ in range(2)]
        query = sql.SQL("SELECT doc FROM {} WHERE {} ORDER BY seq").format(
            self._table(table_name), sql.SQL(" AND ").join(conditions))
        return self._all(query, params)

    def scan(self, table_name: str) -> Iterator[Doc]:
        return iter(self._all(sql.SQL("SELECT doc FROM {} ORDER BY seq").format(self._table(table_name)), []))

    def count(self, table_name: str) -> int:
        with self.connections.cursor() as cur:
            row = cur.execute(sql.SQL("SELECT count(*) FROM {}").format(self._table(table_name))).fetchone()
        return int(row[0]) if row else 0

    def put(self, table_name: str, doc: Doc) -> None:
        """Sent with the call's next statement (a constraint it breaks is reported from there, at the latest
        from COMMIT: the call fails as a whole)."""
        insert = self._statement("INSERT INTO {} (id, doc) VALUES ({{}}, {{}}::jsonb) ON CONFLICT (id) DO UPDATE "
                                 "SET doc = EXCLUDED.doc", table_name)
        self.connections.defer(insert.as_string(), escape_text(doc["id"]), json_dumps(doc))

    def insert(self, table_name: str, doc: Doc) -> bool:
        query = sql.SQL("INSERT INTO {} (id, doc) VALUES (%s, %s::jsonb) ON CONFLICT DO NOTHING RETURNING 1").format(
            self._table(table_name))
        return self._one(query, [escape_text(doc["id"]), json_dumps(doc)]) is not None

    def update(
        self,
        table_name: str,
        doc_id: str,
        change: Change,
        expect: Mapping[str, Any] | None = None,
        check: Callable[[Doc], None] | None = None,
    ) -> Doc | None:
        expect = expect or {}
        expected = tuple(name for name, value in expect.items() if value is not None)
        query = self._updates.get((table_name, change.shape, expected))
        if query is None:
            if len(self._updates) > MAX_RENDERED:  # shapes are the registry's own, so this is a safeguard
                self._updates.clear()
            conditions = [sql.SQL("id = %s"), *(sql.SQL("{} = %s::jsonb").format(field(name)) for name in expected)]
            query = self._updates[(table_name, change.shape, expected)] = sql.SQL(sql.SQL(
                "UPDATE {} SET doc = {} WHERE {} RETURNING doc").format(
                self._table(table_name), _change_expression(change), sql.SQL(" AND ").join(conditions)).as_string())
        params = [*_change_params(change), escape_text(doc_id), *(json_dumps(expect[name]) for name in expected)]
        with self.connections.transaction():  # the call's own, or one for this change alone
            new = self._one(query, params)
            if new is not None and check is not None:
                check(new)  # raising aborts the transaction: the change is never committed
        return new

    def delete(self, table_name: str, doc_id: str) -> bool:
        query = sql.SQL("DELETE FROM {} WHERE id = %s RETURNING 1").format(self._table(table_name))
        return self._one(query, [escape_text(doc_id)]) is not None

    def close(self) -> None:
        pass  # the backend closes the pool


def _change_expression(change: Change) -> sql.Composable:
    """``doc`` after the change, as one jsonb expression: a chain of steps, each reading the result
    of the one before (as ``apply_change`` does), from the row's current ``doc``. Its parameters
    are ``_change_params``: the expression depends only on the change's shape (which fields)."""
    steps: list[sql.Composable] = []

    def step(name: str, value: str) -> None:  # ``value`` is SQL over ``d->name`` as {v}
        current = sql.SQL("d->{}").format(sql.Literal(name))
        steps.append(sql.SQL("jsonb_set(d, {}, {})").format(sql.Literal([name]), sql.SQL(value).format(v=current)))

    if change.set:
        steps.append(sql.SQL("d || %s::jsonb"))
    for name in change.add:
        step(name, "to_jsonb(coalesce(({v} #>> '{{}}')::bigint, 0) + %s)")
    for name in change.merge:
        step(name, "coalesce({v}, '{{}}'::jsonb) || %s::jsonb")
    for name in change.unset:
        step(name, "coalesce({v}, '{{}}'::jsonb) - %s::text[]")
    for name in change.append:
        step(name, "(SELECT CASE WHEN l @> jsonb_build_array(%s::jsonb) THEN l ELSE l || jsonb_build_array(%s::jsonb) "
                   "END FROM coalesce({v}, '[]'::jsonb) AS l)")
    for name in change.discard:
        step(name, "(SELECT coalesce(jsonb_agg(e ORDER BY n), '[]'::jsonb) FROM jsonb_array_elements("
                   "coalesce({v}, '[]'::jsonb)) WITH ORDINALITY AS m(e, n) WHERE e <> %s::jsonb)")
    chain: sql.Composable = sql.SQL("(SELECT doc AS d)")
    for number, expression in enumerate(steps):
        chain = sql.SQL("(SELECT {} AS d FROM {} AS {})").format(expression, chain, sql.Identifier(f"s{number}"))
    return sql.SQL("(SELECT d FROM {} AS result)").format(chain)


def _change_params(change: Change) -> list[Any]:
    """The values of ``_change_expression``'s steps, in the order they appear in its SQL (the last
    step is written first)."""
    steps: list[tuple[Any, ...]] = []
    if change.set:
        steps.append((json_dumps(dict(change.set)),))
    steps += [(int(amount),) for amount in change.add.values()]
    steps += [(json_dumps(dict(patch)),) for patch in change.merge.values()]
    steps += [([escape_text(k) for k in keys],) for keys in change.unset.values()]
    steps += [(json_dumps(member), json_dumps(member)) for member in change.append.values()]
    steps += [(json_dumps(member),) for member in change.discard.values()]
    return [value for values in reversed(steps) for value in values]

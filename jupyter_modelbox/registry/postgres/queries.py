"""The search tree (``search.Node``) compiled to one SQL query: the page and the total together.

Fields whose type the registry guarantees (names, numbers, times) compile to plain, indexable
conditions; every other field (``metadata.*``, ``metrics.*``, ...) compiles to a CASE expression
with exactly ``search.compare``'s rules: missing or null, lists (membership), two numbers
(booleans count as 0/1), else the texts of both sides compared in code point order (``COLLATE
"C"``). The texts of JSON numbers, objects and lists are PostgreSQL's (e.g. ``1e-07`` reads as
``0.0000001``), the one place a comparison of such texts may differ from Python's ``str``.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from ..backend import Doc, ModelFilter, Queries
from ..search import And, Compare, HasTag, In, MatchAll, Node, Not, Text
from .connection import Connections
from .documents import field
from .escape import escape_text, json_dumps

C = sql.SQL(' COLLATE "C"')
MODEL_COLUMNS = {"created": "created_at", "updated": "updated_at", "versions": "num_versions"}
VERSION_COLUMNS = {"created": "created_at", "updated": "updated_at", "checkpoint": "checkpoint_uuid"}
EXPERIMENT_COLUMNS = {"created": "created_at", "updated": "updated_at", "checkpoints": "num_checkpoints"}
COLUMNS = {"models": MODEL_COLUMNS, "versions": VERSION_COLUMNS, "experiments": EXPERIMENT_COLUMNS}
STRING_FIELDS = {"models": {"id", "name", "description", "task", "owner", "namespace", "created_at", "updated_at"},
                 "versions": {"id", "name", "description", "version", "owner", "created_at", "updated_at",
                              "model_id"},
                 "experiments": {"id", "name", "namespace", "owner", "created_at", "updated_at"}}
INTEGER_FIELDS = {"models": {"num_versions"}, "versions": {"number"}, "experiments": {"num_checkpoints"}}
OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _path(source: str, names: tuple[str, ...] | list[str]) -> sql.Composable:
    """``source->'a'->'b'``: text keys only, so a list on the way yields NULL (Python's MISSING)."""
    expression: sql.Composable = sql.SQL(source)
    for name in names:
        expression = sql.SQL("{}->{}").format(expression, sql.Literal(escape_text(name)))
    return expression


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


class _Compiler:
    """One query's WHERE clause; values are quoted literals (a tree repeats expressions, so
    placeholders would have to be counted per use)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "models", "versions" or "experiments"

    @staticmethod
    def param(value: Any) -> sql.Composable:
        return sql.Literal(value)

    def node(self, node: Node) -> sql.Composable:
        if isinstance(node, MatchAll):
            return sql.SQL("true")
        if isinstance(node, Compare):
            return self.compare(node.path, node.op, node.value)
        if isinstance(node, In):
            return self.join("OR", [self.compare(node.path, "=", v) for v in node.values])
        if isinstance(node, HasTag):
            return self.has_tag(node.tag)
        if isinstance(node, Text):
            return self.join("OR", [self.compare(("name",), "~", node.text),
                                    self.compare(("description",), "~", node.text)])
        if isinstance(node, Not):
            return sql.SQL("NOT ({})").format(self.node(node.operand))
        return self.join("AND" if isinstance(node, And) else "OR", [self.node(n) for n in node.operands])

    @staticmethod
    def join(word: str, parts: list[sql.Composable]) -> sql.Composable:
        return sql.SQL("(") + sql.SQL(f" {word} ").join(parts) + sql.SQL(")")

    # -- fields --------------------------------------------------------------------------------

    def column(self, path: tuple[str, ...]) -> tuple[sql.Composable, str | None, sql.Composable | None]:
        """The jsonb expression of a field; for a field the registry always stores as text or an
        integer, that type and the field as ``doc->>'name'`` (the form the indexes are built on)."""
        head, rest = path[0], path[1:]
        if head == "metadata" or (self.kind == "experiments" and head == "hparams"):
            return _path("d.doc", [head, *rest]), None, None
        if self.kind == "models" and head == "tags":
            return sql.SQL("(SELECT coalesce(jsonb_agg(t.tag ORDER BY t.tag), '[]'::jsonb) "
                           "FROM modelbox_version_tags t WHERE t.model_id = d.id)"), None, None
        if self.kind == "versions" and head == "metrics":
            key = self.param(escape_text("\x00" + ".".join(rest)))
            last = sql.SQL("(SELECT s.doc->'last' FROM modelbox_series s WHERE s.id = d.id || {})").format(key)
            reported = _path("(SELECT c.doc FROM modelbox_checkpoints c WHERE c.id = d.doc->>'checkpoint_uuid')",
                             ["metrics", *rest])
            return sql.SQL("(SELECT CASE WHEN l IS NOT NULL AND jsonb_typeof(l) <> 'null' THEN l->'value' "
                           "ELSE {} END FROM (SELECT {} AS l) AS series_last)").format(reported, last), None, None
        if self.kind == "versions" and head in ("model", "namespace"):  # the model's (text whenever it exists)
            name = "name" if head == "model" else "namespace"
            return field(name, "m.doc"), "text", sql.SQL("m.doc->>{}").format(sql.Literal(name))
        name = COLUMNS[self.kind].get(head, head)
        kind = "text" if name in STRING_FIELDS[self.kind] else "integer" if name in INTEGER_FIELDS[self.kind] else None
        return field(name, "d.doc"), kind, sql.SQL("d.doc->>{}").format(sql.Literal(name))

    def has_tag(self, tag: Any) -> sql.Composable:
        if self.kind == "experiments":  # experiments hold no tags
            return sql.SQL("false")
        if self.kind == "models":
            if not isinstance(tag, str):
                return sql.SQL("false")
            return sql.SQL("EXISTS (SELECT 1 FROM modelbox_version_tags t WHERE t.model_id = d.id AND t.tag = {})"
                           ).format(self.param(escape_text(tag)))
        return sql.SQL("(d.doc->'tags' @> {}::jsonb)").format(self.param(json_dumps([tag])))

    # -- comparisons ---------------------------------------------------------------------------

    def compare(self, path: tuple[str, ...], op: str, value: Any) -> sql.Composable:
        expression, kind, text = self.column(path)
        # a field of the row itself is always there: a plain condition, which an index can answer;
        # the model's fields come through an outer join, so a missing model must still read as false
        always = path[0] not in ("model", "namespace") or self.kind != "versions"
        guard = (lambda condition: condition) if always else (
            lambda condition: sql.SQL("coalesce({}, false)").format(condition))
        if kind == "text" and text is not None and not (op == "=" and value is None):
            if op == "~":
                return guard(sql.SQL("strpos(lower({}), {}) > 0").format(
                    text, self.param(escape_text(str(value).lower()))))
            return guard(sql.SQL("({}){} {} {}").format(text, C, sql.SQL(OPS[op]), self.param(escape_text(str(value)))))
        if kind == "integer" and text is not None and op in OPS and isinstance(value, (int, float)):
            return guard(sql.SQL("({})::bigint {} {}").format(text, sql.SQL(OPS[op]), self.param(_number(value))))
        return self.general(sql.SQL("({})").format(expression), op, value)  # `::` binds tighter than `->`

    def general(self, e: sql.Composable, op: str, value: Any) -> sql.Composable:
        """``search.compare`` for a jsonb expression of any type."""
        missing = sql.SQL("({e} IS NULL OR jsonb_typeof({e}) = 'null')").format(e=e)
        if op == "=" and value is None:
            return missing
        py_text = sql.SQL("(CASE jsonb_typeof({e}) WHEN 'string' THEN {e} #>> '{{}}' "
                          "WHEN 'boolean' THEN (CASE WHEN {e} = 'true'::jsonb THEN 'True' ELSE 'False' END) "
                          "ELSE {e}::text END)").format(e=e)
        if op == "~":
            test = sql.SQL("strpos(lower({}), {}) > 0").format(py_text, self.param(escape_text(str(value).lower())))
            return sql.SQL("(NOT {} AND coalesce({}, false))").format(missing, test)
        when_missing = sql.SQL("true" if op == "!=" else "false")
        as_list: sql.Composable
        numeric: sql.Composable
        if op in ("=", "!="):
            held = sql.SQL("{} @> jsonb_build_array({}::jsonb)").format(e, self.param(json_dumps(value)))
            as_list = held if op == "=" else sql.SQL("NOT ({})").format(held)
        else:
            as_list = sql.SQL("false")
        if isinstance(value, (int, float)):
            as_number = sql.SQL("(CASE WHEN jsonb_typeof({e}) = 'boolean' THEN (CASE WHEN {e} = 'true'::jsonb "
                                "THEN 1 ELSE 0 END)::numeric ELSE ({e} #>> '{{}}')::numeric END) {op} {v}"
                                ).format(e=e, op=sql.SQL(OPS[op]), v=self.param(_number(value)))
            numeric = sql.SQL("WHEN jsonb_typeof({}) IN ('number', 'boolean') THEN {} ").format(e, as_number)
        else:
            numeric = sql.SQL("")
        as_text = sql.SQL("{}{} {} {}").format(py_text, C, sql.SQL(OPS[op]), self.param(escape_text(str(value))))
        return sql.SQL("coalesce(CASE WHEN {missing} THEN {when_missing} WHEN jsonb_typeof({e}) = 'array' "
                       "THEN {as_list} {numeric}ELSE {as_text} END, false)").format(
            missing=missing, when_missing=when_missing, e=e, as_list=as_list, numeric=numeric, as_text=as_text)


def _conjuncts(node: Node) -> list[Node]:
    """The operands of a top-level AND (nested ANDs flattened), or the node itself."""
    if isinstance(node, And):
        return [part for operand in node.operands for part in _conjuncts(operand)]
    return [node]


def _model_conditions(node: Node) -> list[Node]:
    """The conjuncts of a version query that test only the version's model and are false without one."""
    def on_model(path: tuple[str, ...]) -> bool:
        return path[0] in ("model", "namespace")

    return [part for part in _conjuncts(node) if (
        isinstance(part, Compare) and on_model(part.path) and not (part.op == "=" and part.value is None)) or (
        isinstance(part, In) and on_model(part.path) and None not in part.values)]


class PostgresQueries(Queries):
    def __init__(self, connections: Connections) -> None:
        self.connections = connections

    def _page(self, query: sql.Composed, count: sql.Composed, offset: int, limit: int | None) -> tuple[
            list[Doc], int]:
        with self.connections.cursor() as cur:
            rows = cur.execute(query, [limit, offset]).fetchall()
            if rows:
                return [row[0] for row in rows], int(rows[0][1])
            if not offset:
                return [], 0
            row = cur.execute(count).fetchone()  # past the last page: the total alone
            return [], int(row[0]) if row else 0

    def models(
        self, node: Node, where: ModelFilter, sort_field: str, descending: bool, offset: int, limit: int | None
    ) -> tuple[list[Doc], int]:
        compiler = _Compiler("models")
        conditions = [compiler.node(node)]
        if where.namespace is not None:
            conditions.append(sql.SQL("d.doc->'namespace' = {}::jsonb").format(
                compiler.param(json_dumps(where.namespace))))
        for name, part in (("name", where.name), ("description", where.description)):
            if part:
                conditions.append(sql.SQL("strpos(lower(d.doc->>{}), {}) > 0").format(
                    sql.Literal(name), compiler.param(escape_text(part.lower()))))
        if where.archived is not None:
            conditions.append(sql.SQL("d.doc->'archived' = {}::jsonb").format(
                compiler.param(json_dumps(where.archived))))
        direction = sql.SQL(" DESC" if descending else "")
        if sort_field in ("name", "description"):
            keys = [sql.SQL("lower(d.doc->>{})").format(sql.Literal(sort_field)), sql.SQL("d.doc->>{}").format(
                sql.Literal(sort_field)), sql.SQL("d.doc->>'created_at'")]
        else:
            keys = [sql.SQL("d.doc->>{}").format(sql.Literal(sort_field)), sql.SQL("d.doc->>'name'")]
        order = sql.SQL(", ").join(key + C + direction for key in keys)
        where_sql = sql.SQL(" AND ").join(conditions)
        query = sql.SQL("SELECT d.doc, count(*) OVER () FROM modelbox_models d WHERE {} ORDER BY {} "
                        "LIMIT %s OFFSET %s").format(where_sql, order)
        count = sql.SQL("SELECT count(*) FROM modelbox_models d WHERE {}").format(where_sql)
        return self._page(query, count, offset, limit)

    def versions(self, node: Node, model_id: str | None, offset: int, limit: int | None) -> tuple[list[Doc], int]:
        compiler = _Compiler("versions")
        conditions = [compiler.node(node)]
        if model_id is not None:
            conditions.insert(0, sql.SQL("d.doc->'model_id' = {}::jsonb").format(sql.Literal(json_dumps(model_id))))
            order = sql.SQL("(d.doc->>'number')::bigint DESC")
        else:
            order = sql.SQL("(d.doc->>'created_at') COLLATE \"C\" DESC, (d.doc->>'number')::bigint DESC")
        by_model = [] if model_id is not None else _model_conditions(node)
        if by_model:
            # the planner cannot weigh a substring of a name, and with count(*) OVER () it still walks an
            # ordered index of every version to skip the sort; starting from the matching models and the
            # (model_id, number) index reads only their versions. A condition here is false for a version
            # whose model is missing (the outer join's NULLs), so the inner join gives the same rows.
            rest = [part for part in _conjuncts(node) if part not in by_model]
            source: sql.Composable = sql.SQL(
                "(SELECT m.id, m.doc FROM modelbox_models m WHERE {}) m CROSS JOIN LATERAL "
                "(SELECT d.doc FROM modelbox_versions d WHERE d.doc->>'model_id' = m.id AND {} OFFSET 0) d").format(
                sql.SQL(" AND ").join(compiler.node(part) for part in by_model),
                sql.SQL(" AND ").join(compiler.node(part) for part in rest or [MatchAll()]))  # OFFSET 0: the
            where_sql: sql.Composable = sql.SQL("true")  # planner keeps this order (models first)
        else:
            source = sql.SQL("modelbox_versions d LEFT JOIN modelbox_models m ON m.id = d.doc->>'model_id'")
            where_sql = sql.SQL(" AND ").join(conditions)
        query = sql.SQL("SELECT d.doc, count(*) OVER () FROM {} WHERE {} ORDER BY {} LIMIT %s OFFSET %s").format(
            source, where_sql, order)
        count = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(source, where_sql)
        return self._page(query, count, offset, limit)

    def experiments(self, node: Node, namespace: str | None, offset: int, limit: int | None) -> tuple[list[Doc], int]:
        compiler = _Compiler("experiments")
        conditions = [compiler.node(node)]
        if namespace is not None:
            conditions.insert(0, sql.SQL("d.doc->'namespace' = {}::jsonb").format(sql.Literal(json_dumps(namespace))))
        where_sql = sql.SQL(" AND ").join(conditions)
        query = sql.SQL("SELECT d.doc, count(*) OVER () FROM modelbox_experiments d WHERE {} ORDER BY "
                        "(d.doc->>'created_at') COLLATE \"C\" DESC, (d.doc->>'name') COLLATE \"C\" "
                        "LIMIT %s OFFSET %s").format(where_sql)
        count = sql.SQL("SELECT count(*) FROM modelbox_experiments d WHERE {}").format(where_sql)
        return self._page(query, count, offset, limit)

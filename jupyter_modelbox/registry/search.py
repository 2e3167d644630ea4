"""One small query language for models and versions, parsed safely (never ``eval``) into data.

    name ~ mnist and (metadata.dataset.name = "v3" or tag:production) and metrics.val_loss < 0.1
    framework in [torch, onnx] and not archived = true and created >= 2026-01-01

Grammar (keywords are case-insensitive)::

    query      := or
    or         := and ("or" and)*
    and        := unary ("and" unary)*
    unary      := "not" unary | "(" query ")" | "tag:" WORD | field OP value | field "in" "[" values "]" | WORD
    OP         := "=" | "!=" | "<" | "<=" | ">" | ">=" | "~"        (~ : case-insensitive substring)
    field      := WORD ("." WORD)*                                     (dotted metadata paths)
    value      := "quoted string" | 'quoted' | number | date | true | false | null | WORD

A bare WORD matches names and descriptions (``mnist`` is ``name ~ mnist or description ~ mnist``).
Dates (``2026-01-31``, ``2026-01-31T12:00``) compare with ``created`` and ``updated`` in UTC.
A comparison with a missing field is false, except ``!=`` and ``= null``.

The abstract syntax tree (``parse`` returns it; every backend reads the same tree)
----------------------------------------------------------------------------------
Frozen dataclasses, so a tree can be hashed, cached, compared and walked by a planner:

- ``MatchAll()``: the empty query.
- ``Compare(path, op, value)``: ``path`` is the field as a tuple (``("metadata", "dataset", "name")``),
  ``op`` one of ``= != < <= > >= ~``, ``value`` the literal: ``str``, ``int``, ``float``, ``bool``,
  ``None`` (``null``), or a date already normalized to an ISO string in UTC with microseconds
  (so it compares as a string with ``created_at``/``updated_at``).
- ``In(path, values)``: ``path in [v1, v2]``, true when ``path = v`` for one of them.
- ``HasTag(tag)``: ``tag:NAME`` (a version holds it; a model: one of its versions holds it).
- ``Text(text)``: a bare word or quoted string: ``name ~ text or description ~ text``.
- ``Not(operand)``, ``And(operands)``, ``Or(operands)`` (tuples of two or more operands).

Field paths: the first element is a field name of ``MODEL_FIELDS`` or ``VERSION_FIELDS``; only
``metadata``, ``metrics`` and ``hparams`` take more elements. For versions, ``model``/``namespace`` are the
model's name and namespace, ``checkpoint`` the checkpoint uuid, and ``metrics.<key>`` the last
logged value of the series ``<key>`` (highest step, then latest wallclock), else the value at
``<key>`` (dotted) in the checkpoint's reported metrics. For models, ``versions`` is the number of
versions and ``tags`` the tags its versions hold. For experiments (``EXPERIMENT_FIELDS``),
``checkpoints`` is the number of checkpoints and ``hparams.<key>`` reaches into the hyperparameters.

Semantics of ``Compare`` (``compare`` below is the reference; every backend gives the same answers):
``= null`` is true when the field is missing or null; otherwise a missing or null field is false
(``!=`` true). ``~`` is a case-insensitive substring test on the texts of both sides. A list field
(tags) under ``=``/``!=`` tests membership, other operators are false. Two numbers (booleans count
as 0/1) compare as numbers; anything else compares as the texts of both sides (Python ``str``), so
a type mismatch is simply false for ``=`` and ordered by text for ``<``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import InvalidArgumentError

Getter = Callable[[Any], Any]  # document -> a field's value (MISSING if absent)
Accessor = Callable[[list[str]], Getter]  # dotted field path -> its getter, built once per query
Predicate = Callable[[Any], bool]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>!=|<=|>=|=|<|>|~)
  | (?P<punct>[()\[\],])
  | (?P<tag>tag:)
  | (?P<word>[^\s()\[\],=!<>~"']+)
""", re.VERBOSE | re.IGNORECASE)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
KEYWORDS = {"and", "or", "not", "in"}
OPEN_FIELDS = frozenset({"metadata", "metrics", "hparams"})
MODEL_FIELDS = frozenset({"id", "name", "description", "task", "owner", "namespace", "created", "updated",
                          "archived", "versions", "metadata", "tags"})
VERSION_FIELDS = frozenset({"id", "name", "description", "framework", "version", "number", "owner", "created",
                            "updated", "metadata", "metrics", "tags", "model", "namespace", "checkpoint"})
EXPERIMENT_FIELDS = frozenset({"id", "name", "namespace", "owner", "external_id", "framework", "metric", "created",
                               "updated", "checkpoints", "metadata", "hparams"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


class QueryError(InvalidArgumentError):
    """A query that does not parse; ``position`` is where (0-based), and the message shows it."""

    def __init__(self, message: str, position: int = 0) -> None:
        super().__init__(message)
        self.position = position


def _fail(query: str, position: int, what: str) -> QueryError:
    shown = f"{query[:position]} >>> {query[position:]}".strip()
    return QueryError(f"{what} at position {position} of the query: {shown}", position)


def tokenize(query: str) -> list[Token]:
    tokens, position = [], 0
    while position < len(query):
        match = TOKEN.match(query, position)
        if match is None:
            raise _fail(query, position, f"unexpected character {query[position]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            text = match.group()
            if kind == "word" and text.lower() in KEYWORDS:
                kind = text.lower()
            tokens.append(Token(kind, text, position))
        position = match.end()
    tokens.append(Token("end", "", len(query)))
    return tokens


def _literal(token: Token) -> Any:
    if token.kind == "string":
        body = token.text[1:-1]
        return re.sub(r"\\(.)", r"\1", body)
    text = token.text
    if NUMBER.match(text):
        return float(text) if any(c in text for c in ".eE") else int(text)
    if DATE.match(text):
        return _date(text)
    lowered = text.lower()
    return {"true": True, "false": False, "null": None}.get(lowered, text)


def _date(text: str) -> str:
    moment = datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "=" and expected is None:
        return actual is MISSING or actual is None
    if actual is MISSING or actual is None:
        return op == "!="
    if op == "~":
        return str(expected).lower() in str(actual).lower()
    if isinstance(actual, list):  # e.g. tags: equality means membership
        return (expected in actual) == (op == "=") if op in ("=", "!=") else False
    if not (isinstance(actual, (int, float)) and isinstance(expected, (int, float))):  # bools are ints too
        actual, expected = str(actual), str(expected)
    equal = actual == expected
    if op == "=":
        return equal
    if op == "!=":
        return not equal
    try:
        return {"<": actual < expected, "<=": actual <= expected, ">": actual > expected,
                ">=": actual >= expected}[op]
    except TypeError:
        return False


def _comparator(op: str, expected: Any) -> Callable[[Any], bool]:
    """``compare`` with a fast path for the usual case: a value of the literal's own type."""
    kind = type(expected)
    if op == "~":
        part = str(expected).lower()
        return lambda actual: part in actual.lower() if type(actual) is str else compare(op, actual, expected)
    if kind is str and op in ("=", "!="):
        equal = op == "="
        return lambda actual: (actual == expected) == equal if type(actual) is str else compare(op, actual, expected)
    if kind in (int, float) and op in ("=", "!="):
        equal = op == "="
        return lambda actual: ((actual == expected) == equal if type(actual) in (int, float)
                               else compare(op, actual, expected))
    if kind in (int, float) and op in ("<", "<=", ">", ">="):
        fast = {"<": lambda a: a < expected, "<=": lambda a: a <= expected, ">": lambda a: a > expected,
                ">=": lambda a: a >= expected}[op]
        return lambda actual: fast(actual) if type(actual) in (int, float) else compare(op, actual, expected)
    return lambda actual: compare(op, actual, expected)


# -- the tree -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class Compare:
    path: tuple[str, ...]
    op: str
    value: Any


@dataclass(frozen=True)
class In:
    path: tuple[str, ...]
    values: tuple[Any, ...]


@dataclass(frozen=True)
class HasTag:
    tag: Any


@dataclass(frozen=True)
class Text:
    text: Any


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


Node = MatchAll | Compare | In | HasTag | Text | Not | And | Or


def fields_of(node: Node) -> set[tuple[str, ...]]:
    """Every field path a tree reads (``HasTag`` reads ``("tags",)``, ``Text`` name and description)."""
    if isinstance(node, (Compare, In)):
        return {node.path}
    if isinstance(node, HasTag):
        return {("tags",)}
    if isinstance(node, Text):
        return {("name",), ("description",)}
    if isinstance(node, Not):
        return fields_of(node.operand)
    if isinstance(node, (And, Or)):
        return set().union(*(fields_of(operand) for operand in node.operands))
    return set()


# -- parsing ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str, fields: frozenset[str]) -> None:
        self.fields = fields
        self.query = query
        self.tokens = tokenize(query)
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def take(self, kind: str, what: str) -> Token:
        token = self.token
        if token.kind != kind:
            found = f"{token.text!r}" if token.kind != "end" else "the end"
            raise _fail(self.query, token.position, f"expected {what}, found {found}")
        self.index += 1
        return token

    def parse(self) -> Node:
        if self.token.kind == "end":
            return MatchAll()
        node = self.or_()
        if self.token.kind != "end":
            raise _fail(self.query, self.token.position, f"unexpected {self.token.text!r}")
        return node

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.token.kind == "or":
            self.index += 1
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_(self) -> Node:
        parts = [self.unary()]
        while self.token.kind == "and":
            self.index += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        token = self.token
        if token.kind == "not":
            self.index += 1
            return Not(self.unary())
        if token.kind == "punct" and token.text == "(":
            self.index += 1
            inner = self.or_()
            if not (self.token.kind == "punct" and self.token.text == ")"):
                raise _fail(self.query, self.token.position, "expected ')'")
            self.index += 1
            return inner
        if token.kind == "tag":
            self.index += 1
            return HasTag(self.value("a tag name after 'tag:'"))
        if token.kind in ("word", "string"):
            return self.comparison()
        found = repr(token.text) if token.kind != "end" else "the end of the query"
        raise _fail(self.query, token.position, f"expected a condition, found {found}")

    def comparison(self) -> Node:
        first = self.token
        self.index += 1
        if self.token.kind not in ("op", "in"):
            return Text(_literal(first) if first.kind == "string" else first.text)
        if first.kind == "string":
            raise _fail(self.query, first.position, "a field name cannot be quoted")
        path = tuple(first.text.split("."))
        if not all(path):
            raise _fail(self.query, first.position, f"{first.text!r} is not a field name")
        if path[0] not in self.fields or (len(path) > 1 and path[0] not in OPEN_FIELDS):
            known = ", ".join(sorted(self.fields | {f"{p}.<key>" for p in OPEN_FIELDS & self.fields}))
            raise _fail(self.query, first.position, f"unknown field {first.text!r} (fields: {known}, tag:<name>)")
        if self.token.kind == "in":
            self.index += 1
            if not (self.token.kind == "punct" and self.token.text == "["):
                raise _fail(self.query, self.token.position, "expected '[' after 'in'")
            self.index += 1
            values = [self.value("a value in the list")]
            while self.token.kind == "punct" and self.token.text == ",":
                self.index += 1
                values.append(self.value("a value after ','"))
            if not (self.token.kind == "punct" and self.token.text == "]"):
                raise _fail(self.query, self.token.position, "expected ']' to close the list")
            self.index += 1
            return In(path, tuple(values))
        op = self.take("op", "a comparison").text
        return Compare(path, op, self.value(f"a value after {op!r}"))

    def value(self, what: str) -> Any:
        token = self.token
        if token.kind not in ("word", "string"):
            found = repr(token.text) if token.kind != "end" else "the end of the query"
            raise _fail(self.query, token.position, f"expected {what}, found {found}")
        self.index += 1
        return _literal(token)


def parse(query: str | None, fields: frozenset[str]) -> Node:
    """The tree of ``query``; raises ``QueryError`` (an InvalidArgumentError) with the position.

    ``fields`` are the names a query may use (``metadata`` and ``metrics`` take dotted paths).
    """
    if query is None:
        return MatchAll()
    if not isinstance(query, str):
        raise InvalidArgumentError(f"a query must be a string, not {type(query).__name__}")
    return _Parser(query, fields).parse()


# -- evaluating in Python ---------------------------------------------------------------------


def _any(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    first, rest = parts[0], _any(parts[1:])
    return lambda doc: first(doc) or rest(doc)


def _all(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    first, rest = parts[0], _all(parts[1:])
    return lambda doc: first(doc) and rest(doc)


def predicate(node: Node, accessor: Accessor, subtree: Callable[[Node], Predicate | None] | None = None) -> Predicate:
    """A function document -> bool for the tree; ``accessor`` turns a field path into a getter once,
    so evaluating a document does no parsing. ``subtree``, when given, may answer a whole subtree
    (returning its predicate) before it is compiled the usual way (``None``)."""
    if subtree is not None and (found := subtree(node)) is not None:
        return found
    if isinstance(node, MatchAll):
        return lambda doc: True
    if isinstance(node, Compare):
        get, test = accessor(list(node.path)), _comparator(node.op, node.value)
        return lambda doc: test(get(doc))
    if isinstance(node, In):
        get, values = accessor(list(node.path)), node.values
        return lambda doc: any(compare("=", get(doc), v) for v in values)
    if isinstance(node, HasTag):
        tags, tag = accessor(["tags"]), node.tag
        return lambda doc: tag in tags(doc)
    if isinstance(node, Text):
        name, description, like = accessor(["name"]), accessor(["description"]), _comparator("~", node.text)
        return lambda doc: like(name(doc)) or like(description(doc))
    if isinstance(node, Not):
        inner = predicate(node.operand, accessor, subtree)
        return lambda doc: not inner(doc)
    if isinstance(node, And):
        return _all([predicate(operand, accessor, subtree) for operand in node.operands])
    return _any([predicate(operand, accessor, subtree) for operand in node.operands])


def compile_query(query: str | None, fields: frozenset[str], accessor: Accessor) -> Predicate:
    """``parse`` then ``predicate``."""
    return predicate(parse(query, fields), accessor)


def dotted(value: Any, path: list[str]) -> Any:
    for part in path:
        if type(value) is dict:  # JSON's own mappings: skip the slower abstract isinstance test
            value = value.get(part, MISSING)
            if value is MISSING:
                return MISSING
        elif isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return MISSING
    return value

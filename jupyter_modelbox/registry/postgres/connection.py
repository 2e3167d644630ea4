"""Connections to the registry database: the address (never showing a password), the pool, and the
one transaction per registry call.

A registry call runs in one transaction on a pooled connection bound to its thread; every store
method of that thread uses it, and the events of the call are written last, under a lock, in the
same round trip as COMMIT (see ``events``). A call is acknowledged only after COMMIT. Losing the
database turns into ``DatabaseUnavailableError`` (HTTP 503) naming it, within ``POOL_TIMEOUT``
seconds.

Round trips are what a write costs on a busy machine (each one waits for two processes to be
scheduled), so a call spends none on its own bookkeeping: pooled connections are in autocommit
mode and a call's ``BEGIN`` travels with its first statement. Writes that answer nothing (``put``)
wait too and go with the next statement of the call, or with its events and COMMIT, in one query
string: a version create is two round trips (``BEGIN`` and the model's counter, then the version,
its events and COMMIT). Whether a pooled connection survived a restart of the database is seen
without a round trip: the server closes its connections when it stops, so one it closed has
something to read (its goodbye, or the end of the stream) before the call sends anything. Such a
connection sends ``BEGIN`` on its own, which fails; it is dropped and the next one taken.
"""

from __future__ import annotations

import logging
import re
import select
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Self

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.abc import Params, QueryNoTemplate
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.pq import Escaping
from psycopg.types.json import set_json_loads
from psycopg_pool import ConnectionPool, PoolTimeout

from ..errors import (
    AlreadyExistsError,
    ConflictError,
    DatabaseUnavailableError,
    InvalidArgumentError,
    ModelBoxError,
    StorageError,
)
from .escape import json_loads

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5  # seconds to reach the server
POOL_TIMEOUT = 5.0  # seconds a call waits for a connection before it gets a 503
MAX_PENDING = 64  # statements held back for the next round trip of a call
INLINE = (str, int, bool, type(None))  # parameters a statement sent with others takes inlined
PREPARE_AFTER = 3  # times a first statement's text was seen before it is prepared on each connection
MAX_PREPARED = 100  # statements prepared per connection
MAX_SEEN = 10_000  # statement texts counted


class DatabaseAddress:
    """Where the database is; ``str``/``repr`` show ``postgresql://user@host:port/dbname`` only.

    The password comes from the URL, ``database_password_file``, or libpq's own ``$PGPASSWORD``
    and ``~/.pgpass``; it is kept out of every string this object makes.
    """

    def __init__(self, url: str, password_file: Path | None = None) -> None:
        try:
            params = conninfo_to_dict(url)
        except psycopg.ProgrammingError as exc:
            raise InvalidArgumentError(f"database_url is not a PostgreSQL URL or connection string ({exc})") from None
        password = params.pop("password", None)
        self._password: str | None = str(password) if password is not None else None
        if self._password is None and password_file is not None:
            try:
                self._password = Path(password_file).read_text().strip("\r\n")
            except OSError as exc:
                raise InvalidArgumentError(
                    f"cannot read database_password_file {password_file}: {exc.strerror}") from None
        self.params = params
        self.host = str(params.get("host") or params.get("hostaddr") or "localhost")
        self.port = str(params.get("port") or "5432")
        self.dbname = str(params.get("dbname") or params.get("user") or "")
        self.user = str(params.get("user") or "")

    @property
    def conninfo(self) -> str:
        """The connection string without the password (given to libpq separately)."""
        return make_conninfo("", **self.params)

    @property
    def connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT, "application_name": "jupyter_modelbox"}
        if self._password is not None:
            kwargs["password"] = self._password
        return kwargs

    def redact(self, text: str) -> str:
        """``text`` with the password (if this address knows it) replaced."""
        return text.replace(self._password, "***") if self._password else text

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        host = self.host if "/" not in self.host else f"[{self.host}]"
        return f"postgresql://{user}{host}:{self.port}/{self.dbname}"

    def __repr__(self) -> str:
        return f"DatabaseAddress({str(self)!r})"

    def connect(self, autocommit: bool = False, application_name: str | None = None) -> psycopg.Connection[Any]:
        """One new connection (``DatabaseUnavailableError`` naming the database if that fails)."""
        kwargs = self.connect_kwargs | ({"application_name": application_name} if application_name else {})
        try:
            conn = psycopg.connect(self.conninfo, autocommit=autocommit, **kwargs)
        except psycopg.Error as exc:
            raise DatabaseUnavailableError(f"cannot connect to the registry database {self}: {self.reason(exc)}") \
                from None
        configure(conn)
        return conn

    def reason(self, exc: BaseException) -> str:
        text = str(exc).strip().splitlines()
        return self.redact(" ".join(line.strip() for line in text) or type(exc).__name__)


def configure(conn: psycopg.Connection[Any]) -> None:
    set_json_loads(json_loads, conn)


def _nothing_to_read(conn: psycopg.Connection[Any]) -> bool:
    """Whether an idle connection has nothing from the server waiting (a server that stopped or
    restarted has closed it: its goodbye or the end of the stream is there to read)."""
    try:
        poll = select.poll()
        poll.register(conn.fileno(), select.POLLIN)
        return not poll.poll(0)
    except (OSError, ValueError, psycopg.Error):
        return False


def quote(conn: psycopg.Connection[Any], text: str) -> str:
    """``text`` as a string literal of SQL, quoted by libpq for ``conn`` (what ``sql.Literal`` does for a
    ``str``, without building a composition: statements are rendered as plain text, once per shape)."""
    encoding = conn.info.encoding
    return bytes(Escaping(conn.pgconn).escape_literal(text.encode(encoding))).decode(encoding)


class BatchCursor(psycopg.Cursor[Any]):
    """A cursor whose first ``execute`` also carries the call's statements not sent yet (``ahead``:
    ``BEGIN``, writes that answer nothing) in the same round trip, its result being the statement's.

    Several statements go in one query string only without parameters (the simple protocol), so the
    statement's values are inlined as quoted literals when they are text, integers, booleans or NULL
    and no binary answer is asked for: ``EXECUTE <name>(<values>)`` of a statement prepared on the
    connection (see ``Prepared``), or the statement itself while it is new. Otherwise the statements
    ahead go first, in a round trip of their own.
    """

    ahead: list[str]
    prepared: Prepared

    def execute(  # type: ignore[override]  # (not for t-string templates)
        self, query: QueryNoTemplate, params: Params | None = None, *, prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Self:
        ahead, self.ahead = getattr(self, "ahead", []), []
        if not ahead:
            return super().execute(query, params, prepare=prepare, binary=binary)
        values = list(params or ()) if not isinstance(params, Mapping) else None
        if binary or values is None or not all(type(value) in INLINE for value in values):
            super().execute("; ".join(ahead))
            return super().execute(query, params, prepare=prepare, binary=binary)
        text = query if isinstance(query, str) else query.decode() if isinstance(query, bytes) \
            else query.as_string(self.connection)
        if params is None:  # no placeholders: psycopg sends such a text as it is (a % in it is a %)
            super().execute("; ".join([*ahead, text]))
            while self.nextset():
                pass
            return self
        statements = self.prepared.inline(self.connection, text, values)
        try:
            super().execute("; ".join([*ahead, *statements]))
        except pg_errors.InvalidSqlStatementName:  # deallocated meanwhile
            if ahead[0] != "BEGIN":
                raise  # the call's transaction has run statements before: it fails (and rolls back)
            self.connection.rollback()  # it began with this query string: nothing has run, so all again
            self.prepared.forget(self.connection)
            super().execute("; ".join([*ahead, *self.prepared.inline(self.connection, text, values)]))
        while self.nextset():
            pass  # to the last result: the statement's own
        return self

    def send_ahead(self) -> None:
        """Send the statements still ahead on their own (the cursor ran no statement to carry them)."""
        ahead, self.ahead = getattr(self, "ahead", []), []
        if ahead:
            super().execute("; ".join(ahead))


class Prepared:
    """Statements prepared by name on each pooled connection (``PREPARE``, then ``EXECUTE`` with the
    values as literals), for the first statement of a call, which travels with ``BEGIN`` in one query
    string: that protocol has no parameters, and planning a statement anew each time cost more
    (0.2 ms for the version counter's ``UPDATE``) than the round trip saved. A statement text is
    prepared once it was seen ``PREPARE_AFTER`` times, at most ``MAX_PREPARED`` per connection.

    psycopg deallocates every prepared statement of a connection when it rolls back (and after DDL),
    so after a rollback the connection's statements are deallocated and new names taken (a generation
    in each name); an ``EXECUTE`` that still finds its statement gone is sent again with ``PREPARE``.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, tuple[str, ...]], int] = {}
        self._names: weakref.WeakKeyDictionary[psycopg.Connection[Any], dict[Any, str]] = \
            weakref.WeakKeyDictionary()
        self._generation: weakref.WeakKeyDictionary[psycopg.Connection[Any], int] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def inline(self, conn: psycopg.Connection[Any], text: str, values: list[Any]) -> list[str]:
        """The statements that run ``text`` with ``values`` inlined (one, or ``PREPARE`` and ``EXECUTE``)."""
        literals = [_literal(conn, value) for value in values]
        types = tuple(_TYPES[type(value)] for value in values)
        key = (text, types)
        with self._lock:
            names = self._names.setdefault(conn, {})
        name = names.get(key)
        if name is not None:
            return [f"EXECUTE {name}({', '.join(literals)})" if literals else f"EXECUTE {name}"]
        numbered = _numbered(text, len(values))
        with self._lock:
            seen = self._seen[key] = self._seen.get(key, 0) + 1
            if len(self._seen) > MAX_SEEN:
                self._seen.clear()
        if numbered is None or seen < PREPARE_AFTER or len(names) >= MAX_PREPARED:
            return [numbered % tuple(literals) if numbered is not None else _mogrify(conn, text, values)]
        name = names[key] = f"modelbox_{self._generation.get(conn, 0)}_{len(names)}"
        declared = f" ({', '.join(types)})" if types else ""
        return [f"PREPARE {name}{declared} AS {numbered % tuple(f'${n + 1}' for n in range(len(values)))}",
                f"EXECUTE {name}({', '.join(literals)})" if literals else f"EXECUTE {name}"]

    def forget(self, conn: psycopg.Connection[Any]) -> None:
        """After a rollback: the connection's statements may be gone, or not (psycopg deallocates only
        when it had prepared statements of its own), so they are deallocated (psycopg forgets its own
        too) and new names are taken from now on."""
        with self._lock:
            names = self._names.pop(conn, None)
            if names:
                self._generation[conn] = self._generation.get(conn, 0) + 1
        if names and not conn.closed:
            with suppress(psycopg.Error):
                conn.execute("DEALLOCATE ALL")


_TYPES = {str: "unknown", int: "bigint", bool: "boolean", type(None): "unknown"}  # as psycopg sends them
_PLACEHOLDER = re.compile(r"%(.)")


def _numbered(text: str, count: int) -> str | None:
    """``text`` as a ``%`` format of its ``count`` positional placeholders (``None`` if it has others):
    psycopg's placeholders are ``%s`` and ``%%``, as in Python's own format."""
    found = _PLACEHOLDER.findall(text)
    if any(mark not in "s%" for mark in found) or found.count("s") != count \
            or text.count("%") != found.count("s") + 2 * found.count("%"):
        return None
    return text


def _literal(conn: psycopg.Connection[Any], value: Any) -> str:
    if value is None:
        return "NULL"
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    return quote(conn, value)


def _mogrify(conn: psycopg.Connection[Any], text: str, values: list[Any]) -> str:
    return psycopg.ClientCursor(conn).mogrify(text, values)


class _Local(threading.local):
    """The registry call running on this thread: its connection, nesting depth and pending events."""

    conn: psycopg.Connection[Any] | None = None
    depth = 0
    events: list[dict[str, Any]]
    pending: list[str]  # statements with their values inlined, sent with the next one (first "BEGIN")


class Connections:
    """The pool, and the transaction of the registry call running on each thread."""

    def __init__(self, address: DatabaseAddress, pool_size: int) -> None:
        self.address = address
        self.pool = ConnectionPool(
            address.conninfo, kwargs={**address.connect_kwargs, "autocommit": True}, min_size=1,
            max_size=max(1, pool_size), open=False, timeout=POOL_TIMEOUT, configure=configure,
            reconnect_timeout=24 * 3600, name="jupyter_modelbox",
        )
        self.pool.open(wait=False)
        self._local = _Local()
        self.prepared = Prepared()
        self.commit_events: Callable[[psycopg.Connection[Any], list[str], list[dict[str, Any]]],
                                     Callable[[], None]] | None
        self.commit_events = None  # sends the pending statements, the events and COMMIT; returns what to do after

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The thread's transaction: begun by the outermost call, committed when it ends."""
        local = self._local
        if local.depth:
            local.depth += 1
            try:
                yield
            finally:
                local.depth -= 1
            return
        conn, begin = self._begin()
        local.conn, local.depth, local.events, local.pending = conn, 1, [], begin
        then = None
        try:
            try:
                yield
                pending, local.pending = local.pending, []
                if self.commit_events and local.events:
                    then = self.commit_events(conn, pending, local.events)
                elif pending == ["BEGIN"]:
                    pass  # nothing was sent: there is no transaction to end
                elif pending:
                    with conn.cursor() as cur:
                        cur.execute(sql.SQL("; ".join([*pending, "COMMIT"])))  # one round trip
                else:
                    conn.commit()
            except BaseException:
                if not conn.closed:
                    with suppress(psycopg.Error):
                        conn.rollback()
                    self.prepared.forget(conn)
                raise
        except psycopg.Error as exc:
            raise self.error(exc) from None
        finally:
            local.conn, local.depth, local.events, local.pending = None, 0, [], []
            self.pool.putconn(conn)
        if then is not None:
            then()

    def _begin(self) -> tuple[psycopg.Connection[Any], list[str]]:
        """A pooled connection for a new transaction, and what is left to send of its beginning
        (``["BEGIN"]``, or nothing when it began already); connections a database restart broke are
        dropped."""
        for _ in range(self.pool.max_size + 1):  # at most that many broken ones, then a fresh one
            conn = self._checkout()
            if _nothing_to_read(conn):
                return conn, ["BEGIN"]  # sent with the call's first statement
            try:
                conn.execute("BEGIN")  # fails on a connection the server closed
                return conn, []
            except psycopg.Error as exc:
                self.pool.putconn(conn)  # the pool closes a broken connection and opens another
                if not conn.closed:
                    raise self.error(exc) from None
                failure = exc
        raise self.error(failure) from None

    def _checkout(self) -> psycopg.Connection[Any]:
        try:
            return self.pool.getconn()
        except PoolTimeout:
            raise DatabaseUnavailableError(
                f"the registry database {self.address} is unavailable: no connection within {POOL_TIMEOUT:g} s "
                "(is it running and reachable?); try again when it is back") from None

    @contextmanager
    def cursor(self) -> Iterator[psycopg.Cursor[Any]]:
        """A cursor in the thread's transaction (opening a short one if there is none)."""
        if not self._local.depth:
            with self.transaction(), self.cursor() as cur:
                yield cur
            return
        conn = self._local.conn
        assert conn is not None
        try:
            with BatchCursor(conn) as cur:
                cur.ahead, self._local.pending = self._local.pending, []  # go with its first statement
                cur.prepared = self.prepared
                yield cur
                cur.send_ahead()  # if it ran none
        except psycopg.Error as exc:
            raise self.error(exc) from None

    def defer(self, template: str, *values: str) -> None:
        """Run ``template`` with ``values`` in its ``{}`` as quoted literals (no result wanted) with the
        call's next statement."""
        if not self._local.depth:
            with self.transaction():
                self.defer(template, *values)
            return
        conn = self._local.conn
        assert conn is not None
        self._local.pending.append(template.format(*(quote(conn, value) for value in values)))
        if len(self._local.pending) >= MAX_PENDING:  # a call writing many documents: send them now and then
            with self.cursor():
                pass

    def add_event(self, event: dict[str, Any]) -> None:
        if not self._local.depth:
            raise StorageError("an event can only be written inside a registry operation")
        self._local.events.append(event)

    def error(self, exc: psycopg.Error) -> ModelBoxError:
        """The registry error for a database error (messages name the database, never the password)."""
        reason = self.address.reason(exc)
        if isinstance(exc, pg_errors.UniqueViolation):
            constraint = getattr(exc.diag, "constraint_name", "") or ""
            if "tags" in constraint:
                return ConflictError(f"the tag is held by another version of the model ({reason})")
            return AlreadyExistsError(f"that already exists ({reason})")
        if isinstance(exc, pg_errors.LockNotAvailable | pg_errors.DeadlockDetected | pg_errors.SerializationFailure):
            return ConflictError(f"the registry database was busy with a conflicting change; try again ({reason})")
        if isinstance(exc, psycopg.OperationalError | pg_errors.AdminShutdown | pg_errors.CannotConnectNow):
            return DatabaseUnavailableError(
                f"the registry database {self.address} is unavailable: {reason}; try again when it is back")
        if isinstance(exc, psycopg.DataError):
            return InvalidArgumentError(f"the registry database refused a value: {reason}")
        return StorageError(f"the registry database {self.address} failed: {reason}")

    def stats(self) -> dict[str, int]:
        return dict(self.pool.get_stats())

    def close(self) -> None:
        self.pool.close(timeout=5)

"""Events on PostgreSQL: numbered in commit order, announced with NOTIFY, followed with LISTEN.

A plain ``bigserial`` would not do: a transaction that takes number 7 may commit after one that
took 8, and a reader that saw 8 would never see 7. So the events of a registry call are written
last, just before COMMIT, under a transaction-level advisory lock: numbers are taken in the order
transactions commit. ``pg_notify`` in the same transaction is delivered at COMMIT. The lock, the
events and COMMIT travel as one query string (the simple protocol runs its statements in order and
skips the rest after an error), so the lock is held for one round trip less and a write pays one
round trip for all three.

Each process keeps one LISTEN connection (autocommit, used for nothing else: psycopg blocks other
statements on a connection while it waits for notifications). It wakes the long-polls and calls
``listeners``; after a reconnect it reads the newest sequence number, so nothing is missed
(notifications are not replayed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from ..backend import Doc, EventLog
from .connection import Connections, quote
from .escape import json_dumps

log = logging.getLogger(__name__)

CHANNEL = "modelbox_events"
LISTENER_NAME = "jupyter_modelbox listener"  # its application_name in pg_stat_activity
EVENT_LOCK = 0x6D62657674  # "mbevt": taken by every writing transaction just before its COMMIT
MAX_EVENTS = 100_000
RECONNECT_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


class PostgresEventLog(EventLog):
    def __init__(self, connections: Connections) -> None:
        self.connections = connections
        self.listeners: list[Callable[[int], None]] = []
        self._changed = threading.Condition()
        self._known = self._newest()
        self._closed = threading.Event()
        connections.commit_events = self._commit_events
        self._listener = threading.Thread(target=self._listen, name="modelbox-listen", daemon=True)
        self._listener.start()

    # -- writing -------------------------------------------------------------------------------

    def append(self, event: Doc) -> None:
        self.connections.add_event(event)

    def _commit_events(self, conn: psycopg.Connection[Any], pending: list[str], events: list[Doc]
                       ) -> Callable[[], None]:
        """Send the call's pending statements, write its events and commit, in one round trip."""
        rows = ", ".join(f"(nextval('modelbox_event_seq'), {quote(conn, json_dumps(e))}::jsonb)" for e in events)
        statements = [
            *pending,
            f"SELECT pg_advisory_xact_lock({EVENT_LOCK})",
            f"WITH added AS (INSERT INTO modelbox_events (seq, doc) VALUES {rows} RETURNING seq) "
            f"SELECT max(seq), pg_notify('{CHANNEL}', max(seq)::text) FROM added",
        ]
        if (self._known + len(events)) // 1000 != self._known // 1000:  # now and then, forget the oldest
            statements.append(f"DELETE FROM modelbox_events WHERE seq <= (SELECT currval('modelbox_event_seq') - "
                              f"{MAX_EVENTS})")
        statements.append("COMMIT")
        with conn.cursor() as cur:
            cur.execute(sql.SQL("; ".join(statements)))  # no parameters: values are quoted literals
            for _ in range(len(pending) + 1):
                cur.nextset()  # to the result of the events' INSERT
            row = cur.fetchone()
        last = int(row[0]) if row else 0
        return lambda: self._saw(last)

    # -- reading -------------------------------------------------------------------------------

    def read(self, since: int, limit: int) -> list[Doc]:
        with self.connections.cursor() as cur:
            rows = cur.execute("SELECT seq, doc FROM modelbox_events WHERE seq > %s ORDER BY seq LIMIT %s",
                               [since, limit]).fetchall()
        return [{"id": str(seq), "seq": seq, **doc} for seq, doc in rows]

    def last_seq(self) -> int:
        with self.connections.cursor() as cur:
            row = cur.execute("SELECT coalesce(max(seq), 0) FROM modelbox_events").fetchone()
        return int(row[0]) if row else 0

    def _newest(self) -> int:
        with self.connections.transaction():
            return self.last_seq()

    def wait(self, since: int, timeout: float) -> None:
        deadline = time.monotonic() + max(0.0, min(timeout, 300.0))
        with self._changed:
            while self._known <= since and not self._closed.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._changed.wait(remaining)

    def _saw(self, seq: int) -> None:
        """A newer event exists (committed here, or announced by another process)."""
        with self._changed:
            if seq <= self._known:
                return
            self._known = seq
            self._changed.notify_all()
        for listener in list(self.listeners):
            listener(seq)

    # -- the LISTEN connection -----------------------------------------------------------------

    def _listen(self) -> None:
        failures = 0
        while not self._closed.is_set():
            try:
                with self.connections.address.connect(autocommit=True, application_name=LISTENER_NAME) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    with conn.transaction(), conn.cursor() as cur:  # catch up with what a reconnect missed
                        row = cur.execute("SELECT coalesce(max(seq), 0) FROM modelbox_events").fetchone()
                    self._saw(int(row[0]) if row else 0)
                    if failures:
                        log.info("jupyter_modelbox: listening to %s again", self.connections.address)
                    failures = 0
                    while not self._closed.is_set():
                        for notify in conn.notifies(timeout=1.0):
                            if notify.payload.isdigit():
                                self._saw(int(notify.payload))
            except Exception as exc:  # a lost connection: retry with backoff, forever
                if self._closed.is_set():
                    return
                if failures == 0:
                    log.warning("jupyter_modelbox: lost the event feed of %s (%s); reconnecting",
                                self.connections.address, self.connections.address.reason(exc))
                self._closed.wait(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)])
                failures += 1

    def close(self) -> None:
        """Stop listening: the listener thread notices within a second and closes its connection."""
        self._closed.set()
        with self._changed:
            self._changed.notify_all()

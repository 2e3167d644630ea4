"""Client-side buffering of ``log_metrics`` so a training loop never waits for the registry.

Each call appends one tuple under a lock (a few microseconds); a background thread sends the
accumulated points every ``max_delay`` seconds, or sooner when ``max_points`` are waiting. An
error from a background send is raised by the next ``log_metrics`` or ``flush``. Buffers are
flushed at interpreter exit.

While the registry is unreachable (the Jupyter server, or the team registry's database, answers
503 or not at all) the points stay buffered and every send retries them; the training loop is not
interrupted (only ``flush`` says the registry is away) and a warning on stderr says so once. After
``retry_for`` seconds without success the buffer gives up: the points are dropped and the next
call raises an error saying how many were lost and why.
"""

from __future__ import annotations

import atexit
import math
import sys
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..registry.backend import MISSING_STEP
from ..registry.errors import DatabaseUnavailableError, InvalidArgumentError, ModelBoxError, ServerUnavailableError
from .transport import Transport

TRANSIENT = (ServerUnavailableError, DatabaseUnavailableError)  # the registry may come back: keep the points
RETRY_FOR = 600.0  # seconds a buffer keeps retrying an unreachable registry before it gives up

NUMBER_TYPES = (float, int, np.floating, np.integer)
VALUE_TYPES = (*NUMBER_TYPES, str, bytes)

_buffers: weakref.WeakSet[MetricBuffer] = weakref.WeakSet()


def check_point(metrics: Any, step: Any) -> None:
    if not isinstance(metrics, Mapping) or not metrics:
        raise InvalidArgumentError(f"log_metrics takes a non-empty dict of key -> value, not {metrics!r:.80}")
    for key, value in metrics.items():
        if not isinstance(key, str) or not key:
            raise InvalidArgumentError(f"metric keys must be non-empty strings, not {key!r}")
        if isinstance(value, bool) or not isinstance(value, VALUE_TYPES):
            raise InvalidArgumentError(
                f"metric {key!r}: values must be float, str or bytes, not {type(value).__name__} ({value!r:.80})"
            )
    if step is not None and (isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0):
        raise InvalidArgumentError(f"step must be a non-negative integer or None, not {step!r}")


def columns_of(points: list[tuple[Mapping[str, Any], int | None, float]]) -> dict[str, dict[str, Any]]:
    """Pivot buffered ``(metrics, step, wallclock)`` calls into per-key columns."""
    grouped: dict[str, tuple[list[int], list[float], list[Any]]] = defaultdict(lambda: ([], [], []))
    for metrics, step, wallclock in points:
        encoded_step = MISSING_STEP if step is None else step
        for key, value in metrics.items():
            steps, wallclocks, values = grouped[key]
            steps.append(encoded_step)
            wallclocks.append(wallclock)
            values.append(value)
    series = {}
    for key, (steps, wallclocks, values) in grouped.items():
        numeric = all(isinstance(v, NUMBER_TYPES) for v in values)
        series[key] = {
            "step": np.array(steps, dtype=np.int64),
            "wallclock": np.array(wallclocks, dtype=np.float64),
            "value": np.array(values, dtype=np.float64) if numeric else values,
        }
    return series


class MetricBuffer:
    def __init__(self, transport: Transport, max_points: int = 100_000, max_delay: float = 1.0,
                 retry_for: float = RETRY_FOR) -> None:
        self.transport = transport
        self.max_points = max_points
        self.max_delay = max_delay
        self.retry_for = retry_for
        self._failing_since: float | None = None  # when sends started failing with a transient error
        self._pending: dict[str, list[tuple[Mapping[str, Any], int | None, float]]] = defaultdict(list)
        self._count = 0
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._wake = threading.Event()
        self._error: BaseException | None = None
        self._closed = False
        self._thread: threading.Thread | None = None
        _buffers.add(self)

    def add(self, parent_id: str, metrics: Mapping[str, Any], step: int | None, wallclock: float | None) -> None:
        if self._error is not None and not isinstance(self._error, TRANSIENT):
            self._raise_pending_error()
        check_point(metrics, step)
        if wallclock is None:
            wallclock = time.time()
        elif not isinstance(wallclock, (int, float)) or not math.isfinite(wallclock):
            raise InvalidArgumentError(f"wallclock must be a finite number of seconds, not {wallclock!r}")
        with self._lock:
            self._pending[parent_id].append((dict(metrics), step, float(wallclock)))
            self._count += len(metrics)
            count = self._count
        if self._thread is None:
            self._start()
        if count >= self.max_points:
            self._wake.set()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="modelbox-metrics", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.max_delay)
            self._wake.clear()
            try:
                self._send()
            except BaseException as exc:  # kept for the caller's next call: a thread has nobody to tell
                self._error = exc

    def _send(self) -> None:
        """Send each object's points; one object's failure does not cost the others theirs."""
        with self._send_lock:  # keeps batches in order when flush() and the thread race
            with self._lock:
                pending, self._pending = self._pending, defaultdict(list)
                self._count = 0
            for parent_id, points in pending.items():
                try:
                    self.transport.log_metrics(parent_id, columns_of(points))
                except TRANSIENT as error:
                    self._unreachable(parent_id, points, error)
                except ModelBoxError as error:
                    self._lost(parent_id, points, error.message, type(error))
                else:
                    self._reachable()

    def _unreachable(self, parent_id: str, points: list[tuple[Mapping[str, Any], int | None, float]],
                     error: ModelBoxError) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
            print(f"jupyter_modelbox: the registry is unreachable ({error.message}); buffered metrics are kept and "
                  f"retried for up to {self.retry_for:g} s", file=sys.stderr)
        if now - self._failing_since < self.retry_for:
            self._requeue(parent_id, points)
            if self._error is None or isinstance(self._error, TRANSIENT):
                self._error = error  # flush() says the registry is away; log_metrics goes on
            return
        message = self._lost(parent_id, points, f"gave up after retrying for {now - self._failing_since:.0f} s: "
                                                f"{error.message}", type(error))
        print(f"jupyter_modelbox: {message}", file=sys.stderr)
        self._failing_since = None  # points logged from now on get a retry window of their own

    def _reachable(self) -> None:
        if self._failing_since is not None:
            print("jupyter_modelbox: the registry is reachable again; buffered metrics were sent", file=sys.stderr)
            self._failing_since = None
            if isinstance(self._error, TRANSIENT):
                self._error = None

    def _lost(self, parent_id: str, points: list[tuple[Mapping[str, Any], int | None, float]], why: str,
              kind: type[ModelBoxError]) -> str:
        count = sum(len(m) for m, _, _ in points)
        message = f"a buffered log_metrics call failed, {count} point(s) of {parent_id} were not saved: {why}"
        if self._error is None or isinstance(self._error, TRANSIENT):
            self._error = kind(message)
        return message

    def _requeue(self, parent_id: str, points: list[tuple[Mapping[str, Any], int | None, float]]) -> None:
        with self._lock:
            self._pending[parent_id][:0] = points
            self._count += sum(len(m) for m, _, _ in points)

    def flush(self) -> None:
        """Send everything buffered now; raise any error a send met (in the background or now)."""
        self._send()
        self._raise_pending_error()

    def _raise_pending_error(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._closed = True
            self._wake.set()


@atexit.register
def _flush_all() -> None:
    for buffer in list(_buffers):
        try:
            buffer.close()
        except Exception as exc:  # at exit there is no caller left to raise to
            print(f"jupyter_modelbox: buffered metrics could not be saved at exit: {exc}", file=sys.stderr)

"""RPCs for metric series and the event log (REST: ``MetricsHandler`` and ``EventsHandler``)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pandas as pd

from ..registry import Registry
from ..registry.errors import InvalidArgumentError
from .base import Context, ServiceBase, optional, pb, streaming, unary
from .convert import Doc, fill

MAX_POLL_SECONDS = 60.0
WATCH_BATCH = 1000


def decode_metrics(metrics: Any) -> dict[str, dict[str, list[Any]]]:
    """``repeated Metrics`` -> the columns ``Registry.log_metrics`` takes (it validates the rest)."""
    received = time.time()
    series: dict[str, dict[str, list[Any]]] = {}
    for metric in metrics:
        if metric.key in series:
            raise InvalidArgumentError(f"metric {metric.key!r} is given twice; send its points together")
        steps, wallclocks, values = [], [], []
        for index, point in enumerate(metric.values):
            kind = point.WhichOneof("value")
            if kind is None:
                raise InvalidArgumentError(f"metric {metric.key!r}: point {index} has no f_val, s_tensor or b_tensor")
            values.append(getattr(point, kind))
            steps.append(point.step if point.HasField("step") else None)
            wallclocks.append(point.wallclock_time or received)
        series[metric.key] = {"step": steps, "wallclock": wallclocks, "value": values}
    return series


def encode_frame(frame: pd.DataFrame) -> Any:
    """A ``key, step, wallclock, value`` frame -> one ``Metrics`` per key, each in the frame's order."""
    reply = pb.GetMetricsResponse()
    by_key = {key: reply.metrics.add(key=key) for key in frame["key"].cat.categories}
    steps = frame["step"].to_numpy(dtype=object, na_value=None)
    columns = zip(frame["key"].to_numpy(), steps, frame["wallclock"].to_numpy().tolist(), frame["value"].to_numpy(),
                  strict=True)
    for key, step, wallclock, value in columns:
        point = by_key[key].values.add(wallclock_time=wallclock)
        if step is not None:
            point.step = int(step)
        if isinstance(value, bytes):
            point.b_tensor = value
        elif isinstance(value, str):
            point.s_tensor = value
        else:
            point.f_val = float(value)
    return reply


def event_message(doc: Doc) -> Any:
    return fill(pb.Event(), {"seq": doc["seq"], "kind": doc["kind"], "at": doc["at"], "actor": doc.get("actor"),
                             "data": doc})


class _Arrivals:
    """Set when the registry writes an event (its listeners run on the writer's thread)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.event = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._listener: Callable[[int], None] = lambda seq: loop.call_soon_threadsafe(self.event.set)

    def __enter__(self) -> _Arrivals:
        self.registry.listeners.append(self._listener)
        return self

    def __exit__(self, *exc: object) -> None:
        self.registry.listeners.remove(self._listener)


class SeriesRpcs(ServiceBase):
    @unary
    async def LogMetrics(self, request: Any, context: Context) -> Any:
        series = await self.call(decode_metrics, request.metrics)
        written = await self.call(self.registry.log_metrics, request.parent_id, series, actor=self.actor)
        return pb.LogMetricsResponse(points=written)

    @unary
    async def GetMetrics(self, request: Any, context: Context) -> Any:
        frame = await self.call(self.registry.read_metrics, request.parent_id, list(request.keys) or None,
                                max_points=optional(request, "max_points"), method=request.method or "minmax_lttb")
        return await self.call(encode_frame, frame)

    @unary
    async def ListMetricKeys(self, request: Any, context: Context) -> Any:
        return pb.ListMetricKeysResponse(keys=await self.call(self.registry.metric_keys, request.parent_id))

    @unary
    async def ListEvents(self, request: Any, context: Context) -> Any:
        """As ``GET events?since=&limit=&timeout=``: newer events at once, or wait up to ``timeout`` s for one."""
        since, limit = request.since, request.limit or 1000
        timeout = min(max(request.timeout, 0.0), MAX_POLL_SECONDS)
        registry = self.registry
        with _Arrivals(registry) as arrivals:
            feed = await self.call(registry.event_feed, since, limit)
            if not feed["events"] and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrivals.event.wait(), timeout)
                feed = await self.call(registry.event_feed, since, limit)
        return pb.ListEventsResponse(events=[event_message(e) for e in feed["events"]], last_seq=feed["last_seq"])

    @streaming
    async def Watch(self, request: Any, context: Context) -> AsyncIterator[Any]:
        """Events after ``since``, then each new one, until the client cancels or the server stops."""
        since = request.since
        registry = self.registry
        with _Arrivals(registry) as arrivals:
            while True:
                arrivals.event.clear()
                events = await self.call(registry.events, since, WATCH_BATCH)
                for event in events:
                    yield pb.WatchResponse(event=event_message(event))
                    since = event["seq"]
                if not events:
                    await arrivals.event.wait()

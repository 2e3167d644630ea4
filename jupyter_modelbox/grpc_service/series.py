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
from .base import Context, ServiceBase, optional, pb, required, streaming, unary
from .convert import Doc, fill, from_map

MAX_POLL_SECONDS = 60.0
WATCH_BATCH = 1000
EVENT_SOURCE = "jupyter_modelbox"


def decode_point(point: Any, received: float) -> tuple[int | None, float, Any]:
    """One ``MetricsValue`` as (step, wallclock, value), reading our exact fields before the seed's."""
    if point.HasField("d_val"):
        value: Any = point.d_val
    else:
        kind = point.WhichOneof("value")
        if kind is None:
            raise InvalidArgumentError("a point has no f_val, d_val, s_tensor or b_tensor")
        value = getattr(point, kind)
    wallclock = point.wallclock or float(point.wallclock_time) or received
    return None if point.no_step else point.step, wallclock, value


def decode_metrics(request: Any) -> dict[str, dict[str, list[Any]]]:
    """A ``LogMetricsRequest`` (the seed's one point, our ``metrics``, or both) -> the columns
    ``Registry.log_metrics`` takes (it validates the rest)."""
    received = time.time()
    metrics = list(request.metrics)
    if request.key or request.HasField("value"):
        metrics.append(pb.Metrics(key=request.key, values=[request.value]))
    series: dict[str, dict[str, list[Any]]] = {}
    for metric in metrics:
        if metric.key in series:
            raise InvalidArgumentError(f"metric {metric.key!r} is given twice; send its points together")
        steps, wallclocks, values = [], [], []
        for index, point in enumerate(metric.values):
            try:
                step, wallclock, value = decode_point(point, received)
            except InvalidArgumentError as error:
                raise InvalidArgumentError(f"metric {metric.key!r}: point {index}: {error.message}") from None
            steps.append(step)
            wallclocks.append(wallclock)
            values.append(value)
        series[metric.key] = {"step": steps, "wallclock": wallclocks, "value": values}
    return series


def encode_frame(frame: pd.DataFrame) -> Any:
    """A ``key, step, wallclock, value`` frame -> one ``Metrics`` per key, each in the frame's order.

    Every point carries the seed's fields (whole-second wallclock_time, 32-bit f_val) and our exact ones.
    """
    reply = pb.GetMetricsResponse()
    by_key = {key: reply.metrics.add(key=key) for key in frame["key"].cat.categories}
    steps = frame["step"].to_numpy(dtype=object, na_value=None)
    columns = zip(frame["key"].to_numpy(), steps, frame["wallclock"].to_numpy().tolist(), frame["value"].to_numpy(),
                  strict=True)
    for key, step, wallclock, value in columns:
        point = by_key[key].values.add(wallclock=wallclock, wallclock_time=max(int(wallclock), 0))
        if step is None:
            point.no_step = True
        else:
            point.step = int(step)
        if isinstance(value, bytes):
            point.b_tensor = value
        elif isinstance(value, str):
            point.s_tensor = value
        else:
            point.d_val = point.f_val = float(value)
    return reply


def event_message(doc: Doc) -> Any:
    """A registry event in the seed's terms (see ``Event`` in the proto) and ours."""
    fields = {key: value for key, value in doc.items() if key not in ("seq", "kind", "at", "actor")}
    message = fill(pb.Event(), {"seq": doc["seq"], "kind": doc["kind"], "at": doc["at"], "actor": doc.get("actor"),
                                "data": doc, "name": doc["kind"], "metadata": fields, "wallclock_time": doc["at"]})
    message.source.name = EVENT_SOURCE
    return message


def logged_event_message(doc: Doc) -> Any:
    """An event logged on an object, in the seed's fields (and ours: kind, at, actor, the whole doc)."""
    message = fill(pb.Event(), {"name": doc["name"], "metadata": doc.get("metadata") or {}, "kind": "event.logged",
                                "at": doc["created_at"], "actor": doc.get("actor"), "data": doc})
    message.source.name = doc.get("source") or ""
    message.wallclock_time.FromNanoseconds(round(doc["wallclock"] * 1e9))
    return message


def _seconds(timestamp: Any) -> float:
    return timestamp.ToNanoseconds() / 1e9


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
        series = await self.call(decode_metrics, request)
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
    async def LogEvent(self, request: Any, context: Context) -> Any:
        event = request.event
        metadata = from_map(event.metadata.metadata) if event.HasField("metadata") else None
        doc = await self.call(self.registry.log_event, required(request.parent_id, "parent_id"),
                              required(event.name, "event.name"), source=event.source.name or None,
                              wallclock=_seconds(event.wallclock_time) if event.HasField("wallclock_time") else None,
                              metadata=metadata, actor=self.actor)
        return fill(pb.LogEventResponse(), {"created_at": doc["created_at"]})

    @unary
    async def ListEvents(self, request: Any, context: Context) -> Any:
        """The events logged on ``parent_id`` (the seed's form), else as ``GET events?since=&limit=&timeout=``:
        newer events at once, or wait up to ``timeout`` s for one."""
        if request.parent_id:
            since = _seconds(request.since) if request.HasField("since") else None
            docs = await self.call(self.registry.list_logged_events, request.parent_id)
            return pb.ListEventsResponse(events=[logged_event_message(d) for d in docs
                                                 if since is None or d["wallclock"] >= since])
        since, limit = request.since_seq, request.limit or 1000
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

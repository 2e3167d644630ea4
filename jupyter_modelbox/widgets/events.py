"""One background long-poll of a ``ModelBox``'s event feed, shared by every widget on that box.

Widgets subscribe with a callback that receives each batch of new events (oldest first) in the
feed's thread. Every wait is bounded, so a cancelled subscription stops the thread within
``POLL_SECONDS``; a server that goes away is retried with a growing pause instead of ending
the feed.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from .. import ModelBox, ModelBoxError

log = logging.getLogger("jupyter_modelbox")

Event = dict[str, Any]
Listener = Callable[[list[Event]], None]

POLL_SECONDS = 2.0
MAX_RETRY_SECONDS = 10.0
BATCH = 1000  # what one ``events`` call returns at most

_feeds: weakref.WeakKeyDictionary[ModelBox, EventFeed] = weakref.WeakKeyDictionary()
_feeds_lock = threading.Lock()


def latest_event_seq(box: ModelBox) -> int:
    """The sequence number of the newest event (pages through the feed's backlog)."""
    seq = 0
    while True:
        batch = box.events(since=seq)
        if not batch:
            return seq
        seq = batch[-1]["seq"]
        if len(batch) < BATCH:
            return seq


class Subscription:
    def __init__(self, feed: EventFeed, listener: Listener) -> None:
        self.feed = feed
        self.listener = listener

    def cancel(self) -> None:
        self.feed.unsubscribe(self)


class EventFeed:
    """Polls ``box.events(since, timeout)`` in a daemon thread while anybody listens."""

    def __init__(self, box: ModelBox, poll_seconds: float = POLL_SECONDS) -> None:
        self.box = box
        self.poll_seconds = poll_seconds
        self.since = 0
        self.error: str | None = None
        self._subscriptions: list[Subscription] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def subscribe(self, listener: Listener) -> Subscription:
        subscription = Subscription(self, listener)
        with self._lock:
            self._subscriptions.append(subscription)
            if not self.running or self._stop.is_set():
                # events from before this moment are already in what the subscriber just read
                self.since = latest_event_seq(self.box)
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._run, args=(self._stop,), daemon=True,
                                                name="modelbox-event-feed")
                self._thread.start()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)
            if not self._subscriptions:
                self._stop.set()

    def stop(self, wait: bool = True) -> None:
        """Stop polling (subscribers are dropped); waits for the thread unless called from it."""
        with self._lock:
            self._subscriptions.clear()
            self._stop.set()
            thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(self.poll_seconds + 5)

    def _run(self, stop: threading.Event) -> None:
        pause = 0.5
        while not stop.is_set():
            try:
                events = self.box.events(since=self.since, timeout=self.poll_seconds)
            except ModelBoxError as exc:
                self.error = exc.message
                stop.wait(pause)
                pause = min(pause * 2, MAX_RETRY_SECONDS)
                continue
            self.error, pause = None, 0.5
            if not events or stop.is_set():
                continue
            self.since = events[-1]["seq"]
            with self._lock:
                listeners = [s.listener for s in self._subscriptions]
            for listener in listeners:
                try:
                    listener(events)
                except Exception:  # one broken widget must not stop the others' updates
                    log.exception("jupyter_modelbox: a widget failed to handle registry events")


def feed_for(box: ModelBox) -> EventFeed:
    """The one event feed of ``box``."""
    with _feeds_lock:
        feed = _feeds.get(box)
        if feed is None:
            feed = _feeds[box] = EventFeed(box)
        return feed


def subscribe(box: ModelBox, listener: Listener) -> Subscription:
    return feed_for(box).subscribe(listener)


class FollowsFeed:
    """Mixin for widgets that follow a registry's event feed (``_on_events``) until ``close()``."""

    _subscription: Subscription | None = None

    def _follow(self, box: ModelBox) -> None:
        self._subscription = subscribe(box, self._on_events)  # type: ignore[attr-defined]

    @property
    def following(self) -> bool:
        return self._subscription is not None

    def close(self) -> None:
        if self._subscription is not None:
            self._subscription.cancel()
            self._subscription = None
        super().close()  # type: ignore[misc]

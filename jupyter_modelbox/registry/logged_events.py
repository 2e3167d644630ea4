"""Events a user logs on an object (ModelBox's ``log_event``: "checkpoint_write_start" from "trainer"),
kept per object; the registry's own change feed (``events``) tells that one was logged."""

from __future__ import annotations

import math
import time
from typing import Any

from .base import Doc, new_id, now, operation, public
from .errors import InvalidArgumentError
from .models import ModelOps
from .validation import check_metadata, check_name, check_optional_text


class LoggedEventOps(ModelOps):
    @operation
    def log_event(
        self,
        object_id: str,
        name: str,
        source: str | None = None,
        wallclock: float | None = None,
        metadata: dict[str, Any] | None = None,
        actor: str | None = None,
    ) -> Doc:
        """Record that ``name`` happened to the model, version, checkpoint or experiment (at ``wallclock``,
        seconds since the epoch; default now), said by ``source``."""
        table, _ = self._parent(object_id)
        if wallclock is None:
            wallclock = time.time()
        if isinstance(wallclock, bool) or not isinstance(wallclock, (int, float)) or not math.isfinite(wallclock):
            raise InvalidArgumentError(f"wallclock must be seconds since the epoch, not {wallclock!r}")
        doc: Doc = {
            "id": new_id(),
            "parent": object_id,
            "name": check_name(name, "event name", self.limits),
            "source": check_optional_text(source, "event source", self.limits),
            "wallclock": float(wallclock),
            "metadata": check_metadata(metadata, self.limits),
            "actor": actor or self.default_actor,
            "created_at": now(),
        }
        with self.docs.transaction():
            self.docs.put("logged_events", doc)
            self._emit("event.logged", actor, object_id=object_id, event_id=doc["id"], name=doc["name"],
                       experiment_id=object_id if table == "experiments" else None)
        return public(doc)

    @operation
    def list_logged_events(self, object_id: str) -> list[Doc]:
        """The events logged on an object, by wallclock (then as logged)."""
        self._parent(object_id)
        found = self.docs.find("logged_events", "parent", object_id)
        return [public(doc) for doc in sorted(found, key=lambda doc: doc["wallclock"])]

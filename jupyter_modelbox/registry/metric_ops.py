"""Logging and reading metric series of models, versions and checkpoints."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .backend import MISSING_STEP
from .base import RegistryBase, locked, now
from .errors import InvalidArgumentError, PayloadTooLargeError

Series = Mapping[str, Mapping[str, Sequence[Any] | np.ndarray]]
COLUMNS = ["key", "step", "wallclock", "value"]


def series_id(parent: str, key: str) -> str:
    return f"{parent}\x00{key}"


def _steps(raw: Any, key: str, count: int) -> np.ndarray:
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "iu":
        steps = raw.astype(np.int64, copy=False)
    else:
        steps = np.empty(count, dtype=np.int64)
        for i, step in enumerate(raw):
            if step is None or (isinstance(step, float) and math.isnan(step)):
                steps[i] = MISSING_STEP
            elif isinstance(step, (int, np.integer)) and not isinstance(step, bool):
                steps[i] = step
            elif isinstance(step, float) and step.is_integer():
                steps[i] = int(step)
            else:
                raise InvalidArgumentError(f"metric {key!r}: step must be an integer or None, not {step!r}")
    if len(steps) and (steps[steps != MISSING_STEP] < 0).any():
        raise InvalidArgumentError(f"metric {key!r}: steps must be >= 0")
    return steps


def _values(raw: Any, key: str) -> np.ndarray | list[Any]:
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "fiu":
        return raw
    values = list(raw)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float, str, bytes, np.number)):
            raise InvalidArgumentError(
                f"metric {key!r}: values must be float, str or bytes, not {type(value).__name__} ({value!r:.80})"
            )
    if all(not isinstance(v, (str, bytes)) for v in values):
        return np.asarray(values, dtype=np.float64)
    return values


class MetricOps(RegistryBase):
    def _check_key(self, key: Any) -> str:
        if not isinstance(key, str) or not key.strip():
            raise InvalidArgumentError(f"metric keys must be non-empty strings, not {key!r}")
        if len(key) > self.limits.max_metric_key_length:
            raise PayloadTooLargeError(
                f"metric key {key[:40]!r}... is {len(key)} characters; the limit is {self.limits.max_metric_key_length}"
            )
        if any(ord(c) < 32 for c in key):
            raise InvalidArgumentError(f"metric key {key!r} contains control characters")
        return key

    @locked
    def log_metrics(self, parent_id: str, series: Series, actor: str | None = None) -> int:
        """Append points given per key as ``{"step": [...], "wallclock": [...], "value": [...]}``.

        Returns the number of points written. Every series is validated before any is written.
        """
        table, parent = self._parent(parent_id)
        if not isinstance(series, Mapping):
            raise InvalidArgumentError("metrics must map each key to its step, wallclock and value columns")
        checked = []
        for key, columns in series.items():
            key = self._check_key(key)
            try:
                values = _values(columns["value"], key)
                count = len(values)
                steps = _steps(columns.get("step", [None] * count), key, count)
                wallclocks = np.asarray(columns["wallclock"], dtype=np.float64)
            except (KeyError, TypeError, ValueError) as exc:
                if isinstance(exc, InvalidArgumentError):
                    raise
                raise InvalidArgumentError(
                    f"metric {key!r}: expected equal-length 'step', 'wallclock' and 'value' columns ({exc})"
                ) from None
            if not (len(steps) == len(wallclocks) == count):
                raise InvalidArgumentError(
                    f"metric {key!r}: {len(steps)} steps, {len(wallclocks)} wallclocks and {count} values "
                    "differ in length"
                )
            if not np.isfinite(wallclocks).all():
                raise InvalidArgumentError(f"metric {key!r}: wallclock times must be finite numbers (seconds)")
            checked.append((key, steps, wallclocks, values))
        new_keys = [key for key, *_ in checked if self.docs.get("series", series_id(parent_id, key)) is None]
        for key, steps, wallclocks, values in checked:
            if len(values):
                self.metrics.append(parent_id, key, steps, wallclocks, values)
        model = self._model_of(table, parent)
        total = sum(len(c[3]) for c in checked)
        with self.docs.transaction():
            for key in new_keys:
                self.docs.put("series", {"id": series_id(parent_id, key), "parent": parent_id, "key": key,
                                         "created_at": now()})
            if total:
                self._emit("metrics.logged", actor, object_id=parent_id, keys=[c[0] for c in checked], points=total,
                           model_id=model["id"] if model else None,
                           version_id=parent_id if table == "versions" else None)
        return total

    @locked
    def metric_keys(self, parent_id: str) -> list[str]:
        self._parent(parent_id)
        return sorted(doc["key"] for doc in self.docs.find("series", "parent", parent_id))

    @locked
    def read_metrics(self, parent_id: str, keys: Sequence[str] | None = None) -> pd.DataFrame:
        """Columns ``key, step, wallclock, value``; ordered by step, then wallclock (no-step points last)."""
        known = self.metric_keys(parent_id)
        if isinstance(keys, str):
            keys = [keys]
        wanted = known if keys is None else list(keys)
        missing = [k for k in wanted if k not in known]
        if missing:
            raise InvalidArgumentError(
                f"no metric named {missing[0]!r} was logged here; logged keys: {', '.join(known) or 'none'}"
            )
        frames = []
        for key in wanted:
            frame = self.metrics.read(parent_id, key)
            frame.insert(0, "key", key)
            frames.append(frame)
        if not frames:
            return pd.DataFrame({
                "key": pd.Series(dtype=object), "step": pd.Series(dtype="Int64"),
                "wallclock": pd.Series(dtype=float), "value": pd.Series(dtype=float),
            })
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        return frame.sort_values(["step", "wallclock"], kind="stable", na_position="last", ignore_index=True)

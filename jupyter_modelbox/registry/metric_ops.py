"""Logging and reading metric series of models, versions and checkpoints."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .backend import MISSING_STEP, SeriesColumns
from .base import RegistryBase, now, operation
from .downsample import DownsampleMethod, downsample
from .enums import parse_enum
from .errors import InvalidArgumentError, PayloadTooLargeError
from .validation import check_int

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


def _order(point: dict[str, Any] | None) -> tuple[bool, int, float]:
    if point is None:
        return (False, -1, float("-inf"))
    return (point["step"] is not None, point["step"] if point["step"] is not None else -1, point["wallclock"])


def _later(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    return b if _order(b) >= _order(a) else a


def _last_point(steps: np.ndarray, wallclocks: np.ndarray, values: Any) -> dict[str, Any] | None:
    """The final point of a batch (highest step, then latest wallclock), as searchable JSON."""
    if not len(wallclocks):
        return None
    has_step = steps != MISSING_STEP
    candidates = np.flatnonzero(has_step) if has_step.any() else np.arange(len(steps))
    keys = np.lexsort((wallclocks[candidates], steps[candidates]))
    index = int(candidates[keys[-1]])
    value = values[index]
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    if isinstance(value, bytes) or (isinstance(value, float) and not math.isfinite(value)):
        value = None  # JSON cannot hold it, and no search compares with it
    step = int(steps[index]) if has_step[index] else None
    return {"step": step, "wallclock": float(wallclocks[index]), "value": value}


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

    @operation
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
        for key, steps, wallclocks, values in checked:
            if len(values):
                self.metrics.append(parent_id, key, steps, wallclocks, values)
        model = self._model_of(table, parent)
        total = sum(len(c[3]) for c in checked)
        with self.docs.transaction():
            for key, steps, wallclocks, values in checked:
                self._note_last_point(parent_id, key, _last_point(steps, wallclocks, values))
            if total:
                self._emit("metrics.logged", actor, object_id=parent_id, keys=[c[0] for c in checked], points=total,
                           model_id=model["id"] if model else None,
                           version_id=parent_id if table == "versions" else None)
        return total

    def _note_last_point(self, parent_id: str, key: str, last: dict[str, Any] | None) -> None:
        """Keep the series' record (its last point is what searches compare with)."""
        sid = series_id(parent_id, key)
        known = self.docs.lock("series", sid)
        if known is None:
            fresh = {"id": sid, "parent": parent_id, "key": key, "created_at": now(), "last": last}
            if self.docs.insert("series", fresh):
                return
            known = self.docs.lock("series", sid)  # another process created it meanwhile
            assert known is not None
        self.docs.put("series", {**known, "last": _later(known["last"], last)})

    @operation
    def metric_keys(self, parent_id: str) -> list[str]:
        self._parent(parent_id)
        return sorted(doc["key"] for doc in self.docs.find("series", "parent", parent_id))

    @operation
    def read_metrics(
        self,
        parent_id: str,
        keys: Sequence[str] | None = None,
        max_points: int | None = None,
        method: DownsampleMethod | str = DownsampleMethod.MINMAX_LTTB,
    ) -> pd.DataFrame:
        """Columns ``key, step, wallclock, value``; ordered by step, then wallclock (no-step points last).

        With ``max_points``, each key is downsampled to at most that many points (min/max and/or
        LTTB, keeping peaks) so a million-point series plots at once.
        """
        if max_points is not None:
            method = parse_enum(DownsampleMethod, method, "method")  # type: ignore[assignment]
            max_points = check_int(max_points, "max_points", minimum=4)
        known = self.metric_keys(parent_id)
        if isinstance(keys, str):
            keys = [keys]
        wanted = known if keys is None else list(keys)
        missing = [k for k in wanted if k not in known]
        if missing:
            raise InvalidArgumentError(
                f"no metric named {missing[0]!r} was logged here; logged keys: {', '.join(known) or 'none'}"
            )
        parts = [self.metrics.read(parent_id, key) for key in wanted]
        if max_points is not None:
            parts = [downsample(part, max_points, method) for part in parts]  # type: ignore[arg-type]
        return series_frame(wanted, parts)


def series_frame(keys: list[str], parts: list[SeriesColumns]) -> pd.DataFrame:
    """One ``key, step, wallclock, value`` frame ordered by step, then wallclock (no-step points last)."""
    counts = [len(p.values) for p in parts]
    steps = np.concatenate([p.steps for p in parts]) if parts else np.empty(0, np.int64)
    wallclocks = np.concatenate([p.wallclocks for p in parts]) if parts else np.empty(0)
    if any(p.values.dtype == object for p in parts):
        values = np.empty(sum(counts), dtype=object)
        values[:] = [v for p in parts for v in p.values.tolist()]
    else:
        values = np.concatenate([p.values for p in parts]) if parts else np.empty(0)
    codes: np.ndarray = np.repeat(np.arange(len(keys), dtype=np.int32), counts)
    missing = steps == MISSING_STEP
    sort_steps = np.where(missing, np.iinfo(np.int64).max, steps)
    if len(steps) > 1 and not _ordered(sort_steps, wallclocks):
        order = np.lexsort((wallclocks, sort_steps))
        steps, wallclocks, values, codes, missing = (a[order] for a in (steps, wallclocks, values, codes, missing))
    return pd.DataFrame({
        "key": pd.Categorical.from_codes(codes, categories=keys) if keys else pd.Categorical([]),
        "step": pd.arrays.IntegerArray(np.where(missing, 0, steps), missing),
        "wallclock": wallclocks,
        "value": values,
    }, copy=False)


def _ordered(steps: np.ndarray, wallclocks: np.ndarray) -> bool:
    step_delta = np.diff(steps)
    return bool(((step_delta > 0) | ((step_delta == 0) & (np.diff(wallclocks) >= 0))).all())

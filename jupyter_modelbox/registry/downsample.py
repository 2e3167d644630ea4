"""Shrinking a metric series to what a plot can show, keeping its peaks.

Random sampling (Determined) and fixed small point counts (MLflow's 320) hide spikes; min/max
bucketing keeps every bucket's extremes, and LTTB keeps the visual shape. tsdownsample does
both in compiled code (1M points in a few milliseconds).

A chart asks for the same series again and again (polling, redraws, a second viewer), so the
result for a series whose arrays are shared and read-only — the PostgreSQL backend's cache of
decoded series hands out the same arrays until a batch is added — is kept (a few entries of at most
``max_points`` points each) and given again while those very arrays are alive; a grown series has
new arrays and is downsampled anew.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from enum import StrEnum

import numpy as np
from tsdownsample import LTTBDownsampler, MinMaxDownsampler, MinMaxLTTBDownsampler

from .backend import MISSING_STEP, SeriesColumns


class DownsampleMethod(StrEnum):
    MINMAX = "minmax"
    LTTB = "lttb"
    MINMAX_LTTB = "minmax_lttb"


_DOWNSAMPLERS = {
    DownsampleMethod.MINMAX: MinMaxDownsampler,
    DownsampleMethod.LTTB: LTTBDownsampler,
    DownsampleMethod.MINMAX_LTTB: MinMaxLTTBDownsampler,
}


MEMO_ENTRIES = 32
_memo: OrderedDict[tuple[int, int, int, int, str], tuple[tuple[weakref.ref[np.ndarray], ...], SeriesColumns]] = \
    OrderedDict()
_memo_lock = threading.Lock()


def downsample(series: SeriesColumns, max_points: int, method: DownsampleMethod) -> SeriesColumns:
    """At most ``max_points`` points of one series, in x order (step, or wallclock without steps)."""
    if len(series.values) <= max_points:
        return series
    if any(array.flags.writeable for array in series):  # arrays someone may still change: no memo
        return _downsample(series, max_points, method)
    steps, wallclocks, values = series
    key = (id(steps), id(wallclocks), id(values), max_points, str(method))
    with _memo_lock:
        kept = _memo.get(key)
        if kept is not None and all(ref() is array for ref, array in zip(kept[0], series, strict=True)):
            _memo.move_to_end(key)
            return kept[1]
    result = _downsample(series, max_points, method)
    for array in result:
        array.flags.writeable = False  # handed to every later caller
    with _memo_lock:
        _memo[key] = (tuple(weakref.ref(array) for array in series), result)
        while len(_memo) > MEMO_ENTRIES:
            _memo.popitem(last=False)
    return result


def _downsample(series: SeriesColumns, max_points: int, method: DownsampleMethod) -> SeriesColumns:
    if series.values.dtype == object:  # text or bytes values: keep evenly spaced points
        return _take(series, np.linspace(0, len(series.values) - 1, max_points).astype(np.int64))
    keep = np.isfinite(series.values)  # NaN and inf cannot be drawn
    has_steps = not (series.steps == MISSING_STEP).any()
    if has_steps and keep.all() and _ascending(series.steps):  # the usual training log: no copies needed
        x, y = np.ascontiguousarray(series.steps), np.ascontiguousarray(series.values)  # fields of the file's records
        picked = _DOWNSAMPLERS[method]().downsample(x, y, n_out=max_points)
        return _take(series, np.sort(picked))
    x = (series.steps if has_steps else series.wallclocks)[keep].astype(np.float64)
    order = np.flatnonzero(keep)
    if not (np.diff(x) >= 0).all():
        sort = np.argsort(x, kind="stable")
        x, order = x[sort], order[sort]
    if len(x) <= max_points:
        return _take(series, order)
    picked = _DOWNSAMPLERS[method]().downsample(x, series.values[order], n_out=max_points)
    return _take(series, order[np.sort(picked)])


def _ascending(values: np.ndarray) -> bool:
    return bool((values[1:] >= values[:-1]).all())


def _take(series: SeriesColumns, index: np.ndarray) -> SeriesColumns:
    return SeriesColumns(series.steps[index], series.wallclocks[index], series.values[index])

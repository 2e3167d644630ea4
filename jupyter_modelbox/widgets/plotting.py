"""Metric curves: the registry's downsampled series -> pandas -> a matplotlib ``Figure`` -> PNG.

No pyplot: a ``Figure`` made directly has no global state, so plots neither leak nor repeat,
can be drawn from the event-feed thread, and render wherever a PNG does.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from ..client.registry_object import RegistryObject

X_AXES = ("step", "wallclock", "relative")
DEFAULT_MAX_POINTS = 2000
EMPTY_POINTS = pd.DataFrame({"key": pd.Series(dtype=str), "step": pd.Series(dtype="Int64"),
                             "wallclock": pd.Series(dtype=float), "value": pd.Series(dtype=float)})


def downsampled_metrics(obj: RegistryObject, keys: Sequence[str] | None = None,
                        max_points: int | None = DEFAULT_MAX_POINTS, method: str = "minmax_lttb") -> pd.DataFrame:
    """``obj``'s points (``key, step, wallclock, value``), each key shrunk by the registry to at most
    ``max_points`` points that keep its peaks (``None``: every point)."""
    return obj.metrics(list(keys) if keys else None, max_points=max_points, method=method)


def curve(points: pd.DataFrame, key: str, x: str, smoothing: float = 0.0) -> tuple[pd.Series, pd.Series | None]:
    """The numeric points of ``key`` indexed by ``x``, and their exponential moving average if smoothing > 0."""
    if x not in (*X_AXES, "order"):
        raise ValueError(f"x must be one of {', '.join(X_AXES)}, not {x!r}")
    rows = points[points["key"] == key]
    values = pd.to_numeric(rows["value"], errors="coerce")
    if x == "order":  # points logged without a step, often sharing one wallclock (a list in one call)
        index = pd.Series(range(len(rows)), dtype=float)
    elif x == "step":
        index = pd.to_numeric(rows["step"], errors="coerce")
    elif x == "wallclock":
        index = pd.to_datetime(rows["wallclock"], unit="s", utc=True).dt.tz_convert(None)
    else:
        index = rows["wallclock"] - rows["wallclock"].min()
    series = pd.Series(values.to_numpy(), index=index.to_numpy(), name=key).dropna()
    series = series[series.index.notna()].sort_index()
    smoothed = series.ewm(alpha=1.0 - smoothing).mean() if smoothing > 0 and len(series) > 1 else None
    return series, smoothed


def draw(frames: Mapping[str, pd.DataFrame], keys: Sequence[str], x: str = "step", smoothing: float = 0.0,
         log_y: bool = False, width: float = 8.0, height_per_key: float = 2.6) -> Figure:
    """One axes per key, one line per entry of ``frames`` (label -> points)."""
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"smoothing must be in [0, 1), not {smoothing}")
    figure = Figure(figsize=(width, max(1, len(keys)) * height_per_key), layout="constrained", dpi=100)
    if not keys:
        figure.text(0.5, 0.5, "no metric keys selected", ha="center", va="center")
        return figure
    axes = figure.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    stepless = x == "step" and _only_stepless_points(frames, keys)
    if stepless:  # drawn in the order logged rather than not at all
        x = "order"
    for ax, key in zip(axes, keys, strict=True):
        drawn = 0
        for label, points in frames.items():
            series, smoothed = curve(points, key, x, smoothing)
            if series.empty:
                continue
            if smoothed is None:
                series.plot(ax=ax, label=label, linewidth=1.2)
            else:
                line = series.plot(ax=ax, alpha=0.25, linewidth=1.0, label="_raw").lines[-1]
                smoothed.plot(ax=ax, label=label, color=line.get_color(), linewidth=1.4)
            drawn += 1
        ax.set_ylabel(key)
        ax.grid(True, alpha=0.3)
        if log_y and drawn:
            ax.set_yscale("log")
        if drawn == 0:
            ax.text(0.5, 0.5, f"no numeric points for {key!r}", transform=ax.transAxes, ha="center", va="center")
        elif len(frames) > 1:
            ax.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel({"step": "step", "wallclock": "time", "relative": "seconds since the first point",
                         "order": "points in the order logged (they have no step)"}[x])
    return figure


def _only_stepless_points(frames: Mapping[str, pd.DataFrame], keys: Sequence[str]) -> bool:
    rows = [points[points["key"].isin(keys)] for points in frames.values()]
    return any(len(r) for r in rows) and not any(r["step"].notna().any() for r in rows)


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def read_frames(objects: Mapping[str, RegistryObject], keys: Sequence[str] | None,
                max_points: int | None) -> dict[str, pd.DataFrame]:
    """label -> points of the ``keys`` each object has (the registry refuses keys never logged there)."""
    frames = {}
    for label, obj in objects.items():
        logged = set(obj.metric_keys())
        wanted = [k for k in keys if k in logged] if keys else sorted(logged)
        frames[label] = downsampled_metrics(obj, wanted, max_points) if wanted else EMPTY_POINTS.copy()
    return frames


def metric_keys(objects: Sequence[RegistryObject]) -> list[str]:
    keys: set[str] = set()
    for obj in objects:
        keys.update(obj.metric_keys())
    return sorted(keys)


def figure_for(objects: Mapping[str, RegistryObject], keys: Sequence[str] | None = None, **options: Any) -> Figure:
    """A one-call figure: ``keys`` (default: every key) of ``objects`` (label -> version)."""
    max_points = options.pop("max_points", DEFAULT_MAX_POINTS)
    keys = list(keys) if keys else metric_keys(list(objects.values()))
    return draw(read_frames(objects, keys, max_points), keys, **options)

"""``MetricsPlot``: metric curves of one or more versions, redrawn live while a loop logs."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from .. import Model, ModelBoxError, ModelVersion
from .common import box_of, error_text, held, message_html
from .events import Event, FollowsFeed
from .plotting import DEFAULT_MAX_POINTS, X_AXES, draw, metric_keys, png_bytes, read_frames

MAX_VERSION_OPTIONS = 100
MIN_REDRAW_SECONDS = 0.5


def version_label(version: ModelVersion) -> str:
    tags = f" [{', '.join(version.tags)}]" if version.tags else ""
    label = f" ({version.version})" if version.version != str(version.number) else ""
    return f"{version.name} v{version.number}{label}{tags}"


class MetricsPlot(FollowsFeed, w.VBox):
    """Pick keys and versions, x = step / wallclock / relative time, optional smoothing and log scale.

    ``source`` is a model (choose among its versions; the newest is selected), a version, or a list
    of versions (all selected). Each key is read downsampled to ``max_points`` points by the
    registry, so a million-point series draws quickly. ``live=True`` redraws while points are
    logged (from the registry's event feed) until ``close()``.
    """

    _pending: threading.Timer | None = None

    def __init__(self, source: Model | ModelVersion | Sequence[ModelVersion], keys: Sequence[str] | None = None,
                 x: str = "step", smoothing: float = 0.0, log_y: bool = False, live: bool = False,
                 max_points: int | None = DEFAULT_MAX_POINTS, width: float = 8.0) -> None:
        if x not in X_AXES:
            raise ValueError(f"x must be one of {', '.join(X_AXES)}, not {x!r}")
        self.model = source if isinstance(source, Model) else None
        versions = self._initial_versions(source)
        self.max_points = max_points
        self.width = width
        self.figure: Figure | None = None
        self.frames: dict[str, pd.DataFrame] = {}
        self.draw_seconds = 0.0
        self._by_id = {v.id: v for v in versions}
        self._lock = threading.RLock()
        self._last_draw = 0.0
        self._holding = True
        selected = [versions[0].id] if self.model is not None and versions else [v.id for v in versions]
        self.version_select = w.SelectMultiple(options=[(version_label(v), v.id) for v in versions], value=selected,
                                         description="Versions", rows=min(6, max(2, len(versions))))
        self.key_select = w.SelectMultiple(options=[], description="Keys", rows=6)
        self.x = w.ToggleButtons(options=list(X_AXES), value=x, description="x")
        self.x.style.button_width = "90px"
        self.smoothing = w.FloatSlider(value=smoothing, min=0.0, max=0.99, step=0.01, description="Smoothing")
        self.log_y = w.Checkbox(value=log_y, description="log scale", indent=False)
        self.refresh_button = w.Button(description="refresh", icon="refresh", layout=w.Layout(width="100px"))
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.status = w.HTML()
        self._refresh_keys(keys)
        for control in (self.key_select, self.x, self.smoothing, self.log_y):
            control.observe(self._controls_changed, names="value")
        self.version_select.observe(self._versions_changed, names="value")
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__([
            w.HBox([self.version_select, self.key_select]),
            w.HBox([self.x, self.log_y, self.refresh_button]),
            self.smoothing, self.image, self.status,
        ])
        self._holding = False
        if live:
            self._follow(box_of(self.model or versions[0]))
        self.redraw()

    # -- public --------------------------------------------------------------------------------

    @property
    def png(self) -> bytes:
        return bytes(self.image.value)

    @property
    def live(self) -> bool:
        return self.following

    def selected_versions(self) -> list[ModelVersion]:
        return [self._by_id[i] for i in self.version_select.value]

    def refresh(self) -> None:
        """Read versions and keys again, then redraw."""
        if self.model is not None:
            self._refresh_version_options()
        self._refresh_keys()
        self.redraw()

    def redraw(self) -> None:
        """Read the selected series (downsampled) and draw them."""
        with self._lock:
            self._last_draw = time.monotonic()
            started = time.perf_counter()
            versions = self.selected_versions()
            keys = list(self.key_select.value)
            try:
                self.frames = read_frames({version_label(v): v for v in versions}, keys, self.max_points) \
                    if keys else {}
                self.figure = draw(self.frames, keys, x=self.x.value, smoothing=self.smoothing.value,
                                   log_y=self.log_y.value, width=self.width)
                self.image.value = png_bytes(self.figure)
            except ModelBoxError as exc:
                self.status.value = message_html(error_text(exc), "error")
                return
            self.draw_seconds = time.perf_counter() - started
            points = sum(len(f) for f in self.frames.values())
            note = "" if versions else "select a version; "
            note += "" if keys else "no metric keys yet; "
            self.status.value = message_html(
                f"{note}{points} points drawn in {self.draw_seconds * 1000:.0f} ms"
                + (" · live" if self.live else ""))

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        super().close()

    # -- internals -----------------------------------------------------------------------------

    @staticmethod
    def _initial_versions(source: Any) -> list[ModelVersion]:
        if isinstance(source, Model):
            return source.get_versions(limit=MAX_VERSION_OPTIONS)
        if isinstance(source, ModelVersion):
            return [source]
        versions = list(source)
        if not versions or not all(isinstance(v, ModelVersion) for v in versions):
            raise TypeError("MetricsPlot needs a Model, a ModelVersion or a non-empty list of ModelVersions")
        return versions

    def _refresh_version_options(self) -> None:
        assert self.model is not None
        versions = self.model.get_versions(limit=MAX_VERSION_OPTIONS)
        self._by_id.update({v.id: v for v in versions})
        options = [(version_label(v), v.id) for v in versions]
        if list(self.version_select.options) != options:
            selected = [i for i in self.version_select.value if i in {v.id for v in versions}]
            with held(self):
                self.version_select.options = options
                self.version_select.value = selected or ([versions[0].id] if versions else [])

    def _refresh_keys(self, wanted: Sequence[str] | None = None) -> None:
        try:
            known = metric_keys(self.selected_versions())
        except ModelBoxError as exc:
            self.status.value = message_html(error_text(exc), "error")
            return
        if wanted is not None:
            unknown = sorted(set(wanted) - set(known))
            options = sorted({*known, *wanted})
            if unknown:
                self.status.value = message_html(f"no points yet for: {', '.join(unknown)}")
            chosen = list(wanted)
        else:
            options = known
            everything = set(self.key_select.value) == set(self.key_select.options)
            chosen = known if everything else [k for k in self.key_select.value if k in known] or known
        if list(self.key_select.options) != options or list(self.key_select.value) != chosen:
            with held(self):
                self.key_select.options = options
                self.key_select.value = chosen

    def _versions_changed(self, _: dict[str, Any]) -> None:
        if self._holding:
            return
        with held(self):
            self._refresh_keys()
        self.redraw()

    def _controls_changed(self, _: dict[str, Any]) -> None:
        if not self._holding:
            self.redraw()

    def _on_events(self, events: list[Event]) -> None:
        shown = set(self.version_select.value)
        new_version = self.model is not None and any(
            e["kind"].startswith("version.") and e.get("model_id") == self.model.id for e in events)
        logged = any(e["kind"] == "metrics.logged" and e.get("object_id") in shown for e in events)
        if new_version:
            self._refresh_version_options()
        if logged:
            new_keys = {k for e in events if e.get("object_id") in shown for k in e.get("keys", [])}
            if not new_keys <= set(self.key_select.options):
                self._refresh_keys()
            self._redraw_soon()

    def _redraw_soon(self) -> None:
        """At most one redraw per ``MIN_REDRAW_SECONDS``; the last change is always drawn."""
        with self._lock:
            wait = self._last_draw + MIN_REDRAW_SECONDS - time.monotonic()
            if wait <= 0:
                self.redraw()
            elif self._pending is None or not self._pending.is_alive():
                self._pending = threading.Timer(wait, self.redraw)
                self._pending.daemon = True
                self._pending.start()

"""``CompareVersions``: pick versions, see what differs, and their curves overlaid; metric trend plots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from .. import Model, ModelBoxError, ModelVersion
from ..client.compare import column_label, compare, differing
from .common import error_text, esc, held, message_html, when
from .plotting import DEFAULT_MAX_POINTS, draw, metric_keys, png_bytes, read_frames

MAX_VERSION_OPTIONS = 100
DEFAULT_SELECTED = 3
MAX_DEFAULT_KEYS = 4
DIFF_STYLE = "background:#fff3cd"


def trend_figure(trend: pd.DataFrame, key: str, title: str = "", width: float = 8.0) -> Figure:
    """``key``'s final value (y) per version number (x), from ``Model.metric_trend``."""
    figure = Figure(figsize=(width, 3.0), layout="constrained", dpi=100)
    ax = figure.subplots()
    values = pd.to_numeric(trend["value"], errors="coerce").dropna()
    if values.empty:
        ax.text(0.5, 0.5, f"no numeric values of {key!r}", transform=ax.transAxes, ha="center", va="center")
    else:
        ax.plot(values.index, values.to_numpy(), marker="o", linewidth=1.4)
        ax.set_xticks(list(values.index))
    ax.set_xlabel("version")
    ax.set_ylabel(key)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(f"{title}: {key} by version", fontsize="medium")
    return figure


def trend_image(trend: pd.DataFrame, key: str, title: str = "") -> w.Image:
    """The trend as a PNG ``Image`` widget; ``.figure`` is the matplotlib figure, ``.trend`` the table."""
    figure = trend_figure(trend, key, title)
    image = w.Image(value=png_bytes(figure), format="png", layout=w.Layout(max_width="100%"))
    image.figure = figure
    image.trend = trend
    return image


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, datetime):
        return when(pd.Timestamp(value).to_pydatetime())
    return str(value)


def comparison_html(frame: pd.DataFrame, diff: pd.Series | None = None) -> str:
    """The comparison as an HTML table; rows whose values differ get the ``modelbox-diff`` class. All text escaped."""
    if frame.empty:
        return "<i>no rows: the selected versions agree on everything</i>" if len(frame.columns) else \
            "<i>select versions to compare</i>"
    diff = differing(frame) if diff is None else diff
    head = "".join(f"<th style='text-align:left'>{esc(c)}</th>" for c in frame.columns)
    body = []
    for name, row in frame.iterrows():
        marked = bool(diff.get(name, False))
        attrs = f" class='modelbox-diff' style='{DIFF_STYLE}'" if marked else ""
        cells = "".join(f"<td style='text-align:left'>{esc(_text(v))}</td>" for v in row)
        body.append(f"<tr{attrs}><th style='text-align:left'>{esc(name)}</th>{cells}</tr>")
    return (f"<table class='modelbox-table modelbox-compare'><thead><tr><th>field</th>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


class CompareVersions(w.VBox):
    """Versions of ``model`` side by side: a table with differing rows highlighted, and overlaid curves.

    ``versions`` chooses the initial selection (default: the newest three).
    """

    def __init__(self, model: Model, versions: Sequence[Any] | None = None, diff_only: bool = False,
                 keys: Sequence[str] | None = None, max_points: int | None = DEFAULT_MAX_POINTS) -> None:
        from ..client.compare import resolve_versions

        self.model = model
        self.max_points = max_points
        self.frame = pd.DataFrame()
        self.figure: Figure | None = None
        options = list(model.get_versions(limit=MAX_VERSION_OPTIONS))
        chosen = resolve_versions(model, versions) if versions is not None else options[:DEFAULT_SELECTED]
        self._by_id = {v.id: v for v in [*options, *chosen]}
        self._holding = True
        self.version_select = w.SelectMultiple(
            options=[(self._option(v), v.id) for v in self._by_id.values()], value=[v.id for v in chosen],
            description="Versions", rows=min(8, max(2, len(self._by_id))))
        self.diff_only = w.Checkbox(value=diff_only, description="only differences", indent=False)
        self.key_select = w.SelectMultiple(options=[], description="Curves", rows=6)
        self.table = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.status = w.HTML()
        self._refresh_keys(keys)
        self.version_select.observe(self._versions_changed, names="value")
        self.diff_only.observe(lambda _: self._show_table(), names="value")
        self.key_select.observe(lambda _: self._holding or self._draw(), names="value")
        super().__init__([w.HBox([self.version_select, self.key_select]), self.diff_only, self.table,
                          self.image, self.status])
        self._holding = False
        self.refresh()

    @staticmethod
    def _option(version: ModelVersion) -> str:
        tags = f" [{', '.join(version.tags)}]" if version.tags else ""
        return f"{column_label(version)}{tags}"

    def selected_versions(self) -> list[ModelVersion]:
        return [self._by_id[i] for i in self.version_select.value]

    @property
    def png(self) -> bytes:
        return bytes(self.image.value)

    def select(self, versions: Sequence[Any]) -> None:
        """Select versions by number, tag or object (and redraw)."""
        from ..client.compare import resolve_versions

        chosen = resolve_versions(self.model, versions)
        self._by_id.update({v.id: v for v in chosen})
        self.version_select.options = [(self._option(v), v.id) for v in self._by_id.values()]
        self.version_select.value = [v.id for v in chosen]

    def refresh(self) -> None:
        """Read the selected versions again: the table, then the curves."""
        versions = self.selected_versions()
        try:
            self.frame = compare(self.model, versions) if versions else pd.DataFrame()
        except ModelBoxError as exc:
            self.status.value = message_html(error_text(exc), "error")
            return
        self.status.value = ""
        self._show_table()
        self._draw()

    def _show_table(self) -> None:
        frame = self.frame
        if self.diff_only.value and not frame.empty:
            frame = frame[differing(frame)]
        self.table.value = comparison_html(frame)

    def _draw(self) -> None:
        keys = list(self.key_select.value)
        versions = self.selected_versions()
        try:
            frames = read_frames({column_label(v): v for v in versions}, keys, self.max_points) if keys else {}
        except ModelBoxError as exc:
            self.status.value = message_html(error_text(exc), "error")
            return
        self.figure = draw(frames, keys)
        self.image.value = png_bytes(self.figure)

    def _refresh_keys(self, wanted: Sequence[str] | None = None) -> None:
        known = metric_keys(self.selected_versions())
        current = [k for k in self.key_select.value if k in known]
        chosen = [k for k in wanted if k in known] if wanted is not None else current or known[:MAX_DEFAULT_KEYS]
        with held(self):
            self.key_select.options = known
            self.key_select.value = chosen

    def _versions_changed(self, _: dict[str, Any]) -> None:
        if self._holding:
            return
        self._refresh_keys()
        self.refresh()

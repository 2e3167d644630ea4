"""What the widgets share: the ``ModelBox`` behind an object, readable errors, guarded actions."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import ipywidgets as w
import pandas as pd

from .. import ModelBox, ModelBoxError
from ..client.registry_object import RegistryObject


@contextmanager
def held(widget: Any) -> Iterator[None]:
    """Set ``widget._holding`` while the widget changes its own controls, so its observers ignore it."""
    previous, widget._holding = getattr(widget, "_holding", False), True
    try:
        yield
    finally:
        widget._holding = previous


def box_of(obj: RegistryObject) -> ModelBox:
    """The ``ModelBox`` a model, version or checkpoint was read from."""
    return obj.box


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else ""


def human_size(size: int | None) -> str:
    """``1.5 MiB`` for a byte count (``512 B`` below a KiB); empty when not known (a tracked file out of reach)."""
    if size is None:
        return ""
    value, unit = float(size), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"


def plural(count: int, noun: str) -> str:
    """``1 version``, ``3 versions``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def error_text(exc: BaseException) -> str:
    """``ConflictError: tag 'production' is held by version 2 …`` — the class says what kind of problem."""
    if isinstance(exc, ModelBoxError):
        return f"{type(exc).__name__}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


def message_html(text: str, kind: str = "info") -> str:
    colors = {"info": "#555", "ok": "#1a7f37", "error": "#b42318"}
    return f'<div class="modelbox-{kind}" style="color:{colors[kind]};white-space:pre-wrap">{esc(text)}</div>'


def table_html(frame: pd.DataFrame, empty: str = "none") -> str:
    if frame.empty:
        return f"<i>{esc(empty)}</i>"
    return frame.to_html(index=False, escape=True, border=0, classes="modelbox-table", na_rep="")


def json_html(value: Any) -> str:
    return f"<pre style='margin:0'>{esc(json.dumps(value, indent=2, sort_keys=True, default=str))}</pre>"


class GuardedButton:
    """A button whose action runs once per click, with the button disabled while it runs.

    ``action`` returns whether it succeeded. A double click reaches the kernel as two queued
    clicks; the second arrives after the first finished. ``done_when_ok=True`` keeps the button
    disabled after a success until ``rearm()`` (called when an input changes), so that queued
    click cannot create the object again.
    """

    def __init__(self, button: w.Button, action: Callable[[], bool], busy_label: str,
                 done_when_ok: bool = True) -> None:
        self.button = button
        self.action = action
        self.idle_label = button.description
        self.busy_label = busy_label
        self.done_when_ok = done_when_ok
        self.running = False
        button.on_click(self._clicked)

    def _clicked(self, _: w.Button) -> None:
        if self.running or self.button.disabled:
            return
        self.running = True
        self.button.disabled = True
        self.button.description = self.busy_label
        ok = False
        try:
            ok = self.action()
        finally:
            self.running = False
            self.button.description = self.idle_label
            self.button.disabled = ok and self.done_when_ok

    def rearm(self, *_: Any) -> None:
        if not self.running:
            self.button.disabled = False


def watch_all(widgets: Iterable[w.Widget], callback: Callable[..., None]) -> None:
    for widget in widgets:
        widget.observe(callback, names="value")

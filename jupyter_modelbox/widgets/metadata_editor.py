"""Metadata typed as a JSON object or as key/value rows (values that parse as JSON are JSON)."""

from __future__ import annotations

import json
from typing import Any

import ipywidgets as w

JSON_MODE, ROWS_MODE = "JSON", "key / value rows"


class MetadataError(ValueError):
    """The metadata as typed is not usable; the message says where."""


def parse_row_value(text: str) -> Any:
    """``0.5`` -> 0.5, ``true`` -> True, ``[1, 2]`` -> a list; anything else stays text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class MetadataEditor(w.VBox):
    def __init__(self, value: dict[str, Any] | None = None) -> None:
        self.mode = w.ToggleButtons(options=[JSON_MODE, ROWS_MODE], value=JSON_MODE, description="Metadata")
        self.mode.style.button_width = "auto"  # a fixed width cut "key / value rows" to "key / value r…"
        self.json_text = w.Textarea(value=json.dumps(value, indent=2) if value else "",
                                    placeholder='{"dataset": "mnist", "lr": 0.001}',
                                    layout=w.Layout(width="100%", height="90px"))
        self.rows = w.VBox()
        self.add_button = w.Button(description="add row", icon="plus", layout=w.Layout(width="110px"))
        self.add_button.on_click(lambda _: self.add_row())
        self.rows_box = w.VBox([self.rows, self.add_button])
        self.mode.observe(self._show_mode, names="value")
        super().__init__([self.mode, self.json_text])
        self.add_row()

    def add_row(self, key: str = "", value: str = "") -> tuple[w.Text, w.Text]:
        key_text = w.Text(value=key, placeholder="key", layout=w.Layout(width="30%"))
        value_text = w.Text(value=value, placeholder="value (text, or JSON like 0.5, true, [1, 2])",
                            layout=w.Layout(width="55%"))
        remove = w.Button(icon="trash", tooltip="remove this row", layout=w.Layout(width="40px"))
        row = w.HBox([key_text, value_text, remove])
        remove.on_click(lambda _: setattr(self.rows, "children", [r for r in self.rows.children if r is not row]))
        self.rows.children = [*self.rows.children, row]
        return key_text, value_text

    def _show_mode(self, change: dict[str, Any]) -> None:
        self.children = [self.mode, self.json_text if change["new"] == JSON_MODE else self.rows_box]

    def clear(self) -> None:
        self.json_text.value = ""
        self.rows.children = []
        self.add_row()

    def value(self) -> dict[str, Any] | None:
        """The metadata (``None`` when empty); raises ``MetadataError`` naming the problem."""
        if self.mode.value == JSON_MODE:
            text = self.json_text.value.strip()
            if not text:
                return None
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise MetadataError(f"metadata is not valid JSON: {exc.msg} at line {exc.lineno}, "
                                    f"column {exc.colno}") from None
            if not isinstance(parsed, dict):
                raise MetadataError('metadata must be a JSON object, like {"key": "value"}')
            return parsed or None
        found: dict[str, Any] = {}
        for number, row in enumerate(self.rows.children, 1):
            key, raw = row.children[0].value.strip(), row.children[1].value
            if not key and not raw.strip():
                continue
            if not key:
                raise MetadataError(f"metadata row {number} has a value but no key")
            if key in found:
                raise MetadataError(f"metadata key {key!r} is given twice (rows)")
            found[key] = parse_row_value(raw.strip())
        return found or None

"""Progress of long transfers: a tqdm bar (a widget in notebooks, text in terminals) or a callback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SHOW_BAR_FROM_BYTES = 32 * 1024 * 1024


class Progress:
    """Reports bytes done to ``callback`` if given, else shows a bar for transfers worth watching."""

    def __init__(self, description: str, total: int, callback: Callable[[int], None] | None = None) -> None:
        self.callback = callback
        self.done = 0
        self.bar: Any = None
        if callback is None and total >= SHOW_BAR_FROM_BYTES:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=description, unit="B", unit_scale=True, unit_divisor=1024, leave=False)

    def update(self, count: int) -> None:
        self.done += count
        if self.callback is not None:
            self.callback(self.done)
        if self.bar is not None:
            self.bar.update(count)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

"""PostgreSQL's text and jsonb cannot hold NUL (U+0000); registry documents can (metadata strings,
and internal keys joined with it). Strings are escaped reversibly on the way in and out:
U+E000 becomes U+E000 U+E001 and NUL becomes U+E000 U+E002 (U+E000 is a private-use character).
Only documents that hold either character pay for the walk.
"""

from __future__ import annotations

import json
from typing import Any

MARK = "\ue000"
MARK_BYTES = MARK.encode()


def escape_text(text: str) -> str:
    if MARK not in text and "\x00" not in text:
        return text
    return text.replace(MARK, MARK + "\ue001").replace("\x00", MARK + "\ue002")


def _walk(value: Any, convert: Any) -> Any:
    if isinstance(value, str):
        return convert(value)
    if isinstance(value, dict):
        return {convert(k): _walk(v, convert) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, convert) for v in value]
    return value


def json_dumps(value: Any) -> str:
    """JSON text for a jsonb parameter."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if MARK in text or "\\u0000" in text:
        text = json.dumps(_walk(value, escape_text), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text


def json_loads(data: str | bytes) -> Any:
    """psycopg's jsonb loader for registry connections.

    The escapes are undone in the JSON text, before parsing (a walk of every parsed value cost more
    than the parse): the mark is not JSON syntax and no JSON escape sequence contains it, so it only
    occurs as a character of a string. U+E000 U+E002 becomes the JSON escape of NUL, then
    U+E000 U+E001 the mark (the reverse of ``escape_text``).
    """
    if isinstance(data, str):
        if MARK in data:
            data = data.replace(MARK + "\ue002", "\\u0000").replace(MARK + "\ue001", MARK)
    elif MARK_BYTES in data:
        data = data.replace(MARK_BYTES + "\ue002".encode(), b"\\u0000").replace(MARK_BYTES + "\ue001".encode(),
                                                                                 MARK_BYTES)
    return json.loads(data)

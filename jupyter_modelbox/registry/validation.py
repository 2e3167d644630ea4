"""Input rules, checked before anything is written so a rejected call changes nothing."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidArgumentError, PayloadTooLargeError


@dataclass(frozen=True)
class Limits:
    """Configurable size limits (the server exposes them as traits)."""

    max_name_length: int = 256
    max_description_length: int = 64 * 1024
    max_metadata_bytes: int = 1024 * 1024
    max_metadata_keys: int = 1000
    max_tags_per_version: int = 100
    max_metric_key_length: int = 250


TAG_PATTERN = re.compile(r"^[\w.\-]+$")
RESERVED_TAGS = {"latest"}


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(c)[0] == "C" for c in text)


def check_name(value: Any, what: str, limits: Limits) -> str:
    """Names of models, versions and namespaces: printable, no path separators, trimmed."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise InvalidArgumentError(f"{what} must not be empty")
    if len(value) > limits.max_name_length:
        raise PayloadTooLargeError(f"{what} is {len(value)} characters long; the limit is {limits.max_name_length}")
    if value != value.strip():
        raise InvalidArgumentError(f"{what} {value!r} must not start or end with whitespace")
    if _has_control_characters(value):
        raise InvalidArgumentError(f"{what} {value!r} contains control characters")
    if "/" in value or "\\" in value:
        raise InvalidArgumentError(f"{what} {value!r} must not contain '/' or '\\'")
    if value in {".", ".."}:
        raise InvalidArgumentError(f"{what} must not be {value!r}")
    return value


def check_text(value: Any, what: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a string, not {type(value).__name__}")
    if len(value) > limit:
        raise PayloadTooLargeError(f"{what} is {len(value)} characters long; the limit is {limit}")
    return value


def check_optional_text(value: Any, what: str, limits: Limits) -> str | None:
    if value is None:
        return None
    return check_text(value, what, limits.max_name_length)


def check_tag(value: Any, limits: Limits) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentError(f"tag must be a string, not {type(value).__name__}")
    if not value or len(value) > 128 or not TAG_PATTERN.match(value):
        raise InvalidArgumentError(
            f"tag {value!r} is not valid: use 1-128 letters, digits, '_', '-' or '.'"
        )
    if value.lower() in RESERVED_TAGS:
        raise InvalidArgumentError(f"tag {value!r} is reserved: it always means the newest version")
    return value


def check_tags(values: Any, limits: Limits) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Iterable):
        raise InvalidArgumentError(f"unique_tags must be a list of strings, not {type(values).__name__}")
    tags = [check_tag(v, limits) for v in values]
    if len(set(tags)) != len(tags):
        raise InvalidArgumentError(f"unique_tags {tags} lists a tag twice")
    if len(tags) > limits.max_tags_per_version:
        raise PayloadTooLargeError(f"{len(tags)} tags given; the limit is {limits.max_tags_per_version}")
    return tags


def _reject_non_finite(value: Any, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidArgumentError(
            f"metadata {path} is {value}, which JSON cannot represent; store None or a string instead"
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            _reject_non_finite(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _reject_non_finite(item, f"{path}[{index}]")


def check_json_value(value: Any, what: str, limits: Limits) -> Any:
    """Return a private JSON copy of ``value`` (so later caller mutations cannot reach the store)."""
    try:
        _reject_non_finite(value, what)
        encoded = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except InvalidArgumentError:
        raise
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{what} is not JSON-encodable: {exc}") from None
    except RecursionError:
        raise InvalidArgumentError(f"{what} is nested too deeply to store as JSON") from None
    if len(encoded.encode()) > limits.max_metadata_bytes:
        raise PayloadTooLargeError(
            f"{what} takes {len(encoded.encode())} bytes as JSON; the limit is {limits.max_metadata_bytes}"
        )
    return json.loads(encoded)


def check_metadata_key(key: Any, limits: Limits) -> str:
    if not isinstance(key, str):
        raise InvalidArgumentError(f"metadata keys must be strings, not {type(key).__name__} ({key!r})")
    if not key or len(key) > limits.max_name_length:
        raise InvalidArgumentError(f"metadata key {key!r} must have 1-{limits.max_name_length} characters")
    return key


def check_metadata(value: Any, limits: Limits, what: str = "metadata") -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, (set, frozenset)):
        raise InvalidArgumentError(
            f"{what} must be a dict, got the set {value!r}; "
            "write {'key': 'value'} (with a colon), not {'key', 'value'}"
        )
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(f"{what} must be a dict of JSON values, not {type(value).__name__}")
    for key in value:
        check_metadata_key(key, limits)
    if len(value) > limits.max_metadata_keys:
        raise PayloadTooLargeError(f"{what} has {len(value)} keys; the limit is {limits.max_metadata_keys}")
    return check_json_value(dict(value), what, limits)


def check_keys(keys: Any) -> list[str]:
    if isinstance(keys, str):
        return [keys]
    if not isinstance(keys, Iterable):
        raise InvalidArgumentError(f"keys must be a list of strings, not {type(keys).__name__}")
    keys = list(keys)
    for key in keys:
        if not isinstance(key, str):
            raise InvalidArgumentError(f"metadata keys must be strings, not {type(key).__name__} ({key!r})")
    return keys


def check_int(value: Any, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value)
            else:
                raise TypeError
        except TypeError:
            raise InvalidArgumentError(f"{what} must be an integer, not {value!r}") from None
    if value < minimum:
        raise InvalidArgumentError(f"{what} must be >= {minimum}, not {value}")
    return value

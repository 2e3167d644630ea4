"""JSON shapes of metric data, shared by the REST server and the HTTP client.

Points travel as columns (``{"step": [...], "wallclock": [...], "value": [...]}``) rather than
one object per point: several times smaller and faster to parse. A missing step is ``null``;
a bytes value is ``{"b": base64}`` and a non-finite float ``{"f": "nan" | "inf" | "-inf"}``
because JSON has no literal for either.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .backend import MISSING_STEP
from .errors import InvalidArgumentError


def _encode_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"b": base64.b64encode(value).decode()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"f": repr(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "b" in value:
            return base64.b64decode(value["b"])
        if "f" in value and value["f"] in ("nan", "inf", "-inf"):
            return float(value["f"])
        raise InvalidArgumentError(
            f"metric value {value!r} is neither a number, a string, {{'b': ...}} nor {{'f': ...}}"
        )
    return value


def _encode_values(values: Any) -> list[Any]:
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            return [_encode_value(v) for v in values.tolist()]
        return values.tolist()
    return [_encode_value(v.item() if isinstance(v, np.generic) else v) for v in values]


def encode_series(series: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, list[Any]]]:
    """``log_metrics`` columns (numpy or lists, ``MISSING_STEP`` for no step) -> JSON."""
    encoded = {}
    for key, columns in series.items():
        steps = np.asarray(columns["step"], dtype=np.int64)
        encoded[key] = {
            "step": [None if s == MISSING_STEP else s for s in steps.tolist()],
            "wallclock": np.asarray(columns["wallclock"], dtype=np.float64).tolist(),
            "value": _encode_values(columns["value"]),
        }
    return encoded


def _has_columns(columns: Mapping[str, Any]) -> bool:
    return all(isinstance(columns.get(c), list) for c in ("wallclock", "value"))


def decode_series(payload: Any) -> dict[str, dict[str, Any]]:
    """JSON from ``encode_series`` -> columns the registry accepts."""
    if not isinstance(payload, Mapping):
        raise InvalidArgumentError("'series' must map each metric key to its step, wallclock and value columns")
    decoded = {}
    for key, columns in payload.items():
        if not isinstance(columns, Mapping) or not _has_columns(columns):
            raise InvalidArgumentError(f"metric {key!r}: expected lists 'step', 'wallclock' and 'value'")
        values = [_decode_value(v) for v in columns["value"]]
        decoded[key] = {
            "step": columns.get("step", [None] * len(values)),
            "wallclock": columns["wallclock"],
            "value": values,
        }
    return decoded


def frame_to_json(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """A ``key, step, wallclock, value`` frame -> columns."""
    return {
        "key": frame["key"].astype(str).tolist(),
        "step": frame["step"].to_numpy(dtype=object, na_value=None).tolist(),
        "wallclock": frame["wallclock"].tolist(),
        "value": _encode_values(frame["value"].to_numpy()),
    }


def frame_from_json(payload: Mapping[str, list[Any]]) -> pd.DataFrame:
    keys = payload["key"]
    categories = list(dict.fromkeys(keys))
    values = [_decode_value(v) for v in payload["value"]]
    numeric = all(isinstance(v, (int, float)) for v in values)
    return pd.DataFrame({
        "key": pd.Categorical(keys, categories=categories),
        "step": pd.array(payload["step"], dtype="Int64"),
        "wallclock": np.asarray(payload["wallclock"], dtype=np.float64),
        "value": np.asarray(values, dtype=np.float64) if numeric else _object_array(values),
    })


def _object_array(values: list[Any]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array

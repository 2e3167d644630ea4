"""JSON shapes of metric data, shared by the REST server and the HTTP client.

Points travel as columns (``{"step": [...], "wallclock": [...], "value": [...]}``) rather than
one object per point: several times smaller and faster to parse. A missing step is ``null``;
a bytes value is ``{"b": base64}`` and a non-finite float ``{"f": "nan" | "inf" | "-inf"}``
because JSON has no literal for either.

A numeric column may instead be ``{"dtype": "<f8" | "<i8", "b64": <base64 of the raw array>}``
(steps then use int64 minimum for "no step"): the Python client sends this, because formatting
and parsing a million floats as JSON text costs far more than copying their bytes.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

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
            try:
                return base64.b64decode(value["b"], validate=True)
            except (TypeError, ValueError):
                raise InvalidArgumentError(f"metric value {value!r}: 'b' must be a base64 string") from None
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


BINARY_DTYPES = {"<f8": np.dtype("<f8"), "<i8": np.dtype("<i8")}


def _binary(array: np.ndarray, dtype: str) -> dict[str, str]:
    return {"dtype": dtype, "b64": base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode()}


def _from_binary(column: Mapping[str, Any], name: str) -> np.ndarray:
    dtype = BINARY_DTYPES.get(column.get("dtype", ""))
    if dtype is None or not isinstance(column.get("b64"), str):
        raise InvalidArgumentError(f"binary column {name!r} needs dtype '<f8' or '<i8' and a base64 'b64' string")
    try:
        raw = base64.b64decode(column["b64"], validate=True)
    except ValueError as exc:
        raise InvalidArgumentError(f"binary column {name!r} is not valid base64: {exc}") from None
    if len(raw) % dtype.itemsize:
        raise InvalidArgumentError(f"binary column {name!r} has {len(raw)} bytes, not whole {dtype} values")
    return np.frombuffer(raw, dtype=dtype)


def encode_series(series: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``log_metrics`` columns (numpy or lists, ``MISSING_STEP`` for no step) -> JSON, numbers as raw bytes."""
    encoded = {}
    for key, columns in series.items():
        values = columns["value"]
        numeric = isinstance(values, np.ndarray) and values.dtype.kind in "fiu"
        encoded[key] = {
            "step": _binary(np.asarray(columns["step"], dtype=np.int64), "<i8"),
            "wallclock": _binary(np.asarray(columns["wallclock"], dtype=np.float64), "<f8"),
            "value": _binary(values, "<f8") if numeric else _encode_values(values),
        }
    return encoded


def _has_columns(columns: Mapping[str, Any]) -> bool:
    return all(isinstance(columns.get(c), (list, Mapping)) for c in ("wallclock", "value"))


def _column(columns: Mapping[str, Any], name: str, key: str) -> Any:
    column = columns[name]
    return _from_binary(column, f"{key}.{name}") if isinstance(column, Mapping) else column


def decode_series(payload: Any) -> dict[str, dict[str, Any]]:
    """JSON from ``encode_series`` -> columns the registry accepts."""
    if not isinstance(payload, Mapping):
        raise InvalidArgumentError("'series' must map each metric key to its step, wallclock and value columns")
    decoded = {}
    for key, columns in payload.items():
        if not isinstance(columns, Mapping) or not _has_columns(columns):
            raise InvalidArgumentError(f"metric {key!r}: expected lists 'step', 'wallclock' and 'value'")
        raw_values = _column(columns, "value", key)
        values = raw_values if isinstance(raw_values, np.ndarray) else [_decode_value(v) for v in raw_values]
        decoded[key] = {
            "step": _column(columns, "step", key) if "step" in columns else [None] * len(values),
            "wallclock": _column(columns, "wallclock", key),
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

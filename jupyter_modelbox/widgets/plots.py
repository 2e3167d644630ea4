"""The plotting layer of ``Model.plot_metrics``, ``ModelVersion.plot_metrics`` and ``Model.plot_metric_trend``.

Registered in ``pyproject.toml`` under the entry point group ``jupyter_modelbox.plots`` (see
``jupyter_modelbox.client.plots``), so the client reaches the widgets without importing them.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import pandas as pd

from .compare import trend_image
from .metrics_plot import MetricsPlot


def metrics_plot(versions: Any, keys: list[str] | None, **options: Any) -> MetricsPlot:
    return MetricsPlot(versions, keys=keys, **options)


def metric_trend_plot(trend: pd.DataFrame, key: str, title: str) -> w.Image:
    return trend_image(trend, key, title)

"""How ``plot_metrics`` and ``plot_metric_trend`` reach a screen that the client does not know.

The client draws nothing and imports no widget: the plotting layer registers itself under the
entry point group ``jupyter_modelbox.plots`` (this package registers ``jupyter_modelbox.widgets.plots``),
as pandas' ``DataFrame.plot`` asks the backend registered under ``pandas_plotting_backends``. It is
loaded on the first plot, so a session that never plots never imports ipywidgets or matplotlib.
Another package can register its own layer there; it is asked before this package's widgets.
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points
from typing import Any, Protocol

import pandas as pd

from ..registry.errors import ModelBoxError

GROUP = "jupyter_modelbox.plots"
BUILT_IN = "widgets"


class PlotLayer(Protocol):
    def metrics_plot(self, versions: Any, keys: list[str] | None, **options: Any) -> Any:
        """A live plot of the metric curves of one version or several (``options``: x, smoothing, log_y, live)."""
        ...

    def metric_trend_plot(self, trend: pd.DataFrame, key: str, title: str) -> Any:
        """A picture of ``Model.metric_trend(key)``: the final value per version."""
        ...


@functools.cache
def plot_layer() -> PlotLayer:
    points = sorted(entry_points(group=GROUP), key=lambda point: (point.name == BUILT_IN, point.name))
    if not points:
        raise ModelBoxError(f"no plotting layer is registered under the entry point group {GROUP!r}; "
                            "reinstall jupyter_modelbox (pip install -e . in a source checkout)")
    layer: PlotLayer = points[0].load()
    return layer

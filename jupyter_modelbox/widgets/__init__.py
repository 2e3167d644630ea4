"""Notebook widgets over the ``ModelBox`` client: browse, create, register, plot, drop artifacts.

They need ``ipywidgets``, ``anywidget`` and ``matplotlib``; the rest of the package does not
import this module, so the server and CLI never load them.
"""

from .browser import ModelBrowser, ModelDetails
from .compare import CompareVersions, comparison_html, trend_figure, trend_image
from .drop_zone import ArtifactDropZone, DropTarget
from .events import EventFeed, feed_for
from .forms import CreateModelForm, RegisterVersionForm
from .metadata_editor import MetadataEditor
from .metrics_plot import MetricsPlot
from .panel import ModelPanel, panel
from .plotting import downsampled_metrics, draw, figure_for

__all__ = [
    "ArtifactDropZone",
    "CompareVersions",
    "CreateModelForm",
    "DropTarget",
    "EventFeed",
    "MetadataEditor",
    "MetricsPlot",
    "ModelBrowser",
    "ModelDetails",
    "ModelPanel",
    "RegisterVersionForm",
    "comparison_html",
    "downsampled_metrics",
    "draw",
    "feed_for",
    "figure_for",
    "panel",
    "trend_figure",
    "trend_image",
]

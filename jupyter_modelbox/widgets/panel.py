"""``panel(model)``: one model's details, a version form, its metric curves and a drop zone, in tabs."""

from __future__ import annotations

import ipywidgets as w

from .. import Model, ModelVersion
from .browser import ModelDetails
from .drop_zone import ArtifactDropZone
from .forms import RegisterVersionForm
from .metrics_plot import MetricsPlot


class ModelPanel(w.Tab):
    """Tabs for one model; ``close()`` stops every part's event-feed subscription."""

    def __init__(self, model: Model, target: Model | ModelVersion | None = None, live: bool = True) -> None:
        self.model = model
        self.details = ModelDetails(model, live=live)
        self.register_form = RegisterVersionForm(model)
        self.metrics = MetricsPlot(model, live=live) if model.num_versions else None
        target = target or model.get_version() or model
        self.drop_zone = ArtifactDropZone(target, live=live)
        metrics = self.metrics or w.HTML("<i>No versions yet: register one, then re-run panel() to plot its "
                                         "metrics.</i>")
        super().__init__(children=[self.details, self.register_form, metrics, self.drop_zone])
        for index, title in enumerate(["Overview", "Register version", "Metrics", "Artifacts"]):
            self.set_title(index, title)

    def close(self) -> None:
        for part in (self.details, self.register_form, self.metrics, self.drop_zone):
            if part is not None:
                part.close()
        super().close()


def panel(model: Model, target: Model | ModelVersion | None = None, live: bool = True) -> ModelPanel:
    """Everything about ``model`` in one widget; dropped files go to ``target`` (default: its newest
    version, or the model itself when it has none)."""
    return ModelPanel(model, target, live)

"""``ModelBrowser``: find models (filter, sort, pages) and see one's metadata, versions and artifacts."""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as w
import pandas as pd

from .. import Model, ModelBox, ModelBoxError, ModelVersion, NotFoundError
from ..client import lineage as lineage_text
from ..client.experiments import run_summary
from .common import box_of, error_text, esc, human_size, json_html, message_html, plural, table_html, when
from .events import Event, FollowsFeed

SORT_KEYS = {"name": "name", "description": "description", "created": "creation_time",
             "last updated": "last_updated_time"}
ALL_NAMESPACES = "(all namespaces)"
MAX_VERSIONS_SHOWN = 20


def artifact_frame(model: Model, versions: list[Any]) -> pd.DataFrame:
    rows = [(f"model {model.name}", a) for a in model.artifacts()]
    rows += [(f"version {v.number}", a) for v in versions for a in v.artifacts()]
    return pd.DataFrame([{"attached to": owner, "path": a.path, "size": human_size(a.size), "sha256": a.checksum,
                          "tracked": a.tracked, "added": when(a.created_at)} for owner, a in rows],
                        columns=["attached to", "path", "size", "sha256", "tracked", "added"])


def lineage_html(version: ModelVersion) -> str:
    """Where ``version`` came from, with its recorded cells folded away (all text escaped)."""
    lineage = version.lineage
    run = run_summary(version.checkpoint)
    trained = [("trained in", run)] if run else []
    if not lineage and not trained:
        return f"<b>Lineage of v{version.number}</b><div><i>not recorded</i></div>"
    rows = "".join(f"<tr><th style='text-align:left'>{esc(k)}</th><td style='text-align:left'>{esc(v)}</td></tr>"
                   for k, v in [*trained, *lineage_text.fields(lineage)])
    lineage = lineage or {}
    sources = (lineage.get("cells") or {}).get("sources") or []
    cells = "".join(f"<div style='color:#555'>[{esc(c.get('execution_count'))}]</div>"
                    f"<pre style='margin:0 0 4px 0'>{esc(c.get('source'))}</pre>" for c in sources)
    folded = f"<details><summary>{len(sources)} recorded cells</summary>{cells}</details>" if sources else ""
    return f"<b>Lineage of v{version.number}</b><table>{rows}</table>{folded}"


class ModelDetails(FollowsFeed, w.HTML):
    """Description, metadata, versions (newest first) and artifacts of one model.

    With ``live=True`` it follows the registry's event feed until ``close()``.
    """

    def __init__(self, model: Model | None = None, live: bool = False) -> None:
        super().__init__()
        self.model = model
        if live and model is not None:
            self._follow(box_of(model))
        self.refresh()

    def _on_events(self, events: list[Event]) -> None:
        if self.model is not None and any(e.get("model_id") == self.model.id for e in events):
            self.refresh()

    def show(self, model: Model | None) -> None:
        self.model = model
        self.refresh()

    def refresh(self) -> None:
        model = self.model
        if model is None:
            self.value = "<i>Select a model to see its versions and artifacts.</i>"
            return
        try:
            model.reload()
            versions = model.get_versions(limit=MAX_VERSIONS_SHOWN)
            artifacts = artifact_frame(model, versions)
        except NotFoundError:
            self.value = message_html(f"model {model.name!r} was deleted", "error")
            return
        except ModelBoxError as exc:
            self.value = message_html(error_text(exc), "error")
            return
        version_table = pd.DataFrame(
            [{"number": v.number, "label": v.version, "tags": ", ".join(v.tags), "framework": v.framework or "",
              "created": when(v.created_at), "description": v.description,
              "lineage": lineage_text.summary(v.lineage)} for v in versions],
            columns=["number", "label", "tags", "framework", "created", "description", "lineage"])
        shown = f" (newest {len(versions)} of {model.num_versions})" if model.num_versions > len(versions) else ""
        archived = " <i>(archived)</i>" if model.archived else ""
        self.value = (
            f"<h4 style='margin:4px 0'>{esc(model.namespace)}/{esc(model.name)}{archived}</h4>"
            f"<div>{esc(model.description) or '<i>no description</i>'}</div>"
            f"<div style='color:#555'>owner {esc(model.owner)} · task {esc(model.task) or '-'} · created "
            f"{esc(when(model.created_at))} · updated {esc(when(model.updated_at))}</div>"
            f"<b>Metadata</b>{json_html(model.metadata)}"
            f"<b>Versions</b>{esc(shown)}{table_html(version_table, 'no versions yet')}"
            f"<b>Artifacts</b>{table_html(artifacts, 'no artifacts')}"
            + (lineage_html(versions[0]) if versions else "")
        )


class ModelBrowser(FollowsFeed, w.VBox):
    """Models of a registry with a name/description filter, the four sort keys and pages.

    Follows the registry's event feed: models created, changed or deleted elsewhere show up
    without a click. ``close()`` stops following it.
    """

    def __init__(self, mb: ModelBox, page_size: int = 50, live: bool = True) -> None:
        self.mb = mb
        self.page_size = page_size
        self.page = 0
        self.models: list[Model] = []
        self.has_next = False
        self._lock = threading.RLock()
        self._refreshing = False
        self.name_filter = w.Text(placeholder="name contains…", description="Name")
        self.description_filter = w.Text(placeholder="description contains…", description="Description")
        self.namespace = w.Dropdown(options=[ALL_NAMESPACES], value=ALL_NAMESPACES, description="Namespace")
        self.sort_by = w.Dropdown(options=list(SORT_KEYS), value="name", description="Sort by")
        self.order = w.ToggleButtons(options=["asc", "desc"], value="asc", layout=w.Layout(width="auto"))
        self.order.style.button_width = "50px"
        self.previous_button = w.Button(description="previous", icon="chevron-left", layout=w.Layout(width="110px"))
        self.next_button = w.Button(description="next", icon="chevron-right", layout=w.Layout(width="110px"))
        self.page_label = w.Label()
        self.listing = w.Select(options=[], rows=12, layout=w.Layout(width="100%"))
        self.status = w.HTML()
        self.details = ModelDetails()
        for control in (self.name_filter, self.description_filter, self.namespace, self.sort_by, self.order):
            control.observe(self._filters_changed, names="value")
        self.previous_button.on_click(lambda _: self.go_to_page(self.page - 1))
        self.next_button.on_click(lambda _: self.go_to_page(self.page + 1))
        self.listing.observe(self._selected, names="value")
        left = w.VBox([self.listing, w.HBox([self.previous_button, self.page_label, self.next_button])],
                      layout=w.Layout(width="40%"))
        super().__init__([
            w.HBox([self.name_filter, self.description_filter]),
            w.HBox([self.namespace, self.sort_by, self.order]),
            w.HBox([left, w.Box([self.details], layout=w.Layout(width="60%", padding="0 0 0 12px"))]),
            self.status,
        ])
        if live:
            self._follow(mb)
        self.refresh()

    # -- reading -------------------------------------------------------------------------------

    @property
    def selected(self) -> Model | None:
        return self.details.model

    def refresh(self) -> None:
        """Read the current page again (and the selected model's details)."""
        with self._lock:
            try:
                self._refresh_namespaces()
                found = self.mb.get_models(
                    sort_by=SORT_KEYS[self.sort_by.value], order_by=self.order.value,
                    name=self.name_filter.value.strip() or None,
                    description=self.description_filter.value.strip() or None,
                    namespace=None if self.namespace.value == ALL_NAMESPACES else self.namespace.value,
                    offset=self.page * self.page_size, limit=self.page_size,
                )
            except ModelBoxError as exc:
                self.status.value = message_html(error_text(exc), "error")
                return
            self.status.value = ""
            if not found and self.page > 0:
                self.page -= 1
                self.refresh()
                return
            self.has_next = (self.page + 1) * self.page_size < found.total
            self.models = list(found)
            selected = self.details.model.id if self.details.model else None
            fresh = next((m for m in self.models if m.id == selected), None)
            self._refreshing = True
            try:
                self.listing.options = [(self._label(m), m.id) for m in self.models]
                self.listing.value = selected if fresh is not None else None
            finally:
                self._refreshing = False
            first = self.page * self.page_size
            shown = f"{first + 1} to {first + len(self.models)} of {found.total:,}" if self.models else "no models"
            self.page_label.value = shown
            self.previous_button.disabled = self.page == 0
            self.next_button.disabled = not self.has_next
            if selected is not None:
                self.details.show(fresh)

    def select(self, name: str) -> None:
        """Select the model called ``name`` on the current page."""
        matches = [m.id for m in self.models if m.name == name]
        if not matches:
            raise NotFoundError(f"no model {name!r} on this page of the browser")
        self.listing.value = matches[0]

    def go_to_page(self, page: int) -> None:
        if page < 0 or (page > self.page and not self.has_next):
            return
        self.page = page
        self.refresh()

    # -- internals -----------------------------------------------------------------------------

    @staticmethod
    def _label(model: Model) -> str:
        text = f"{model.namespace}/{model.name}  ({plural(model.num_versions, 'version')})"
        return f"{text} — {model.description[:50]}" if model.description else text

    def _refresh_namespaces(self) -> None:
        options = [ALL_NAMESPACES, *self.mb.namespaces()]
        if list(self.namespace.options) != options:
            current = self.namespace.value
            with self.namespace.hold_trait_notifications():
                self.namespace.options = options
                self.namespace.value = current if current in options else ALL_NAMESPACES

    def _filters_changed(self, _: dict[str, Any]) -> None:
        self.page = 0
        self.refresh()

    def _selected(self, change: dict[str, Any]) -> None:
        if not self._refreshing:
            self.details.show(next((m for m in self.models if m.id == change["new"]), None))

    def _on_events(self, events: list[Event]) -> None:
        if any(not e["kind"].startswith(("metrics.", "checkpoint.")) for e in events):
            self.refresh()

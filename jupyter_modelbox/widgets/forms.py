"""Forms that create registry objects: ``CreateModelForm`` and ``RegisterVersionForm``.

Problems with the input are shown next to the form before anything is sent; errors from the
registry are shown as ``ErrorClass: message``. On success the form shows what was created and
keeps it in ``.created``; its button stays disabled until an input changes, so a double click
creates nothing twice.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import ipywidgets as w

from .. import Model, ModelBox, ModelBoxError, ModelVersion
from .common import GuardedButton, error_text, esc, json_html, message_html, watch_all, when
from .metadata_editor import MetadataEditor, MetadataError

TAG_PATTERN = re.compile(r"^[\w.\-]+$")
WIDE = w.Layout(width="95%")


class InputError(ValueError):
    """Input that the form rejects before sending anything."""


def model_html(model: Model) -> str:
    return (f"<b>Created model {esc(model.namespace)}/{esc(model.name)}</b> (id {esc(model.id)}, "
            f"{esc(when(model.created_at))})<br>{esc(model.description)}{json_html(model.metadata)}")


def version_html(version: ModelVersion) -> str:
    tags = ", ".join(version.tags) or "no tags"
    checkpoint = f", checkpoint {esc(version.checkpoint_uuid)}" if version.checkpoint_uuid else ""
    return (f"<b>Registered {esc(version.name)} version {version.number}</b> (label {esc(version.version)}, "
            f"{esc(tags)}, framework {esc(version.framework or '-')}{checkpoint})<br>{esc(version.description)}"
            f"{json_html(version.metadata)}")


class _Form(w.VBox):
    created: Any = None

    def __init__(self, fields: list[w.Widget], button_label: str, busy_label: str) -> None:
        self.button = w.Button(description=button_label, button_style="primary", icon="check")
        self.message = w.HTML()
        self._guard = GuardedButton(self.button, self._submit, busy_label)
        super().__init__([*fields, self.button, self.message])

    def _watch(self, widgets: list[w.Widget], editor: MetadataEditor) -> None:
        watch_all(widgets, self._guard.rearm)
        editor.json_text.observe(self._guard.rearm, names="value")
        editor.mode.observe(self._guard.rearm, names="value")
        editor.rows.observe(lambda _: self._watch_rows(editor), names="children")
        self._watch_rows(editor)

    def _watch_rows(self, editor: MetadataEditor) -> None:
        for row in editor.rows.children:
            for text in row.children[:2]:
                text.unobserve(self._guard.rearm, names="value")
                text.observe(self._guard.rearm, names="value")

    def _submit(self) -> bool:
        try:
            request = self._request()
        except (InputError, MetadataError) as exc:
            self.message.value = message_html(str(exc), "error")
            return False
        self.message.value = message_html("working…")
        try:
            self.created = self._send(**request)
        except ModelBoxError as exc:
            self.message.value = message_html(error_text(exc), "error")
            return False
        except OSError as exc:
            self.message.value = message_html(f"{type(exc).__name__}: {exc}", "error")
            return False
        self.message.value = self._success_html()
        return True

    def _request(self) -> dict[str, Any]:
        raise NotImplementedError

    def _send(self, **request: Any) -> Any:
        raise NotImplementedError

    def _success_html(self) -> str:
        raise NotImplementedError


class CreateModelForm(_Form):
    """Create a model: name, namespace, description, owner, task and metadata."""

    def __init__(self, mb: ModelBox, namespace: str = "default") -> None:
        self.mb = mb
        self.name = w.Text(description="Name", placeholder="e.g. mnist-cnn", layout=WIDE)
        self.namespace = w.Text(value=namespace, description="Namespace", layout=WIDE)
        self.description = w.Textarea(description="Description", layout=WIDE)
        self.owner = w.Text(description="Owner", placeholder="(you)", layout=WIDE)
        self.task = w.Text(description="Task", placeholder="e.g. image classification", layout=WIDE)
        self.metadata = MetadataEditor()
        fields = [self.name, self.namespace, self.description, self.owner, self.task, self.metadata]
        super().__init__([w.HTML("<b>New model</b>"), *fields], "Create model", "Creating…")
        self._watch([self.name, self.namespace, self.description, self.owner, self.task], self.metadata)

    def _request(self) -> dict[str, Any]:
        name = self.name.value.strip()
        if not name:
            raise InputError("a model needs a name")
        return {"name": name, "namespace": self.namespace.value.strip() or None,
                "description": self.description.value, "owner": self.owner.value.strip() or None,
                "task": self.task.value.strip() or None, "metadata": self.metadata.value()}

    def _send(self, **request: Any) -> Model:
        return self.mb.new_model(**request)

    def _success_html(self) -> str:
        return model_html(self.created)


class RegisterVersionForm(_Form):
    """Register a model's next version from a checkpoint uuid or from files (uploaded as a checkpoint)."""

    FROM_CHECKPOINT, FROM_FILES, EMPTY = "checkpoint", "files", "no files"

    def __init__(self, model: Model) -> None:
        self.model = model
        self.source = w.ToggleButtons(options=[self.FROM_CHECKPOINT, self.FROM_FILES, self.EMPTY],
                                      value=self.FROM_CHECKPOINT, description="From")
        self.checkpoint_uuid = w.Text(description="Checkpoint", placeholder="uuid from mb.new_checkpoint(...)",
                                      layout=WIDE)
        self.files = w.Textarea(description="Files", placeholder="one path (file or folder) per line, as the kernel"
                                " sees it", layout=w.Layout(width="95%", display="none"))
        self.label = w.Text(description="Label", placeholder="default: the version number", layout=WIDE)
        self.description = w.Textarea(description="Description", layout=WIDE)
        self.framework = w.Text(description="Framework", placeholder="e.g. pytorch-2.4", layout=WIDE)
        self.tags = w.TagsInput(allow_duplicates=False, description="Tags")
        self.metadata = MetadataEditor()
        self.source.observe(self._show_source, names="value")
        header = w.HTML(f"<b>New version of {esc(model.name)}</b>")
        fields = [self.source, self.checkpoint_uuid, self.files, self.label, self.description, self.framework,
                  w.HBox([w.Label("Unique tags"), self.tags]), self.metadata]
        super().__init__([header, *fields], "Register version", "Registering…")
        self._watch([self.source, self.checkpoint_uuid, self.files, self.label, self.description, self.framework,
                     self.tags], self.metadata)

    def _show_source(self, change: dict[str, Any]) -> None:
        self.checkpoint_uuid.layout.display = None if change["new"] == self.FROM_CHECKPOINT else "none"
        self.files.layout.display = None if change["new"] == self.FROM_FILES else "none"

    def _request(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "version": self.label.value.strip() or None, "description": self.description.value,
            "framework": self.framework.value.strip() or None, "metadata": self.metadata.value(),
            "unique_tags": self._tags() or None,
        }
        if self.source.value == self.FROM_CHECKPOINT:
            uuid = self.checkpoint_uuid.value.strip()
            if not uuid:
                raise InputError("give the checkpoint's uuid, or register from files")
            return {**fields, "checkpoint_uuid": uuid}
        if self.source.value == self.FROM_FILES:
            paths = [line.strip() for line in self.files.value.splitlines() if line.strip()]
            if not paths:
                raise InputError("list at least one file or folder, one per line")
            missing = [p for p in paths if not Path(p).expanduser().exists()]
            if missing:
                raise InputError(f"no such file or folder (in the kernel's working directory): {', '.join(missing)}")
            return {**fields, "files": paths}
        return fields

    def _tags(self) -> list[str]:
        tags = [t.strip() for t in self.tags.value]
        bad = [t for t in tags if not TAG_PATTERN.match(t)]
        if bad:
            raise InputError(f"tags may use letters, digits, '_', '-' and '.': {', '.join(map(repr, bad))}")
        if len({t.lower() for t in tags}) != len(tags):
            raise InputError("a tag is given twice")
        return tags

    def _send(self, **request: Any) -> ModelVersion:
        if "files" in request:
            return self.model.register_files(request.pop("files"), **request)
        if "checkpoint_uuid" in request:
            return self.model.register_version(request.pop("checkpoint_uuid"), **request)
        return self.model.new_model_version(**request)

    def _success_html(self) -> str:
        return version_html(self.created)

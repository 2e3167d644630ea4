"""``ArtifactDropZone``: drop files from the desktop or the JupyterLab file browser onto a model or version.

The drop target is an anywidget whose ES module sends desktop files from the browser to the REST
upload in chunks, hashing them as they go, and asks the server to copy file-browser items; the
kernel never holds the bytes. The module is the side panel's own drop and upload code
(``labextension/src/dropzone``), bundled into one self-contained file, ``static/drop_zone.js``.
Below it, the target's artifact list (refreshed from the event feed and when the module reports
an upload). Where the page has no Jupyter server (e.g. VS Code), the module says so and a
``FileUpload`` with a size cap appears.
"""

from __future__ import annotations

import pathlib
import tempfile
from typing import Any

import anywidget
import ipywidgets as w
import pandas as pd
import traitlets

from .. import Checkpoint, Model, ModelBoxError, ModelVersion
from .common import box_of, error_text, esc, human_size, message_html, table_html, when
from .events import Event, FollowsFeed

HERE = pathlib.Path(__file__).parent
BROWSER_MODULE = HERE / "static" / "drop_zone.js"  # built: ./dev.sh setup, the wheel build
FALLBACK_LIMIT_BYTES = 10 * 1024 * 1024  # tornado's default websocket message limit
CHUNK_BYTES = 8 * 1024 * 1024

Target = Model | ModelVersion | Checkpoint


def target_label(target: Target) -> str:
    if isinstance(target, Model):
        return f"model {target.name}"
    if isinstance(target, ModelVersion):
        return f"{target.name} version {target.number}"
    return f"checkpoint {target.uuid}"


def browser_module() -> str:
    """The drop zone's ES module; a source checkout builds it with the labextension."""
    try:
        return BROWSER_MODULE.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuntimeError(
            f"the drop zone's browser module {BROWSER_MODULE} is not built: run ./dev.sh setup, "
            "or `cd labextension && npm ci && npm run build:dropzone`") from None


class DropTarget(anywidget.AnyWidget):
    """The browser half: where files are dropped, with a progress bar per file."""

    # read when a drop zone is made (anywidget looks it up then), so a missing build says how to
    # make it instead of breaking `import jupyter_modelbox.widgets`
    _esm = property(lambda self: browser_module())
    _css = HERE / "drop_zone.css"
    target_id = traitlets.Unicode().tag(sync=True)
    target_label = traitlets.Unicode().tag(sync=True)
    chunk_bytes = traitlets.Int(CHUNK_BYTES).tag(sync=True)


class ArtifactDropZone(FollowsFeed, w.VBox):
    """A drop zone for ``target`` (a model, version or checkpoint) and its artifact list."""

    def __init__(self, target: Target, live: bool = True, fallback_limit_bytes: int = FALLBACK_LIMIT_BYTES) -> None:
        self.target = target
        self.fallback_limit_bytes = fallback_limit_bytes
        self.drop_target = DropTarget(target_id=target.id, target_label=target_label(target))
        self.drop_target.on_msg(self._message)
        self.upload = w.FileUpload(multiple=True, description="Upload")
        self.upload.observe(self._uploaded_through_kernel, names="value")
        limit = f"{fallback_limit_bytes / 2**20:g} MiB"
        self.fallback = w.VBox(
            [w.HTML(f"Upload through the kernel instead (at most {esc(limit)} per file; bigger files: "
                    f"<code>upload_artifact(path)</code> from Python)."), self.upload],
            layout=w.Layout(display="none"))
        self.status = w.HTML()
        self.listing = w.HTML()
        super().__init__([self.drop_target, self.fallback, self.status, self.listing])
        self.artifacts: list[Any] = []
        if live:
            self._follow(box_of(target))
        self.refresh()

    def refresh(self) -> None:
        """Read the target's artifact list again."""
        try:
            self.artifacts = self.target.artifacts()
        except ModelBoxError as exc:
            self.status.value = message_html(error_text(exc), "error")
            return
        frame = pd.DataFrame([{"path": a.path, "size": human_size(a.size), "sha256": a.checksum, "tracked": a.tracked,
                               "added": when(a.created_at)} for a in self.artifacts],
                             columns=["path", "size", "sha256", "tracked", "added"])
        heading = f"<div><b>Artifacts of {esc(target_label(self.target))}</b></div>"
        self.listing.value = heading + table_html(frame, "none yet")

    def close(self) -> None:
        if hasattr(self, "drop_target"):  # none when __init__ failed (the module not built)
            self.drop_target.close()
        super().close()

    # -- messages from the ES module -----------------------------------------------------------

    def _message(self, _: DropTarget, content: dict[str, Any], buffers: list[bytes]) -> None:
        kind = content.get("kind")
        if kind == "no-server":
            self.fallback.layout.display = None
        elif kind == "uploaded":
            errors = [str(e) for e in content.get("errors") or []]
            added = [str(a.get("path")) for a in content.get("artifacts") or [] if isinstance(a, dict)]
            self.refresh()
            known = {a.path for a in self.artifacts}
            missing = [p for p in added if p not in known]
            if missing:  # the registry is the judge, not the browser's report
                errors.append(f"not in the registry: {', '.join(missing)}")
            text = f"added {', '.join(added)}" if added else ""
            self.status.value = message_html("\n".join([text, *errors]).strip(), "error" if errors else "ok")

    def _on_events(self, events: list[Event]) -> None:
        if any(e["kind"].startswith("artifact.") and e.get("object_id") == self.target.id for e in events):
            self.refresh()

    # -- fallback: bytes through the kernel ----------------------------------------------------

    def _uploaded_through_kernel(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        too_big = [f["name"] for f in files if f["size"] > self.fallback_limit_bytes]
        if too_big:
            self.status.value = message_html(
                f"too big for an upload through the kernel ({self.fallback_limit_bytes / 2**20:g} MiB at most): "
                f"{', '.join(too_big)}", "error")
        added = []
        with tempfile.TemporaryDirectory(prefix="modelbox-upload-") as folder:
            for item in files:
                if item["size"] > self.fallback_limit_bytes:
                    continue
                path = pathlib.Path(folder) / pathlib.Path(item["name"]).name
                path.write_bytes(bytes(item["content"]))
                try:
                    added += self.target.upload_artifact(path)
                except ModelBoxError as exc:
                    self.status.value = message_html(error_text(exc), "error")
                    return
        self.upload.value = ()  # do not keep the bytes in the widget's state
        self.refresh()
        if added and not too_big:
            self.status.value = message_html(f"added {', '.join(a.path for a in added)}", "ok")

"""The notebook widgets, driven from Python against a real Jupyter server with the extension."""

from __future__ import annotations

import hashlib
import html
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import requests

from jupyter_modelbox import Model, ModelBox, ModelVersion
from jupyter_modelbox.widgets import (
    ArtifactDropZone,
    CreateModelForm,
    MetadataEditor,
    MetricsPlot,
    ModelBrowser,
    RegisterVersionForm,
    drop_zone,
    feed_for,
    panel,
)
from jupyter_modelbox.widgets.plotting import curve

from .helpers.jupyter import JupyterServer


@pytest.fixture
def box(jupyter_server: JupyterServer, tmp_path: Path) -> Iterator[ModelBox]:
    jupyter_server.reset(tmp_path / "registry")
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as opened:
        yield opened
        feed_for(opened).stop()


@pytest.fixture
def other_client(jupyter_server: JupyterServer, box: ModelBox) -> Iterator[ModelBox]:
    """A second client of the same server: changes made "elsewhere"."""
    with ModelBox(url=jupyter_server.url, token=jupyter_server.token) as opened:
        yield opened


def eventually(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        time.sleep(0.05)


def names(browser: ModelBrowser) -> list[str]:
    return [label.split("  ")[0].split("/", 1)[1] for label, _ in browser.listing.options]


# -- ModelBrowser ------------------------------------------------------------------------------


def test_browser_filters_sorts_and_pages(box: ModelBox) -> None:
    for i, word in enumerate(["delta", "alpha", "echo", "charlie", "bravo", "golf", "foxtrot"]):
        box.new_model(f"m{i}-{word}", description=f"{word} model", namespace="vision" if i == 6 else None)
    browser = ModelBrowser(box, page_size=3, live=False)
    try:
        assert names(browser) == ["m0-delta", "m1-alpha", "m2-echo"]
        assert browser.previous_button.disabled and not browser.next_button.disabled
        browser.next_button.click()
        assert names(browser) == ["m3-charlie", "m4-bravo", "m5-golf"]
        browser.next_button.click()
        assert names(browser) == ["m6-foxtrot"] and browser.next_button.disabled
        browser.sort_by.value = "description"  # back to page 1
        assert names(browser) == ["m1-alpha", "m4-bravo", "m3-charlie"]
        browser.order.value = "desc"
        assert names(browser) == ["m5-golf", "m6-foxtrot", "m2-echo"]
        browser.name_filter.value = "M2"
        assert names(browser) == ["m2-echo"]
        browser.name_filter.value = ""
        browser.description_filter.value = "ALPHA"
        assert names(browser) == ["m1-alpha"]
        browser.description_filter.value = ""
        assert "vision" in browser.namespace.options
        browser.namespace.value = "vision"
        assert names(browser) == ["m6-foxtrot"]
    finally:
        browser.close()


def test_browser_shows_versions_newest_first_and_artifacts(box: ModelBox, files: dict[str, Path]) -> None:
    model = box.new_model("resnet", description="image classifier", metadata={"dataset": "imagenet"})
    model.new_model_version(framework="pytorch-2.4", unique_tags=["staging"])
    second = model.new_model_version(version="v2-label", framework="jax", unique_tags=["production"])
    uploaded = second.upload_artifact(files["weights"])[0]
    browser = ModelBrowser(box, live=False)
    try:
        browser.select("resnet")
        details = browser.details.value
        assert browser.selected == model
        assert "image classifier" in details and "imagenet" in details
        assert details.index("v2-label") < details.index("staging")  # newest first
        assert "production" in details and "pytorch-2.4" in details and "jax" in details
        assert "weights.pt" in details and uploaded.checksum in details
    finally:
        browser.close()


def test_browser_follows_the_event_feed_until_closed(box: ModelBox, other_client: ModelBox) -> None:
    box.new_model("first")
    browser = ModelBrowser(box)
    try:
        browser.select("first")
        other_client.new_model("made-elsewhere", description="by another client")
        eventually(lambda: "made-elsewhere" in names(browser))
        other_client.get_model("first").add_metadata({"accuracy": 0.93})
        eventually(lambda: "0.93" in browser.details.value)
    finally:
        browser.close()
    feed = feed_for(box)
    eventually(lambda: not feed.running, timeout=feed.poll_seconds + 5)


def test_browser_reports_server_errors_readably(box: ModelBox) -> None:
    box.new_model("present")
    browser = ModelBrowser(box, live=False)
    try:
        browser.select("present")
        box.get_model("present").delete()
        browser.details.refresh()
        assert "was deleted" in browser.details.value
    finally:
        browser.close()


# -- forms -------------------------------------------------------------------------------------


def test_create_model_form_creates_once_on_a_double_click(box: ModelBox) -> None:
    form = CreateModelForm(box)
    form.name.value = "mnist"
    form.description.value = "digits"
    form.metadata.mode.value = "key / value rows"
    key, value = form.metadata.rows.children[0].children[:2]
    key.value, value.value = "lr", "0.001"
    key2, value2 = form.metadata.add_row()
    key2.value, value2.value = "dataset", "mnist v2"
    form.button.click()
    form.button.click()  # the queued second click of a double click
    assert [m.name for m in box.get_models()] == ["mnist"]
    model = box.get_model("mnist")
    assert model.metadata == {"lr": 0.001, "dataset": "mnist v2"} and model.description == "digits"
    assert form.created == model and "Created model default/mnist" in form.message.value
    assert form.button.disabled
    form.name.value = "mnist-2"  # a change re-arms the button
    assert not form.button.disabled
    form.button.click()
    assert sorted(m.name for m in box.get_models()) == ["mnist", "mnist-2"]


def test_create_model_form_validates_inline_and_shows_server_errors(box: ModelBox) -> None:
    box.new_model("taken")
    form = CreateModelForm(box)
    form.button.click()
    assert "needs a name" in form.message.value and not form.button.disabled
    form.name.value = "fresh"
    form.metadata.json_text.value = '{"lr": 0.1,'
    form.button.click()
    assert "not valid JSON" in form.message.value
    form.metadata.json_text.value = "[1, 2]"
    form.button.click()
    assert "must be a JSON object" in form.message.value
    form.metadata.mode.value = "key / value rows"
    form.metadata.rows.children[0].children[1].value = "orphan value"
    form.button.click()
    assert "has a value but no key" in form.message.value
    assert [m.name for m in box.get_models()] == ["taken"]  # nothing was sent
    form.metadata.clear()
    form.name.value = "taken"
    form.button.click()
    assert "AlreadyExistsError" in form.message.value and "taken" in form.message.value
    assert not form.button.disabled and form.created is None


def test_register_version_form_from_a_checkpoint(box: ModelBox, files: dict[str, Path]) -> None:
    model = box.new_model("detector")
    checkpoint = box.new_checkpoint([files["weights"]], framework="pytorch")
    form = RegisterVersionForm(model)
    form.checkpoint_uuid.value = checkpoint.uuid
    form.label.value = "first-try"
    form.framework.value = "pytorch-2.4"
    form.tags.value = ["production", "candidate"]
    form.metadata.json_text.value = '{"epochs": 3}'
    form.button.click()
    form.button.click()
    versions = model.get_versions()
    assert len(versions) == 1
    version = versions[0]
    assert version.checkpoint_uuid == checkpoint.uuid and version.version == "first-try"
    assert sorted(version.tags) == ["candidate", "production"] and version.metadata == {"epochs": 3}
    assert form.created == version and "Registered detector version 1" in form.message.value


def test_register_version_form_from_files(box: ModelBox, files: dict[str, Path]) -> None:
    model = box.new_model("ranker")
    form = RegisterVersionForm(model)
    form.source.value = RegisterVersionForm.FROM_FILES
    form.files.value = f"{files['weights']}\n{files['weights'].parent / 'missing.bin'}"
    form.button.click()
    assert "no such file or folder" in form.message.value and model.get_versions() == []
    form.files.value = f"{files['weights']}\n{files['notes']}"
    form.button.click()
    version = model.get_version()
    assert version is not None and version.number == 1
    stored = {a.path: a.checksum for a in version.checkpoint.artifacts()}
    assert stored == {"weights.pt": hashlib.sha256(files["weights"].read_bytes()).hexdigest(),
                      "notes.txt": hashlib.sha256(files["notes"].read_bytes()).hexdigest()}


def test_register_version_form_rejects_bad_tags_and_shows_conflicts(box: ModelBox) -> None:
    model = box.new_model("tagged")
    model.new_model_version(unique_tags=["production"])
    form = RegisterVersionForm(model)
    form.source.value = RegisterVersionForm.EMPTY
    form.tags.value = ["has space"]
    form.button.click()
    assert "tags may use" in form.message.value
    form.tags.value = ["prod", "PROD"]
    form.button.click()
    assert "given twice" in form.message.value
    form.source.value = RegisterVersionForm.FROM_CHECKPOINT
    form.tags.value = []
    form.button.click()
    assert "checkpoint's uuid" in html.unescape(form.message.value)
    form.checkpoint_uuid.value = "no-such-checkpoint"
    form.button.click()
    assert "NotFoundError" in form.message.value
    form.source.value = RegisterVersionForm.EMPTY
    form.tags.value = ["production"]
    form.button.click()
    assert "ConflictError" in form.message.value and "production" in form.message.value
    assert [v.number for v in model.get_versions()] == [1]


# -- MetricsPlot -------------------------------------------------------------------------------


def versions_with_curves(box: ModelBox) -> tuple[Model, ModelVersion, ModelVersion]:
    model = box.new_model("curves")
    first, second = model.new_model_version(), model.new_model_version()
    steps = np.arange(200)
    first.log_metrics({"loss": np.exp(-steps / 50) + 0.01, "accuracy": 1 - np.exp(-steps / 50)}, step=steps,
                      wallclock=1_700_000_000 + steps * 2.0)
    second.log_metrics({"loss": np.exp(-steps / 30) + 0.01}, step=steps, wallclock=1_700_001_000 + steps * 1.0)
    return model, first, second


def test_metrics_plot_draws_a_million_points_from_the_downsampled_series(box: ModelBox) -> None:
    version = box.new_model("big").new_model_version()
    values = np.sin(np.arange(1_000_000) / 1000.0)
    values[654_321] = 50.0  # a spike that a plot must not lose
    version.log_metrics({"loss": values}, step=np.arange(1_000_000))
    plot = MetricsPlot(version, max_points=2000)
    try:
        frame = next(iter(plot.frames.values()))
        assert 0 < len(frame) <= 2000
        assert frame["value"].max() == 50.0
        assert plot.png.startswith(b"\x89PNG\r\n\x1a\n")
        assert "2000 points drawn" in plot.status.value or "points drawn" in plot.status.value
    finally:
        plot.close()


def test_metrics_plot_keys_versions_axes_smoothing_and_log_scale(box: ModelBox) -> None:
    model, first, second = versions_with_curves(box)
    plot = MetricsPlot(model)  # a model: its newest version is selected
    try:
        assert plot.selected_versions() == [second]
        assert list(plot.key_select.options) == ["loss"]
        plot.version_select.value = (first.id, second.id)
        assert list(plot.key_select.options) == ["accuracy", "loss"]
        assert len(plot.frames) == 2
        axes = plot.figure.axes
        assert [ax.get_ylabel() for ax in axes] == ["accuracy", "loss"]
        assert len(axes[1].get_legend().get_texts()) == 2
        plot.key_select.value = ("loss",)
        before = plot.png
        plot.log_y.value = True
        assert plot.figure.axes[0].get_yscale() == "log" and plot.png != before
        plot.x.value = "relative"
        assert plot.figure.axes[0].get_xlabel() == "seconds since the first point"
        series, _ = curve(plot.frames[next(iter(plot.frames))], "loss", "relative")
        assert series.index.min() == 0.0
        plot.x.value = "wallclock"
        series, _ = curve(next(iter(plot.frames.values())), "loss", "wallclock")
        assert series.index[0] == datetime(2023, 11, 14, 22, 13, 20)
        plot.smoothing.value = 0.9
        raw, smoothed = curve(next(iter(plot.frames.values())), "loss", "step", 0.9)
        assert smoothed is not None and smoothed.iloc[-1] > raw.iloc[-1]  # lags behind a falling curve
        assert len(plot.figure.axes[0].lines) == 4  # raw (faded) + smoothed, per version
    finally:
        plot.close()


def test_metrics_plot_live_redraws_while_a_loop_logs(box: ModelBox, other_client: ModelBox) -> None:
    version = box.new_model("live").new_model_version()
    version.log_metrics({"loss": 1.0}, step=0)
    plot = version.plot_metrics("loss", live=True)
    try:
        assert isinstance(plot, MetricsPlot) and plot.live
        elsewhere = other_client.get_model("live").get_version()

        def training_loop() -> None:
            for step in range(1, 40):
                elsewhere.log_metrics({"loss": 1.0 / (step + 1), "accuracy": step / 40}, step=step)
                time.sleep(0.02)
            other_client.flush()

        thread = threading.Thread(target=training_loop)
        thread.start()
        thread.join()
        eventually(lambda: sum(len(f) for f in plot.frames.values()) >= 40)
        eventually(lambda: "accuracy" in plot.key_select.options)
    finally:
        plot.close()
    assert not plot.live


# -- ArtifactDropZone --------------------------------------------------------------------------


def rest(server: JupyterServer, method: str, path: str, **kwargs: object) -> requests.Response:
    """The requests the drop zone's ES module makes."""
    answer = requests.request(method, f"{server.url}modelbox/api{path}", timeout=30,
                              headers={"Authorization": f"token {server.token}", **kwargs.pop("headers", {})},
                              **kwargs)  # type: ignore[arg-type]
    answer.raise_for_status()
    return answer


def test_drop_zone_registers_a_desktop_upload_reported_by_the_browser(
        box: ModelBox, jupyter_server: JupyterServer) -> None:
    version = box.new_model("dropped").new_model_version()
    zone = ArtifactDropZone(version, live=False)
    try:
        assert zone.drop_target.target_id == version.id and "dropped version 1" in zone.drop_target.target_label
        assert "none yet" in zone.listing.value
        payload = np.random.default_rng(1).bytes(3 * 1024 * 1024 + 17)
        upload_id = rest(jupyter_server, "POST", "/uploads", json={}).json()["upload_id"]
        chunk = zone.drop_target.chunk_bytes // 4
        for offset in range(0, len(payload), chunk):
            rest(jupyter_server, "PUT", f"/uploads/{upload_id}?offset={offset}", data=payload[offset:offset + chunk],
                 headers={"Content-Type": "application/octet-stream"})
        checksum = hashlib.sha256(payload).hexdigest()
        rest(jupyter_server, "POST", f"/uploads/{upload_id}/finish", json={"checksum": checksum})
        doc = rest(jupyter_server, "POST", f"/objects/{version.id}/artifacts",
                   json={"path": "model.bin", "checksum": checksum, "size": len(payload)}).json()
        zone.drop_target._handle_custom_msg({"kind": "uploaded", "artifacts": [doc], "errors": []}, [])
        assert "model.bin" in zone.listing.value and checksum in zone.listing.value
        assert "added model.bin" in zone.status.value and "modelbox-ok" in zone.status.value
        assert [(a.path, a.checksum) for a in version.artifacts()] == [("model.bin", checksum)]
        # a report the registry does not confirm is shown as an error
        zone.drop_target._handle_custom_msg({"kind": "uploaded", "artifacts": [{"path": "ghost.bin"}],
                                             "errors": ["big.bin: IntegrityError: checksum mismatch"]}, [])
        assert "not in the registry: ghost.bin" in zone.status.value and "IntegrityError" in zone.status.value
    finally:
        zone.close()


def test_drop_zone_follows_file_browser_copies_through_the_event_feed(
        box: ModelBox, jupyter_server: JupyterServer) -> None:
    model = box.new_model("from-contents")
    (jupyter_server.workdir / "notebooks" / "data").mkdir(exist_ok=True)
    source = jupyter_server.workdir / "notebooks" / "data" / "labels.csv"
    source.write_text("id,label\n1,cat\n")
    zone = ArtifactDropZone(model)
    try:
        rest(jupyter_server, "POST", f"/objects/{model.id}/artifacts-from-contents",
             json={"paths": ["data/labels.csv"]})
        checksum = hashlib.sha256(source.read_bytes()).hexdigest()
        eventually(lambda: checksum in zone.listing.value)
        assert "labels.csv" in zone.listing.value
    finally:
        zone.close()


def test_drop_zone_ships_the_bundled_module_and_says_how_to_build_a_missing_one(
        box: ModelBox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = box.new_model("bundled")
    zone = ArtifactDropZone(model, live=False)
    try:  # one self-contained ES module: nothing imported at run time (no JupyterLab, no CDN)
        module = zone.drop_target._esm
        assert re.search(r"export\s*\{[^}]*\bas default\s*\}", module)
        assert not re.search(r"""\bimport\s*[\w{*]|\bimport\(|\brequire\(""", module)
    finally:
        zone.close()
    monkeypatch.setattr(drop_zone, "BROWSER_MODULE", tmp_path / "missing.js")
    with pytest.raises(RuntimeError, match=r"missing\.js is not built: run ./dev.sh setup.*npm run build:dropzone"):
        ArtifactDropZone(model, live=False)


def test_drop_zone_falls_back_to_a_capped_file_upload_without_a_server_page(box: ModelBox) -> None:
    model = box.new_model("vscode")
    zone = ArtifactDropZone(model, live=False, fallback_limit_bytes=1024)
    try:
        assert zone.fallback.layout.display == "none"
        zone.drop_target._handle_custom_msg({"kind": "no-server", "reason": "no jupyter-config-data"}, [])
        assert zone.fallback.layout.display is None and "1024" not in zone.fallback.children[0].value
        small = {"name": "notes.txt", "type": "text/plain", "size": 5, "content": memoryview(b"hello"),
                 "last_modified": datetime.now()}
        big = {"name": "big.bin", "type": "", "size": 2048, "content": memoryview(b"x" * 2048),
               "last_modified": datetime.now()}
        zone.upload.value = (small, big)
        assert "too big" in zone.status.value and "big.bin" in zone.status.value
        assert [(a.path, a.checksum) for a in model.artifacts()] == [
            ("notes.txt", hashlib.sha256(b"hello").hexdigest())]
        assert zone.upload.value == ()  # the bytes are not kept in the widget
        assert hashlib.sha256(b"hello").hexdigest() in zone.listing.value
    finally:
        zone.close()


# -- panel -------------------------------------------------------------------------------------


def test_panel_combines_details_form_plot_and_drop_zone(box: ModelBox) -> None:
    model, _, second = versions_with_curves(box)
    shown = panel(model)
    try:
        assert shown.titles == ("Overview", "Register version", "Metrics", "Artifacts")
        assert shown.drop_zone.target == second
        assert isinstance(shown.metrics, MetricsPlot) and shown.metrics.selected_versions() == [second]
        shown.register_form.source.value = RegisterVersionForm.EMPTY
        shown.register_form.label.value = "from-the-panel"
        shown.register_form.button.click()
        assert model.get_version().version == "from-the-panel"
        eventually(lambda: "from-the-panel" in shown.details.value)
    finally:
        shown.close()


def test_metrics_plot_draws_points_logged_without_steps_in_their_order(box: ModelBox) -> None:
    version = box.new_model("stepless").new_model_version()
    version.log_metrics({"loss": [0.9, 0.5, 0.3]})
    plot = MetricsPlot(version)
    try:
        [ax] = plot.figure.axes
        assert ax.get_xlabel() == "points in the order logged (they have no step)"
        assert list(ax.lines[0].get_xdata()) == [0, 1, 2] and list(ax.lines[0].get_ydata()) == [0.9, 0.5, 0.3]
    finally:
        plot.close()


# -- text as people read it --------------------------------------------------------------------


def test_widget_text_says_1_version_sizes_for_people_and_keeps_labels_whole(
    box: ModelBox, files: dict[str, Path]
) -> None:
    one = box.new_model("one-version")
    version = one.new_model_version()
    version.upload_artifact(files["weights"])  # 16,384 bytes
    version.upload_artifact(files["notes"])  # 21 bytes
    box.new_model("two-versions").new_model_version()
    box.get_model("two-versions").new_model_version()
    browser = ModelBrowser(box, live=False)
    zone = ArtifactDropZone(version, live=False)
    try:
        labels = [label for label, _ in browser.listing.options]
        assert any(label.startswith("default/one-version  (1 version)") for label in labels), labels
        assert any(label.startswith("default/two-versions  (2 versions)") for label in labels), labels
        browser.select("one-version")
        for shown in (browser.details.value, zone.listing.value):
            assert "16.0 KiB" in shown and "21 B" in shown and "16384" not in shown
    finally:
        browser.close()
        zone.close()
    editor = MetadataEditor()
    assert editor.mode.style.button_width == "auto"  # "key / value rows" is not cut to "key / value r…"

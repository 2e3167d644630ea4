"""The notebook widgets in a real JupyterLab: browser, plot, and both kinds of drop on the drop zone."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from playwright.sync_api import Page

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import SCREENSHOTS, drop_from_desktop, run_notebook

pytestmark = pytest.mark.usefixtures("fresh_workspace")  # the lab server is shared

MODEL = "browser-widgets-demo"
DROPPED_SIZE = 300_000  # several chunks with the chunk size set below
CELLS = [
    "from jupyter_modelbox import ModelBox\n"
    "from jupyter_modelbox.widgets import ArtifactDropZone, MetricsPlot, ModelBrowser\n"
    "mb = ModelBox()  # found through the Jupyter server that started this kernel\n"
    "print('registry:', mb.location)",
    "ModelBrowser(mb)",
    f"version = mb.get_model({MODEL!r}).get_version()\nMetricsPlot(version, keys=['loss'])",
    "zone = ArtifactDropZone(version)\nzone.drop_target.chunk_bytes = 64 * 1024\nzone",
]


def dropped_bytes() -> bytes:
    return bytes(i * 7 % 251 for i in range(DROPPED_SIZE))


def test_widgets_render_and_drops_become_artifacts(page: Page, lab_server: JupyterServer, tmp_path: Path) -> None:
    with ModelBox(url=lab_server.url, token=lab_server.token) as mb:
        model = mb.new_model(MODEL, description="made for the widget browser test", exist_ok=True)
        version = model.get_version() or model.new_model_version(framework="numpy")
        version.log_metrics({"loss": [1.0 / (s + 1) for s in range(50)]}, step=list(range(50)))
    notebooks = lab_server.workdir / "notebooks"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in CELLS], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}),
        notebooks / "widgets_demo.ipynb")
    (notebooks / "drag-me.csv").write_text("id,label\n1,cat\n2,dog\n")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    run_notebook(page, lab_server, "widgets_demo.ipynb", len(CELLS))
    outputs = page.locator(".jp-Notebook .jp-OutputArea-output")

    # the kernel found the server by itself (JPY_PARENT_PID -> jpserver-<pid>.json)
    page.get_by_text(f"registry: Jupyter server {lab_server.url}").wait_for(timeout=120_000)
    page.locator(".jp-Notebook select option", has_text=MODEL).first.wait_for(timeout=60_000)
    plot = outputs.locator("img").first
    plot.wait_for(timeout=60_000)
    assert plot.evaluate("img => img.naturalWidth") > 100
    zone = page.locator(".modelbox-drop-zone")
    zone.scroll_into_view_if_needed()
    zone.wait_for(timeout=60_000)
    assert "Drop files here to attach them to" in zone.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "notebook_widgets_before_drop.png"))

    # a desktop file: chunked upload from the browser, sha256 computed there and checked by the server
    transfer = page.evaluate_handle(f"""() => {{
        const bytes = new Uint8Array({DROPPED_SIZE});
        for (let i = 0; i < bytes.length; i++) bytes[i] = i * 7 % 251;
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'dropped.bin', {{ type: 'application/octet-stream' }}));
        return transfer;
    }}""")
    for kind in ("dragenter", "dragover", "drop"):
        zone.dispatch_event(kind, {"dataTransfer": transfer})
    checksum = hashlib.sha256(dropped_bytes()).hexdigest()
    page.get_by_text(checksum).wait_for(timeout=60_000)  # the artifact list, refreshed by the kernel
    assert page.locator(".modelbox-drop-ok", has_text="dropped.bin").count() == 1

    # a desktop folder: every file inside, at its path below the folder (hidden files left out)
    (tmp_path / "ckpt" / "eval").mkdir(parents=True)
    (tmp_path / "ckpt" / "eval" / "metrics.json").write_text('{"f1": 0.8}')
    (tmp_path / "ckpt" / ".lock").write_text("hidden")
    drop_from_desktop(page, zone, [tmp_path / "ckpt"])
    folder_checksum = hashlib.sha256(b'{"f1": 0.8}').hexdigest()
    page.get_by_text(folder_checksum).wait_for(timeout=60_000)
    assert page.locator(".modelbox-drop-ok", has_text="ckpt/eval/metrics.json").count() == 1

    # a file-browser item: a Lumino drag, copied on the server
    listed = page.locator(".jp-DirListing-item", has_text="drag-me.csv")
    if not listed.is_visible():  # another test's workspace may show a different side panel
        page.locator(".jp-SideBar [data-id='filebrowser']").click()
    listed.wait_for()
    source = listed.bounding_box()
    target = zone.bounding_box()
    assert source is not None and target is not None
    page.mouse.move(source["x"] + 20, source["y"] + source["height"] / 2)
    page.mouse.down()
    page.mouse.move(source["x"] + 40, source["y"] + source["height"] / 2 + 10, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=20)
    page.mouse.up()
    csv_checksum = hashlib.sha256((notebooks / "drag-me.csv").read_bytes()).hexdigest()
    page.get_by_text(csv_checksum).wait_for(timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / "notebook_widgets_after_drops.png"))

    with ModelBox(url=lab_server.url, token=lab_server.token) as mb:
        stored = {a.path: a.checksum for a in mb.get_model(MODEL).get_version().artifacts()}
    assert stored["dropped.bin"] == checksum and stored["drag-me.csv"] == csv_checksum
    assert stored["ckpt/eval/metrics.json"] == folder_checksum and "ckpt/.lock" not in stored
    assert (notebooks / "drag-me.csv").exists()  # copied, not moved
    assert errors == []

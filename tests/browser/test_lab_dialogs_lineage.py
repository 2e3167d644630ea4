"""Side-panel bugs of issue 15 in a real JupyterLab: the upload picker, a notebook's lineage, the create dialog.

The tests share one JupyterLab server (and registry), so each uses its own model names.
"""

from __future__ import annotations

import contextlib
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import SCREENSHOTS, open_lab, run_notebook, unique
from .test_lab_panel import PANEL, open_panel, open_version, show_panel

pytestmark = pytest.mark.usefixtures("fresh_workspace")  # the lab server is shared


def test_upload_picker_sends_the_version_of_the_model_it_shows(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox
) -> None:
    first, second = unique("picker-first"), unique("picker-second")
    for name in (first, second):
        model = modelbox.new_model(name)
        for label in ("a", "b", "c"):
            model.new_model_version(version=label)
    filename = f"{unique('weights')}.bin"
    (lab_server.workdir / "notebooks" / filename).write_bytes(b"weights" * 100)

    open_lab(page, lab_server)
    files_tab = page.locator(".jp-SideBar [data-id='filebrowser']")
    if files_tab.get_attribute("aria-selected") != "true":
        files_tab.click()
    page.locator(".jp-DirListing-item", has_text=filename).click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Upload to model registry…").click()
    dialog = page.locator(".jp-Dialog")
    models = dialog.get_by_label("Model", exact=True)
    versions = dialog.get_by_label("Version", exact=True)
    dialog.get_by_label("Filter models").fill(first)
    expect(models.locator("option")).to_have_text([f"{first} (default)"])
    expect(versions.locator("option")).to_have_count(4)
    # typing another filter replaces the models: the versions must follow (they kept the first model's)
    dialog.get_by_label("Filter models").fill(second)
    expect(models.locator("option")).to_have_text([f"{second} (default)"])
    expect(versions.locator("option")).to_have_count(4)
    second_ids = {v.number: v.id for v in modelbox.get_model(second).get_versions()}
    expect(versions.locator("option").nth(1)).to_have_attribute("value", second_ids[3])
    versions.select_option(label="v2 · b")
    dialog.get_by_role("button", name="Upload").click()

    transfer = page.locator(PANEL).locator(".jp-ModelboxTransfer")
    expect(transfer).to_contain_text("Added 1 artifact.")
    expect(transfer).to_contain_text(f"{second} (default) v2")
    assert [a.path for a in modelbox.get_model(second).get_version(2).artifacts()] == [filename]
    assert modelbox.get_model(first).get_version(2).artifacts() == []


def test_lineage_of_a_version_registered_from_a_notebook(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("from-notebook")
    notebook = f"{unique('train')}.ipynb"
    cells = [
        "from jupyter_modelbox import ModelBox\nmb = ModelBox()",
        "learning_rate = 0.01  # a training cell",
        f"version = mb.new_model({name!r}).new_model_version(version='trained')\nprint('registered', version.number)",
    ]
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}),
        lab_server.workdir / "notebooks" / notebook)
    run_notebook(page, lab_server, notebook, len(cells))
    page.get_by_text("registered 1").wait_for(timeout=60_000)
    recorded = modelbox.get_model(name).get_version(1).lineage
    assert recorded and recorded["notebook"]["path"].endswith(notebook)  # the shape the kernel records

    show_panel(page)
    panel = page.locator(PANEL)
    view = open_version(panel, name, 1)
    lineage = view.locator(".jp-ModelboxLineage")
    row = lambda key: lineage.locator(f":scope > tbody > tr[data-key='{key}'] > td.jp-ModelboxLineage-value")  # noqa: E731
    expect(row("notebook")).to_contain_text(notebook)
    expect(row("python")).to_contain_text(recorded["python"]["version"])
    expect(row("host")).to_contain_text(recorded["host"]["hostname"])
    cell_count = recorded["cells"]["count"]
    expect(row("cells").locator("summary")).to_have_text(f"{cell_count} cells executed")
    expect(row("cells").locator(".jp-ModelboxLineage-sha code")).to_have_text(recorded["cells"]["sha256"])
    expect(row("cells").locator("details")).not_to_have_attribute("open", "")
    packages = recorded.get("packages_total", len(recorded["packages"]))
    expect(row("packages").locator("summary")).to_contain_text(f"{packages} packages")
    assert lineage.locator(".jp-ModelboxLineage-json").count() == 0  # nothing left as raw JSON
    row("cells").locator("summary").click()
    expect(row("cells").locator("pre").filter(has_text="learning_rate = 0.01")).to_have_count(1)
    view.locator(".jp-ModelboxLineage").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "lineage.png"))

    open_button = row("notebook").get_by_role("button", name="Open notebook")
    expect(open_button).to_be_enabled()
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=notebook).locator(".lm-TabBar-tabCloseIcon").click()
    unsaved = page.locator(".jp-Dialog").get_by_role("button", name=re.compile("Discard|Don't Save"))
    with contextlib.suppress(PlaywrightTimeoutError):  # the run changed the notebook: JupyterLab asks first
        unsaved.click(timeout=5_000)
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=notebook)).to_have_count(0)
    open_button.click()
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=notebook)).to_have_count(1)
    assert page_errors == []


def test_create_model_dialog_keeps_its_input_on_error(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    taken = unique("taken")
    modelbox.new_model(taken)
    fresh = unique("fresh")
    panel = open_panel(page, lab_server)

    panel.get_by_role("button", name="New model").click()
    dialog = page.locator(".jp-Dialog")
    name = dialog.get_by_label("Model name")
    expect(name).to_be_focused()
    dialog.get_by_label("Model description").fill("typed before the error")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.locator("[role=alert]")).to_have_text("Give the model a name.")

    name.fill(taken)
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.locator("[role=alert]")).to_contain_text(taken)
    expect(dialog.get_by_label("Model description")).to_have_value("typed before the error")
    expect(name).to_have_value(taken)

    name.fill(fresh)
    name.press("Enter")
    expect(dialog).to_have_count(0)
    expect(page.locator("#jp-main-dock-panel .jp-ModelboxModelView .jp-ModelboxDetail-title")).to_have_text(fresh)
    assert modelbox.get_model(fresh).description == "typed before the error"
    assert page_errors == []

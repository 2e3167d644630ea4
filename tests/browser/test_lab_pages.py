"""Model and version pages in JupyterLab's main area: header, snippet, Markdown description, sortable versions,
chart; retitled on rename, restored with the layout, closed on delete.

The tests share one JupyterLab server (and registry), so each uses its own model names.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import SCREENSHOTS, unique
from .test_lab_panel import PANEL, open_panel, open_version, search, show_panel

pytestmark = pytest.mark.usefixtures("fresh_workspace")  # the lab server is shared

CARD = """# Model card

A **small** convolutional network for digits.

| split | accuracy |
|-------|----------|
| test  | 0.991    |

<img src=x onerror="window.__pwned = true"> <script>window.__pwned = true</script>
"""


def tab(page: Page, label: str) -> Locator:
    return page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=label)


def test_model_page_in_the_main_area(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("page-model")
    model = modelbox.new_model(name, description=CARD, metadata={
        "dataset": "MNIST, 60,000 training images and 10,000 test images, normalised to zero mean"})
    for label, framework, tags in (("baseline", "pytorch", []), ("augmented", "onnx", ["staging"]),
                                   ("final", "pytorch", ["production"])):
        model.new_model_version(version=label, framework=framework, unique_tags=tags)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    panel = open_panel(page, lab_server)
    # Enter on the focused row of the side panel opens the model's page; the panel stays on the list
    search(panel, name)
    expect(panel.locator(".jp-ModelboxPanel-model")).to_have_count(1)  # the search has been applied
    panel.locator(".jp-ModelboxPanel-model", has_text=name).focus()
    page.keyboard.press("Enter")
    expect(tab(page, name)).to_have_count(1)
    expect(panel.locator(".jp-ModelboxPanel-model", has_text=name)).to_be_visible()
    assert panel.locator(".jp-ModelboxModelView:visible").count() == 0
    view = page.locator(f"#modelbox-model-{model.id} .jp-ModelboxModelView")
    expect(view.locator(".jp-ModelboxDetail-title")).to_have_text(name)
    expect(view.locator(".jp-ModelboxPage-idText")).to_have_text(model.id)
    expect(view.locator(".jp-ModelboxDetail-tags")).to_contain_text("production → v3")
    card = view.locator(".jp-ModelboxDescription-markdown")
    expect(card.locator("h1")).to_contain_text("Model card")
    expect(card.locator("strong")).to_have_text("small")
    expect(card.locator("table td").first).to_have_text("test")
    assert card.locator("script, [onerror]").count() == 0  # sanitized
    assert page.evaluate("window.__pwned") is None

    snippet = view.locator(".jp-ModelboxSnippet-code")
    expect(snippet).to_contain_text(f'mb.get_model("{name}").get_version()')
    view.locator(".jp-ModelboxSnippet-copy").click()
    expect(view.locator(".jp-ModelboxSnippet-copy")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == snippet.inner_text()

    numbers = view.locator(".jp-ModelboxVersions-number")
    expect(numbers).to_have_text(["3", "2", "1"])
    view.get_by_role("button", name="Label").click()
    expect(numbers).to_have_text(["2", "1", "3"])  # augmented, baseline, final
    view.get_by_role("button", name="#").click()
    expect(numbers).to_have_text(["3", "2", "1"])
    view.get_by_role("button", name="#").click()
    expect(numbers).to_have_text(["1", "2", "3"])
    view.get_by_role("button", name="#").click()
    expect(numbers).to_have_text(["3", "2", "1"])
    # keyboard: arrows move between rows, Enter opens the focused one
    view.locator(".jp-ModelboxVersions-row").first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(tab(page, f"{name} v2")).to_have_count(1)
    tab(page, name).first.click()
    page.screenshot(path=str(SCREENSHOTS / "model_page.png"))

    # renamed from Python: the tab follows; the layout (both tabs) comes back after a reload
    renamed = unique("page-renamed")
    modelbox.get_model(name).rename(renamed)
    expect(tab(page, renamed)).to_have_count(2, timeout=15_000)  # the model and its version
    time.sleep(2)  # the workspace is saved a moment after the layout changes
    page.reload()
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=60_000)
    expect(tab(page, renamed)).to_have_count(2, timeout=30_000)
    expect(page.locator(f"#modelbox-model-{model.id} .jp-ModelboxDetail-title")).to_have_text(renamed)

    modelbox.get_model(renamed).delete(cascade=True)
    expect(tab(page, renamed)).to_have_count(0, timeout=15_000)
    assert page_errors == []


def test_version_page_with_its_chart(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("page-version")
    model = modelbox.new_model(name)
    steps = np.arange(2_000)
    first = model.new_model_version(version="baseline")
    first.log_metrics({"loss": np.exp(-steps / 500.0), "val_loss": np.exp(-steps / 400.0) + 0.05}, step=steps)
    second = model.new_model_version(version="tuned", framework="pytorch")
    second.log_metrics({"loss": np.exp(-steps / 300.0), "val_loss": np.exp(-steps / 250.0) + 0.03}, step=steps)
    modelbox.flush()

    panel = open_panel(page, lab_server)
    open_version(panel, name, 2)  # from the model's page, a click on the version opens its page
    expect(tab(page, f"{name} v2")).to_have_count(1)
    version_page = page.locator(f"#modelbox-version-{second.id} .jp-ModelboxVersionView")
    expect(version_page.locator(".jp-ModelboxDetail-title")).to_contain_text("Version 2")
    expect(version_page.locator(".jp-ModelboxPage-idText")).to_have_text(second.id)
    expect(version_page.locator(".jp-ModelboxSnippet-code")).to_contain_text(
        f'mb.get_model("{name}").get_version(2)')
    chart = version_page.locator(".jp-ModelboxChart")
    expect(chart.locator(".uplot canvas")).to_be_visible()
    chart.locator(".jp-ModelboxChart-overlay", has_text="v1").locator("input").check()
    expect(chart.locator(".u-legend")).to_contain_text("(v1)")
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "version_page_with_chart.png"))

    show_panel(page)
    modelbox.get_model(name).get_version(2).delete()
    expect(tab(page, f"{name} v2")).to_have_count(0, timeout=15_000)
    assert page.locator(PANEL).count() == 1
    assert page_errors == []


def test_artifacts_on_the_pages_are_deleted_after_a_confirmation(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str], tmp_path: Path
) -> None:
    name = unique("page-artifacts")
    model = modelbox.new_model(name)
    version = model.new_model_version(version="with-files")
    (tmp_path / "weights.bin").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "notes.md").write_text("# notes\n")
    (tmp_path / "card.md").write_text("# card\n")
    version.upload_artifact([tmp_path / "weights.bin", tmp_path / "notes.md"])
    model.upload_artifact(tmp_path / "card.md")

    panel = open_panel(page, lab_server)
    view = open_version(panel, name, 1)
    rows = view.locator(".jp-ModelboxArtifacts-row")
    expect(rows).to_have_count(2)
    weights = rows.filter(has_text="weights.bin")
    expect(weights.locator(".jp-ModelboxArtifacts-size")).to_have_text("16.0 KiB")
    expect(weights.locator(".jp-ModelboxArtifacts-download")).to_be_visible()

    weights.get_by_role("button", name="Delete").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Delete weights.bin (16.0 KiB) from the registry?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert {a.path for a in modelbox.get_model(name).get_version(1).artifacts()} == {"weights.bin", "notes.md"}

    weights.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(rows.filter(has_text="weights.bin")).to_have_count(0)
    expect(rows).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "version_page_artifacts.png"))
    assert [a.path for a in modelbox.get_model(name).get_version(1).artifacts()] == ["notes.md"]

    # and on the model's page, its own artifacts
    tab(page, name).first.click()
    model_view = page.locator(f"#modelbox-model-{model.id} .jp-ModelboxModelView")
    card = model_view.locator(".jp-ModelboxArtifacts-row", has_text="card.md")
    card.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(card).to_have_count(0)
    assert modelbox.get_model(name).artifacts() == []
    assert page_errors == []


def test_pages_share_one_registry_state(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    """The model's page and its version's page show one model: one request for both, and one again after a change
    made elsewhere (the registry model holds the answers; the event feed forgets what changed)."""
    name = unique("page-shared")
    model = modelbox.new_model(name)
    model.new_model_version(version="first")
    model.new_model_version(version="second")
    asked: list[str] = []
    model_url = f"/modelbox/api/models/{model.id}"
    page.on("request", lambda request: asked.append(request.method) if request.url.endswith(model_url) else None)

    panel = open_panel(page, lab_server)
    version_view = open_version(panel, name, 2)
    model_view = page.locator(f"#modelbox-model-{model.id} .jp-ModelboxModelView")
    expect(model_view.locator(".jp-ModelboxDetail-title")).to_have_text(name)
    expect(tab(page, f"{name} v2")).to_have_count(1)
    assert asked == ["GET"], "the version's page asked again for the model its model's page had read"

    renamed = unique("page-shared-renamed")
    modelbox.get_model(name).rename(renamed)  # a change from Python: the pages hear of it through the feed
    expect(tab(page, renamed)).to_have_count(2, timeout=15_000)
    expect(model_view.locator(".jp-ModelboxDetail-title")).to_have_text(renamed)
    expect(version_view.locator(".jp-ModelboxSnippet-code")).to_contain_text(f'mb.get_model("{renamed}")')
    assert asked == ["GET", "GET"], "after the rename the pages did not read the model once between them"

    assert page_errors == []

"""The modelbox side panel in a real JupyterLab: create, register, drop artifacts, live updates, chart.

The tests share one JupyterLab server (and registry), so each uses its own model names.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import FloatRect, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import SCREENSHOTS, click_until, drop_from_desktop, open_lab, unique

pytestmark = pytest.mark.usefixtures("fresh_workspace")  # the lab server is shared

PANEL = "#jp-modelbox-panel"










def show_panel(page: Page) -> Locator:
    """Show the panel (the workspace may have restored it open already: then a click would close it)."""
    tab = page.locator(".jp-SideBar [data-id='jp-modelbox-panel']")
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    return panel


def open_panel(page: Page, server: JupyterServer) -> Locator:
    open_lab(page, server)
    panel = show_panel(page)
    expect(panel.locator(".jp-ModelboxList-status")).to_contain_text("model")
    return panel


def open_command_palette(page: Page) -> Locator:
    """The modal command palette, opened from the View menu (it closes again if focus moves: retry)."""
    palette = page.locator("#command-palette")
    for _ in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="View").click()
        page.locator(".lm-Menu-itemLabel", has_text="Command Palette").click()
        try:
            palette.locator("input").wait_for(state="visible", timeout=3000)
            return palette
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError("the command palette did not open")


def palette_labels(page: Page, query: str, expected: set[str]) -> set[str]:
    """Command palette entries matching ``query``, polled until ``expected`` shows (or 30 s pass).

    The palette closes when focus moves (a notification, the layout settling): then it is reopened.
    """
    palette = page.locator("#command-palette")
    seen: set[str] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not palette.locator("input").is_visible():
            open_command_palette(page)
            page.keyboard.type(query)  # the palette's input has the focus; fill() can race it closing
        seen = set(palette.locator(".lm-CommandPalette-itemLabel").all_text_contents())
        if expected <= seen:
            break
        page.wait_for_timeout(200)
    return seen


def search(panel: Locator, text: str) -> None:
    panel.get_by_label("Search models").fill(text)


def model_page(page: Page, model_id: str) -> Locator:
    """The model's page in the main area."""
    return page.locator(f"#modelbox-model-{model_id} .jp-ModelboxModelView")


def version_page(page: Page, version_id: str) -> Locator:
    """The version's page in the main area."""
    return page.locator(f"#modelbox-version-{version_id} .jp-ModelboxVersionView")


def open_model(panel: Locator, name: str) -> Locator:
    """Find the model in the side panel and click it: its page opens in the main area."""
    search(panel, name)
    expect(panel.locator(".jp-ModelboxPanel-model")).to_have_count(1)  # the search has been applied
    row = panel.locator(".jp-ModelboxPanel-model", has_text=name)
    model_id = row.get_attribute("data-model-id")
    assert model_id, "the model list row names no model"
    view = model_page(panel.page, model_id)
    click_until(row, lambda: expect(view.locator(".jp-ModelboxDetail-title")).to_have_text(name, timeout=5000))
    return view


def open_version(panel: Locator, model_name: str, number: int) -> Locator:
    """Open the model's page, then click the version there: the version's page opens in the main area."""
    model = open_model(panel, model_name)
    row = model.locator(".jp-ModelboxVersions-row", has=panel.page.locator(
        ".jp-ModelboxVersions-number", has_text=re.compile(f"^{number}$")))
    version_id = row.get_attribute("data-version-id")
    assert version_id, "the versions table row names no version"
    view = version_page(panel.page, version_id)
    click_until(row, lambda: expect(view.locator(".jp-ModelboxDetail-title")).to_contain_text(
        f"Version {number}", timeout=5000))
    return view


def test_panel_creates_a_model_and_offers_its_commands(
    page: Page, lab_server: JupyterServer, page_errors: list[str]
) -> None:
    name = unique("created-in-panel")
    panel = open_panel(page, lab_server)

    panel.get_by_role("button", name="New model").click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_label("Model name").fill(name)
    dialog.get_by_label("Model description").fill("<img src=x onerror=alert(1)> made in the panel")
    dialog.get_by_role("button", name="Create").click()

    view = page.locator("#jp-main-dock-panel .jp-ModelboxModelView")  # its page opens in the main area
    expect(view.locator(".jp-ModelboxDetail-title")).to_have_text(name)
    card = view.locator(".jp-ModelboxDescription-markdown")  # the page renders it as sanitized Markdown
    expect(card).to_contain_text("made in the panel")
    assert card.locator("[onerror], script").count() == 0

    commands = {"Open Model Registry", "Create Model…", "Register Model Version…"}
    assert commands <= palette_labels(page, "Model", commands)
    page.keyboard.press("Escape")
    assert page_errors == []


def test_panel_edits_metadata_and_registers_a_version_with_a_tag(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("register")
    modelbox.new_model(name, description="to register")
    panel = open_panel(page, lab_server)
    view = open_model(panel, name)

    view.get_by_label("New metadata key").fill("owner_team")
    view.get_by_label("New metadata value").fill('{"name": "vision"}')
    view.get_by_role("button", name="Add").click()
    expect(view.locator(".jp-ModelboxMetadata-table tr[data-key='owner_team']")).to_contain_text('{"name":"vision"}')
    assert modelbox.get_model(name).metadata == {"owner_team": {"name": "vision"}}

    view.get_by_role("button", name="Register version").click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_label("Version label").fill("first")
    dialog.get_by_label("Framework").fill("pytorch")
    dialog.get_by_label("Tags").fill("staging")
    dialog.get_by_role("button", name="Register").click()

    row = view.locator(".jp-ModelboxVersions-row").first
    expect(row.locator(".jp-ModelboxVersions-number")).to_have_text("1")
    expect(row.locator(".jp-ModelboxVersions-label")).to_have_text("first")
    expect(row.locator(".jp-ModelboxVersions-framework")).to_have_text("pytorch")
    expect(row.locator(".jp-ModelboxTag")).to_contain_text("staging")
    assert modelbox.get_model(name).get_version(1).tags == ["staging"]
    assert page_errors == []


def test_register_dialog_takes_chosen_files_and_a_dropped_folder(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str], tmp_path: Path
) -> None:
    name = unique("dialog-files")
    modelbox.new_model(name)
    chosen = tmp_path / "model.onnx"
    chosen.write_bytes(b"onnx graph bytes" * 500)
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "report.md").write_text("# accuracy 0.91\n")
    panel = open_panel(page, lab_server)
    open_model(panel, name).get_by_role("button", name="Register version").click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_label("Version label").fill("with-files")
    dialog.get_by_label("Choose files").set_input_files(chosen)
    drop_from_desktop(page, dialog.locator(".jp-ModelboxFiles"), [tmp_path / "eval"])
    listed = dialog.locator(".jp-ModelboxFiles-list li")
    expect(listed).to_have_text(["model.onnx", "eval/report.md"])
    dialog.get_by_role("button", name="Register").click()

    rows = panel.locator(".jp-ModelboxTransfer.jp-mod-done")
    expect(rows).to_have_count(2, timeout=30_000)
    stored = {a.path: a.checksum for a in modelbox.get_model(name).get_version(1).artifacts()}
    assert stored == {"model.onnx": hashlib.sha256(chosen.read_bytes()).hexdigest(),
                      "eval/report.md": hashlib.sha256(b"# accuracy 0.91\n").hexdigest()}
    assert page_errors == []


def test_panel_moves_a_tag_after_confirmation(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox
) -> None:
    name = unique("tag-move")
    model = modelbox.new_model(name)
    model.new_model_version(version="a", unique_tags=["production"])
    model.new_model_version(version="b")
    panel = open_panel(page, lab_server)
    view = open_model(panel, name)

    newest = view.locator(".jp-ModelboxVersions-row").first
    newest.locator(".jp-ModelboxTag-add").click()
    page.locator(".jp-Dialog input").fill("production")
    page.locator(".jp-Dialog").get_by_role("button", name="Ok").click()
    confirm = page.locator(".jp-Dialog")
    expect(confirm).to_contain_text("Move tag")
    confirm.get_by_role("button", name="Move tag").click()

    expect(newest.locator(".jp-ModelboxTag")).to_contain_text("production")
    assert model.get_version("production").number == 2


def test_panel_takes_a_desktop_file_and_a_file_browser_file(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("drops")
    modelbox.new_model(name).new_model_version(version="with-files")
    browser_file = f"{unique('weights')}.bin"
    browser_bytes = bytes(range(256)) * 40
    (lab_server.workdir / "notebooks" / browser_file).write_bytes(browser_bytes)
    desktop_text = "desktop bytes " * 1000

    panel = open_panel(page, lab_server)
    # the file browser and the panel side by side: the panel goes to the right sidebar
    if page.locator("#jp-right-stack").locator(PANEL).count() == 0:
        page.locator(".jp-SideBar [data-id='jp-modelbox-panel']").click(button="right")
        page.locator(".lm-Menu-itemLabel", has_text="Switch Sidebar Side").click()
    show_panel(page)
    view = open_version(panel, name, 1)

    transfer = page.evaluate_handle(
        """text => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], 'notes.txt', { type: 'text/plain' }));
            return transfer;
        }""",
        desktop_text,
    )
    view.dispatch_event("dragenter", {"dataTransfer": transfer})
    view.dispatch_event("dragover", {"dataTransfer": transfer})
    view.dispatch_event("drop", {"dataTransfer": transfer})
    artifacts = view.locator(".jp-ModelboxArtifacts-row")
    expect(artifacts.filter(has_text="notes.txt")).to_have_count(1)

    page.locator(".jp-SideBar [data-id='filebrowser']").click()
    page.locator(".jp-DirListing-item", has_text=browser_file).drag_to(view.locator(".jp-ModelboxDetail-title"))
    expect(artifacts.filter(has_text=browser_file)).to_have_count(1)

    for filename, data in (("notes.txt", desktop_text.encode()), (browser_file, browser_bytes)):
        checksum = artifacts.filter(has_text=filename).locator(".jp-ModelboxArtifacts-checksum")
        expect(checksum).to_have_text(hashlib.sha256(data).hexdigest())
    stored = {a.path: a for a in modelbox.get_model(name).get_version(1).artifacts()}
    assert set(stored) == {"notes.txt", browser_file}
    assert page_errors == []


def test_panel_takes_a_desktop_folder_with_relative_paths(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str], tmp_path: Path
) -> None:
    name = unique("folder-drop")
    modelbox.new_model(name).new_model_version(version="with-a-folder")
    run = tmp_path / "run"
    (run / "eval").mkdir(parents=True)
    (run / "weights.bin").write_bytes(bytes(range(256)) * 100)
    (run / "eval" / "scores.json").write_text('{"accuracy": 0.93}')
    (run / ".cache").write_text("hidden: not added")
    (tmp_path / "empty").mkdir()

    panel = open_panel(page, lab_server)
    view = open_version(panel, name, 1)
    drop_from_desktop(page, view, [run, tmp_path / "empty"])

    artifacts = view.locator(".jp-ModelboxArtifacts-row")
    for path in ("run/weights.bin", "run/eval/scores.json"):
        checksum = hashlib.sha256((tmp_path / path).read_bytes()).hexdigest()
        expect(artifacts.filter(has_text=path).locator(".jp-ModelboxArtifacts-checksum")).to_have_text(checksum)
    expect(page.locator(".jp-ModelboxTransfer [role=alert]")).to_contain_text("empty: the folder has no files to add")
    stored = {a.path for a in modelbox.get_model(name).get_version(1).artifacts()}
    assert stored == {"run/weights.bin", "run/eval/scores.json"}
    assert page_errors == []


def test_model_created_from_python_appears_without_refresh(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox
) -> None:
    prefix = unique("live")
    panel = open_panel(page, lab_server)
    search(panel, prefix)
    expect(panel.locator(".jp-ModelboxList-status")).to_have_text("No models match.")

    modelbox.new_model(f"{prefix}-from-kernel", description="appears live")

    row = panel.locator(".jp-ModelboxPanel-model", has_text=f"{prefix}-from-kernel")
    expect(row).to_be_visible(timeout=15_000)
    expect(row).to_contain_text("appears live")
    expect(row).to_contain_text("0 versions")

    modelbox.get_model(f"{prefix}-from-kernel").new_model_version(version="v1")
    expect(row).to_contain_text("1 version", timeout=15_000)


def test_long_list_draws_only_the_rows_in_view_and_scrolls_to_the_end(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    """The model list is virtualized: it draws the rows in view and fetches the pages of 100 they are in."""
    prefix = unique("long")
    count = 1_250
    for i in range(count):
        modelbox.new_model(f"{prefix}-{i:04d}")
    try:
        _check_long_list(page, lab_server, prefix, count, page_errors)
    finally:  # the lab server is shared: other tests expect to see their models near the top of the list
        for _ in range(count):  # pages of at most the server's limit
            left = modelbox.get_models(name=prefix, limit=500)
            if not left:
                break
            for model in left:
                model.delete()


def _check_long_list(page: Page, lab_server: JupyterServer, prefix: str, count: int, page_errors: list[str]) -> None:
    listed: list[str] = []
    page.on("request", lambda r: listed.append(r.url) if "/modelbox/api/models?" in r.url else None)
    panel = open_panel(page, lab_server)
    with page.expect_response(lambda r: "/modelbox/api/models?" in r.url and prefix in r.url):
        search(panel, prefix)  # the box waits for typing to pause: scrolling before its query would be undone
    expect(panel.locator(".jp-ModelboxList-status")).to_have_text(f"{count} models")
    rows = panel.locator(".jp-ModelboxPanel-model")
    expect(rows.first).to_contain_text(f"{prefix}-0000")
    assert rows.count() < 60, "the list drew rows far out of view"
    # the panel is shown before the sidebar's layout gives it a height: the whole list must not count as in view
    assert page_offsets(url for url in listed if prefix not in url) == [0], "showing the panel fetched every page"

    scroller = panel.locator(".jp-ModelboxList-viewport")
    scroller.evaluate("node => { node.scrollTop = node.scrollHeight; }")
    last = panel.locator(".jp-ModelboxPanel-model", has_text=f"{prefix}-{count - 1:04d}")
    expect(last).to_be_visible(timeout=15_000)
    assert rows.count() < 60
    offsets = page_offsets(url for url in listed if prefix in url)
    assert offsets[0] == 0 and offsets[-1] == 1_200, offsets
    assert offsets == [0, 1_200], f"it fetched pages it did not show: {offsets}"

    # the keyboard moves from the last row up, and Enter opens the model's page
    last.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=f"{prefix}-{count - 2:04d}")).to_have_count(1)
    panel.screenshot(path=str(SCREENSHOTS / "sidebar_long_list_end.png"))
    assert page_errors == []


def page_offsets(urls: Iterable[str]) -> list[int]:
    """The offsets of the pages of models these list requests asked for, in order."""
    return sorted({int(re.search(r"offset=(\d+)", url).group(1)) for url in urls})  # type: ignore[union-attr]


def test_version_view_draws_the_metric_chart(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("chart")
    model = modelbox.new_model(name)
    first = model.new_model_version(version="baseline")
    steps = np.arange(200_000)
    wallclock = time.time() - 3600 + steps * 0.01
    first.log_metrics({"loss": np.exp(-steps / 50_000.0)}, step=steps, wallclock=wallclock)
    second = model.new_model_version(version="tuned")
    second.log_metrics({"loss": np.exp(-steps / 30_000.0), "accuracy": 1 - np.exp(-steps / 30_000.0)},
                       step=steps, wallclock=wallclock + 60)
    modelbox.flush()

    panel = open_panel(page, lab_server)
    view = open_version(panel, name, 2)
    chart = view.locator(".jp-ModelboxChart")
    expect(chart.locator(".uplot canvas")).to_be_visible()
    expect(chart.locator(".u-legend")).to_contain_text("accuracy")

    chart.locator(".jp-ModelboxChart-key", has_text="loss").locator("input").check()
    chart.locator(".jp-ModelboxChart-overlay", has_text="v1").locator("input").check()
    expect(chart.locator(".u-legend")).to_contain_text("loss (v1)")

    # drag to zoom: the steps under the left and right edges (the legend shows the step under the cursor)
    # go from the whole series to the dragged 30-60% of it, and Reset zoom brings the whole series back
    assert shown_steps(page, chart) == pytest.approx((0.02 * 200_000, 0.98 * 200_000), abs=3_000)
    box = plot_box(chart)
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    zoomed = (0.3 * 200_000 + 0.02 * 60_000, 0.3 * 200_000 + 0.98 * 60_000)
    assert shown_steps(page, chart) == pytest.approx(zoomed, abs=3_000)
    chart.get_by_role("button", name="Reset zoom").click()
    assert shown_steps(page, chart) == pytest.approx((0.02 * 200_000, 0.98 * 200_000), abs=3_000)

    chart.get_by_label("X axis").select_option("wallclock")
    expect(chart.locator(".u-legend")).to_contain_text("time")
    assert page_errors == []


def plot_box(chart: Locator) -> FloatRect:
    box = chart.locator(".u-over").bounding_box()
    assert box is not None
    return box


def shown_steps(page: Page, chart: Locator) -> tuple[float, float]:
    """The steps the chart shows under its left and right edges (2% in), read from the live legend."""
    box = plot_box(chart)
    value = chart.locator(".u-legend .u-series").first.locator(".u-value")
    steps = []
    for fraction in (0.02, 0.98):
        page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)
        shown, previous = None, ""
        for _ in range(50):  # the legend follows the cursor on the next frame: read until it holds still
            page.wait_for_timeout(100)
            shown, previous = value.inner_text(), shown
            if shown == previous and re.fullmatch(r"[\d,.]+", shown):
                break
        assert shown is not None and re.fullmatch(r"[\d,.]+", shown), f"the legend shows no step: {shown!r}"
        steps.append(float(shown.replace(",", "")))
    return steps[0], steps[1]


GRID_PIXELS = """host => {
    const canvas = host.querySelector('.uplot canvas');
    const grid = getComputedStyle(host).getPropertyValue('--jp-border-color2').trim();
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = grid;
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
        if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) count++;
    }
    return [grid, count];
}"""


def choose_theme(page: Page, theme: str) -> None:
    page.get_by_role("menuitem", name="Settings", exact=True).click()
    page.locator(".lm-Menu .lm-Menu-itemLabel").get_by_text("Theme", exact=True).click()
    page.locator(".lm-Menu .lm-Menu-itemLabel").get_by_text(theme, exact=True).click()


def test_metric_chart_draws_points_without_steps_and_follows_the_theme(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("theme")
    modelbox.new_model(name).new_model_version().log_metrics({"loss": [1.0 / (s + 1) for s in range(500)]})
    modelbox.flush()
    panel = open_panel(page, lab_server)
    chart = open_version(panel, name, 1).locator(".jp-ModelboxChart")
    # logged without steps (one call, one wallclock): drawn in their order, and the chart says why
    expect(chart.locator(".jp-ModelboxChart-message")).to_have_text(
        "These points were logged without a step: drawn in the order logged (or pick a time axis).")
    expect(chart.locator(".u-legend")).to_contain_text("point")
    expect(chart.locator(".uplot canvas")).to_be_visible()
    light_grid, light_pixels = chart.evaluate(GRID_PIXELS)
    assert light_pixels > 100  # the grid is drawn in the theme's border color
    try:
        choose_theme(page, "JupyterLab Dark")
        page.wait_for_function("document.body.dataset.jpThemeName === 'JupyterLab Dark'")

        def redrawn() -> bool:
            grid, pixels = chart.evaluate(GRID_PIXELS)
            return grid != light_grid and pixels > 100

        deadline = time.monotonic() + 20
        while not redrawn():
            assert time.monotonic() < deadline, "the chart kept the light theme's colors"
            time.sleep(0.2)
        page.locator("#jupyterlab-splash").wait_for(state="detached")  # the theme switch's overlay
        page.screenshot(path=str(SCREENSHOTS / "chart_in_the_dark_theme.png"))
    finally:
        choose_theme(page, "JupyterLab Light")
        page.wait_for_function("document.body.dataset.jpThemeName === 'JupyterLab Light'")
        page.locator("#jupyterlab-splash").wait_for(state="detached")
    assert page_errors == []


def test_file_browser_context_menu_uploads_to_a_chosen_model(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox
) -> None:
    name = unique("context-menu")
    modelbox.new_model(name)
    filename = f"{unique('config')}.json"
    (lab_server.workdir / "notebooks" / filename).write_text('{"lr": 0.1}')

    open_lab(page, lab_server)
    files_tab = page.locator(".jp-SideBar [data-id='filebrowser']")
    if files_tab.get_attribute("aria-selected") != "true":
        files_tab.click()
    page.locator(".jp-DirListing-item", has_text=filename).click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Upload to model registry…").click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_label("Filter models").fill(name)
    expect(dialog.get_by_label("Model", exact=True).locator("option")).to_have_count(1)
    dialog.get_by_role("button", name="Upload").click()

    expect(page.locator(PANEL).locator(".jp-ModelboxTransfer")).to_contain_text("Added 1 artifact.")
    assert [a.path for a in modelbox.get_model(name).artifacts()] == [filename]

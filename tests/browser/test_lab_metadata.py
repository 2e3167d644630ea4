"""Metadata in the side panel of a real JupyterLab: Remove visible at any width and asked again, broken JSON refused.

The tests share one JupyterLab server (and registry), so each uses its own model names.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import SCREENSHOTS, unique, wait_until
from .test_lab_panel import PANEL, open_model, open_panel

pytestmark = pytest.mark.usefixtures("fresh_workspace")  # the lab server is shared


def set_sidebar_width(page: Page, width: int) -> float:
    """Drag the handle between the panel's sidebar and the main area until the panel is ``width`` px wide.

    Returns the width reached (JupyterLab keeps a sidebar from getting narrower than its own minimum).
    """
    panel = page.locator(PANEL)
    # the handle on the panel's side of the main area: the panel may sit in either sidebar
    on_the_right = page.locator("#jp-right-stack").locator(PANEL).count() > 0
    handles = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle")
    handle = handles.last if on_the_right else handles.first
    for _ in range(3):
        start, box = handle.bounding_box(), panel.bounding_box()
        assert start is not None and box is not None
        y = start["y"] + start["height"] / 2
        page.mouse.move(start["x"] + start["width"] / 2, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] - width if on_the_right else box["x"] + width, y, steps=5)
        page.mouse.up()
        shown = panel.bounding_box()
        if shown is not None and abs(shown["width"] - width) <= 4:
            return shown["width"]
    raise AssertionError(f"the side panel did not become {width} px wide: {panel.bounding_box()}")


def fully_visible(button: Locator, panel: Locator) -> bool:
    """The button's label is not cut and the button lies inside the panel."""
    box, frame = button.bounding_box(), panel.bounding_box()
    if box is None or frame is None:
        return False
    inside = box["x"] >= frame["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5
    return inside and bool(button.evaluate("b => b.scrollWidth <= b.clientWidth"))


@pytest.mark.parametrize("width", [600, 250])
def test_metadata_remove_is_visible_and_asks_first(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str], width: int
) -> None:
    name = unique("metadata-remove")
    modelbox.new_model(name, metadata={
        "dataset": "imagenet-1k resized to 224 pixels with the standard train and validation split",
        "source": "https://example.com/datasets/imagenet/2012/train/really/long/path/to/the/archive.tar",
        "lr": 0.001,
    })
    panel = open_panel(page, lab_server)
    set_sidebar_width(page, width)
    view = open_model(panel, name)  # its page, beside the panel
    for key in ("dataset", "lr", "source"):
        remove = view.locator(f".jp-ModelboxMetadata-table tr[data-key='{key}']").get_by_role(
            "button", name="Remove", exact=True)
        expect(remove).to_have_text("Remove")
        wait_until(lambda remove=remove: fully_visible(remove, view), timeout=10)
    value = view.locator(".jp-ModelboxMetadata-table tr[data-key='dataset'] .jp-ModelboxMetadata-value")
    assert value.evaluate("td => td.getBoundingClientRect().width") > 100  # not one character per line
    page.screenshot(path=str(SCREENSHOTS / f"metadata_at_{width}px.png"))

    row = view.locator(".jp-ModelboxMetadata-table tr[data-key='lr']")
    row.get_by_role("button", name="Remove", exact=True).click()
    expect(row).to_contain_text("Remove lr?")
    row.get_by_role("button", name="Keep").click()
    assert "lr" in modelbox.get_model(name).metadata
    row.get_by_role("button", name="Remove", exact=True).click()
    row.locator(".jp-ModelboxMetadata-confirmRemove").click()
    expect(view.locator(".jp-ModelboxMetadata-table tr[data-key='lr']")).to_have_count(0)
    assert "lr" not in modelbox.get_model(name).metadata
    assert page_errors == []


def test_invalid_json_is_refused_and_stored_as_text_only_when_asked(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("metadata-json")
    modelbox.new_model(name)
    panel = open_panel(page, lab_server)
    view = open_model(panel, name)

    view.get_by_label("New metadata key").fill("optimizer")
    view.get_by_label("New metadata value").fill('{"lr": 0.0')
    view.get_by_role("button", name="Add").click()
    alert = view.locator(".jp-ModelboxMetadata-errors [role=alert]")
    expect(alert).to_contain_text("not valid JSON")
    assert modelbox.get_model(name).metadata == {}
    alert.get_by_role("button", name="Store as text").click()
    expect(view.locator(".jp-ModelboxMetadata-table tr[data-key='optimizer']")).to_contain_text('{"lr": 0.0')
    assert modelbox.get_model(name).metadata == {"optimizer": '{"lr": 0.0'}

    row = view.locator(".jp-ModelboxMetadata-table tr[data-key='optimizer']")
    row.get_by_role("button", name="Edit").click()
    row.get_by_label("Value of optimizer").fill('{"lr": 0.01}')
    row.get_by_label("Value of optimizer").press("Enter")
    expect(view.locator(".jp-ModelboxMetadata-table tr[data-key='optimizer']")).to_contain_text('{"lr":0.01}')
    assert modelbox.get_model(name).metadata == {"optimizer": {"lr": 0.01}}
    assert page_errors == []

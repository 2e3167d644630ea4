"""The side panel's search language box and the compare view, in a real JupyterLab.

The JupyterLab server (and registry) is shared with other modules: every test uses its own model names.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import SCREENSHOTS, click_until, open_lab, unique

pytestmark = pytest.mark.usefixtures("fresh_workspace")  # the lab server is shared

PANEL = "#jp-modelbox-panel"
HOSTILE = "<img src=x onerror=alert(1)>"










def open_panel(page: Page, server: JupyterServer) -> Locator:
    open_lab(page, server)
    tab = page.locator(".jp-SideBar [data-id='jp-modelbox-panel']")
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    expect(panel.locator(".jp-ModelboxList-status")).to_contain_text("model")
    return panel


def model_names(panel: Locator) -> Locator:
    return panel.locator(".jp-ModelboxList .jp-ModelboxPanel-modelName")


def open_model(panel: Locator, name: str) -> Locator:
    panel.get_by_label("Search models").fill(f'name = "{name}"')
    expect(panel.locator(".jp-ModelboxPanel-model")).to_have_count(1)  # the search has been applied
    view = panel.page.locator("#jp-main-dock-panel .jp-ModelboxModelView")  # the model's page
    click_until(panel.locator(".jp-ModelboxPanel-model", has_text=name),
                lambda: expect(view.locator(".jp-ModelboxDetail-title")).to_have_text(name, timeout=5000))
    return view


def test_search_box_sends_the_query_language(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    prefix = unique("search")
    modelbox.new_model(f"{prefix}-vision", task="vision", metadata={"dataset": {"name": "v3"}})
    modelbox.new_model(f"{prefix}-speech", task="speech", metadata={"dataset": {"name": "v3"}})
    modelbox.new_model(f"{prefix}-old", task="vision", metadata={"dataset": {"name": "v1"}})
    panel = open_panel(page, lab_server)
    box = panel.get_by_label("Search models")

    box.fill(f"name ~ {prefix} and task = vision and metadata.dataset.name = v3")
    expect(model_names(panel)).to_have_text([f"{prefix}-vision"])
    expect(panel.locator(".jp-ModelboxList-status")).to_have_text("1 model")

    box.fill(f"{prefix} and not (task = speech)")
    expect(model_names(panel)).to_have_text(sorted([f"{prefix}-old", f"{prefix}-vision"]))

    box.fill(f"name ~ {prefix} and task in [speech, audio]")
    expect(model_names(panel)).to_have_text([f"{prefix}-speech"])

    panel.get_by_role("button", name="Search syntax").click()
    expect(panel.locator(".jp-ModelboxSearch-hint").first).to_contain_text("tag:<name>")
    assert page_errors == []


def test_search_box_points_at_a_syntax_error(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("syntax")
    modelbox.new_model(name)
    panel = open_panel(page, lab_server)
    box = panel.get_by_label("Search models")

    query = f"name ~ {name} and and"
    position = query.rindex("and")
    box.fill(query)
    error = panel.locator(".jp-ModelboxList .jp-ModelboxSearch-error")
    expect(error).to_be_visible()
    expect(error.locator(".jp-ModelboxSearch-errorMessage")).to_contain_text(f"at position {position} of the query")
    expect(error).to_have_attribute("data-position", str(position))
    expect(error.locator(".jp-ModelboxSearch-errorMark")).to_have_text("a")
    expect(error.locator(".jp-ModelboxSearch-errorQuery")).to_have_text(query)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(panel.locator(".jp-ModelboxList-status")).to_have_text("Fix the query to search.")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SCREENSHOTS / "test_search_box_points_at_a_syntax_error-panel.png"))

    box.fill(f"name ~ {name}")  # fixed: the error goes, the model shows
    expect(error).to_be_hidden()
    expect(model_names(panel)).to_have_text([name])
    assert page_errors == []


def test_compare_view_marks_differences_and_overlays_metrics(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("compare")
    model = modelbox.new_model(name)
    steps = np.arange(1000)
    loss1, loss2 = 0.5 + np.exp(-steps / 300.0), 0.25 + np.exp(-steps / 100.0)
    first = model.new_model_version(version="baseline", framework="torch",
                                    metadata={"optimizer": {"lr": 0.1, "name": "adam"}, "note": HOSTILE})
    first.log_metrics({"loss": loss1}, step=steps, wallclock=time.time() - 600 + steps * 0.1)
    second = model.new_model_version(version="tuned", framework="torch",
                                     metadata={"optimizer": {"lr": 0.01, "name": "adam"}, "note": HOSTILE})
    second.log_metrics({"loss": loss2}, step=steps, wallclock=time.time() - 300 + steps * 0.1)
    model.new_model_version(version="unrelated")
    modelbox.flush()

    panel = open_panel(page, lab_server)
    view = open_model(panel, name)
    compare = view.get_by_role("button", name="Compare selected")
    expect(compare).to_be_disabled()
    view.get_by_label("Select version 1 to compare").check()
    view.get_by_label("Select version 2 to compare").check()
    view.get_by_role("button", name="Compare selected (2)").click()

    compared = panel.locator(".jp-ModelboxCompareView")
    expect(compared.locator(".jp-ModelboxDetail-title")).to_have_text("Compare v1, v2")
    table = compared.locator("table.jp-ModelboxCompare")
    expect(table.locator("thead th")).to_have_text(["", "v1", "v2"])
    lr = table.locator("tr[data-key='optimizer.lr']")
    expect(lr).to_have_class("jp-ModelboxCompare-row jp-mod-differs")
    expect(lr.locator("td")).to_have_text(["0.1", "0.01"])
    expect(table.locator("tr[data-key='framework']")).not_to_have_class("jp-ModelboxCompare-row jp-mod-differs")
    expect(table.locator("tr[data-key='note'] td")).to_have_text([HOSTILE, HOSTILE])
    assert compared.locator("img").count() == 0
    # the last logged value, computed from the downsampled series, rounded to 4 digits; the lower loss is marked
    last_loss = table.locator("tr[data-key='loss'][data-section='Last logged metrics'] td")
    expect(last_loss).to_have_text([f"{float(loss1[-1]):.4g}", f"{float(loss2[-1]):.4g} ★"])
    expect(last_loss.nth(0)).to_have_attribute("title", repr(float(loss1[-1])))
    expect(last_loss.nth(1)).to_have_class("jp-ModelboxCompare-value jp-mod-best")

    compared.get_by_label("Differences only").check()
    expect(table.locator("tr[data-key='framework']")).to_have_count(0)
    expect(table.locator("tr[data-key='optimizer.lr']")).to_have_count(1)
    expect(table.locator("tr[data-key='optimizer.name']")).to_have_count(0)

    chart = compared.locator(".jp-ModelboxChart")
    expect(chart.locator(".uplot canvas")).to_be_visible()
    expect(chart.locator(".u-legend")).to_contain_text("loss (v1)")
    expect(chart.locator(".u-legend")).to_contain_text("loss (v2)")
    expect(panel.locator(".jp-ModelboxPanel-crumbs")).to_contain_text("compare v1, v2")
    assert page_errors == []

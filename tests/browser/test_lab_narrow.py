"""The side panel from 200 px wide, the compare view and the dark theme, in a real JupyterLab (screenshots).

The tests share one JupyterLab server (and registry), so each uses its own model names.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import SCREENSHOTS, unique
from .test_lab_metadata import fully_visible, set_sidebar_width
from .test_lab_panel import choose_theme, open_model, open_panel

pytestmark = pytest.mark.usefixtures("fresh_workspace")  # the lab server is shared

# Elements holding text, their width in px, and whether a line of them breaks inside a word
NARROW_TEXT = """root => Array.from(root.querySelectorAll('td, th, button, label, span, h3, h4, a'))
    .filter(el => el.offsetParent !== null && el.textContent.trim() && el.children.length === 0)
    .map(el => {
        const range = document.createRange();
        range.selectNodeContents(el);
        const lines = new Set(Array.from(range.getClientRects(), r => Math.round(r.top))).size;
        const words = el.textContent.trim().split(/\\s+/).length;
        return { text: el.textContent.trim().slice(0, 40), width: el.getBoundingClientRect().width,
                 brokenWords: lines > words };
    })"""


def check_nothing_breaks_inside_words(panel: Locator) -> None:
    broken = [item for item in panel.evaluate(NARROW_TEXT) if item["brokenWords"] or item["width"] < 8]
    assert broken == [], f"text broken inside words or squeezed: {broken}"


@pytest.mark.parametrize("width", [200, 250])
def test_side_panel_is_usable_from_200_px(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str], width: int
) -> None:
    name = unique("narrow")
    model = modelbox.new_model(name, description="a model seen in a narrow side panel", task="vision",
                               metadata={"homepage": "https://example.com/models/narrow/a-long-path"})
    for label, tags in (("first", ["staging"]), ("second", ["production", "candidate"])):
        model.new_model_version(version=label, framework="pytorch", unique_tags=tags)
    panel = open_panel(page, lab_server)
    # JupyterLab's own sidebar minimum is 250 px: below it, lift that minimum as a narrower layout would
    page.add_style_tag(content="#jp-left-stack, #jp-left-stack > * { min-width: 0 !important; }")
    tab = page.locator(".jp-SideBar [data-id='jp-modelbox-panel']")
    tab.click()  # collapsed and shown again: the split panel measures the minimum anew
    tab.click()
    expect(panel).to_be_visible()
    set_sidebar_width(page, width)
    panel.get_by_label("Search models").fill(name)
    expect(panel.locator(".jp-ModelboxPanel-model", has_text=name)).to_have_count(1)
    for control in ("Sort by", "Order"):
        assert panel.get_by_label(control).evaluate("s => s.getBoundingClientRect().width") >= 60
    check_nothing_breaks_inside_words(panel.locator(".jp-ModelboxList"))
    if width == 250:
        page.screenshot(path=str(SCREENSHOTS / "sidebar_250px_list.png"))

    view = open_model(panel, name)  # its page opens beside the narrow panel
    for action in ("Register version", "Archive", "Delete"):
        button = view.get_by_role("button", name=action, exact=True)
        assert fully_visible(button, view), f"{action} is cut beside a {width} px panel"
    expect(view.locator(".jp-ModelboxVersions-row")).to_have_count(2)
    check_nothing_breaks_inside_words(view.locator(".jp-ModelboxVersions"))
    check_nothing_breaks_inside_words(view.locator(".jp-ModelboxDetail-head"))
    if width == 250:
        page.screenshot(path=str(SCREENSHOTS / "sidebar_250px_model.png"))
    assert page_errors == []


def test_compare_and_chart_in_the_dark_theme(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("dark")
    model = modelbox.new_model(name)
    steps = np.arange(3_000)
    rng = np.random.default_rng(0)
    for number, (scale, label) in enumerate(((900.0, "baseline"), (500.0, "tuned")), start=1):
        version = model.new_model_version(version=label, metadata={"lr": 0.1 / number, "epochs": 30})
        noise = rng.normal(0, 0.05, steps.size)
        version.log_metrics({"loss": np.exp(-steps / scale) + noise + 0.1,
                             "val_loss": np.exp(-steps / scale) + 0.15,
                             "accuracy": 1 - np.exp(-steps / scale) * 0.9},
                            step=steps, wallclock=time.time() - 3000 + steps)
    modelbox.flush()
    panel = open_panel(page, lab_server)
    set_sidebar_width(page, 560)
    view = open_model(panel, name)
    view.get_by_label("Select version 1 to compare").check()
    view.get_by_label("Select version 2 to compare").check()
    view.get_by_role("button", name="Compare selected (2)").click()
    compared = panel.locator(".jp-ModelboxCompareView")
    table = compared.locator("table.jp-ModelboxCompare")
    expect(table.locator("tr[data-key='accuracy'][data-section='Last logged metrics'] td.jp-mod-best")).to_have_count(1)
    expect(table.locator("tr[data-key='lr'] td")).to_have_text(["0.1", "0.05"])
    compared.get_by_label("Differences only").check()
    expect(table.locator("tr[data-key='epochs']")).to_have_count(0)

    chart = compared.locator(".jp-ModelboxChart")
    chart.locator(".jp-ModelboxChart-key", has_text="accuracy").locator("input").uncheck()
    for key in ("loss", "val_loss"):
        chart.locator(".jp-ModelboxChart-key", has_text=key).locator("input").first.check()
    expect(chart.locator(".u-legend")).to_contain_text("val_loss (v2)")
    chart.get_by_label("Smoothing").evaluate("s => { s.value = '0.9'; s.dispatchEvent(new Event('input')); }")
    expect(chart.locator(".jp-ModelboxChart-smoothingValue")).to_have_text("0.90")
    plot = chart.locator(".jp-ModelboxChart-plot")
    expect(plot).to_have_attribute("aria-label", "loss, val_loss against step")  # the axis titles
    chart.get_by_label("Log scale").check()
    expect(plot).to_have_attribute("aria-label", "loss, val_loss (log) against step")
    chart.get_by_label("X axis").select_option("relative")
    expect(plot).to_have_attribute("aria-label", "loss, val_loss (log) against seconds since the first point")
    chart.get_by_label("X axis").select_option("step")
    # one colour per version, dashed validation series: read back from uPlot's series options
    styles = chart.evaluate("""host => Array.from(host.querySelectorAll('.u-legend .u-series')).slice(1)
        .map(row => [row.querySelector('.u-label').innerText.trim(), getComputedStyle(row.querySelector('.u-marker'))])
        .map(([label, marker]) => [label, marker.borderColor, marker.borderStyle])""")
    colour = {label: border for label, border, _ in styles}
    dashed = {label for label, _, style in styles if style == "dashed"}
    assert set(colour) == {"loss (v1)", "val_loss (v1)", "loss (v2)", "val_loss (v2)"}, styles
    assert colour["loss (v1)"] == colour["val_loss (v1)"] != colour["loss (v2)"] == colour["val_loss (v2)"]
    assert dashed == {"val_loss (v1)", "val_loss (v2)"}, styles
    page.screenshot(path=str(SCREENSHOTS / "compare.png"))
    try:
        choose_theme(page, "JupyterLab Dark")
        page.wait_for_function("document.body.dataset.jpThemeName === 'JupyterLab Dark'")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(SCREENSHOTS / "dark_theme.png"))
    finally:
        choose_theme(page, "JupyterLab Light")
        page.wait_for_function("document.body.dataset.jpThemeName === 'JupyterLab Light'")
    assert page_errors == []

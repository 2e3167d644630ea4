"""JupyterLab loads the modelbox side panel, which lists the registry's models."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import open_lab

pytestmark = pytest.mark.usefixtures("fresh_workspace")  # the lab server is shared


def test_side_panel_lists_models_made_from_python(page: Page, lab_server: JupyterServer) -> None:
    with ModelBox(url=lab_server.url, token=lab_server.token) as mb:
        mb.new_model("smoke-test-model", description="made from Python", exist_ok=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_lab(page, lab_server)
    page.locator(".jp-SideBar [data-id='jp-modelbox-panel']").click()
    panel = page.locator("#jp-modelbox-panel")
    panel.get_by_label("Search models").fill("smoke-test-model")  # other tests' models share the server
    panel.get_by_text("smoke-test-model").wait_for()
    assert panel.get_by_text("made from Python").is_visible()
    assert errors == []

"""Edits from the side panel carry the revision they start from (If-Match); a stale one is refused and asked.

The tests share one JupyterLab server (and registry), so each uses its own model names.
"""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, Request, expect

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import SCREENSHOTS, unique, wait_until
from .test_lab_panel import open_model, open_panel

pytestmark = pytest.mark.usefixtures("fresh_workspace")  # the lab server is shared


def test_a_stale_edit_says_someone_else_changed_it_with_reload_and_overwrite(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("stale-edit")
    model = modelbox.new_model(name, description="first words")
    sent: list[tuple[str, str, str | None]] = []

    def record(request: Request) -> None:
        if "/modelbox/api/" in request.url and request.method in ("PATCH", "PUT", "DELETE"):
            sent.append((request.method, request.url.split("/modelbox/api/")[1], request.headers.get("if-match")))

    page.on("request", record)
    panel = open_panel(page, lab_server)
    view = open_model(panel, name)
    revision = requests.get(f"{lab_server.url}modelbox/api/models/{model.id}", timeout=10,
                            headers={"Authorization": f"token {lab_server.token}"}).json()["revision"]

    # the user starts editing; meanwhile someone else changes the description (the panel reloads live)
    view.get_by_role("button", name="Edit", exact=True).first.click()
    view.get_by_label("Description").fill("my words")
    with page.expect_response(lambda r: r.url.endswith(f"/models/{model.id}") and r.request.method == "GET"):
        model.set_description("their words")
    expect(view.get_by_label("Description")).to_have_value("my words")  # the live update kept the editor
    view.get_by_role("button", name="Save").click()
    stale = view.locator(".jp-ModelboxStale")
    expect(stale).to_contain_text("Someone else changed this model")
    assert modelbox.get_model(name).description == "their words"
    assert sent == [("PATCH", f"models/{model.id}", f'"{revision}"')]
    stale.get_by_role("button", name="Overwrite").click()
    expect(view.locator(".jp-ModelboxDescription-markdown")).to_have_text("my words")
    assert modelbox.get_model(name).description == "my words"
    assert sent[-1] == ("PATCH", f"models/{model.id}", None)

    # again, and this time the user takes the other change
    view.get_by_role("button", name="Edit", exact=True).first.click()
    view.get_by_label("Description").fill("dropped words")
    modelbox.get_model(name).set_description("their second words")
    view.get_by_role("button", name="Save").click()
    stale.get_by_role("button", name="Reload").click()
    expect(view.locator(".jp-ModelboxDescription-markdown")).to_have_text("their second words")
    expect(stale).to_have_count(0)
    assert modelbox.get_model(name).description == "their second words"

    # metadata edits carry it too: a key added over someone else's change is asked, then merged with theirs
    modelbox.get_model(name).add_metadata({"theirs": 1})
    view.get_by_label("New metadata key").fill("mine")
    view.get_by_label("New metadata value").fill("2")
    view.get_by_role("button", name="Add").click()
    added = view.locator(".jp-ModelboxMetadata-table tr[data-key='mine']")
    # the live update may have come first: then the edit started from their revision and is stored
    wait_until(lambda: stale.count() > 0 or added.count() > 0)
    if stale.count():
        stale.get_by_role("button", name="Overwrite").click()
    expect(added).to_have_count(1)
    assert modelbox.get_model(name).metadata == {"theirs": 1, "mine": 2}
    first_tries = [sent[2], sent[3]]  # after the overwrite: the reload's edit, then the metadata one
    assert [path for _, path, _ in first_tries] == [f"models/{model.id}", f"objects/{model.id}/metadata"]
    assert all(header is not None and header.strip('"').isdigit() for _, _, header in first_tries)
    assert page_errors == []


def test_tag_edits_carry_the_versions_revision_and_a_stale_one_is_asked(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    name = unique("stale-tag")
    version = modelbox.new_model(name).new_model_version(version="a")
    sent: list[tuple[str, str | None]] = []

    def record(request: Request) -> None:
        if "/tags" in request.url and request.method in ("POST", "DELETE"):
            sent.append((request.method, request.headers.get("if-match")))

    def revision() -> int:
        return int(requests.get(f"{lab_server.url}modelbox/api/versions/{version.id}", timeout=10,
                                headers={"Authorization": f"token {lab_server.token}"}).json()["revision"])

    page.on("request", record)
    panel = open_panel(page, lab_server)
    view = open_model(panel, name)
    loaded = revision()
    row = view.locator(".jp-ModelboxVersions-row").first
    row.locator(".jp-ModelboxTag-add").click()
    # while the user types the tag, someone else tags the version
    modelbox.get_model(name).get_version(1).add_tag("theirs")
    page.locator(".jp-Dialog input").fill("production")
    page.locator(".jp-Dialog").get_by_role("button", name="Ok").click()
    stale = view.locator(".jp-ModelboxStale")
    expect(stale).to_contain_text("Someone else changed this version")
    page.screenshot(path=str(SCREENSHOTS / "stale_tag_edit.png"))
    assert sent == [("POST", f'"{loaded}"')]
    assert modelbox.get_model(name).get_version(1).tags == ["theirs"]
    stale.get_by_role("button", name="Overwrite").click()
    expect(row.locator(".jp-ModelboxTag", has_text="production")).to_have_count(1)
    assert sent[-1] == ("POST", None)
    assert sorted(modelbox.get_model(name).get_version(1).tags) == ["production", "theirs"]

    # a removal carries the revision the row was drawn from
    shown = revision()
    row.get_by_role("button", name="Remove tag production").click()
    expect(row.locator(".jp-ModelboxTag", has_text="production")).to_have_count(0)
    assert sent[-1] == ("DELETE", f'"{shown}"')
    assert modelbox.get_model(name).get_version(1).tags == ["theirs"]
    assert page_errors == []

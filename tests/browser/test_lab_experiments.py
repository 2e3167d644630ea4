"""Experiments in the side panel (issue 17): browse them next to models, see an experiment's checkpoints with the
top one marked, register one as a version through the dialog, and follow the version's link back.

Everything shown is what the real server returns for experiments made through the real client.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer
from .conftest import SCREENSHOTS, unique, wait_until
from .test_lab_panel import open_panel

pytestmark = pytest.mark.usefixtures("fresh_workspace")  # the lab server is shared

HOSTILE = "<img src=x onerror=window.__pwned=true>"


def open_experiment(panel: Locator, name: str) -> Locator:
    panel.get_by_role("tab", name="Experiments").click()
    panel.get_by_label("Search experiments").fill(name)
    panel.locator(".jp-ModelboxExperiment-row", has_text=name).click()
    view = panel.locator(".jp-ModelboxExperimentView")
    expect(view.locator(".jp-ModelboxDetail-title")).to_have_text(name)
    return view


def checkpoint_row(view: Locator, epoch: int) -> Locator:
    return view.locator(".jp-ModelboxCheckpoints-row", has=view.page.locator(
        ".jp-ModelboxCheckpoints-epoch", has_text=str(epoch)))


def test_experiment_checkpoints_and_register_as_version(
    page: Page, lab_server: JupyterServer, modelbox: ModelBox, page_errors: list[str]
) -> None:
    namespace, name = unique("team"), unique("mnist-run")
    exp = modelbox.new_experiment(name, owner="ana", namespace=namespace, external_id="det-17", framework="torch",
                                  hparams={"lr": 0.01, "layers": [64, 32]}, metadata={"dataset": HOSTILE})
    checkpoints = {epoch: exp.new_checkpoint(epoch=epoch, batch_number=epoch * 100, trial_id=7,
                                             metrics={"val_loss": loss, "accuracy": acc})
                   for epoch, (loss, acc) in enumerate([(0.9, 0.6), (0.3, 0.9), (0.5, 0.8)], start=1)}
    modelbox.new_experiment(unique("other-run"), namespace=unique("elsewhere"))
    panel = open_panel(page, lab_server)

    # the list: searchable like models, filtered by namespace
    panel.get_by_role("tab", name="Experiments").click()
    expect(panel.get_by_role("tab", name="Experiments")).to_have_attribute("aria-selected", "true")
    panel.get_by_label("Search experiments").fill(f"name = {name!r}".replace("'", '"'))
    rows = panel.locator(".jp-ModelboxExperiment-row")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".jp-ModelboxExperiment-count")).to_have_text("3 checkpoints")
    panel.get_by_label("Search experiments").fill("name = ")
    error = panel.locator(".jp-ModelboxExperimentList .jp-ModelboxSearch-error")
    expect(error).to_contain_text("position")  # the server's syntax error, at the box
    panel.get_by_label("Search experiments").fill("")
    panel.get_by_label("Experiment namespace").select_option(namespace)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(name)
    panel.get_by_label("Experiment namespace").select_option("")

    view = open_experiment(panel, name)
    expect(view.locator(".jp-ModelboxExperimentView-subtitle")).to_have_text(f"{namespace} · ana · torch")
    expect(view.locator(".jp-ModelboxPage-idText")).to_have_text(exp.id)
    expect(view.locator(".jp-ModelboxExperimentView-external")).to_have_text("external id det-17")
    expect(view.locator(".jp-ModelboxExperimentView-hparams")).to_contain_text("[64,32]")
    expect(view.locator(".jp-ModelboxMetadata-table")).to_contain_text(HOSTILE)  # as text
    view.get_by_label("New metadata key").fill("gpus")
    view.get_by_label("New metadata value").fill("[0, 1]")
    view.get_by_role("button", name="Add").click()
    expect(view.locator(".jp-ModelboxMetadata-table")).to_contain_text("gpus")
    wait_until(lambda: modelbox.get_experiment(exp.id).metadata == {"dataset": HOSTILE, "gpus": [0, 1]})
    expect(view.locator(".jp-ModelboxCheckpoints-epoch")).to_have_text(["Epoch", "1", "2", "3"])
    expect(view.locator(".jp-ModelboxCheckpoints-row .jp-ModelboxCheckpoints-uuid")).to_have_text(
        [checkpoints[e].uuid[:8] for e in (1, 2, 3)])
    top = view.locator(".jp-ModelboxCheckpoints-row.jp-mod-top")
    expect(top).to_have_count(1)
    expect(top.locator(".jp-ModelboxCheckpoints-epoch")).to_have_text("2")  # val_loss 0.3, smaller is better
    expect(view.locator(".jp-ModelboxCheckpoints-topUuid")).to_have_text(checkpoints[2].uuid)
    expect(view.locator(".jp-ModelboxCheckpoints-top")).to_contain_text("Top by val_loss, smaller is better")

    # live: a checkpoint logged from a notebook shows up and takes the top
    checkpoints[4] = exp.new_checkpoint(epoch=4, batch_number=400, trial_id=7,
                                        metrics={"val_loss": 0.1, "accuracy": 0.95})
    expect(view.locator(".jp-ModelboxCheckpoints-row")).to_have_count(4)
    expect(top.locator(".jp-ModelboxCheckpoints-epoch")).to_have_text("4")
    crumbs = panel.locator(".jp-ModelboxPanel-crumbs .jp-ModelboxCrumb")
    expect(crumbs).to_have_text(["Experiments", name])
    # narrow: the checkpoint, epoch, ranking metric and the action fit the sidebar, nothing cut off
    expect(view.locator("thead")).to_be_hidden()  # each checkpoint one line, the column names before the values
    expect(checkpoint_row(view, 2).locator("td:visible")).to_have_text(
        [checkpoints[2].uuid[:8], "2", "0.3", "Register as version"])
    register = checkpoint_row(view, 2).get_by_role("button", name="Register as version")
    expect(register.locator(".jp-ModelboxCheckpoints-registerRest")).to_be_hidden()  # "Register" only
    panel_box, button_box = panel.bounding_box(), register.bounding_box()
    assert panel_box and button_box and button_box["x"] + button_box["width"] <= panel_box["x"] + panel_box["width"]
    view.screenshot(path=str(SCREENSHOTS / "experiment_view.png"))

    # register the epoch-2 checkpoint as the first version of a new model, typed in the dialog
    checkpoint_row(view, 2).get_by_role("button", name="Register as version").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text(f"Checkpoint {checkpoints[2].uuid} of {name}: epoch 2, batch 200")
    expect(dialog.get_by_label("Model name", exact=True)).to_be_focused()
    expect(dialog.get_by_label("Namespace of a new model")).to_have_value(namespace)
    body = dialog.locator(".jp-Dialog-body")
    assert body.evaluate("b => b.scrollTop === 0 && b.scrollHeight <= b.clientHeight"), "the form opened scrolled"

    dialog.get_by_label("Model name", exact=True).fill("bad/name")
    expect(dialog.get_by_label("Model", exact=True).locator("option").first).to_have_text(
        f'New model "bad/name" in {namespace}')
    dialog.get_by_label("Version label").fill("best-epoch-2")
    dialog.get_by_role("button", name="Register").click()
    expect(dialog.locator(".jp-ModelboxDialog-errors")).to_contain_text("model name")  # the server's refusal
    expect(dialog.get_by_label("Version label")).to_have_value("best-epoch-2")  # kept
    assert body.evaluate("b => b.scrollHeight <= b.clientHeight"), "the refusal pushed the first fields out of view"
    page.screenshot(path=str(SCREENSHOTS / "experiment_register_error.png"))
    model_name = unique("from-checkpoint")
    dialog.get_by_label("Model name", exact=True).fill(model_name)
    expect(dialog.get_by_label("Model", exact=True).locator("option").first).to_have_text(
        f'New model "{model_name}" in {namespace}')
    dialog.get_by_role("button", name="Register").click()
    expect(dialog).to_have_count(0)

    # the new version opens as a main-area page, which links back to the experiment
    version = modelbox.get_model(model_name, namespace=namespace).get_version(1)
    assert version is not None and version.version == "best-epoch-2"
    assert version.checkpoint_uuid == checkpoints[2].uuid
    assert version.checkpoint is not None and version.checkpoint.experiment == exp
    assert version.framework == "torch"  # from the checkpoint
    version_view = page.locator(f"#modelbox-version-{version.id} .jp-ModelboxVersionView")
    expect(version_view.locator(".jp-ModelboxDetail-title")).to_contain_text("Version 1 · best-epoch-2")
    link = version_view.locator(".jp-ModelboxVersionView-experiment")
    expect(version_view.locator(".jp-ModelboxCheckpoint tr", has=page.locator(".jp-ModelboxVersionView-experiment"))
           ).to_have_text(f"Experiment{name}")
    expect(version_view.locator(".jp-ModelboxCheckpoint")).to_contain_text(checkpoints[2].uuid)
    version_view.screenshot(path=str(SCREENSHOTS / "experiment_version_link.png"))

    # back to the experiment: its main-area page, with every column; the sidebar's Open in tab finds it
    link.click()
    page_view = page.locator(f"#modelbox-experiment-{exp.id} .jp-ModelboxExperimentView")
    expect(page_view.locator(".jp-ModelboxDetail-title")).to_have_text(name)
    expect(view.locator(".jp-ModelboxDetail-title")).to_have_text(name)  # the panel stayed on the experiment
    view.get_by_role("button", name="Open in tab").click()
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=name)).to_have_count(1)
    expect(page_view.locator("thead th")).to_have_text(
        ["", "Checkpoint", "Epoch", "Batch", "Trial", "val_loss", "accuracy", "Created", ""])
    expect(checkpoint_row(page_view, 4).locator(".jp-ModelboxCheckpoints-metric")).to_have_text(["0.1", "0.95"])
    expect(page_view.locator(".jp-ModelboxCheckpoints-registerRest").first).to_be_visible()  # "Register as version"
    page_view.screenshot(path=str(SCREENSHOTS / "experiment_page.png"))

    # the top checkpoint into an existing model, chosen by typing its name; the version page opens
    existing = modelbox.new_model(unique("existing"), namespace=namespace)
    existing.new_model_version(version="manual")
    checkpoint_row(page_view, 4).get_by_role("button", name="Register as version").click()
    dialog.get_by_label("Model name", exact=True).fill(existing.name)
    expect(dialog.get_by_label("Model", exact=True)).to_have_value(existing.id)
    dialog.get_by_label("Tags").fill("production")
    dialog.get_by_role("button", name="Register").click()
    expect(dialog).to_have_count(0)
    registered = modelbox.get_model(existing.name, namespace=namespace).get_version("production")
    assert registered is not None and registered.number == 2
    version_page = page.locator(f"#modelbox-version-{registered.id} .jp-ModelboxVersionView")
    expect(version_page.locator(".jp-ModelboxDetail-title")).to_contain_text("Version 2")
    expect(version_page.locator(".jp-ModelboxVersionView-experiment")).to_have_text(name)
    version_page.locator(".jp-ModelboxVersionView-experiment").click()  # back to the experiment's page
    expect(page_view).to_be_visible()
    expect(page_view.locator(".jp-ModelboxCheckpoints-row")).to_have_count(4)
    assert registered.checkpoint_uuid == checkpoints[4].uuid == exp.top_checkpoint().uuid
    assert page.evaluate("window.__pwned") is None
    assert page_errors == []

"""``./dev.sh team`` in a real browser: its launcher (scripts/team.sh) starts a local PostgreSQL and two
JupyterLab servers sharing one registry; a model created in the first one's side panel appears live
in the second one's, which is only listening (no reload, no search typed after the fact)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ..helpers.jupyter import free_port
from .conftest import SCREENSHOTS, unique
from .test_lab_panel import search, show_panel

TEAM = Path(__file__).parent.parent.parent / "scripts" / "team.sh"


@dataclass
class Team:
    urls: tuple[str, str]
    token: str
    folder: Path
    output: Path


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    ports, token = (free_port(), free_port()), os.urandom(16).hex()
    folder = Path(tempfile.mkdtemp(prefix="modelbox-team-"))  # the postgres user must reach it (not tmp_path)
    folder.chmod(0o755)
    env = {**os.environ, "MODELBOX_TEAM_DIR": str(folder), "MODELBOX_TEAM_PG_PORT": str(free_port()),
           "MODELBOX_TEAM_PORTS": f"{ports[0]} {ports[1]}", "MODELBOX_TEAM_TOKEN": token,
           # the user's own JupyterLab layout and settings stay out of it
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings")}
    output = tmp_path / "team.out"
    with open(output, "wb") as out:
        launcher = subprocess.Popen(["bash", str(TEAM)], stdout=out, stderr=subprocess.STDOUT, env=env,
                                    start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while "Ctrl-C stops everything" not in output.read_text():
            assert launcher.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)
        yield Team((f"http://127.0.0.1:{ports[0]}/", f"http://127.0.0.1:{ports[1]}/"), token, folder, output)
    finally:
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGTERM)  # as Ctrl-C: the launcher stops both servers and the database
        launcher.wait(timeout=90)
        shutil.rmtree(folder, ignore_errors=True)
    assert "stopped both servers and the database" in output.read_text()


def lab_page(browser: Browser, url: str, token: str) -> Page:
    page = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{url}lab?token={token}")
    page.wait_for_selector("#jp-main-dock-panel")
    page.wait_for_selector("#jupyterlab-splash", state="detached")
    return page


def test_a_model_created_in_one_lab_appears_live_in_the_other_labs_panel(browser: Browser, team: Team) -> None:
    name = unique("team")
    first, second = (lab_page(browser, url, team.token) for url in team.urls)
    try:
        watching = show_panel(second)
        expect(watching.locator(".jp-ModelboxList-status")).to_contain_text("model")
        search(watching, name)
        expect(watching.locator(".jp-ModelboxList-status")).to_have_text("No models match.")

        panel = show_panel(first)
        panel.get_by_role("button", name="New model").click()
        dialog = first.locator(".jp-Dialog")
        dialog.get_by_label("Model name").fill(name)
        dialog.get_by_label("Model description").fill("made in the first JupyterLab")
        dialog.get_by_role("button", name="Create").click()
        expect(first.locator("#jp-main-dock-panel .jp-ModelboxModelView .jp-ModelboxDetail-title")).to_have_text(name)
        created = time.monotonic()

        row = watching.locator(".jp-ModelboxPanel-model", has_text=name)
        expect(row).to_be_visible(timeout=15_000)
        expect(row).to_contain_text("made in the first JupyterLab")
        assert time.monotonic() - created < 10  # pushed by the events feed, not by a slow poll
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        first.screenshot(path=str(SCREENSHOTS / "team-first-lab.png"))
        second.screenshot(path=str(SCREENSHOTS / "team-second-lab.png"))
    finally:
        for page in (first, second):
            page.context.close()
    assert (team.folder / "pg" / "data" / "PG_VERSION").exists()  # the registry lives in the team's database

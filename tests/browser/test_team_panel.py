"""``./dev.sh team`` in a real browser: its launcher (scripts/team.sh) starts a local PostgreSQL, a
SeaweedFS object store and two JupyterLab servers sharing one registry; a model created in the first
one's side panel appears live in the second one's, which is only listening (no reload, no search typed
after the fact); artifact bytes uploaded through one are in the store's bucket and download through the
other; everything is stopped at the end."""

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

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import free_port, write_lab_settings
from ..helpers.seaweedfs import pick_base
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
           "MODELBOX_TEAM_S3_PORT": str(pick_base() + 3),
           "MODELBOX_TEAM_PORTS": f"{ports[0]} {ports[1]}", "MODELBOX_TEAM_TOKEN": token,
           # the user's own JupyterLab layout and settings stay out of it
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings")}
    write_lab_settings(tmp_path / "settings")  # as every test lab: no news toast over the panel
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
        weed = int((folder / "s3" / "weed.pid").read_text()) if (folder / "s3" / "weed.pid").exists() else None
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGTERM)  # as Ctrl-C: the launcher stops the servers, the store, the database
        launcher.wait(timeout=90)
        shutil.rmtree(folder, ignore_errors=True)
    assert "stopped both servers, SeaweedFS and the database" in output.read_text()
    assert weed is not None and not Path(f"/proc/{weed}").exists()  # SeaweedFS stopped by its PID


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


def test_both_labs_keep_artifact_bytes_in_the_teams_seaweedfs(team: Team, tmp_path: Path) -> None:
    """No S3 credentials on this side: only the servers hold them."""
    import boto3
    from botocore.config import Config

    data = os.urandom(3 * 1024 * 1024 + 17)
    (tmp_path / "weights.bin").write_bytes(data)
    name = unique("bytes")
    with ModelBox(url=team.urls[0], token=team.token) as first:
        [artifact] = first.new_model(name).upload_artifact([tmp_path / "weights.bin"])
    key, secret = (team.folder / "s3" / "credentials").read_text().split()
    endpoint = next(line for line in team.output.read_text().splitlines() if "artifact bytes in" in line).split()[-1]
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
                      region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
    stored = s3.head_object(Bucket="modelbox", Key=f"team/sha256/{artifact.checksum}")
    assert stored["ContentLength"] == len(data)
    with ModelBox(url=team.urls[1], token=team.token) as second:
        [same] = second.get_model(name).artifacts()
        assert same.download(tmp_path / "back.bin").read_bytes() == data
    for lab in ("lab-{}.log".format(url.rsplit(":", 1)[1].strip("/")) for url in team.urls):
        assert f"s3://modelbox/team at {endpoint}" in (team.folder / lab).read_text()

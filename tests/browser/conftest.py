"""Real-browser tests: JupyterLab with the extension, driven by Playwright in Debian's Chromium.

Never ``playwright install``: the browser is the system one (``apt-get install chromium``,
which ``./dev.sh test`` does when it is missing). Screenshots go to ``test-output/screenshots``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from jupyter_modelbox import ModelBox

from ..helpers.jupyter import JupyterServer

CHROMIUM = os.environ.get("MODELBOX_CHROMIUM", "/usr/lib/chromium/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
SCREENSHOTS = Path(__file__).parent.parent.parent / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `apt-get install -y chromium` (./dev.sh test does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """JupyterLab (with the modelbox server and lab extensions) on loopback."""
    workdir = tmp_path_factory.mktemp("lab")
    # its user settings (news off, see helpers/jupyter.py), workspaces and config are its own
    server = JupyterServer(workdir, lab=True, extra_args=(f"--LabApp.workspaces_dir={workdir / 'workspaces'}",),
                           env={"JUPYTER_CONFIG_DIR": str(workdir / "config")}).start(timeout=120)
    yield server
    server.stop()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"))
    context.close()


def forget_workspaces(server: JupyterServer) -> None:
    headers = {"Authorization": f"token {server.token}"}
    api = f"{server.url}lab/api/workspaces"
    for workspace in requests.get(api, headers=headers, timeout=10).json()["workspaces"]["ids"]:
        requests.delete(f"{api}/{workspace}", headers=headers, timeout=10).raise_for_status()


@pytest.fixture
def fresh_workspace(lab_server: JupyterServer) -> Iterator[None]:
    """Start from JupyterLab's default layout and settings, and forget the ones a test leaves: the workspace
    (the panel open, pages open...) and the user settings (the panel switched to the right sidebar, which
    JupyterLab keeps in the shell's settings, not in the workspace; a theme).

    The lab server is shared: without this, the next test of any module starts with this one's layout, and
    which test that is depends on the order (and, under pytest-xdist, on the worker).
    Cleared before too: a save the closing page had in flight may land after the last test's cleanup.
    """
    forget_workspaces(lab_server)
    lab_server.reset_lab_settings()
    yield
    forget_workspaces(lab_server)
    lab_server.reset_lab_settings()


@pytest.fixture
def modelbox(lab_server: JupyterServer) -> Iterator[ModelBox]:
    """The registry of the lab server, as a notebook would reach it."""
    with ModelBox(url=lab_server.url, token=lab_server.token) as box:
        yield box


@pytest.fixture
def page_errors(page: Page) -> list[str]:
    """Uncaught errors of the page (a test asserts there were none)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def unique(prefix: str) -> str:
    """A name no other test on the shared server uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def open_lab(page: Page, server: JupyterServer, path: str = "") -> None:
    """Log in with the token and wait until JupyterLab's shell is up."""
    page.goto(f"{server.url}lab/tree/{path}?token={server.token}" if path else f"{server.url}lab?token={server.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=60_000)


def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        time.sleep(0.1)


def click_until(row: Locator, shown: Callable[[], None]) -> None:
    """Click ``row`` until ``shown()`` passes: a live update redrawing the list while the click lands loses it
    (opening a page twice only shows it again)."""
    for attempt in range(3):
        row.click()
        try:
            shown()
            return
        except AssertionError:
            if attempt == 2:
                raise


def run_notebook(page: Page, server: JupyterServer, path: str, cell_count: int) -> None:
    """Open a notebook in JupyterLab and run its cells one by one, each to completion."""
    open_lab(page, server, path)
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    cells.first.wait_for()
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)
    cells.first.locator(".jp-InputArea-editor").click()
    for index in range(cell_count):  # Shift+Enter runs the cell and moves to the next one
        page.keyboard.press("Shift+Enter")
        prompt = cells.nth(index).locator(".jp-InputArea-prompt")
        wait_until(lambda prompt=prompt: prompt.inner_text().strip() not in ("[ ]:", "[*]:", ""), timeout=120)


def drop_from_desktop(page: Page, target: Locator, paths: list[Path]) -> None:
    """Drop files or folders from disk onto ``target`` as the OS would: a drag the browser itself
    dispatches (DevTools ``Input.dispatchDragEvent``), so folders arrive as directory entries."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None, "the drop target is not visible"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    data = {"items": [], "files": [str(path) for path in paths], "dragOperationsMask": 1}
    session = page.context.new_cdp_session(page)
    try:
        for kind in ("dragEnter", "dragOver", "drop"):
            session.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    finally:
        session.detach()

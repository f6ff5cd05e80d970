"""A real server and a real browser: daphne serving a fresh embedded Graphwright (what `make run`
gives), driven by Playwright in Debian's Chromium (never a downloaded browser)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.live_server import CHROMIUM, ROOT, LiveServer, ServerDidNotStart, launch_chromium, serve

__all__ = ["LiveServer", "sign_in", "screenshot", "serious_accessibility_violations"]

# screenshots of the designer, the run view and the results panel are kept here (CI keeps var/)
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "var" / "e2e-artifacts"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def serious_accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands (axe from node_modules,
    never from the network)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="session")
def designer_server(tmp_path_factory):
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        pytest.fail("the designer is not built: `make frontend` (make test does it) builds frontend/dist")
    # channels that hold 2 messages: pushes of run events are dropped all the time, and every
    # client must still get every event (the consumer reads them from the database)
    try:
        with serve(tmp_path_factory.mktemp("e2e-var"), CHANNEL_CAPACITY="2") as server:
            yield server
    except ServerDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium package")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, designer_server):
    context = browser.new_context(base_url=designer_server.url, viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    # nothing may leave this machine: record (and refuse) any request to another host
    context.route(lambda u: not u.startswith(designer_server.url) and not u.startswith(designer_server.url.replace("http", "ws")),
                  lambda route: (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    page.outside_requests = outside
    yield page
    context.close()


def sign_in(page, designer_server) -> None:
    page.goto("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", designer_server.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{designer_server.url}/")

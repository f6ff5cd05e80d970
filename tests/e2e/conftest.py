"""A real server and a real browser: daphne serving a fresh embedded Graphwright (what `make run`
gives), driven by Playwright in Debian's Chromium (never a downloaded browser)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@dataclass(frozen=True)
class LiveServer:
    url: str
    password: str  # of the `admin` account bootstrap created
    pid: int  # of the daphne process

    def admin_token(self) -> str:
        """The `admin` account's API token, asked for as a script would."""
        request = urllib.request.Request(f"{self.url}/api/v1/auth/token/", method="POST",
                                         data=json.dumps({"username": "admin", "password": self.password}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["token"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    var = tmp_path_factory.mktemp("e2e-var")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(GRAPHWRIGHT_VAR=str(var), DJANGO_SETTINGS_MODULE="config.settings", ENGINE_AUTOSTART="1",
               CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}",
               # channels that hold 2 messages: pushes of run events are dropped all the time, and
               # every client must still get every event (the consumer reads them from the database)
               CHANNEL_CAPACITY="2")
    python = sys.executable
    for command in (["manage.py", "migrate", "--noinput"], ["manage.py", "bootstrap"]):
        subprocess.run([python, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    daphne = shutil.which("daphne", path=os.path.dirname(python)) or "daphne"
    log = open(var / "daphne.log", "wb")
    server = subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail("the server did not come up:\n" + (var / "daphne.log").read_text()[-3000:])
        time.sleep(0.2)
    try:
        yield LiveServer(url, (var / "admin-password.txt").read_text().strip(), server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium package")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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

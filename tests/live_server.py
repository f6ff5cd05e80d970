"""A real embedded Graphwright (what `make run` gives) served by daphne in a fresh var/ folder, for the
browser tests and the benchmarks that measure through HTTP, WebSockets and Chromium."""
from __future__ import annotations

import contextlib
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
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


class ServerDidNotStart(RuntimeError):
    pass


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(var: Path, **settings: str) -> Iterator[LiveServer]:
    """Migrate, bootstrap and serve a fresh embedded server whose data lives in `var`; `settings` are
    extra environment variables. Stops the server on the way out."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(GRAPHWRIGHT_VAR=str(var), DJANGO_SETTINGS_MODULE="config.settings", ENGINE_AUTOSTART="1",
               CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}", **settings)
    python = sys.executable
    for command in (["manage.py", "migrate", "--noinput"], ["manage.py", "bootstrap"]):
        subprocess.run([python, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    daphne = shutil.which("daphne", path=os.path.dirname(python)) or "daphne"
    with open(var / "daphne.log", "wb") as log:
        server = subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(url, server, var)
            yield LiveServer(url, (var / "admin-password.txt").read_text().strip(), server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_until_healthy(url: str, server: subprocess.Popen, var: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise ServerDidNotStart("the server did not come up:\n" + (var / "daphne.log").read_text()[-3000:])
        time.sleep(0.2)


def launch_chromium(playwright):
    """Debian's Chromium (never a downloaded browser), headless, with nothing reaching the network."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

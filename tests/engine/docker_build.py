"""`make docker-image` started in the background as soon as the session knows it runs a docker
target's test (tests/engine/conftest.py), so that the image is built (debootstrap from the network,
the dependencies' wheels: minutes on a fresh clone) while the tests before them run; the
`docker_image` fixture waits for it."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKER_TESTS = ("test_docker_target.py", "test_faults_docker.py")
_build: tuple[subprocess.Popen, float, Path] | None = None


def can_build() -> bool:
    """What the `docker_image` fixture asks before building (under CI it builds, or fails)."""
    return bool(os.environ.get("CI")) or (shutil.which("dockerd") is not None and os.geteuid() == 0)


def start() -> None:
    global _build
    if _build is None:
        out = Path(tempfile.mkdtemp(prefix="gw-docker-image-"))
        proc = subprocess.Popen(["make", "-s", "docker-image", "QUIET=1"], cwd=ROOT, env={**os.environ, "QUIET": "1"},
                                stdout=open(out / "stdout", "wb"), stderr=open(out / "stderr", "wb"),
                                stdin=subprocess.DEVNULL)
        _build = (proc, time.monotonic(), out)


def wait() -> tuple[int, str, str, float]:
    """The build's exit status, output, error output and seconds since it started (starting it now if
    it was not started)."""
    start()
    proc, started, out = _build
    code = proc.wait()
    stdout, stderr = ((out / name).read_text(errors="replace") for name in ("stdout", "stderr"))
    return code, stdout, stderr, time.monotonic() - started

"""Builds an environment once per content hash: a virtual environment under ENVIRONMENTS_ROOT/<hash>
whose Python sees its own packages first, then the project's (a .pth after its site-packages).

One build at a time per hash: a thread lock in the process and an flock across processes (the
web process's background build and a Celery worker's launch on one machine). A build happens in
place and is ready only once its marker file is written, after pip succeeded; a half-made folder is
removed before the next try. pip's output is the build's log, saved as it comes; its failure
becomes one short message naming the package (engine/envbuild_errors.py)."""
from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from .envbuild_errors import explain
from .targets import isolation

log = logging.getLogger(__name__)

READY = ".graphwright-ready"
LOG_MAX = 200_000  # characters of pip's output kept on the build row (its end)
FLUSH_SECONDS = 0.5
HASH_RE = re.compile(r"[0-9a-f]{64}\Z")
# what pip may see of the server's environment: no secret, no database or broker URL
_PIP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY",
            "HTTPS_PROXY", "NO_PROXY", "PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CACHE_DIR",
            "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST")

_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}
_threads: dict[str, threading.Thread] = {}


class BuildFailed(Exception):
    """The environment cannot be used: its build failed (the message says why) or is unknown."""


def root() -> str:
    return os.path.abspath(str(settings.ENVIRONMENTS_ROOT))


def env_dir(content_hash: str) -> str:
    if not isinstance(content_hash, str) or not HASH_RE.match(content_hash):
        raise BuildFailed(f"not an environment hash: {str(content_hash)[:70]!r}")
    return os.path.join(root(), content_hash)


def python_of(content_hash: str) -> str:
    return os.path.join(env_dir(content_hash), "bin", "python")


def is_ready(content_hash: str) -> bool:
    return os.path.exists(os.path.join(env_dir(content_hash), READY))


def ensure(content_hash: str) -> str:
    """The Python of the environment, built now if this machine lacks it (blocking); BuildFailed
    when its build failed (a rebuild is asked for through the API) or no environment has this hash."""
    from .models import EnvironmentBuild

    if is_ready(content_hash):
        return python_of(content_hash)
    row = EnvironmentBuild.objects.filter(content_hash=content_hash).first()
    if row is None:
        raise BuildFailed(f"no environment has the hash {content_hash[:12]}")
    if row.status == EnvironmentBuild.Status.FAILED:
        raise BuildFailed(row.error or "the environment's build failed")
    with _locked(content_hash):
        if is_ready(content_hash):
            return python_of(content_hash)
        row.refresh_from_db()
        if row.status == EnvironmentBuild.Status.FAILED:  # another process failed it while we waited
            raise BuildFailed(row.error or "the environment's build failed")
        _build(row)
    return python_of(content_hash)


def request(content_hash: str, *, retry: bool = False) -> bool:
    """Build in the background unless it is ready, building here or failed (and not retried).
    True when a build was started."""
    from .models import EnvironmentBuild

    row = EnvironmentBuild.objects.filter(content_hash=content_hash).first()
    if row is None or (row.status == EnvironmentBuild.Status.FAILED and not retry):
        return False
    if is_ready(content_hash):
        if row.status != EnvironmentBuild.Status.READY:
            EnvironmentBuild.objects.filter(pk=row.pk).update(status=EnvironmentBuild.Status.READY, error="")
        return False
    with _guard:
        running = _threads.get(content_hash)
        if running is not None and running.is_alive():
            return False
        EnvironmentBuild.objects.filter(pk=row.pk).update(status=EnvironmentBuild.Status.QUEUED, error="")
        thread = threading.Thread(target=_background, args=(content_hash,), name=f"env-build-{content_hash[:8]}",
                                  daemon=True)
        _threads[content_hash] = thread
    thread.start()
    return True


def wait(content_hash: str, timeout: float) -> None:
    """Tests and scripts: wait for a background build started by request()."""
    thread = _threads.get(content_hash)
    if thread is not None:
        thread.join(timeout)


def join_all(timeout: float) -> None:
    """Tests: wait for every background build of this process (one test's build must not outlive
    it and write to the next test's rows)."""
    with _guard:
        threads = list(_threads.values())
    for thread in threads:
        thread.join(timeout)


def _background(content_hash: str) -> None:
    try:
        ensure(content_hash)
    except BuildFailed:
        pass  # recorded on the row
    except Exception:
        log.exception("environment build %s", content_hash[:12])
    finally:
        close_old_connections()


@contextmanager
def _locked(content_hash: str) -> Iterator[None]:
    with _guard:
        lock = _locks.setdefault(content_hash, threading.Lock())
    with lock:
        os.makedirs(root(), exist_ok=True)
        os.chmod(root(), 0o711)  # steps that dropped their privileges import from here (not list it)
        if isolation.enabled():
            isolation.make_traversable(os.path.join(root(), "."))
        with open(os.path.join(root(), f".{content_hash}.lock"), "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def pip_command(packages: list[str], *, python: str = "", target: str = "") -> list[str]:
    """pip installing `packages` into the environment of `python`, or into the folder `target`."""
    conf = settings.ENVIRONMENT_BUILD
    where = ["--python", python, "install"] if python else ["install", "--target", target]
    cmd = [sys.executable, "-m", "pip", *where, "--disable-pip-version-check", "--no-input", "--progress-bar", "off"]
    if not conf.get("ALLOW_SOURCE"):
        cmd += ["--only-binary", ":all:"]
    if conf.get("NO_INDEX"):
        cmd.append("--no-index")
    elif conf.get("INDEX_URL"):
        cmd += ["--index-url", conf["INDEX_URL"]]
    if conf.get("FIND_LINKS"):
        cmd += ["--find-links", conf["FIND_LINKS"]]
    return cmd + list(packages)


def _build(row) -> None:
    """Make the virtual environment of `row` in place and mark it ready; BuildFailed with the reason."""
    from .models import EnvironmentBuild

    target = env_dir(row.content_hash)
    packages = list(row.spec.get("packages", []))
    EnvironmentBuild.objects.filter(pk=row.pk).update(
        status=EnvironmentBuild.Status.BUILDING, log="", error="", host=socket.gethostname()[:255],
        started_at=timezone.now(), finished_at=None)
    shutil.rmtree(target, ignore_errors=True)  # what a crashed build left
    out = BuildLog(row.pk)
    try:
        out.add(f"$ python -m venv {row.content_hash[:12]}\n")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", target], check=True,
                       capture_output=True, timeout=120)
        _link_project(target)
        out.add("$ pip install " + " ".join(packages) + "\n")
        code = run_pip(pip_command(packages, python=os.path.join(target, "bin", "python")), out)
        if code != 0:
            raise BuildFailed(explain(out.text, packages, source_allowed=bool(settings.ENVIRONMENT_BUILD.get("ALLOW_SOURCE"))))
        with open(os.path.join(target, READY), "w") as fh:
            fh.write(row.content_hash)
    except BaseException as exc:
        shutil.rmtree(target, ignore_errors=True)
        message = str(exc) if isinstance(exc, BuildFailed) else f"the environment could not be made: {exc}"
        out.flush()
        EnvironmentBuild.objects.filter(pk=row.pk).update(status=EnvironmentBuild.Status.FAILED, error=message[:2000],
                                                          finished_at=timezone.now())
        raise BuildFailed(message) from None
    out.add("environment ready\n")
    out.flush()
    EnvironmentBuild.objects.filter(pk=row.pk).update(status=EnvironmentBuild.Status.READY, finished_at=timezone.now())


def _link_project(target: str) -> None:
    """The environment's Python sees the project's packages after its own, so its pins win."""
    ours = sysconfig.get_paths()["purelib"]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = os.path.join(target, "lib", version, "site-packages")
    with open(os.path.join(site, "zz_graphwright_project.pth"), "w") as fh:
        fh.write(f"import site; site.addsitedir({ours!r})\n")


def run_pip(cmd: list[str], out: "BuildLog") -> int:
    env = {k: v for k, v in os.environ.items() if k in _PIP_ENV}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    timer = threading.Timer(float(settings.ENVIRONMENT_BUILD.get("TIMEOUT", 900)), proc.kill)
    timer.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.add(line.decode("utf-8", "replace"))
        code = proc.wait()
    finally:
        timed_out = not timer.is_alive() and proc.returncode not in (0, None) and proc.returncode < 0
        timer.cancel()
    if timed_out:
        out.add(f"pip stopped after {settings.ENVIRONMENT_BUILD.get('TIMEOUT')} s\n")
        raise BuildFailed(f"the build took longer than {settings.ENVIRONMENT_BUILD.get('TIMEOUT'):g} s (ENV_BUILD_TIMEOUT)")
    return code


class BuildLog:
    """pip's output, saved to the build row at most every FLUSH_SECONDS (the page shows it live)."""

    def __init__(self, pk: int | None) -> None:
        self.pk = pk
        self.text = ""
        self.saved = 0.0

    def add(self, text: str) -> None:
        self.text = (self.text + text)[-LOG_MAX:]
        if time.monotonic() - self.saved >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        from .models import EnvironmentBuild

        self.saved = time.monotonic()
        if self.pk is None:  # a log kept in memory only (engine/envimage.py)
            return
        EnvironmentBuild.objects.filter(pk=self.pk).update(log=self.text)

"""Real processes for the fault tests: private Redis and PostgreSQL servers that a test may stop and
restart (never the machine's shared ones), and the engine, Celery worker and web server of
Graphwright as subprocesses, each with the environment the test gives it."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("GRAPHWRIGHT_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _missing(what: str) -> None:
    """Skip (fail under CI) when a server binary the test needs is not installed."""
    import pytest

    message = f"{what} is not installed here; install it (Debian: apt-get install redis-server postgresql-15)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def wait_until(check, timeout: float, what: str, interval: float = 0.1):
    """Poll `check()` until it returns something true; that value. AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(interval)


class PrivateRedis:
    """A redis-server of the test's own on a free port, without persistence (a restart loses every
    key, as a crashed Redis without AOF does)."""

    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            _missing("redis-server")
        self.folder, self.port, self.proc = folder, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        log = open(self.folder / f"redis-{self.port}.log", "ab")
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=log, stderr=subprocess.STDOUT)
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_until(lambda: self._ping(client), 20, "the private Redis answering")
        return self

    @staticmethod
    def _ping(client) -> bool:
        try:
            return bool(client.ping())
        except Exception:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, trust authentication,
    a free port on 127.0.0.1), run as the `postgres` Unix user when the test runs as root (initdb
    refuses root)."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            _missing(f"PostgreSQL's server ({PG_BIN}/initdb)")
        self.folder = Path(tempfile.mkdtemp(prefix="gw-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        else:
            self.prefix = []

    def _run(self, *argv: str) -> None:
        subprocess.run([*self.prefix, *argv], check=True, capture_output=True, cwd=self.folder)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> "PrivatePostgres":
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self.start()

    def start(self) -> "PrivatePostgres":
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "pg.log"),
                  "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


class Proc:
    """A Graphwright process (engine, worker, web server) started with `env`, its output in `log`."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.argv, self.env, self.log = argv, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Proc":
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        """Send `sig` to the process group, wait; SIGKILL what is left after `timeout`."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        try:  # whatever the group left (a step's process)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def engine_process(env: dict[str, str], log: Path) -> Proc:
    """`manage.py engine` (one engine loop and its local target)."""
    return Proc([sys.executable, "manage.py", "engine"], env, log).start()


def engine_owner(proc: Proc, timeout: float = 60) -> str:
    """The `host:pid:nonce` the engine prints once it runs."""
    def owner() -> str | None:
        for line in proc.log.read_text(errors="replace").splitlines():
            if line.startswith("engine ") and line.endswith(" running; Ctrl-C stops it"):
                return line.split()[1]
        assert proc.alive(), "the engine exited:\n" + proc.output()
        return None

    return wait_until(owner, timeout, "the engine starting")


def web_process(env: dict[str, str], port: int, log: Path) -> Proc:
    """daphne serving config.asgi:application on 127.0.0.1:`port`, answering /healthz."""
    daphne = shutil.which("daphne", path=os.path.dirname(sys.executable)) or "daphne"
    proc = Proc([daphne, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"], env, log).start()

    def healthy() -> bool:
        assert proc.alive(), "daphne exited:\n" + proc.output()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    wait_until(healthy, 60, "the web server answering", interval=0.2)
    return proc

"""Faults on the `docker` target, against a PRIVATE Docker daemon this module starts (its own data
root, exec root and socket; the machine's shared dockerd is never stopped), with the step image
loaded into it from the shared daemon: the daemon killed mid-step fails the step as
`infrastructure` and the step runs again once the daemon is back; a cancel by a process without an
engine removes the step's container within seconds and the run stays `cancelled`.

Needs root, Debian's docker.io and the step image (`make docker-image`); skipped otherwise, except
under CI, where these tests fail instead."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from engine.targets.docker import LABEL
from tests.conftest import wait_for_run
from tests.engine.graphs import document, node
from tests.engine.test_docker_target import _unavailable, docker_image  # noqa: F401 (fixture)

# the embedded pass only, as test_docker_target.py (the Makefile leaves it out of the scaled pass):
# the faults are the Docker daemon's, and the engine side is the same code on either database
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only]
STEP_IMAGE = "graphwright-step:latest"


@pytest.fixture(scope="module")
def step_image(request):
    """The step image on the shared daemon: `make docker-image`'s under CI (docker_image), else the
    one already built there (building it from a worktree needs the project's own venv)."""
    if shutil.which("dockerd") is None:
        _unavailable("Docker (the Debian package docker.io) is not installed")
    if os.geteuid() != 0:
        _unavailable("starting a private dockerd needs root")
    if not os.environ.get("CI"):
        import docker

        try:
            docker.from_env().images.get(STEP_IMAGE)
            return STEP_IMAGE
        except Exception:
            pass
    return request.getfixturevalue("docker_image")


class PrivateDockerd:
    """A dockerd of the test's own: start, kill (as a crash would), start again, stop."""

    def __init__(self) -> None:
        self.root = tempfile.mkdtemp(prefix="gwd-", dir="/tmp")  # short: a socket path has ~100 bytes
        self.url = f"unix://{self.root}/d.sock"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(os.path.join(self.root, "dockerd.log"), "ab")
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", f"{self.root}/data", "--exec-root", f"{self.root}/x", "-H", self.url,
             "--pidfile", f"{self.root}/d.pid", "--bridge=none", "--iptables=false", "--ip6tables=false"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120  # two test passes share two cores in CI
        while not self.answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                with open(os.path.join(self.root, "dockerd.log"), "rb") as fh:
                    tail = fh.read()[-3000:].decode("utf-8", "replace")
                pytest.fail(f"the private dockerd did not start: {tail}")
            time.sleep(0.2)

    def answers(self) -> bool:
        return subprocess.run(["docker", "-H", self.url, "info"], capture_output=True).returncode == 0

    def kill(self) -> None:
        """SIGKILL the daemon and the containerd it manages, as a crash of the machine's Docker
        would (the containers' shims outlive them). A containerd left behind made the next start
        wait for it and time out under load (CI: "timeout waiting for containerd to start")."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._kill_containerd(signal.SIGKILL)

    def _kill_containerd(self, sig: int) -> None:
        folder = os.path.join(self.root, "x", "containerd")
        try:
            pid = int(open(os.path.join(folder, "containerd.pid")).read().strip())
            os.kill(pid, sig)
        except (OSError, ValueError):
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.1)
        for name in ("containerd.pid", "containerd.sock", "containerd.sock.ttrpc", "containerd-debug.sock"):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self._kill_containerd(signal.SIGTERM)

    def client(self):
        import docker

        return docker.DockerClient(base_url=self.url, timeout=30)


@pytest.fixture(scope="module")
def dockerd(step_image):
    """A private daemon holding the step image (`docker save` from the shared one, `docker load`)."""
    daemon = PrivateDockerd()
    try:
        daemon.start()
        saved = subprocess.Popen(["docker", "save", step_image], stdout=subprocess.PIPE)
        loaded = subprocess.run(["docker", "-H", daemon.url, "load"], stdin=saved.stdout, capture_output=True)
        saved.stdout.close()
        assert saved.wait() == 0 and loaded.returncode == 0, loaded.stderr[-2000:]
        yield daemon
    finally:
        daemon.stop()
        with open("/proc/mounts") as fh:  # what the daemon left mounted (its data root is bound on itself)
            mounts = [line.split()[1] for line in fh if line.split()[1].startswith(daemon.root + "/")]
        for mount in sorted(mounts, key=len, reverse=True):
            subprocess.run(["umount", "-l", mount], capture_output=True)
        shutil.rmtree(daemon.root, ignore_errors=True)


@pytest.fixture
def engine_on(transactional_db, settings, dockerd, step_image):
    """The engine with a docker target `private` on the private daemon."""
    from engine import executor

    targets = {**settings.ENGINE["TARGETS"], "private": {
        "BACKEND": "engine.targets.docker.DockerTarget", "CONCURRENCY": 1, "IMAGE": step_image,
        "BASE_URL": dockerd.url, "MEMORY_MB": 1024, "CPUS": 1.0, "PIDS": 256}}
    settings.ENGINE = {**settings.ENGINE, "TARGETS": targets, "HEARTBEAT_SECONDS": 0.5}
    ex = executor.start()
    yield ex
    executor.stop()


def _submit(workspace, doc):
    from designer.services import version_snapshot
    from engine import services

    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    return services.run_submit(workspace=workspace, version=version)


def _running(dockerd, run_id: int) -> list:
    return dockerd.client().containers.list(filters={"label": [f"{LABEL}.run={run_id}"], "status": "running"})


def _wait(predicate, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return found


def _attempts(step):
    return list(step.attempts.order_by("number").values_list("status", "reason", "failure"))


def test_a_daemon_killed_mid_step_fails_it_as_infrastructure_and_it_runs_again_once_the_daemon_is_back(
        engine_on, workspace, dockerd):
    from engine.models import Attempt, Step

    retry = {"max_attempts": 10, "on": ["infrastructure"], "backoff_seconds": 1}
    run = _submit(workspace, document([{**node("slow", "sleep", seconds=5), "target": "private", "retry": retry}], []))
    _wait(lambda: _running(dockerd, run.id), "the step's container never ran on the private daemon")
    dockerd.kill()
    try:
        # the running attempt fails as infrastructure, and so does a retry while the daemon is away
        _wait(lambda: Attempt.objects.filter(step__run=run, number=2, status="failed").exists(),
              "no retry met the stopped daemon")
    finally:
        dockerd.start()
    run = wait_for_run(run.id, timeout=240)
    assert run.status == "succeeded", run.error
    step = Step.objects.get(run=run, node_id="slow")
    attempts = _attempts(step)
    assert len(attempts) >= 3 and attempts[-1] == ("succeeded", "", "")
    assert set(attempts[:-1]) == {("failed", "infrastructure", "infrastructure")}, attempts
    assert step.failure == "" and step.container.endswith(f"-a{len(attempts)}")
    assert "data" in step.outputs


def test_a_cancel_without_an_engine_removes_the_container_within_seconds(engine_on, workspace, dockerd, monkeypatch):
    from engine import executor, services
    from engine.models import Run, Step

    run = _submit(workspace, document([{**node("slow", "sleep", seconds=600), "target": "private"}], []))
    _wait(lambda: _running(dockerd, run.id), "the step's container never ran on the private daemon")
    monkeypatch.setattr(executor, "current", lambda: None)  # as in a web process without an engine
    services.run_cancel(run=Run.objects.get(pk=run.pk))
    # the engine running the step sees the cancel at its next heartbeat and removes the container
    _wait(lambda: not dockerd.client().containers.list(all=True, filters={"label": [f"{LABEL}.run={run.id}"]}),
          "the cancelled step's container is still there", timeout=30)
    monkeypatch.undo()
    _wait(lambda: not engine_on.launched, "the killed step never reported", timeout=30)
    run = Run.objects.get(pk=run.pk)
    assert run.status == "cancelled"
    slow = Step.objects.get(run=run, node_id="slow")
    assert slow.status == "cancelled" and _attempts(slow) == [("failed", "cancelled", "")]

"""The `docker` compute target (engine/targets/docker.py) against a real Docker engine and the step
image `make docker-image` builds: a pipeline in containers gives what `local` gives, a script in a
container has no network, a read-only root and uid 10001, out of memory and timeouts are told
apart, cancel removes the container, and no container is left behind.

Docker is started by `.ci/run` (config/docker/start-dockerd.sh). Without a Docker engine these
tests are skipped, except under CI (CI=true), where they fail instead of hiding."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

from engine.datastore import Datastore
from engine.stepspec import StepSpec
from engine.targets.docker import LABEL, DockerTarget, container_name
from tests.conftest import wait_for_run
from tests.engine.graphs import document, edge, iris_regression, node, script_node

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
pytestmark = pytest.mark.slow
_ids = itertools.count(1)


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"the docker target's tests cannot run under CI: {reason}")
    pytest.skip(f"{reason}; `config/docker/start-dockerd.sh` (root) starts Docker, and CI runs these tests")


@pytest.fixture(scope="session")
def docker_image():
    """The step image, built (or found up to date) by `make docker-image`, with dockerd started."""
    import shutil

    if not os.environ.get("CI") and shutil.which("dockerd") is None:
        _unavailable("Docker (the Debian package docker.io) is not installed")
    if os.geteuid() != 0 and not os.environ.get("CI"):
        _unavailable("starting dockerd and building the image need root")
    from .docker_build import wait

    code, stdout, stderr, seconds = wait()  # started when the session was collected (tests/engine/conftest.py)
    if code != 0:
        _unavailable(f"`make docker-image` failed: {(stderr or stdout)[-2000:]}")
    tag = stdout.strip().splitlines()[-1]
    print(f"\nmake docker-image: {tag} in {seconds:.1f} s (started with the session)")
    yield tag
    import docker

    left = docker.from_env().containers.list(all=True, filters={"label": f"{LABEL}=1"})
    assert not left, f"containers left behind: {[c.name for c in left]}"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Datastore:
    return Datastore(str(tmp_path_factory.mktemp("docker-datastore")))


@pytest.fixture(scope="module")
def target(docker_image):
    tgt = DockerTarget(name="docker-test", concurrency=2, image=docker_image, memory_mb=1024, cpus=1.0, pids=128)
    yield tgt
    tgt.close()
    assert not _containers(**{"target": "docker-test"})


def _containers(**labels: str) -> list:
    import docker

    wanted = [f"{LABEL}=1"] + [f"{LABEL}.{key}={value}" for key, value in labels.items()]
    return docker.from_env().containers.list(all=True, filters={"label": wanted})


class Sink:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.done = threading.Event()

    def __call__(self, event: dict) -> None:
        self.events.append(event)
        if event["kind"] == "done":
            self.done.set()

    def result(self, timeout: float = 120.0):
        assert self.done.wait(timeout), f"no done event within {timeout}s"
        dones = [e for e in self.events if e["kind"] == "done"]
        assert len(dones) == 1
        return dones[0]["result"]


def _spec(store: Datastore, tmp_path, module: str, params: dict, *, inputs=None, user_code=False, **extra) -> StepSpec:
    attempt = next(_ids)
    return StepSpec(attempt_id=attempt, run_id=900, node_id="n", module=module, version="1", params=params,
                    inputs=inputs or {}, datastore=store.root, workdir=str(tmp_path / "work" / f"step-{attempt}-1"),
                    user_code=user_code, **extra)


def _script(store, tmp_path, script: str, **extra) -> StepSpec:
    return _spec(store, tmp_path, "execute_python_script", {"script": script}, user_code=True, **extra)


# -- without a Docker engine ------------------------------------------------------------------------

def test_a_container_is_named_from_ids_only():
    spec = StepSpec(attempt_id=77, run_id=5, node_id="'; rm -rf / #", module="m", version="1", params={},
                    inputs={}, datastore="/d", workdir="/w/run-5/step-12-3")
    assert container_name(spec) == "gw-r5-s12-a3"
    odd = StepSpec(attempt_id=77, run_id=5, node_id="x", module="m", version="1", params={}, inputs={},
                   datastore="/d", workdir="/w/elsewhere")
    assert container_name(odd) == "gw-r5-a77"


def test_an_unreachable_daemon_fails_the_step_as_an_infrastructure_failure(tmp_path):
    tgt = DockerTarget(name="nowhere", base_url=f"unix://{tmp_path}/no-docker.sock")
    try:
        sink = Sink()
        tgt.launch(_spec(Datastore(str(tmp_path / "ds")), tmp_path, "sample_dataset", {"name": "iris"}), sink)
        result = sink.result(30)
    finally:
        tgt.close()
    assert result.status == "failed" and result.reason == "infrastructure"  # retried by the default policy
    assert "Docker daemon" in result.error and "no-docker.sock" in result.error


# -- one step at a time -----------------------------------------------------------------------------

def test_a_builtin_step_in_a_container_writes_its_output_and_reports_its_log_and_progress(target, store, tmp_path):
    from sklearn.datasets import load_iris

    sink = Sink()
    handle = target.launch(_spec(store, tmp_path, "sample_dataset", {"name": "iris"}), sink)
    result = sink.result()
    assert result.status == "succeeded", result.error + result.traceback
    assert getattr(result, "container", handle.name) == handle.name  # where it ran, when results say
    df = store.load(result.outputs["data"]["digest"], "DataFrame")
    iris = load_iris(as_frame=True).frame
    assert df.shape == iris.shape
    assert list(df.iloc[:, :4].sum().round(6)) == list(iris.iloc[:, :4].sum().round(6))
    kinds = [e["kind"] for e in sink.events]
    assert "log" in kinds and "sample dataset iris" in "".join(e.get("text", "") for e in sink.events)
    assert "iris" in result.log


SANDBOX_PROBE = """
import os, socket, pandas as pd

def azureml_main(dataset1=None, dataset2=None):
    out = {"uid": os.getuid(), "gid": os.getgid(), "interfaces": ",".join(sorted(os.listdir("/sys/class/net")))}
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=3).close()
        out["connect"] = "connected"
    except OSError as exc:
        out["connect"] = type(exc).__name__
    for path in ["/probe", "/opt/probe", "/etc/probe", "/usr/probe", "/var/probe", os.path.join(os.path.dirname(os.getcwd()), "probe")]:
        try:
            with open(path, "w") as fh:
                fh.write("x")
            out["write " + path] = "wrote"
        except OSError as exc:
            out["write " + path] = exc.errno
    with open("own.txt", "w") as fh:
        fh.write("mine")
    out["own"] = open("own.txt").read()
    print("probed", flush=True)
    return pd.DataFrame([{k: str(v) for k, v in out.items()}])
"""


def test_a_script_in_a_container_has_no_network_a_read_only_root_and_an_unprivileged_user(target, store, tmp_path):
    import errno

    sink = Sink()
    spec = _script(store, tmp_path, SANDBOX_PROBE)
    target.launch(spec, sink)
    result = sink.result()
    assert result.status == "succeeded", result.error + result.traceback
    row = store.load(result.outputs["result1"]["digest"], "DataFrame").iloc[0].to_dict()
    assert row["uid"] == "10001" and row["gid"] == "10001"
    assert row["interfaces"] == "lo"  # network "none": a loopback of its own, nothing else
    assert row["connect"] == "ConnectionRefusedError"  # the server's PostgreSQL port is not there
    for path, outcome in row.items():
        if path.startswith("write "):
            assert outcome in (str(errno.EROFS), str(errno.EACCES)), (path, outcome)
    assert row["own"] == "mine" and open(os.path.join(spec.workdir, "own.txt")).read() == "mine"
    assert "probed" in "".join(e.get("text", "") for e in sink.events if e["kind"] == "log")


def test_a_step_past_its_memory_limit_fails_as_memory(target, store, tmp_path):
    script = "def azureml_main(dataset1=None, dataset2=None):\n    block = b'x' * (3 << 30)\n    return None\n"
    sink = Sink()
    target.launch(_script(store, tmp_path, script, memory_mb=512), sink)
    result = sink.result()
    assert result.status == "failed" and result.reason == "memory", (result.reason, result.error)
    assert "512 MB" in result.error


def test_a_step_past_its_timeout_is_killed_and_its_container_removed(target, store, tmp_path):
    script = "import time\ndef azureml_main(dataset1=None, dataset2=None):\n    print('waiting', flush=True)\n    time.sleep(600)\n"
    sink = Sink()
    handle = target.launch(_script(store, tmp_path, script, timeout=4.0), sink)
    result = sink.result()
    assert result.status == "failed" and result.reason == "timeout" and "timeout of 4 s" in result.error
    assert not _containers(attempt=str(handle.attempt_id))


def test_terminate_kills_and_removes_a_running_container(target, store, tmp_path):
    script = "import time\ndef azureml_main(dataset1=None, dataset2=None):\n    print('started', flush=True)\n    time.sleep(600)\n"
    sink = Sink()
    handle = target.launch(_script(store, tmp_path, script), sink)
    deadline = time.monotonic() + 60
    while "started" not in "".join(e.get("text", "") for e in sink.events):
        assert time.monotonic() < deadline, "the script never started"
        time.sleep(0.05)
    assert len(_containers(attempt=str(handle.attempt_id))) == 1
    target.terminate(handle, "cancelled")
    result = sink.result(30)
    assert result.status == "failed" and result.reason == "cancelled"
    assert not _containers(attempt=str(handle.attempt_id))
    assert not target.check(handle)


def test_leftover_containers_of_a_dead_engine_are_removed_when_a_target_starts(docker_image):
    import docker

    client = docker.from_env()
    dead = client.containers.create(docker_image, ["/dev/null"], name="gw-r0-s0-a1", network_mode="none",
                                    labels={LABEL: "1", f"{LABEL}.target": "docker-sweep",
                                            f"{LABEL}.owner": f"{os.uname().nodename}:999999999:1"})
    live = DockerTarget(name="docker-sweep", image=docker_image)
    kept = client.containers.create(docker_image, ["/dev/null"], name="gw-r0-s0-a2", network_mode="none",
                                    labels={LABEL: "1", f"{LABEL}.target": "docker-sweep", f"{LABEL}.owner": live.owner,
                                            f"{LABEL}.instance": live.instance})
    try:
        names = {c.name for c in _containers(target="docker-sweep")}
        assert "gw-r0-s0-a1" not in names  # its engine process is gone
        second = DockerTarget(name="docker-sweep", image=docker_image)
        assert "gw-r0-s0-a2" in {c.name for c in _containers(target="docker-sweep")}  # its engine lives
        second.close()  # removes only what it started
        assert "gw-r0-s0-a2" in {c.name for c in _containers(target="docker-sweep")}
    finally:
        live.close()  # removes what it started
        for container in (dead, kept):
            try:
                container.remove(force=True)
            except docker.errors.NotFound:
                pass
    assert not _containers(target="docker-sweep")


# -- whole runs on the engine -------------------------------------------------------------------------

@pytest.fixture
def docker_engine(transactional_db, settings, docker_image):
    """The engine with `local` and a `docker` target as settings declare them (DOCKER_TARGET=1)."""
    from engine import executor

    targets = dict(settings.ENGINE["TARGETS"])
    targets["docker"] = {"BACKEND": "engine.targets.docker.DockerTarget", "CONCURRENCY": 2, "IMAGE": docker_image,
                         "MEMORY_MB": 2048, "CPUS": 1.0, "PIDS": 256}
    settings.ENGINE = {**settings.ENGINE, "TARGETS": targets}
    ex = executor.start()
    yield ex
    executor.stop()


SCORE_SCRIPT = """
import pandas as pd

def azureml_main(dataset1=None, dataset2=None):
    out = dataset1.copy()
    predicted = out.columns[-1]  # Score Model appends its prediction
    out["abs_error"] = (out["target"] - out[predicted]).abs()
    return out
"""


def _on(target: str, doc: dict) -> dict:
    return {**doc, "nodes": [{**n, "target": target} for n in doc["nodes"]]}


def _pipeline() -> dict:
    doc = iris_regression()
    doc["nodes"].append(script_node("errors", SCORE_SCRIPT))
    doc["edges"].append(edge("score", "data", "errors", "dataset1"))
    return doc


def _submit(workspace, doc, **kw):
    from designer.services import version_snapshot
    from engine import services

    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    run = services.run_submit(workspace=workspace, version=version, **kw)
    return wait_for_run(run.id, timeout=300)


def test_a_pipeline_on_the_docker_target_gives_what_the_local_target_gives(docker_engine, workspace):
    from engine.models import RunEvent
    from engine.selectors import datastore

    local = _submit(workspace, _pipeline())
    assert local.status == "succeeded", local.error
    before = docker_engine.targets["docker"].launches()
    in_docker = _submit(workspace, _on("docker", _pipeline()), force=True)
    assert in_docker.status == "succeeded", in_docker.error
    assert docker_engine.targets["docker"].launches() == before + 7  # every step ran in a container
    store = datastore()
    compared = 0
    for step in local.steps.all():
        other = in_docker.steps.get(node_id=step.node_id)
        assert set(other.outputs) == set(step.outputs)
        for port, ref in step.outputs.items():
            if ref["kind"] == "DataFrame":
                pd.testing.assert_frame_equal(store.load(other.outputs[port]["digest"], "DataFrame"),
                                              store.load(ref["digest"], "DataFrame"))
                compared += 1
    assert compared >= 6
    errors = store.load(in_docker.steps.get(node_id="errors").outputs["result1"]["digest"], "DataFrame")
    assert (errors["abs_error"] >= 0).all() and len(errors) == 45
    types = set(RunEvent.objects.filter(run=in_docker).values_list("type", flat=True))
    assert {"step.metric", "step.progress"} <= types  # Evaluate's metrics, Sample Dataset's progress


def test_cancel_mid_step_removes_the_container_and_cancels_the_run(docker_engine, workspace):
    from designer.services import version_snapshot
    from engine import services
    from engine.models import Step

    doc = document([{**node("slow", "sleep", seconds=600), "target": "docker"},
                    {**node("after", "passthrough"), "target": "docker"}], [edge("slow", "data", "after", "data")])
    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    run = services.run_submit(workspace=workspace, version=version)
    deadline = time.monotonic() + 120
    while not _containers(run=str(run.id)) or Step.objects.get(run=run, node_id="slow").status != "running":
        assert time.monotonic() < deadline, "the step's container never ran"
        time.sleep(0.1)
    services.run_cancel(run=run)
    run = wait_for_run(run.id, timeout=30)
    assert run.status == "cancelled"
    deadline = time.monotonic() + 30
    while _containers(run=str(run.id)):
        assert time.monotonic() < deadline, "the cancelled step's container is still there"
        time.sleep(0.1)
    assert dict(Step.objects.filter(run=run).values_list("node_id", "status")) == {"slow": "cancelled", "after": "cancelled"}


def test_a_node_may_name_the_docker_target_only_where_it_is_configured(settings):
    from engine.compiler import validate_document

    doc = document([{**node("data", "sample_dataset", name="iris"), "target": "docker"}], [])
    targets = {name: conf for name, conf in settings.ENGINE["TARGETS"].items() if name != "docker"}
    settings.ENGINE = {**settings.ENGINE, "TARGETS": targets}
    assert [(e["code"], e["field"]) for e in validate_document(doc)] == [("unknown_target", "target")]
    settings.ENGINE = {**settings.ENGINE, "TARGETS": {**targets, "docker": {
        "BACKEND": "engine.targets.docker.DockerTarget", "IMAGE": "graphwright-step:latest"}}}
    assert validate_document(doc) == []


def test_settings_declare_the_docker_target_only_with_docker_target_1():
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_TARGET"}
    code = "from django.conf import settings; print(sorted(settings.ENGINE['TARGETS']))"
    for value, expected in (("", False), ("1", True)):
        out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, text=True,
                             capture_output=True, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings",
                                                       "DOCKER_TARGET": value, "ENGINE_AUTOSTART": "0"})
        assert out.returncode == 0, out.stderr[-2000:]
        assert ("'docker'" in out.stdout.strip().splitlines()[-1]) is expected, out.stdout


def test_only_well_formed_metric_and_progress_lines_of_the_events_file_become_events():
    from engine.targets.docker import _event

    assert _event(b'{"kind": "metric", "name": "auc", "value": 0.9, "step": 2}', 7) == {
        "kind": "metric", "attempt_id": 7, "name": "auc", "value": 0.9, "step": 2}
    assert _event(b'{"kind": "progress", "fraction": 3, "message": "m"}', 7)["fraction"] == 1.0
    for line in (b'{"kind": "metric", "name": "x", "value": NaN}', b'{"kind": "done", "result": {}}',
                 b'{"kind": "metric", "name": "x"}', b"[1, 2]", b"not json", b'{"kind": "log", "text": "x"}'):
        assert _event(line, 7) is None, line


def test_a_missing_image_fails_the_step_as_a_launch_failure_naming_make_docker_image(docker_image, tmp_path):
    tgt = DockerTarget(name="docker-noimage", image="graphwright-step:no-such-tag")
    try:
        sink = Sink()
        tgt.launch(_spec(Datastore(str(tmp_path / "ds")), tmp_path, "sample_dataset", {"name": "iris"}), sink)
        result = sink.result(60)
    finally:
        tgt.close()
    assert result.status == "failed" and result.reason == "launch"
    assert "graphwright-step:no-such-tag" in result.error and "make docker-image" in result.error


# -- environments (issue 10, item 6) ----------------------------------------------------------------

ENV_PROBE = """
import pandas as pd

def azureml_main(dataset1=None, dataset2=None):
    import gwtiny
    return pd.DataFrame({"version": [gwtiny.VERSION], "file": [gwtiny.__file__]})
"""


@pytest.mark.django_db(transaction=True)
def test_a_step_in_an_environment_runs_in_its_image_built_from_wheels_fetched_on_the_host(target, store, tmp_path,
                                                                                        settings):
    from engine.environments import build_spec, content_hash
    from engine.models import EnvironmentBuild
    from tests.engine.wheels import make_wheel

    house = tmp_path / "wheels"
    house.mkdir()
    make_wheel(house, "gwtiny", "2.0")
    settings.ENVIRONMENT_BUILD = {**settings.ENVIRONMENT_BUILD, "NO_INDEX": True, "FIND_LINKS": str(house)}
    good = build_spec(["gwtiny==2.0"])
    EnvironmentBuild.objects.create(content_hash=content_hash(good), spec=good)
    sink = Sink()
    target.launch(_script(store, tmp_path, ENV_PROBE, environment=content_hash(good)), sink)
    result = sink.result(timeout=300)
    assert result.status == "succeeded", (result.error, result.log)
    row = store.load(result.outputs["result1"]["digest"], "DataFrame").iloc[0]
    assert (row["version"], row["file"]) == ("2.0", "/opt/graphwright-env/gwtiny.py")
    # a package nobody has: the step fails at launch with the sentence that names it
    bad = build_spec(["gwnothere==1.0"])
    EnvironmentBuild.objects.create(content_hash=content_hash(bad), spec=bad)
    sink = Sink()
    target.launch(_script(store, tmp_path, ENV_PROBE, environment=content_hash(bad)), sink)
    result = sink.result(timeout=300)
    assert (result.status, result.reason) == ("failed", "launch")
    assert "package 'gwnothere==1.0' was not found" in result.error

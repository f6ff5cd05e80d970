"""Services restarted mid-run, with real processes: a Redis restart loses no step of a Celery run; a
web server restart leaves the run going and a WebSocket client resyncs to every event once; a
PostgreSQL restart is ridden out by the engine and the web server (503 with a JSON body while it is
away, never a 500) and the run finishes. Redis and PostgreSQL are private servers of the test's own
(tests/services.py), never the machine's shared ones."""
from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.conftest import subprocess_db_env, wait_for_run
from tests.live_server import free_port
from tests.services import (ROOT, PrivatePostgres, PrivateRedis, Proc, engine_owner, engine_process, manage,
                            wait_until, web_process)
from tests.ws_client import Socket, api

from .graphs import document, edge, node

pytestmark = pytest.mark.slow
FINAL = ("succeeded", "failed", "cancelled")


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


def _submit(workspace, doc):
    from designer.selectors import dataset_resolver
    from designer.services import version_snapshot
    from engine import services

    version = version_snapshot(workspace=workspace, user=None, document=doc, name="t")
    return services.run_submit(workspace=workspace, version=version, force=True,
                               resolve_dataset=dataset_resolver(workspace=workspace))  # the workspace's targets too


def _naps(target: str | None, *seconds: float) -> dict:
    nodes = [node("data", "sample_dataset", name="iris")]
    nodes += [{**node(f"nap{i}", "sleep", seconds=s), **({"target": target} if target else {})}
              for i, s in enumerate(seconds)]
    return document(nodes, [edge("data", "data", f"nap{i}", "data") for i in range(len(seconds))])


def _one_attempt_each(run) -> None:
    for step in run.steps.exclude(status="cached"):
        assert list(step.attempts.values_list("status", flat=True)) == ["succeeded"], step.node_id


# -- Redis -----------------------------------------------------------------------------------------

# the scaled pass only: a Celery target is the scaled mode's, its workers on PostgreSQL
@pytest.mark.scaled_only
def test_a_redis_restart_mid_run_loses_no_step_of_a_celery_run(transactional_db, settings, workspace, tmp_path,
                                                             private_redis):
    """One Celery worker of concurrency 1 runs one sleep while the other's task waits in Redis; Redis
    restarts (no persistence: the waiting task is gone); the engine sends it again, the worker
    reconnects, and every step runs once."""
    from engine import executor
    from engine.models import Attempt, ComputeTarget

    queue = f"gw-test-{uuid.uuid4().hex[:8]}"
    settings.REDIS_URL = private_redis.url
    settings.ENGINE = {**settings.ENGINE, "HEARTBEAT_SECONDS": 0.5, "LEASE_SECONDS": 8.0}
    ComputeTarget.objects.create(workspace=workspace, name="farm", kind="celery", settings={"queue": queue})
    env = subprocess_db_env(DJANGO_SETTINGS_MODULE="config.worker_settings", REDIS_URL=private_redis.url,
                            DATASTORE_ROOT=settings.DATASTORE_ROOT, WORK_ROOT=settings.WORK_ROOT,
                            HEARTBEAT_SECONDS="0.5", LEASE_SECONDS="8", ENGINE_AUTOSTART="0", LOCAL_CONCURRENCY="1",
                            LOCAL_POOL_SIZE="1", PYTHONPATH=str(ROOT))
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    worker = Proc([celery, "-A", "engine.celery_app", "worker", "-Q", queue, "--pool=threads", "--concurrency=1",
                   "--prefetch-multiplier=1", "--without-gossip", "--without-mingle", "--without-heartbeat",
                   "--hostname=w1@test", "--loglevel=INFO"], env, tmp_path / "worker.log").start()
    executor.start()
    try:
        run = _submit(workspace, _naps("farm", 3.0, 3.0))
        attempts = Attempt.objects.filter(step__run=run, step__node_id__startswith="nap", status="running")
        wait_until(lambda: attempts.filter(owner__contains="@").exists()
                   and attempts.exclude(owner__contains="@").filter(owner__startswith="celery:").exists(),
                   120, "one sleep claimed by the worker and the other waiting in Redis")
        private_redis.restart()
        run = wait_for_run(run.id, timeout=180)
    finally:
        executor.stop()
        worker.stop()
    assert run.status == "succeeded", run.error + worker.output()
    _one_attempt_each(run)
    assert set(run.steps.filter(node_id__startswith="nap").values_list("worker", flat=True)) == {"w1@test"}


# -- the web server --------------------------------------------------------------------------------

def _events_after(url: str, token: str, run_id: int, after: int) -> list[dict]:
    """Every stored event with seq > after, page by page (GET runs/<id>/events/?after=N)."""
    found: list[dict] = []
    page = api(url, "GET", f"/runs/{run_id}/events/?after={after}&limit=1000", token=token)
    found += page["results"]
    while page["next"]:
        page = api(url, "GET", page["next"].split("/api/v1", 1)[1], token=token)
        found += page["results"]
    return found


class Client:
    """What the designer's run page does with the stream: apply events in order, once; after a
    reconnect take the snapshot, read any gap from events/?after=, drop what it already applied."""

    def __init__(self, url: str, token: str, run_id: int) -> None:
        self.url, self.token, self.run_id = url, token, run_id
        self.applied: list[int] = []  # seqs of events applied one by one (after the first snapshot)
        self.last = 0
        self.status = ""
        self.socket: Socket | None = None

    def connect(self) -> None:
        self.socket = Socket(self.url, f"/ws/runs/{self.run_id}/?token={self.token}")
        snapshot = self.socket.receive()
        assert snapshot["type"] == "snapshot", snapshot
        if not self.applied and self.last == 0:
            self.last, self.status = snapshot["seq"], snapshot["run"]["status"]
        elif snapshot["seq"] > self.last:  # a gap while away: read from the stored events
            self.apply([e for e in _events_after(self.url, self.token, self.run_id, self.last) if e["seq"] <= snapshot["seq"]])

    def apply(self, events: list[dict]) -> None:
        for event in events:
            if event["seq"] <= self.last:
                continue  # already applied
            assert event["seq"] == self.last + 1, (self.last, event["seq"])
            self.last = event["seq"]
            self.applied.append(event["seq"])
            if event["type"] == "run.status":
                self.status = event["status"]

    def follow(self, until) -> None:
        while not until():
            frame = self.socket.receive()
            if frame.get("type") == "events":
                self.apply(frame["events"])


# the scaled pass only: a web server apart from its engine process, the two sharing the database
# and a Redis channel layer, is the scaled mode (docs/architecture.md, Modes)
@pytest.mark.scaled_only
def test_a_web_server_restart_mid_run_leaves_the_run_going_and_a_client_resyncs(transactional_db, settings, workspace,
                                                                                 user, tmp_path, private_redis):
    from rest_framework.authtoken.models import Token

    from engine.models import RunEvent

    token = Token.objects.create(user=user).key
    port = free_port()
    env = subprocess_db_env(REDIS_URL=private_redis.url, DATASTORE_ROOT=settings.DATASTORE_ROOT,
                            WORK_ROOT=settings.WORK_ROOT, GRAPHWRIGHT_VAR=str(tmp_path / "var"), HEARTBEAT_SECONDS="0.3",
                            LEASE_SECONDS="6", ENGINE_AUTOSTART="0", LOCAL_POOL_SIZE="1",
                            CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}", DJANGO_SETTINGS_MODULE="config.settings")
    engine = engine_process(env, tmp_path / "engine.log")
    owner = engine_owner(engine)
    web = web_process(env, port, tmp_path / "web.log")
    url = f"http://127.0.0.1:{port}"
    try:
        run = _submit(workspace, document(
            [node("data", "sample_dataset", name="iris"), node("nap", "sleep", seconds=4.0), node("after", "passthrough")],
            [edge("data", "data", "nap", "data"), edge("nap", "data", "after", "data")]))
        client = Client(url, token, run.id)
        client.connect()
        running = lambda: RunEvent.objects.filter(run=run, type="step.status", payload__node="nap",  # noqa: E731
                                                   payload__status="running").values_list("seq", flat=True).first()
        wait_until(running, 120, "the sleep running")
        client.follow(lambda: client.last >= running())
        web.stop()  # SIGTERM: the server goes; the client's socket with it
        client.socket.close()
        web = web_process(env, port, tmp_path / "web.log")
        client.connect()
        client.follow(lambda: client.status in FINAL)
    finally:
        web.stop()
        engine.stop()
    assert engine_owner(engine) == owner  # one engine process drove the run throughout
    run = wait_for_run(run.id, timeout=5)
    assert run.status == "succeeded" and client.status == "succeeded", run.error
    stored = list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", flat=True))
    first = stored.index(client.applied[0])
    assert client.applied == stored[first:]  # every event after the first snapshot, once, in order
    _one_attempt_each(run)


# -- PostgreSQL ------------------------------------------------------------------------------------

def _get(url: str, path: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{url}/api/v1{path}", headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, {"body": body[:200].decode(errors="replace")}


@pytest.fixture
def private_postgres():
    server = PrivatePostgres().init()
    yield server
    server.destroy()


# the scaled pass only: it runs on a private PostgreSQL whatever the pass (so without the test
# database it would run in the embedded pass alone, tests/conftest.py), and PostgreSQL is the
# scaled mode's database; the scaled pass is also the shorter one
@pytest.mark.scaled_only
def test_a_postgres_restart_mid_run_is_ridden_out(tmp_path, settings, private_postgres, private_redis):
    """The engine, a Celery worker and the web server run on a private PostgreSQL, which stops while
    a step runs on each and starts again: the web server answers 503 with a JSON body meanwhile
    (never a 500), the engine and the worker record their step's result once the database is back,
    and the run finishes."""
    database = private_postgres.create_database("graphwright")
    port = free_port()
    queue = f"gw-test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL")}
    env.update(DATABASE_URL=database, REDIS_URL=private_redis.url, DATASTORE_ROOT=settings.DATASTORE_ROOT,
               WORK_ROOT=settings.WORK_ROOT,
               GRAPHWRIGHT_VAR=str(tmp_path / "var"), HEARTBEAT_SECONDS="0.5", LEASE_SECONDS="20",
               ENGINE_AUTOSTART="0", LOCAL_POOL_SIZE="1", DJANGO_SETTINGS_MODULE="config.settings",
               CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}")
    manage("migrate", "--noinput", env=env)
    manage("bootstrap", env=env)
    password = (tmp_path / "var" / "admin-password.txt").read_text().strip()
    engine = engine_process(env, tmp_path / "engine.log")
    engine_owner(engine)
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    worker = Proc([celery, "-A", "engine.celery_app", "worker", "-Q", queue, "--pool=threads", "--concurrency=1",
                   "--prefetch-multiplier=1", "--without-gossip", "--without-mingle", "--without-heartbeat",
                   "--hostname=w1@test", "--loglevel=INFO"], {**env, "DJANGO_SETTINGS_MODULE": "config.worker_settings",
                                                             "PYTHONPATH": str(ROOT)}, tmp_path / "worker.log").start()
    web = web_process(env, port, tmp_path / "web.log")
    url = f"http://127.0.0.1:{port}"
    try:
        token = api(url, "POST", "/auth/token/", {"username": "admin", "password": password})["token"]
        api(url, "POST", "/targets/", {"workspace": "default", "name": "farm", "kind": "celery",
                                       "settings": {"queue": queue}}, token)
        doc = document([node("data", "sample_dataset", name="iris"), node("nap", "sleep", seconds=6.0),
                        {**node("remote", "sleep", seconds=6.0), "target": "farm"}, node("after", "passthrough")],
                       [edge("data", "data", "nap", "data"), edge("data", "data", "remote", "data"),
                        edge("nap", "data", "after", "data")])
        draft = api(url, "POST", "/drafts/", {"workspace": "default", "name": "restart", "document": doc}, token)
        run_id = api(url, "POST", f"/drafts/{draft['id']}/submit/", {"force": True}, token)["run"]["id"]

        def naps_running() -> bool:
            code, body = _get(url, f"/runs/{run_id}/", token)
            return code == 200 and {s["node"] for s in body["steps"] if s["status"] == "running"} == {"nap", "remote"}

        wait_until(naps_running, 120, "the sleeps running, on the engine's target and on the worker")
        wait_until(lambda: _get(url, f"/runs/{run_id}/steps/remote/", token)[1].get("worker") == "w1@test", 60,
                   "the worker claiming its sleep")
        answers: list[tuple[int, dict]] = []
        private_postgres.stop()  # the sleep goes on; it ends while the database is away
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            answers.append(_get(url, f"/runs/{run_id}/", token))
            time.sleep(0.2)
        private_postgres.start()
        final = wait_until(lambda: (answer := _get(url, f"/runs/{run_id}/", token))[0] == 200
                           and answer[1]["status"] in FINAL and answer, 120, "the run ending")
        assert engine.alive() and web.alive() and worker.alive()
    finally:
        web.stop()
        engine.stop()
        worker.stop()
    codes = [code for code, _ in answers]
    assert 500 not in codes and set(codes) <= {200, 503}, codes
    unavailable = [body for code, body in answers if code == 503]
    assert unavailable, "the web server never noticed the database was away"
    assert all(body["errors"][0]["code"] == "database_unavailable" for body in unavailable)
    assert final[1]["status"] == "succeeded", final[1].get("error")
    assert [s["status"] for s in final[1]["steps"]] == ["succeeded"] * 4
    assert "the database is not reachable" in (tmp_path / "engine.log").read_text()  # it met the outage, and lived

"""What the local target's tests share: step specs for built-ins and scripts, an event sink that
waits for a step's result, and a wait for a process to be gone."""
from __future__ import annotations

import itertools
import threading
import time

import psutil

from engine.datastore import Datastore
from engine.stepspec import StepSpec
from engine.targets.local import LocalTarget

FIXTURES = "tests.engine.fixture_modules"


SECRETS = {"DATABASE_URL": "postgres://u:hunter2@db/gw", "DJANGO_SECRET_KEY": "s3cr3t-key",
           "AWS_SECRET_ACCESS_KEY": "aws-s3cr3t"}


_ids = itertools.count(1)


class Collector:
    """An on_event sink that remembers when each event arrived."""

    def __init__(self) -> None:
        self.events: list[tuple[float, dict]] = []
        self._done = threading.Event()

    def __call__(self, event: dict) -> None:
        self.events.append((time.monotonic(), event))
        if event["kind"] == "done":
            self._done.set()

    def result(self, timeout: float = 30.0):
        assert self._done.wait(timeout), f"no done event within {timeout}s"
        dones = [e for _, e in self.events if e["kind"] == "done"]
        assert len(dones) == 1
        return dones[0]["result"]

    def of(self, kind: str) -> list[dict]:
        return [e for _, e in self.events if e["kind"] == kind]


def spec(store: Datastore, tmp_path, module: str, **kw) -> StepSpec:
    workdir = tmp_path / f"step{next(_ids)}"
    return StepSpec(attempt_id=kw.pop("attempt_id", next(_ids)), run_id=1, node_id="n", module=module,
                    version="1", params=kw.pop("params", {}), inputs=kw.pop("inputs", {}),
                    datastore=store.root, workdir=str(workdir), **kw)


def script(store: Datastore, tmp_path, body: str, **kw) -> StepSpec:
    return spec(store, tmp_path, "execute_python_script", params={"script": body}, user_code=True, **kw)


def run(target: LocalTarget, step: StepSpec, timeout: float = 30.0):
    sink = Collector()
    handle = target.launch(step, sink)
    return sink.result(timeout), sink, handle


def gone(pid: int, within: float = 5.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False

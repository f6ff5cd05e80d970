"""The `celery` compute target: each step is a `run_attempt` task on the target's queue, run by a
Celery worker anywhere that reaches the database, Redis and the datastore (engine/celery_app.py,
engine/celery_worker.py).

The database stays the truth. `launch` writes a fresh fencing token into the attempt row
(owner `celery:<token>`, which also takes the attempt out of the engine's own lease renewal) and
sends the task. From then on the worker renews the lease and records the result itself; the engine
learns that the attempt ended by polling the rows of its in-flight celery attempts (one query every
POLL_SECONDS for all of them) and reports `done` then. The executor's record_result finds the
attempt already closed and returns False, so the executor re-reads every step of the run: the
worker's result (or the reaper's `lost`) is what it sees.

`terminate` needs no message to the worker: cancel_requested (or the run's end) is what the
worker's heartbeat loop sees, and it kills the step's process within a beat. A task no worker has
claimed yet is closed here directly; the worker that receives it later finds nothing to claim.
"""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field

from django.db import close_old_connections, connection
from kombu.exceptions import OperationalError
from django.utils import timezone

from engine.stepspec import StepResult, StepSpec
from engine.targets.base import EventSink, InfrastructureError, Target

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25


@dataclass(eq=False)
class CeleryHandle:
    spec: StepSpec
    token: str
    on_event: EventSink
    done: bool = False
    reason: str = field(default="")


class CeleryTarget(Target):
    def __init__(self, *, name: str, queue: str, concurrency: int = 64) -> None:
        self.name = name
        self.queue = queue
        self.concurrency = concurrency
        self._live: dict[int, CeleryHandle] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._launches = 0
        self._thread = threading.Thread(target=self._poll, name=f"{name}-celery-poll", daemon=True)
        self._thread.start()

    def launch(self, spec: StepSpec, on_event: EventSink) -> CeleryHandle:
        from engine.celery_app import run_attempt
        from engine.celery_worker import sent_owner
        from engine.models import Attempt

        from django.conf import settings

        if not (getattr(settings, "CELERY_BROKER_URL", None) or settings.REDIS_URL):
            raise RuntimeError(f"celery target {self.name!r} cannot send its steps: this server has no broker "
                               "(set REDIS_URL to the Redis its workers listen on)")
        token = uuid.uuid4().hex
        if not Attempt.objects.filter(pk=spec.attempt_id, status=Attempt.Status.RUNNING).update(
                owner=sent_owner(token), heartbeat_at=timezone.now()):
            raise RuntimeError("the attempt ended before its task was sent")
        handle = CeleryHandle(spec, token, on_event)
        url = getattr(settings, "CELERY_BROKER_URL", None) or settings.REDIS_URL
        try:
            if run_attempt.app.conf.broker_url == url:  # the app's own pooled connection
                run_attempt.apply_async(args=[spec.as_json(), token], queue=self.queue)
            else:  # settings changed since the app was made (tests): that broker, explicitly
                with run_attempt.app.connection_for_write(url) as conn:
                    run_attempt.apply_async(args=[spec.as_json(), token], queue=self.queue, connection=conn)
        except (OperationalError, OSError) as exc:  # the broker is away: infrastructure, retried
            raise InfrastructureError(f"celery target {self.name!r} cannot reach its broker: {exc}") from None
        with self._lock:
            self._live[spec.attempt_id] = handle
            self._launches += 1
        self._wake.set()
        return handle

    def check(self, handle: CeleryHandle) -> bool:
        return not handle.done

    def terminate(self, handle: CeleryHandle, reason: str = "cancelled") -> None:
        """Close the attempt now if no worker has claimed it; a claimed one is killed by its worker
        when it sees the run's cancel (or end) at its next beat."""
        from engine.celery_worker import sent_owner
        from engine.models import Attempt
        from engine.results import record_result

        if handle.done:
            return
        if Attempt.objects.filter(pk=handle.spec.attempt_id, status=Attempt.Status.RUNNING,
                                  owner=sent_owner(handle.token)).exists():
            from engine.datastore import open_datastore

            record_result(attempt_id=handle.spec.attempt_id, store=open_datastore(),
                          result=StepResult(status="failed", reason=reason if reason in ("cancelled", "lost") else "cancelled",
                                            error=f"the step was {reason} before a Celery worker took it"))
        self._wake.set()

    def launches(self) -> int:
        return self._launches

    def close(self) -> None:
        self._closed = True
        self._wake.set()

    # -- completion --------------------------------------------------------------------------
    def _poll(self) -> None:
        from engine.models import Attempt

        while not self._closed:
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
            with self._lock:
                ids = list(self._live)
            if not ids:
                continue
            try:
                close_old_connections()
                ended = list(Attempt.objects.filter(pk__in=ids).exclude(status=Attempt.Status.RUNNING)
                             .values_list("id", "status", "reason"))
                gone = set(ids) - set(Attempt.objects.filter(pk__in=ids).values_list("id", flat=True))
            except Exception:
                log.exception("celery target %s: could not poll its attempts", self.name)
                continue
            for attempt_id, status, reason in ended + [(i, "failed", "lost") for i in gone]:
                with self._lock:
                    handle = self._live.pop(attempt_id, None)
                if handle is None:
                    continue
                handle.done = True
                # the worker (or the reaper) recorded the attempt already: the executor's record_result
                # refuses this stand-in and re-reads the run's steps
                handle.on_event({"kind": "done", "result": StepResult(
                    status="succeeded" if status == Attempt.Status.SUCCEEDED else "failed",
                    reason="" if status == Attempt.Status.SUCCEEDED else (reason or "error"),
                    error="" if status == Attempt.Status.SUCCEEDED else "recorded by the Celery worker")})
        connection.close()

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

A Redis that restarts without persistence loses the tasks still waiting in its queues (and one
that is down refuses a send): the target remembers which Redis server (its `run_id`) took each
task, and re-sends, from its poll thread, every task whose attempt no worker has claimed yet once
that server is another one or the send failed. A duplicate is harmless: the attempt is claimed once.

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
from django.utils import timezone

from engine.stepspec import StepResult, StepSpec
from engine.targets.base import EventSink, Target

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25
RESEND_CHECK_SECONDS = 1.0  # how often the broker's identity is looked at while tasks are out


@dataclass(eq=False)
class CeleryHandle:
    spec: StepSpec
    token: str
    on_event: EventSink
    done: bool = False
    reason: str = field(default="")
    sent_to: str | None = None  # the broker (Redis run_id) that took the task; None: not sent yet


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
        self._redis = None  # (url, client) for the broker's identity
        self._thread = threading.Thread(target=self._poll, name=f"{name}-celery-poll", daemon=True)
        self._thread.start()

    def launch(self, spec: StepSpec, on_event: EventSink) -> CeleryHandle:
        from engine.celery_worker import sent_owner
        from engine.models import Attempt

        if not self._broker_url():
            raise RuntimeError(f"celery target {self.name!r} cannot send its steps: this server has no broker "
                               "(set REDIS_URL to the Redis its workers listen on)")
        token = uuid.uuid4().hex
        if not Attempt.objects.filter(pk=spec.attempt_id, status=Attempt.Status.RUNNING).update(
                owner=sent_owner(token), heartbeat_at=timezone.now()):
            raise RuntimeError("the attempt ended before its task was sent")
        handle = CeleryHandle(spec, token, on_event)
        try:
            self._send(handle)
        except Exception:  # the broker is away: the poll thread sends it once it answers
            log.warning("celery target %s: could not send attempt %s's task; sending it again later",
                        self.name, spec.attempt_id, exc_info=True)
        with self._lock:
            self._live[spec.attempt_id] = handle
            self._launches += 1
        self._wake.set()
        return handle

    @staticmethod
    def _broker_url() -> str:
        from django.conf import settings

        return getattr(settings, "CELERY_BROKER_URL", None) or settings.REDIS_URL

    def _broker_id(self) -> str | None:
        """Which broker server answers now: Redis' run_id (new at every start); None when it does
        not answer; "" for a broker that is not Redis (never re-sent to)."""
        url = self._broker_url()
        if not url.startswith(("redis://", "rediss://", "unix://")):
            return ""
        import redis

        try:
            if self._redis is None or self._redis[0] != url:
                self._redis = (url, redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2))
            return str(self._redis[1].info("server")["run_id"])
        except Exception:
            return None

    def _send(self, handle: CeleryHandle) -> None:
        from engine.celery_app import run_attempt

        broker = self._broker_id()
        url = self._broker_url()
        args = [handle.spec.as_json(), handle.token]
        if run_attempt.app.conf.broker_url == url:  # the app's own pooled connection
            run_attempt.apply_async(args=args, queue=self.queue)
        else:  # settings changed since the app was made (tests): that broker, explicitly
            with run_attempt.app.connection_for_write(url) as conn:
                run_attempt.apply_async(args=args, queue=self.queue, connection=conn)
        handle.sent_to = broker

    def _resend_lost(self) -> None:
        """Send again the tasks a restarted (or unreachable) broker may have lost, when their attempt
        is still unclaimed; a task a worker claimed needs nothing."""
        from engine.celery_worker import sent_owner
        from engine.models import Attempt

        broker = self._broker_id()
        if broker is None:
            return  # still away
        with self._lock:
            stale = [h for h in self._live.values() if h.sent_to != broker and not h.done]
        for handle in stale:
            unclaimed = Attempt.objects.filter(pk=handle.spec.attempt_id, status=Attempt.Status.RUNNING,
                                               owner=sent_owner(handle.token)).exists()
            if not unclaimed:
                handle.sent_to = broker
                continue
            try:
                self._send(handle)
                log.warning("celery target %s: sent attempt %s's task again (the broker restarted or refused it)",
                            self.name, handle.spec.attempt_id)
            except Exception:
                log.warning("celery target %s: could not send attempt %s's task again", self.name,
                            handle.spec.attempt_id, exc_info=True)
                return

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
        import time

        from engine.models import Attempt

        next_check = 0.0
        while not self._closed:
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
            with self._lock:
                ids = list(self._live)
            if not ids:
                continue
            try:
                close_old_connections()
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + RESEND_CHECK_SECONDS
                    self._resend_lost()
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

"""The `celery` compute target: each step is a `run_attempt` task on the target's queue, run by a
Celery worker anywhere that reaches the database, Redis and the datastore (engine/celery_app.py,
engine/celery_worker.py).

The database stays the truth. The engine creates each attempt already holding a fresh fencing
token (owner `celery:<token>`, from `attempt_owner()`, in the engine's transaction; it also takes
the attempt out of the engine's own lease renewal once a worker claims it) and `launch` hands it to
the target's sender thread and returns: off the engine's thread, the sender sends the task (one
the broker refuses is sent again, below). An attempt launched without a token (a caller other
than the engine) gets one written first, every such attempt waiting in one transaction. From then on the worker renews the lease and records the result itself; the engine
learns that the attempt ended by reading the rows of its in-flight celery attempts (one query for all
of them) and reports `done` (marked `recorded`, with the step's stored outputs) then: at once when a worker rings the bell (it publishes the attempt's
id on Redis' ENDED_CHANNEL once the result is committed; a listener thread subscribes), and every
POLL_SECONDS whatever happens (a lost message, an attempt the reaper failed). The executor's record_result finds the
attempt already closed and returns False, so the executor re-reads every step of the run: the
worker's result (or the reaper's `lost`) is what it sees.

`terminate` needs no message to the worker: cancel_requested (or the run's end) is what the
worker's heartbeat loop sees, and it kills the step's process within a beat. A task no worker has
claimed yet is closed here directly; the worker that receives it later finds nothing to claim.

A Redis that restarts without persistence loses the tasks still waiting in its queues (and one
that is down refuses a send): the target remembers which Redis server (its `run_id`) took each
task, and re-sends, from its poll thread, every task whose attempt no worker has claimed yet once
that server is another one or the send failed. A duplicate is harmless: the attempt is claimed once.
A task that could not be sent for SEND_GRACE_SECONDS ends its attempt `failed` (`infrastructure`).
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from queue import Empty, Queue

from django.db import connection, transaction
from django.utils import timezone

from engine.stepspec import StepResult, StepSpec
from engine.targets.base import EventSink, Target

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25
SEND_BATCH = 64  # attempts whose tokens one transaction writes
RESEND_CHECK_SECONDS = 1.0  # how often the broker's identity is looked at while tasks are out
SEND_GRACE_SECONDS = 10.0  # a task unsendable for this long fails its attempt (`infrastructure`)


@dataclass(eq=False)
class CeleryHandle:
    spec: StepSpec
    token: str
    on_event: EventSink
    done: bool = False
    reason: str = field(default="")
    pending: bool = True  # in the sender's outbox: the resend check leaves it alone
    sent_to: str | None = None  # the broker (Redis run_id) that took the task; None: not sent yet
    unsent_since: float | None = None  # monotonic time of the first failed send
    send_error: str = ""  # the last failed send's error
    written: bool = False  # the attempt row holds the token already (created with it)


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
        self._listener: threading.Thread | None = None
        self._outbox: Queue[tuple[CeleryHandle, str] | None] = Queue()
        self._sender: threading.Thread | None = None
        self._redis = None  # (url, client) for the broker's identity
        self._thread = threading.Thread(target=self._poll, name=f"{name}-celery-poll", daemon=True)
        self._thread.start()

    def launch(self, spec: StepSpec, on_event: EventSink) -> CeleryHandle:
        url = self._broker_url()
        if not url:
            raise RuntimeError(f"celery target {self.name!r} cannot send its steps: this server has no broker "
                               "(set REDIS_URL to the Redis its workers listen on)")
        from engine.celery_worker import OWNER_PREFIX

        token = spec.owner[len(OWNER_PREFIX):] if spec.owner.startswith(OWNER_PREFIX) else ""
        if token and "@" not in token:  # created with its token (attempt_owner): nothing to write
            handle = CeleryHandle(spec, token, on_event, written=True)
        else:
            handle = CeleryHandle(spec, uuid.uuid4().hex, on_event)
        with self._lock:
            self._live[spec.attempt_id] = handle
            self._launches += 1
            if self._sender is None:  # on the first launch: the broker is known by now
                self._listener = threading.Thread(target=self._listen, args=(url,), name=f"{self.name}-celery-bell",
                                                  daemon=True)
                self._listener.start()
                self._sender = threading.Thread(target=self._send, name=f"{self.name}-celery-send", daemon=True)
                self._sender.start()
        self._outbox.put((handle, url))
        return handle

    def attempt_owner(self) -> str:
        """A fresh fencing token, written with the attempt by the engine (its owner
        `celery:<token>`): the sender then only sends the task."""
        from engine.celery_worker import sent_owner

        return sent_owner(uuid.uuid4().hex)

    def check(self, handle: CeleryHandle) -> bool:
        return not handle.done

    def terminate(self, handle: CeleryHandle, reason: str = "cancelled") -> None:
        """Close the attempt now if no worker has claimed it; a claimed one is killed by its worker
        when it sees the run's cancel (or end) at its next beat."""
        from engine.celery_worker import sent_owner
        from engine.models import Attempt
        from engine.results import record_result

        from django.db.models import Q

        if handle.done:
            return
        # not claimed: its task not sent yet (still the engine's), or sent and waiting in the queue;
        # once closed, the sender does not send it and a worker finds nothing to claim
        unclaimed = ~Q(owner__startswith="celery:") | Q(owner=sent_owner(handle.token))
        if Attempt.objects.filter(unclaimed, pk=handle.spec.attempt_id, status=Attempt.Status.RUNNING).exists():
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
        self._outbox.put(None)

    # -- sending -----------------------------------------------------------------------------
    def _send(self) -> None:
        """Send the launched attempts' tasks in launch order, off the engine's thread."""
        while True:
            item = self._outbox.get()
            batch = []
            while item is not None:
                batch.append(item)
                if len(batch) >= SEND_BATCH:
                    break
                try:
                    item = self._outbox.get_nowait()
                except Empty:
                    break
            if batch:
                self._send_batch(batch)
            if item is None:
                connection.close()  # the thread ends: its connection must not outlive it
                return

    def _send_batch(self, batch: list[tuple[CeleryHandle, str]]) -> None:
        from engine.celery_worker import sent_owner
        from engine.models import Attempt

        now = timezone.now()
        written = [(handle, url) for handle, url in batch if handle.written]
        unwritten = [(handle, url) for handle, url in batch if not handle.written]
        try:
            if unwritten:
                with transaction.atomic():
                    # an attempt ended meanwhile (cancelled, reaped) gets no task: the poll reports it
                    written += [(handle, url) for handle, url in unwritten if Attempt.objects.filter(
                        pk=handle.spec.attempt_id, status=Attempt.Status.RUNNING).update(
                            owner=sent_owner(handle.token), heartbeat_at=now)]
        except Exception as exc:
            log.exception("celery target %s: could not write the tokens of %d attempts", self.name, len(unwritten))
            connection.close()  # the next batch connects again
            for handle, _ in unwritten:
                self._fail(handle, exc)
            written = [(handle, url) for handle, url in batch if handle.written]
        broker = self._broker_id() if written else None
        for handle, url in written:
            try:
                self._publish(handle, url, broker)
            except Exception as exc:  # the broker is away: the poll thread sends it again once it answers
                log.warning("celery target %s: could not send attempt %s's task; sending it again later",
                            self.name, handle.spec.attempt_id, exc_info=True)
                handle.unsent_since, handle.send_error = time.monotonic(), f"{type(exc).__name__}: {exc}"
            handle.pending = False
        for handle, _ in batch:
            handle.pending = False

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

    def _publish(self, handle: CeleryHandle, url: str, broker: str | None) -> None:
        from engine.celery_app import run_attempt

        args = [handle.spec.as_json(), handle.token]
        if run_attempt.app.conf.broker_url == url:  # the app's own pooled connection
            run_attempt.apply_async(args=args, queue=self.queue)
        else:  # settings changed since the app was made (tests): that broker, explicitly
            with run_attempt.app.connection_for_write(url) as conn:
                run_attempt.apply_async(args=args, queue=self.queue, connection=conn)
        handle.sent_to, handle.unsent_since = broker, None

    def _resend_lost(self) -> None:
        """Send again the tasks a restarted (or unreachable) broker may have lost, when their attempt
        is still unclaimed; a task a worker claimed needs nothing. One unsendable past the grace
        period fails its attempt (`infrastructure`)."""
        from engine.celery_worker import sent_owner
        from engine.models import Attempt

        with self._lock:
            unsent = [h for h in self._live.values() if not h.pending and not h.done and h.unsent_since is not None]
        for handle in unsent:
            if time.monotonic() - handle.unsent_since >= SEND_GRACE_SECONDS:
                self._fail(handle, ConnectionError(f"the broker refused the task for {SEND_GRACE_SECONDS:.0f} s "
                                                   f"(last: {handle.send_error})"))
        broker = self._broker_id()
        if broker is None:
            return  # still away
        with self._lock:
            stale = [h for h in self._live.values() if not h.pending and not h.done and h.sent_to != broker]
        for handle in stale:
            unclaimed = Attempt.objects.filter(pk=handle.spec.attempt_id, status=Attempt.Status.RUNNING,
                                               owner=sent_owner(handle.token)).exists()
            if not unclaimed:
                handle.sent_to, handle.unsent_since = broker, None
                continue
            try:
                self._publish(handle, self._broker_url(), broker)
                log.warning("celery target %s: sent attempt %s's task again (the broker restarted or refused it)",
                            self.name, handle.spec.attempt_id)
            except Exception as exc:
                log.warning("celery target %s: could not send attempt %s's task again", self.name,
                            handle.spec.attempt_id, exc_info=True)
                handle.send_error = f"{type(exc).__name__}: {exc}"
                if handle.unsent_since is None:
                    handle.unsent_since = time.monotonic()
                return

    def _fail(self, handle: CeleryHandle, exc: BaseException) -> None:
        """The task could not be sent: the attempt ends `failed` (infrastructure: the broker or the
        database was away; retried by the step's policy) through the engine, which
        records it (the attempt is still running, its token unclaimed) as if launch() had raised."""
        with self._lock:
            if self._live.pop(handle.spec.attempt_id, None) is None:
                return
        handle.done = True
        handle.on_event({"kind": "done", "result": StepResult(
            status="failed", reason="infrastructure",
            error=f"the step could not be sent to its Celery queue: {type(exc).__name__}: {str(exc)[:500]}")})

    # -- completion --------------------------------------------------------------------------
    def _listen(self, url: str) -> None:
        """Wake the poller when a worker says one of our attempts ended (engine.celery_worker.ring_ended)."""
        import redis

        from engine.celery_worker import ENDED_CHANNEL

        while not self._closed:
            pubsub = None
            try:
                client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(ENDED_CHANNEL)
                while not self._closed:
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    try:
                        attempt_id = int(message["data"])
                    except (TypeError, ValueError):
                        continue
                    if attempt_id in self._live:  # another engine's, or a stale one: nothing to read
                        self._wake.set()
            except Exception:  # Redis away: the poll goes on meanwhile
                log.warning("celery target %s: lost its subscription to the workers' bell", self.name, exc_info=True)
                time.sleep(1.0)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:
                        pass

    def _poll(self) -> None:
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
                # this thread keeps its connection (close_old_connections would open a new one per
                # poll under CONN_MAX_AGE=0: ~10 ms on every step's way back); a failed one is dropped
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + RESEND_CHECK_SECONDS
                    self._resend_lost()
                rows = list(Attempt.objects.filter(pk__in=ids).values_list("id", "status", "reason"))
                ended = [row for row in rows if row[1] != Attempt.Status.RUNNING]
                gone = set(ids) - {row[0] for row in rows}
                succeeded = [row[0] for row in ended if row[1] == Attempt.Status.SUCCEEDED]
                # what the worker stored (its step's outputs), so the engine moves on from it alone
                outputs = dict(Attempt.objects.filter(pk__in=succeeded).values_list("id", "step__outputs")) if succeeded else {}
            except Exception:
                log.exception("celery target %s: could not poll its attempts", self.name)
                connection.close()  # the next poll connects again
                continue
            for attempt_id, status, reason in ended + [(i, "failed", "lost") for i in gone]:
                with self._lock:
                    handle = self._live.pop(attempt_id, None)
                if handle is None:
                    continue
                handle.done = True
                # the worker (or the reaper, or a cancel) recorded the attempt already: the executor
                # records nothing (`recorded`) and advances the run from the step's stored outputs;
                # an attempt row gone (its run deleted) is a stand-in the executor refuses
                handle.on_event({"kind": "done", "recorded": attempt_id not in gone, "result": StepResult(
                    status="succeeded" if status == Attempt.Status.SUCCEEDED else "failed",
                    outputs=outputs.get(attempt_id) or {},
                    reason="" if status == Attempt.Status.SUCCEEDED else (reason or "error"),
                    error="" if status == Attempt.Status.SUCCEEDED else "recorded by the Celery worker")})
        connection.close()

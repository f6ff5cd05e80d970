"""Run events: numbered per run, stored, and pushed to WebSocket groups only after the
transaction that caused them commits (no client ever sees state that was rolled back)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from typing import Any, Callable, Iterator, TypedDict

from django.db import transaction
from django.db.models import F

from . import rows

log = logging.getLogger("graphwright.events")


class EventPayload(TypedDict, total=False):
    run: int
    node: str
    status: str
    text: str
    name: str
    value: float
    step: int | None


def group_name(run_id: int) -> str:
    return f"run.{run_id}"


Listener = Callable[[dict[str, Any]], None]
_listeners: list[Listener] = []
_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def add_listener(fn: Listener) -> None:
    """Call `fn(event)` in this process for every committed event (headless runs print them)."""
    _listeners.append(fn)


def remove_listener(fn: Listener) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


def bind_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the event loop the WebSocket consumers of this process run on."""
    global _loop
    _loop = loop


_buffer = threading.local()


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Inside the caller's transaction: the events emitted in the block (any run) are numbered and
    stored together when it ends: on PostgreSQL one statement for all of them, whatever their runs
    (the engine's burst: every step it moved on, one round trip); then published on commit. An
    error in the block discards them with the transaction. Emitting returns None meanwhile."""
    if getattr(_buffer, "events", None) is not None:  # nested: the outer block stores them
        yield
        return
    _buffer.events = []
    try:
        yield
        pending = _buffer.events
    finally:
        _buffer.events = None
    if pending:
        _store_buffered(pending)


def _store_buffered(pending: list[tuple[int, str, dict[str, Any]]]) -> None:
    from django.utils import timezone

    if transaction.get_connection().vendor != "postgresql":  # one run at a time, as unbuffered
        by_run: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        for run_id, type, payload in pending:
            by_run.setdefault(run_id, []).append((type, payload))
        for run_id, batch in by_run.items():
            emit_many(run_id, batch)
        return
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        firsts = rows.insert_events_of_runs(pending, now)
    out, taken = [], {run_id: 0 for run_id in firsts}
    for run_id, type, payload in pending:
        out.append(event_dict(run_id, firsts[run_id] + taken[run_id], type, payload, now))
        taken[run_id] += 1
    transaction.on_commit(lambda: publish_all(out))


def emit(run_id: int, type: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Number, store and (on commit) publish one event. Call inside the causing transaction."""
    from django.utils import timezone

    from .models import Run, RunEvent

    buffered = getattr(_buffer, "events", None)
    if buffered is not None:
        buffered.append((run_id, type, payload))
        return None
    now = timezone.now()
    # no savepoint: an error here rolls back the causing transaction anyway (nobody catches it inside)
    with transaction.atomic(savepoint=False):
        if rows.returning_supported():
            seq = rows.insert_event_numbered(run_id, type, payload, now)
        else:
            Run.objects.filter(pk=run_id).update(event_seq=F("event_seq") + 1)
            seq = Run.objects.filter(pk=run_id).values_list("event_seq", flat=True).get()
            now = RunEvent.objects.create(run_id=run_id, seq=seq, type=type, payload=payload).created_at
    event = event_dict(run_id, seq, type, payload, now)
    transaction.on_commit(lambda: publish(event))
    return event


def emit_many(run_id: int, batch: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """`emit` for a batch of (type, payload) of one run, numbered consecutively in their order:
    one number taken for all and one statement executed per row, not two or three per event
    (a cached wave of 10,000 steps is one batch). Call inside the causing transaction."""
    from django.utils import timezone

    if not batch:
        return []
    buffered = getattr(_buffer, "events", None)
    if buffered is not None:
        buffered += [(run_id, type, payload) for type, payload in batch]
        return []
    if len(batch) == 1 or not rows.returning_supported():
        return [emit(run_id, type, payload) for type, payload in batch]
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        if transaction.get_connection().vendor == "postgresql":
            first = rows.insert_events_counted(run_id, batch, now)
        else:
            first = rows.take_event_numbers(run_id, len(batch))
            rows.insert_events(run_id, first, batch, now)
    out = [event_dict(run_id, first + i, type, payload, now) for i, (type, payload) in enumerate(batch)]
    transaction.on_commit(lambda: publish_all(out))
    return out


def event_dict(run_id: int, seq: int, type: str, payload: dict[str, Any], at) -> dict[str, Any]:
    """An event as listeners, pushes and clients see it: its type, its number in the run, the
    server's time it was recorded (`at`, ISO 8601; `ts`, the same instant in milliseconds since the
    epoch, for a client to measure the delay from event to screen) and its payload."""
    return {"type": type, "seq": seq, "run": run_id, "at": at.isoformat(), "ts": round(at.timestamp() * 1000, 3),
            **payload}


def last_seq(run_id: int) -> int:
    """The run's last event seq (0 before its first): one index lookup, whatever the database."""
    return rows.last_event_seq(run_id)


returning_supported = rows.returning_supported


def publish_all(events: list[dict[str, Any]]) -> None:
    for event in events:
        publish(event)


def publish(event: dict[str, Any]) -> None:
    for fn in list(_listeners):
        try:
            fn(event)
        except Exception:  # a listener's bug must not stop the engine
            log.exception("event listener failed")
    _send_to_group(event)


# A push carries its events while a burst is small; a bigger burst (or a long log) is one bell
# ("run X has events up to seq N") and every consumer reads them from the database, which holds
# them all anyway.
PUSH_EVENTS_MAX = 100
PUSH_TEXT_MAX = 64 * 1024


def push_message(run_id: int, batch: list[dict[str, Any]]) -> dict[str, Any]:
    """The one channel-layer message for a batch of committed events of one run, in seq order (not
    always consecutive: the consumer reads any gap from the database)."""
    small = len(batch) <= PUSH_EVENTS_MAX and sum(len(e.get("text") or "") for e in batch) <= PUSH_TEXT_MAX
    return {"type": "run.events", "run": run_id, "first": batch[0]["seq"], "seq": batch[-1]["seq"],
            "events": batch if small else None}


def _send_to_group(event: dict[str, Any]) -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    loop = _loop
    if loop is not None and loop.is_running():
        # in-memory layers live on the consumers' loop: hand the send to that loop
        _sender(loop).submit(layer, event)
    elif not layer.__class__.__name__.startswith("InMemory"):
        _sender(_publisher_loop()).submit(layer, event)


class _OrderedSender:
    """Sends on one event loop, one message after the other (concurrent sends, each awaiting the
    network, would reach a group out of order). Events submitted while a send is under way wait and
    leave together: a burst (a cached run commits thousands of events at once) becomes a few
    messages per run, not one per event. A drain task runs only while events wait."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: deque[tuple[Any, dict[str, Any]]] = deque()  # appended from any thread
        self.lock = threading.Lock()
        self.draining = False

    def submit(self, layer: Any, event: dict[str, Any]) -> None:
        self.pending.append((layer, event))
        with self.lock:
            if self.draining:
                return  # the running drain takes it
            self.draining = True
        try:
            self.loop.call_soon_threadsafe(self._start)
        except RuntimeError:  # the loop has closed: nobody on it listens any more
            self.pending.clear()
            with self.lock:
                self.draining = False

    def _start(self) -> None:
        self.loop.create_task(self._drain())

    def _take(self) -> list[tuple[Any, dict[str, Any]]]:
        taken = []
        while self.pending:
            taken.append(self.pending.popleft())
        return taken

    async def _drain(self) -> None:
        while True:
            taken = self._take()
            if not taken:
                with self.lock:
                    if not self.pending:
                        self.draining = False
                        return
                continue
            # the waiting events of one run become one message, in their order (runs are
            # separate groups: their relative order does not matter)
            batches: dict[tuple[int, int], tuple[Any, list[dict[str, Any]]]] = {}
            for layer, event in taken:
                batches.setdefault((id(layer), event["run"]), (layer, []))[1].append(event)
            for layer, batch in batches.values():
                batch.sort(key=lambda e: e["seq"])  # two transactions' commit hooks may interleave
                run_id = batch[0]["run"]
                try:
                    await layer.group_send(group_name(run_id), push_message(run_id, batch))
                except Exception:  # one failed send must not stop the ones after it
                    log.exception("sending run events to their group failed")


_senders: dict[asyncio.AbstractEventLoop, _OrderedSender] = {}
_pub_loop: asyncio.AbstractEventLoop | None = None


def _sender(loop: asyncio.AbstractEventLoop) -> _OrderedSender:
    with _lock:
        sender = _senders.get(loop)
        if sender is None:
            for old in [lp for lp in _senders if lp.is_closed()]:
                del _senders[old]
            sender = _senders[loop] = _OrderedSender(loop)
        return sender


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """A thread of its own with an event loop, for layers that live outside this process (Redis)."""
    global _pub_loop
    with _lock:
        if _pub_loop is None:
            _pub_loop = asyncio.new_event_loop()
            threading.Thread(target=_pub_loop.run_forever, name="event-publisher", daemon=True).start()
        return _pub_loop

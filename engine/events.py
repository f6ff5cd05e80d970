"""Run events: numbered per run, stored, and pushed to WebSocket groups only after the
transaction that caused them commits (no client ever sees state that was rolled back)."""
from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from typing import Any, Callable, TypedDict

from django.db import transaction
from django.db.models import F

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


def emit(run_id: int, type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Number, store and (on commit) publish one event. Call inside the causing transaction."""
    from django.db import connection

    from .models import Run, RunEvent

    # no savepoint: an error here rolls back the causing transaction anyway (nobody catches it inside)
    with transaction.atomic(savepoint=False):
        if _returning(connection):  # two plain statements: this runs several times per step
            seq = _next_seq(connection, run_id)
            _insert_event(connection, run_id, seq, type, payload)
        else:
            Run.objects.filter(pk=run_id).update(event_seq=F("event_seq") + 1)
            seq = Run.objects.filter(pk=run_id).values_list("event_seq", flat=True).get()
            RunEvent.objects.create(run_id=run_id, seq=seq, type=type, payload=payload)
    event = {"type": type, "seq": seq, "run": run_id, **payload}
    transaction.on_commit(lambda: publish(event))
    return event


def _next_seq(connection, run_id: int) -> int:
    """Take the run's next event number in one `UPDATE ... RETURNING`."""
    from .models import Run

    with connection.cursor() as cursor:
        cursor.execute(_sql(connection)[0], [run_id])
        row = cursor.fetchone()
    if row is None:
        raise Run.DoesNotExist("Run matching query does not exist.")
    return row[0]


def _insert_event(connection, run_id: int, seq: int, type: str, payload: dict[str, Any]) -> None:
    """RunEvent.objects.create() without the model machinery: the same row, its values adapted by
    the model's own fields (JSON, time zone)."""
    from django.utils import timezone

    from .models import RunEvent

    field = RunEvent._meta.get_field
    values = [run_id, seq, type, field("payload").get_db_prep_save(payload, connection),
              field("created_at").get_db_prep_save(timezone.now(), connection)]
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection)[1], values)


_SQL: dict[str, tuple[str, str]] = {}


def _sql(connection) -> tuple[str, str]:
    """(take the next number, insert the event) in this database's dialect, built once per vendor."""
    sql = _SQL.get(connection.vendor)
    if sql is None:
        from .models import Run, RunEvent

        quote = connection.ops.quote_name
        run_col = lambda name: quote(Run._meta.get_field(name).column)  # noqa: E731
        seq = run_col("event_seq")
        update = (f"UPDATE {quote(Run._meta.db_table)} SET {seq} = {seq} + 1 WHERE {run_col('id')} = %s "
                  f"RETURNING {seq}")
        columns = ", ".join(quote(RunEvent._meta.get_field(n).column)
                            for n in ("run", "seq", "type", "payload", "created_at"))
        insert = f"INSERT INTO {quote(RunEvent._meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s)"
        sql = _SQL[connection.vendor] = (update, insert)
    return sql


def returning_supported(using: str | None = None) -> bool:
    """True when the database answers `UPDATE/INSERT ... RETURNING` (PostgreSQL, SQLite 3.35+)."""
    return _returning(transaction.get_connection(using))


def _returning(connection) -> bool:
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35)
    return False


def publish(event: dict[str, Any]) -> None:
    for fn in list(_listeners):
        try:
            fn(event)
        except Exception:  # a listener's bug must not stop the engine
            log.exception("event listener failed")
    _send_to_group(event)


def _send_to_group(event: dict[str, Any]) -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "run.event", "event": event}
    coro_fn = lambda: layer.group_send(group_name(event["run"]), message)  # noqa: E731
    loop = _loop
    if loop is not None and loop.is_running():
        # in-memory layers live on the consumers' loop: hand the send to that loop
        _sender(loop).submit(coro_fn)
    elif not layer.__class__.__name__.startswith("InMemory"):
        _sender(_publisher_loop()).submit(coro_fn)


class _OrderedSender:
    """Sends on one event loop, one message after the other: concurrent sends (each awaiting the
    network) would reach the group out of order. A drain task runs only while messages wait."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: deque[Callable[[], Any]] = deque()  # touched only on the loop's thread
        self.draining = False

    def submit(self, coro_fn: Callable[[], Any]) -> None:
        try:
            self.loop.call_soon_threadsafe(self._put, coro_fn)
        except RuntimeError:  # the loop has closed: nobody on it listens any more
            pass

    def _put(self, coro_fn: Callable[[], Any]) -> None:
        self.pending.append(coro_fn)
        if not self.draining:
            self.draining = True
            self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self.pending:
                try:
                    await self.pending.popleft()()
                except Exception:  # one failed send must not stop the ones after it
                    log.exception("sending a run event to its group failed")
        finally:
            self.draining = False


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

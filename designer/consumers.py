"""`/ws/runs/<id>/`: a snapshot, then the run's numbered events as they commit; refusals as close codes."""
from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

from designer.api.parsers import loads
from engine import events
from engine.models import Run
from engine.selectors import run_events_after, run_seq, run_snapshot

log = logging.getLogger("graphwright.events")

# A refusal is an accepted connection closed at once with one of these codes: a close before accept
# reaches the client as a bare HTTP 403 on the handshake, which a browser cannot even read.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_NOT_FOUND = 4404


class Refusal(AsyncWebsocketConsumer):
    """Accepts, then closes with `code` (`Refusal.as_asgi(code=...)`)."""

    def __init__(self, *args, code: int = CLOSE_NOT_FOUND, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.code = code

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=self.code)


@database_sync_to_async
def _visible_run(user, run_id: int) -> Run | None:
    if not user or not user.is_authenticated:
        return None
    return Run.objects.filter(pk=run_id, workspace__memberships__user=user).first()


# events per WebSocket frame and per database read when filling a gap
FRAME_EVENTS = 500


class RunConsumer(AsyncJsonWebsocketConsumer):
    """Sends a snapshot, then every event of the run after it exactly once and in `seq` order.

    Channel-layer pushes only ring the bell (and carry a small burst's events): a layer drops
    messages to a full channel without a word, so whenever a push does not continue exactly where
    the client is, the missing events are read from the database, which holds every one. A lost
    *last* push (nothing after it to reveal the gap) is caught by `_watch`: while the run is
    unfinished and no push arrived for a while, it reads the run's last seq (one index lookup)
    and catches up. It is no poll on the hot path (the engine never waits for it): one index
    lookup per connected client per interval, only while the run is unfinished and the channel
    quiet, backing off to WATCH_MAX_SECONDS while nothing changes, ending once the final
    `run.status` is sent."""

    WATCH_MIN_SECONDS = 0.5
    WATCH_MAX_SECONDS = 4.0

    async def connect(self) -> None:
        user = self.scope.get("user")
        authenticated = bool(user and user.is_authenticated)
        run = await _visible_run(user, self.scope["url_route"]["kwargs"]["run_id"]) if authenticated else None
        await self.accept()
        if run is None:
            # another workspace's run looks like no run
            await self.close(code=CLOSE_NOT_FOUND if authenticated else CLOSE_UNAUTHENTICATED)
            return
        events.bind_loop(asyncio.get_running_loop())
        self.run_id = run.id
        self.sent_seq = 0  # the last seq the client has: the snapshot's, then each event's sent
        self.final = False  # the run's final status has been sent
        self.sending = asyncio.Lock()  # one catch-up at a time: pushes, the watch and resyncs
        self.heard = asyncio.get_running_loop().time()
        self.group = events.group_name(run.id)
        # join before reading the snapshot: events racing it carry seq <= snapshot seq, and are dropped
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self._send_snapshot(run)
        self.watch = asyncio.create_task(self._watch())

    async def disconnect(self, code: int) -> None:
        watch = getattr(self, "watch", None)
        if watch is not None:
            watch.cancel()
        group = getattr(self, "group", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        # a client only ever sends {"type": "resync"}; anything else (binary, not JSON, not an
        # object) is ignored rather than ending the connection with an error
        try:
            content = await self.decode_json(text_data) if text_data else None
        except ValueError:
            return
        if isinstance(content, dict):
            await self.receive_json(content)

    @classmethod
    async def decode_json(cls, text_data: str):
        # the API's strict parser: nesting is counted before parsing, so "[" * 100_000 is refused
        # without a RecursionError (which leaves CPython 3.11's recursion accounting unsettled)
        return loads(text_data)

    async def receive_json(self, content, **kwargs) -> None:
        if content.get("type") == "resync" and getattr(self, "group", None):
            run = await _visible_run(self.scope["user"], self.scope["url_route"]["kwargs"]["run_id"])
            if run is not None:
                await self._send_snapshot(run)

    async def _send_snapshot(self, run: Run) -> None:
        async with self.sending:
            snapshot = await database_sync_to_async(run_snapshot)(run)
            await self.send_json({"type": "snapshot", "seq": snapshot["seq"], "run": snapshot})
            self.sent_seq = snapshot["seq"]
            self.final = snapshot["status"] in Run.FINAL

    # -- pushes from the channel layer ------------------------------------------------------
    async def run_events(self, message) -> None:
        """A push: events up to `seq` are committed; `events` holds them when the burst was small."""
        self.heard = asyncio.get_running_loop().time()
        async with self.sending:
            if message["seq"] <= self.sent_seq:
                return  # already sent (a snapshot or a database read got there first)
            given = message.get("events") or []
            if given and given[0]["seq"] <= self.sent_seq + 1 and _consecutive(given):
                await self._send_events([e for e in given if e["seq"] > self.sent_seq])
            else:  # a gap (pushes dropped) or a bell: the database has every event up to `seq`
                await self._catch_up()

    async def run_event(self, message) -> None:
        """The single-event push of earlier versions (a process not yet upgraded)."""
        event = message["event"]
        await self.run_events({"seq": event["seq"], "events": [event]})

    async def _catch_up(self) -> None:
        """Send every stored event after the last one sent (call holding `sending`)."""
        while True:
            batch = await database_sync_to_async(run_events_after)(self.run_id, self.sent_seq, FRAME_EVENTS)
            if batch:
                await self._send_events(batch)
            if len(batch) < FRAME_EVENTS:
                return

    async def _send_events(self, batch: list[dict]) -> None:
        for start in range(0, len(batch), FRAME_EVENTS):
            frame = batch[start:start + FRAME_EVENTS]
            await self.send_json({"type": "events", "seq": frame[-1]["seq"], "events": frame})
        self.sent_seq = batch[-1]["seq"]
        if any(e["type"] == "run.status" and e.get("status") in Run.FINAL for e in batch):
            self.final = True

    async def _watch(self) -> None:
        """While the run is unfinished: after a quiet interval, compare the run's last seq with the
        last one sent, and catch up when a push was lost."""
        loop = asyncio.get_running_loop()
        delay = self.WATCH_MIN_SECONDS
        while not self.final:
            await asyncio.sleep(delay)
            if loop.time() - self.heard < delay:
                delay = self.WATCH_MIN_SECONDS  # pushes arrive: the channel is alive
                continue
            try:
                behind = await database_sync_to_async(run_seq)(self.run_id) > self.sent_seq
                if behind:
                    async with self.sending:
                        await self._catch_up()
            except Exception:  # a database hiccup: the next interval tries again
                log.exception("checking run %s for lost events failed", self.run_id)
                behind = False
            delay = self.WATCH_MIN_SECONDS if behind else min(delay * 2, self.WATCH_MAX_SECONDS)


def _consecutive(batch: list[dict]) -> bool:
    return all(b["seq"] == a["seq"] + 1 for a, b in zip(batch, batch[1:]))

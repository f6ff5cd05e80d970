"""`/ws/runs/<id>/`: a snapshot, then the run's numbered events as they commit; refusals as close codes."""
from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

from designer.api.parsers import loads
from engine import events
from engine.models import Run
from engine.selectors import run_snapshot

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


class RunConsumer(AsyncJsonWebsocketConsumer):
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
        self.group = events.group_name(run.id)
        # join before reading the snapshot: events racing it carry seq <= snapshot seq, and the
        # client drops those
        await self.channel_layer.group_add(self.group, self.channel_name)
        snapshot = await database_sync_to_async(run_snapshot)(run)
        await self.send_json({"type": "snapshot", "seq": snapshot["seq"], "run": snapshot})

    async def disconnect(self, code: int) -> None:
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
                snapshot = await database_sync_to_async(run_snapshot)(run)
                await self.send_json({"type": "snapshot", "seq": snapshot["seq"], "run": snapshot})

    async def run_event(self, message) -> None:
        await self.send_json(message["event"])

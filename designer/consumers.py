"""`/ws/runs/<id>/`: a snapshot, then the run's numbered events as they commit."""
from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from engine import events
from engine.models import Run
from engine.selectors import run_snapshot

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def _visible_run(user, run_id: int) -> Run | None:
    if not user or not user.is_authenticated:
        return None
    return Run.objects.filter(pk=run_id, workspace__memberships__user=user).first()


class RunConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if not user or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        run = await _visible_run(user, self.scope["url_route"]["kwargs"]["run_id"])
        if run is None:
            await self.close(code=CLOSE_NOT_FOUND)  # another workspace's run looks like no run
            return
        events.bind_loop(asyncio.get_running_loop())
        self.group = events.group_name(run.id)
        # join before reading the snapshot: events racing it carry seq <= snapshot seq, and the
        # client drops those
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        snapshot = await database_sync_to_async(run_snapshot)(run)
        await self.send_json({"type": "snapshot", "seq": snapshot["seq"], "run": snapshot})

    async def disconnect(self, code: int) -> None:
        group = getattr(self, "group", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if content.get("type") == "resync":
            run = await _visible_run(self.scope["user"], self.scope["url_route"]["kwargs"]["run_id"])
            if run is not None:
                snapshot = await database_sync_to_async(run_snapshot)(run)
                await self.send_json({"type": "snapshot", "seq": snapshot["seq"], "run": snapshot})

    async def run_event(self, message) -> None:
        await self.send_json(message["event"])

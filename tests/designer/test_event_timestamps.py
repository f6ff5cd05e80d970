"""Every event a WebSocket client receives carries `ts`, the server's time in epoch milliseconds (the
instant `at` names), whether it came in a push or was read back from the database after a gap."""
from __future__ import annotations

import time
from datetime import datetime

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from rest_framework.authtoken.models import Token

from designer.routing import websocket_application
from designer.services import version_snapshot
from engine import events, services
from tests.engine.graphs import document, node

pytestmark = pytest.mark.django_db(transaction=True)
HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


@database_sync_to_async
def queued_run_and_token(workspace, user):
    version = version_snapshot(workspace=workspace, user=user, name="t",
                               document=document([node("data", "sample_dataset", name="iris")], []))
    run = services.run_submit(workspace=workspace, version=version)  # no engine: it stays queued
    return run.id, Token.objects.get_or_create(user=user)[0].key


@database_sync_to_async
def emit_logs(run_id: int, count: int) -> None:
    with transaction.atomic():
        for i in range(count):
            events.emit(run_id, "step.log", {"node": "data", "text": f"line {i}\n"})


def assert_timestamped(event: dict, *, after_ms: float) -> None:
    at = datetime.fromisoformat(event["at"].replace("Z", "+00:00")).timestamp() * 1000
    assert event["ts"] == pytest.approx(at, abs=0.01)
    assert after_ms - 1 <= event["ts"] <= time.time() * 1000 + 1


async def received_events(comm, count: int) -> list[dict]:
    got: list[dict] = []
    while len(got) < count:
        frame = await comm.receive_json_from(timeout=10)
        assert frame["type"] == "events"
        got += frame["events"]
    return got


@pytest.mark.parametrize("burst", [3, events.PUSH_EVENTS_MAX + 5])  # pushed as they are; a bell read back
async def test_events_over_the_websocket_carry_the_server_time_in_epoch_milliseconds(workspace, user, burst):
    run_id, token = await queued_run_and_token(workspace, user)
    comm = WebsocketCommunicator(websocket_application(), f"/ws/runs/{run_id}/?token={token}", headers=HEADERS)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    snapshot = await comm.receive_json_from(timeout=10)
    assert snapshot["type"] == "snapshot"
    before = time.time() * 1000
    await emit_logs(run_id, burst)
    got = await received_events(comm, burst)
    await comm.disconnect()
    assert [e["text"] for e in got] == [f"line {i}\n" for i in range(burst)]
    for event in got:
        assert_timestamped(event, after_ms=before)

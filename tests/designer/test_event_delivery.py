"""Every event of a run reaches a connected client exactly once, in `seq` order, with the final
status, although the channel layer drops pushes: here its channels hold 2 messages, so nearly
every push of a burst is dropped (the old one-push-per-event delivery lost most of them). Runs in
the layer the settings name: in-memory (embedded) or Redis (with REDIS_URL)."""
from __future__ import annotations

import asyncio
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from designer.routing import websocket_application
from designer.services import version_snapshot
from engine import events, executor, services
from engine.models import Run

from tests.designer.test_consumers import ORIGIN, token_for
from tests.engine.graphs import passthrough_broom, passthrough_chain, passthrough_fan
from tests.event_stream import EventStream

pytestmark = pytest.mark.django_db(transaction=True)
CHAIN = 10_000


@pytest.fixture(autouse=True)
def tiny_channels(settings):
    """Channels of the layer hold 2 messages: a burst overflows them at once."""
    layer = dict(settings.CHANNEL_LAYERS["default"])
    layer["CONFIG"] = {**layer.get("CONFIG", {}), "capacity": 2}
    settings.CHANNEL_LAYERS = {"default": layer}


@database_sync_to_async
def submit(workspace, doc, *, kick: bool, force: bool = False) -> Run:
    """Submit `doc`; with kick=False the engine is not told (the test tells it once it listens)."""
    version = version_snapshot(workspace=workspace, user=None, document=doc, name=doc["name"])
    if kick:
        return services.run_submit(workspace=workspace, version=version, force=force)
    real, services._kick = services._kick, lambda run_id: None
    try:
        return services.run_submit(workspace=workspace, version=version, force=force)
    finally:
        services._kick = real


async def listen(run_id: int, token: str) -> tuple[WebsocketCommunicator, dict]:
    comm = WebsocketCommunicator(websocket_application(), f"/ws/runs/{run_id}/?token={token}",
                                 headers=[ORIGIN, (b"host", b"127.0.0.1:8000")])
    connected, _ = await comm.connect(timeout=10)
    assert connected
    snapshot = await comm.receive_json_from(timeout=30)
    assert snapshot["type"] == "snapshot"
    return comm, snapshot


async def follow(comm: WebsocketCommunicator, snapshot: dict, timeout: float = 150) -> tuple[list[int], str]:
    """Read frames until the final run.status: every seq must follow the one before it. (The forced fan
    of 1,000 took 23 to 63 s on PostgreSQL and Redis while the suites shared two cores: 60 s timed out.)"""
    stream = EventStream(snapshot)
    deadline = time.monotonic() + timeout
    while stream.final is None:
        stream.take(await comm.receive_json_from(timeout=max(0.1, deadline - time.monotonic())))
    return stream.seqs, stream.final


async def run_to_the_end(run: Run, token: str, *, stall: float = 0) -> tuple[dict, list[int], str]:
    """Listen from before the run starts (or mid-run when already kicked) to its final status."""
    comm, snapshot = await listen(run.id, token)
    executor.current().kick(run.id)
    if stall:
        await asyncio.sleep(stall)  # the client reads nothing for a while
    seqs, final = await follow(comm, snapshot)
    assert await comm.receive_nothing(timeout=0.3), "nothing after the final status"
    await comm.disconnect()
    return snapshot, seqs, final


async def assert_whole(run: Run, snapshot: dict, seqs: list[int], final: str) -> None:
    stored = await database_sync_to_async(lambda: Run.objects.get(pk=run.id))()
    assert final == stored.status == "succeeded"
    assert seqs == list(range(snapshot["seq"] + 1, await database_sync_to_async(events.last_seq)(run.id) + 1))


async def test_a_cached_burst_of_10000_nodes_reaches_the_client_whole(engine, workspace, user):
    """iris -> p1 -> 9,998 pass-throughs with p1's key: once p1 ran, the other 9,998 are reused in
    one transaction, the burst of a fully cached resubmit (without paying for a first run)."""
    token = await token_for(user)
    run = await submit(workspace, passthrough_broom(CHAIN), kick=False)
    snapshot, seqs, final = await run_to_the_end(run, token)
    await assert_whole(run, snapshot, seqs, final)
    statuses = await database_sync_to_async(
        lambda: sorted(set(run.steps.exclude(node_id__in=["data", "p1"]).values_list("status", flat=True))))()
    assert statuses == ["cached"]


async def test_a_forced_fan_of_1000_nodes_reaches_the_client_whole(engine, workspace, user):
    token = await token_for(user)
    run = await submit(workspace, passthrough_fan(1000), kick=False, force=True)
    snapshot, seqs, final = await run_to_the_end(run, token)
    await assert_whole(run, snapshot, seqs, final)
    assert len(seqs) >= 2 + 2 * 1000  # running, each step running then succeeded, succeeded


async def test_a_client_that_joins_mid_run_or_stalls_ends_like_one_there_from_the_start(engine, workspace, user):
    token = await token_for(user)
    run = await submit(workspace, passthrough_fan(300), kick=False, force=True)
    early, early_snapshot = await listen(run.id, token)
    stalled, stalled_snapshot = await listen(run.id, token)
    executor.current().kick(run.id)
    await asyncio.sleep(0.3)
    late, late_snapshot = await listen(run.id, token)  # mid-run (or after: then the snapshot is final)
    await asyncio.sleep(3)  # `stalled` reads nothing for seconds
    ends = []
    for comm, snapshot in ((early, early_snapshot), (stalled, stalled_snapshot), (late, late_snapshot)):
        seqs, final = await follow(comm, snapshot)
        await comm.disconnect()
        await assert_whole(run, snapshot, seqs, final)
        ends.append((snapshot["seq"] + len(seqs), final))
    assert len(set(ends)) == 1
    assert early_snapshot["seq"] == 1 and early_snapshot["run"]["status"] == "queued"


async def test_a_lost_last_push_is_caught_by_the_watch(engine, workspace, user, monkeypatch):
    """No push at all reaches the consumer (a lagging channel whose tail was dropped): the final
    status still arrives, read from the database after a quiet interval."""
    from engine import events

    monkeypatch.setattr(events, "_send_to_group", lambda event: None)
    token = await token_for(user)
    run = await submit(workspace, passthrough_chain(50), kick=False)
    snapshot, seqs, final = await run_to_the_end(run, token)
    await assert_whole(run, snapshot, seqs, final)

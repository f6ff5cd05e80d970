"""`/ws/runs/<id>/`: snapshot then numbered events, only for members, only after commit; refusals
as close codes 4401, 4403 and 4404."""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from rest_framework.authtoken.models import Token

from designer.consumers import CLOSE_FORBIDDEN_ORIGIN, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from designer.routing import websocket_application
from designer.services import version_snapshot
from engine import events, services

from tests.engine.graphs import document, edge, node

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def small_pipeline():
    return document([node("data", "sample_dataset", name="iris"), node("pick", "select_columns", columns=["target"])],
                    [edge("data", "data", "pick", "data")])


@database_sync_to_async
def make_run(workspace, doc=None):
    version = version_snapshot(workspace=workspace, user=None, document=doc or small_pipeline(), name="t")
    return services.run_submit(workspace=workspace, version=version)


@database_sync_to_async
def token_for(user):
    return Token.objects.get_or_create(user=user)[0].key


async def connect(run_id, token, origin=ORIGIN):
    headers = [origin, (b"host", b"127.0.0.1:8000")] if origin else [(b"host", b"127.0.0.1:8000")]
    comm = WebsocketCommunicator(websocket_application(), f"/ws/runs/{run_id}/?token={token}", headers=headers)
    connected, code = await comm.connect(timeout=5)
    return comm, connected, code


async def refusal_code(run_id, token, origin=ORIGIN) -> int:
    """The close code of a refused connection, which must have been accepted first: a close before
    accept reaches a real client as a bare HTTP 403 on the handshake, without any code."""
    comm, connected, _ = await connect(run_id, token, origin)
    assert connected, "refusals accept the handshake, then close with a code"
    message = await comm.receive_output(timeout=5)
    assert message["type"] == "websocket.close"
    return message["code"]


async def test_a_member_gets_a_snapshot_then_numbered_events_until_the_run_ends(engine, workspace, user):
    token = await token_for(user)
    run = await make_run(workspace)
    comm, connected, _ = await connect(run.id, token)
    assert connected
    first = await comm.receive_json_from(timeout=10)
    assert first["type"] == "snapshot" and first["run"]["id"] == run.id
    seen, last_seq, final = [], first["seq"], None
    while final is None:
        frame = await comm.receive_json_from(timeout=60)
        assert frame["type"] == "events" and frame["seq"] == frame["events"][-1]["seq"]
        for event in frame["events"]:
            assert event["seq"] == last_seq + 1, "events arrive in order without gaps, none the snapshot holds"
            assert event["run"] == run.id and event["at"]
            last_seq = event["seq"]
            seen.append((event["type"], event.get("node"), event.get("status")))
            if event["type"] == "run.status" and event["status"] in ("succeeded", "failed", "cancelled"):
                final = event["status"]
    await comm.disconnect()
    assert final == "succeeded"
    assert ("step.status", "pick", "succeeded") in seen or first["run"]["steps"][1]["status"] == "succeeded"


async def test_someone_outside_the_workspace_is_refused_with_4404(workspace, outsider):
    token = await token_for(outsider)
    run = await make_run(workspace)
    assert await refusal_code(run.id, token) == CLOSE_NOT_FOUND


async def test_a_run_that_does_not_exist_is_refused_with_the_same_4404(workspace, user):
    token = await token_for(user)
    run = await make_run(workspace)
    assert await refusal_code(run.id + 1000, token) == CLOSE_NOT_FOUND


@pytest.mark.parametrize("token", ["not-a-token", "", "a" * 41, "%00", "%C3%A9" * 20])
async def test_an_anonymous_connection_or_a_bad_token_is_refused_with_4401(workspace, token):
    run = await make_run(workspace)
    assert await refusal_code(run.id, token) == CLOSE_UNAUTHENTICATED


@pytest.mark.parametrize("origin", [(b"origin", b"http://evil.example"), (b"origin", b"https://evil.example:8000"),
                                    (b"origin", b"http://[::1"), (b"origin", b"null")])
async def test_a_foreign_or_malformed_origin_is_refused_with_4403_even_for_a_member(workspace, user, origin):
    token = await token_for(user)
    run = await make_run(workspace)
    assert await refusal_code(run.id, token, origin=origin) == CLOSE_FORBIDDEN_ORIGIN


async def test_a_script_with_a_token_and_no_origin_gets_the_snapshot(workspace, user):
    """Python's `websockets` and curl send no Origin; a browser always does."""
    token = await token_for(user)
    run = await make_run(workspace)
    comm, connected, _ = await connect(run.id, token, origin=None)
    assert connected
    first = await comm.receive_json_from(timeout=5)
    assert first["type"] == "snapshot" and first["run"]["id"] == run.id
    await comm.disconnect()


@pytest.mark.parametrize("token", ["not-a-token", ""])
async def test_no_origin_and_a_bad_or_no_token_is_refused_as_unauthenticated_4401(workspace, token):
    run = await make_run(workspace)
    assert await refusal_code(run.id, token, origin=None) == CLOSE_UNAUTHENTICATED


@database_sync_to_async
def session_cookie(user) -> tuple[bytes, bytes]:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return b"cookie", f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def session_socket(run_id, cookie, origin):
    headers = [cookie, (b"host", b"127.0.0.1:8000")] + ([origin] if origin else [])
    comm = WebsocketCommunicator(websocket_application(), f"/ws/runs/{run_id}/", headers=headers)
    connected, _ = await comm.connect(timeout=5)
    assert connected, "refusals accept the handshake, then close with a code"
    return comm


async def test_a_session_socket_needs_a_matching_origin_and_without_one_is_refused_with_4403(workspace, user):
    cookie, run = await session_cookie(user), await make_run(workspace)
    browser = await session_socket(run.id, cookie, ORIGIN)
    assert (await browser.receive_json_from(timeout=5))["type"] == "snapshot", "the cookie alone authenticates"
    await browser.disconnect()
    for origin in (None, (b"origin", b"http://evil.example")):
        comm = await session_socket(run.id, cookie, origin)
        message = await comm.receive_output(timeout=5)
        assert message == {"type": "websocket.close", "code": CLOSE_FORBIDDEN_ORIGIN}, origin


async def test_messages_other_than_resync_are_ignored_and_resync_sends_a_snapshot(workspace, user):
    token = await token_for(user)
    run = await make_run(workspace)
    comm, connected, _ = await connect(run.id, token)
    assert connected
    first = await comm.receive_json_from(timeout=5)
    for junk in ["not json", "[1, 2]", "[" * 100_000, '{"type": 5}', '"resync"']:
        await comm.send_to(text_data=junk)
    await comm.send_to(bytes_data=b"\x00\xff")
    await comm.send_json_to({"type": "resync"})
    again = await comm.receive_json_from(timeout=5)
    assert again["type"] == "snapshot" and again["run"]["id"] == first["run"]["id"]
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_an_event_of_a_rolled_back_transaction_is_never_sent(workspace, user):
    token = await token_for(user)
    run = await make_run(workspace)
    comm, connected, _ = await connect(run.id, token)
    assert connected
    await comm.receive_json_from(timeout=5)

    @database_sync_to_async
    def emit_then_roll_back():
        try:
            with transaction.atomic():
                events.emit(run.id, "step.log", {"node": "data", "text": "never\n"})
                raise RuntimeError("roll back")
        except RuntimeError:
            pass

    @database_sync_to_async
    def emit_and_commit():
        with transaction.atomic():
            events.emit(run.id, "step.log", {"node": "data", "text": "committed\n"})

    await emit_then_roll_back()
    assert await comm.receive_nothing(timeout=0.5)
    await emit_and_commit()
    frame = await comm.receive_json_from(timeout=5)
    assert [e["text"] for e in frame["events"]] == ["committed\n"]
    await comm.disconnect()

"""Against a live daphne whose channels hold 2 messages (tests/e2e/conftest.py): clients on real
sockets get every event of a 10,000-node cached burst once, in order, with the final status —
one joining mid-run and one that reads nothing for seconds alike."""
from __future__ import annotations

import threading
import time

from tests import ws_client
from tests.engine.graphs import passthrough_broom
from tests.event_stream import EventStream
from tests.ws_client import Socket


def api(server, method: str, path: str, body=None, token: str = "") -> dict:
    return ws_client.api(server.url, method, path, body, token)


def follow(ws: Socket) -> tuple[int, list[int], str]:
    stream = EventStream(ws.receive())
    while stream.final is None:
        stream.take(ws.receive())
    return stream.start, stream.seqs, stream.final


def test_a_10000_node_burst_reaches_a_prompt_a_stalled_and_a_late_client_whole(designer_server):
    token = designer_server.admin_token()
    workspaces = api(designer_server, "GET", "/workspaces/", token=token)
    workspace = (workspaces["results"] if isinstance(workspaces, dict) else workspaces)[0]["slug"]
    draft = api(designer_server, "POST", "/drafts/",
                {"workspace": workspace, "name": "broom", "document": passthrough_broom(10_000)}, token)
    run = api(designer_server, "POST", f"/drafts/{draft['id']}/submit/", {}, token)["run"]
    assert set(run) == {"id", "status", "links"}
    path = f"/ws/runs/{run['id']}/?token={token}"
    prompt, stalled = Socket(designer_server.url, path), Socket(designer_server.url, path)
    results: dict[str, tuple] = {}
    reader = threading.Thread(target=lambda: results.update(prompt=follow(prompt)))
    reader.start()
    time.sleep(3)  # `stalled` reads nothing meanwhile
    late = Socket(designer_server.url, path)
    results["stalled"], results["late"] = follow(stalled), follow(late)
    reader.join(60)
    for ws in (prompt, stalled, late):
        ws.close()
    events = []
    url = f"/runs/{run['id']}/events/?after=0"
    while url:
        page = api(designer_server, "GET", url, token=token)
        events += page["results"]
        url = page["next"] and page["next"].split("/api/v1", 1)[1]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert sum(e["type"] == "step.status" and e["status"] == "cached" for e in events) == 9_998
    assert events[-1]["type"] == "run.status" and events[-1]["status"] == "succeeded"
    for name, (start, seqs, final) in results.items():
        assert final == "succeeded", name
        assert seqs == list(range(start + 1, len(events) + 1)), name

"""A run's page in a real browser: a failing script node shows the user's own traceback in the
results panel's Error tab; a WebSocket dropped mid-run says it is reconnecting, comes back and ends
with every node where the server has it (the consumer's pushes are dropped too: CHANNEL_CAPACITY=2)."""
from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.e2e.conftest import serious_accessibility_violations, sign_in
from tests.e2e.designer_steps import api, create_draft, edge, expect_page_matches_server, open_results, wait_run_final

SCRIPT = '''import pandas as pd


def ratio(frame):
    return frame.iloc[:, 0] / frame["no_such_column"]


def azureml_main(dataframe1=None, dataframe2=None):
    return ratio(dataframe1).to_frame("ratio"),
'''


def place(node_id: str, module: str, y: int, **params) -> dict:
    return {"id": node_id, "module": module, "version": "1", "params": params, "position": {"x": 0, "y": y}}


def submit(page, draft: int) -> int:
    return api(page, "POST", f"/api/v1/drafts/{draft}/submit/", {"force": True})["run"]["id"]


def test_a_failing_script_shows_the_users_traceback(page, designer_server):
    sign_in(page, designer_server)
    draft = create_draft(page, "Script that fails",
                         [place("data", "sample_dataset", 0, name="iris"),
                          place("script", "execute_python_script", 150, script=SCRIPT)],
                         [edge("data", "data", "script", "dataset1")])
    run_id = submit(page, draft)
    page.goto(f"/runs/{run_id}")
    script = page.locator('.run-node[data-node-id="script"]')
    expect(script).to_have_attribute("data-status", "failed", timeout=60_000)
    expect(page.locator('.run-node[data-node-id="data"]')).to_have_attribute("data-status", "succeeded")
    expect(page.locator("[data-run-status]")).to_have_attribute("data-run-status", "failed")

    results = open_results(page, "Execute Python Script")
    expect(results.get_by_role("tab", name="Error")).to_have_attribute("aria-selected", "true")  # a failure opens on it
    expect(results.get_by_role("alert")).to_contain_text("no_such_column")
    traceback = results.get_by_label("Traceback of Execute Python Script")
    expect(traceback).to_be_visible()
    text = traceback.inner_text()
    # the user's own file, lines and function, not only the engine's frames
    assert re.search(r'File "<script>", line 5, in ratio', text), text
    assert 'return frame.iloc[:, 0] / frame["no_such_column"]' in text
    assert re.search(r'File "<script>", line 9, in azureml_main', text), text
    assert "KeyError" in text
    assert serious_accessibility_violations(page) == []  # the Error tab too


def test_a_socket_dropped_mid_run_reconnects_and_ends_where_the_server_is(page, designer_server):
    sign_in(page, designer_server)
    draft = create_draft(page, "Slow steps",
                         [place("data", "sample_dataset", 0, name="iris"), place("nap1", "sleep", 150, seconds=2.5),
                          place("nap2", "sleep", 300, seconds=2.5), place("out", "passthrough", 450)],
                         [edge("data", "data", "nap1", "data"), edge("nap1", "data", "nap2", "data"),
                          edge("nap2", "data", "out", "data")])
    sockets, cut = [], {"on": False}

    def through_the_network(ws):  # the page's sockets pass through here; while cut, none gets through
        if cut["on"]:
            ws.close(code=1011, reason="network down")
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/ws/runs/\d+/"), through_the_network)
    run_id = submit(page, draft)
    page.goto(f"/runs/{run_id}")
    connection = page.locator(".run-connection")
    expect(connection).to_have_text("Live", timeout=20_000)
    expect(page.locator('.run-node[data-node-id="nap1"]')).to_have_attribute("data-status", "running", timeout=30_000)

    cut["on"] = True
    for ws in sockets:
        ws.close(code=1011, reason="network down")  # the page's socket drops mid-run
    expect(connection).to_have_text("Reconnecting…")
    time.sleep(2.5)  # the run goes on while the page hears nothing: nap1 ends, nap2 starts
    assert api(page, "GET", f"/api/v1/runs/{run_id}/")["status"] == "running"
    expect(page.locator('.run-node[data-node-id="nap2"]')).not_to_have_attribute("data-status", "succeeded")
    cut["on"] = False

    run = wait_run_final(page, run_id)
    assert run["status"] == "succeeded"
    expect_page_matches_server(page, run)
    expect(page.locator("[data-run-status]")).to_have_attribute("data-run-status", "succeeded")
    expect(connection).to_have_count(0)  # finished: no connection state shown any more
    assert len(sockets) >= 2  # it did connect again

"""The designer through a real browser: sign in to the app and its sample pipelines, an unknown page,
a run watched over the WebSocket and a resubmit that reuses every step, the API reference without the internet."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

SUBMIT_AND_WATCH = """async ([draftId, body]) => {
  const csrf = document.cookie.split('; ').find(c => c.startsWith('csrftoken=')).split('=')[1];
  const response = await fetch(`/api/v1/drafts/${draftId}/submit/`, {method: 'POST', body,
      headers: {'X-CSRFToken': csrf, 'Content-Type': 'application/json'}});
  if (response.status !== 201) return {status: response.status, body: await response.text()};
  const run = (await response.json()).run;
  const events = [];
  await new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/ws/runs/${run.id}/`);
    const final = s => ['succeeded', 'failed', 'cancelled'].includes(s);
    ws.onmessage = m => {
      const frame = JSON.parse(m.data);  // a snapshot, or {"type": "events", "events": [...]}
      for (const e of frame.type === 'events' ? frame.events : [frame]) {
        events.push(e);
        const status = e.type === 'snapshot' ? e.run.status : (e.type === 'run.status' ? e.status : null);
        if (final(status)) { ws.close(); resolve(); }
      }
    };
    ws.onerror = () => reject(new Error('websocket error'));
    setTimeout(() => reject(new Error('no final status within 90 s')), 90000);
  });
  const final = await (await fetch(`/api/v1/runs/${run.id}/`)).json();
  return {status: 201, run: final, events};
}"""


def test_signing_in_shows_the_app_with_the_sample_pipelines(page, designer_server):
    page.goto("/")
    assert "/login/" in page.url  # the designer is behind a login
    sign_in(page, designer_server)
    expect(page.get_by_role("heading", name="Pipelines", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator(".user-name")).to_have_text("admin")
    samples = page.get_by_role("region", name="Samples")
    for sample in ("Breast cancer classifier", "Diabetes regression"):
        expect(samples.get_by_role("button", name=f"New from sample {sample}")).to_be_visible()
    assert page.outside_requests == []


def test_a_run_streams_every_step_over_the_websocket_and_a_resubmit_reuses_them(page, designer_server):
    sign_in(page, designer_server)
    drafts = page.evaluate("fetch('/api/v1/drafts/').then(r => r.json())")["results"]
    draft = next(d for d in drafts if d["name"] == "Diabetes regression")

    first = page.evaluate(SUBMIT_AND_WATCH, [draft["id"], '{"force": true}'])
    assert first["status"] == 201, first.get("body")
    assert first["run"]["status"] == "succeeded", first["run"]["error"]
    snapshot, *after = first["events"]
    assert snapshot["type"] == "snapshot"
    # the client's rule (the consumer joins the group before reading the snapshot): drop what the
    # snapshot already holds; what is left must follow it without a gap
    events = [snapshot] + [e for e in after if e["seq"] > snapshot["seq"]]
    seqs = [e["seq"] for e in events[1:]]
    assert seqs == list(range(events[0]["seq"] + 1, events[0]["seq"] + 1 + len(seqs)))  # no gap
    # every step's success arrived: in the snapshot (done before the socket opened) or live after it
    ran = {s["node"] for s in events[0]["run"]["steps"] if s["status"] == "succeeded"}
    ran |= {e["node"] for e in events if e["type"] == "step.status" and e["status"] == "succeeded"}
    assert ran == {s["node"] for s in first["run"]["steps"]}
    assert any(e["type"] == "step.status" for e in events[1:])  # and the run was watched while it ran

    again = page.evaluate(SUBMIT_AND_WATCH, [draft["id"], "{}"])
    assert again["run"]["status"] == "succeeded"
    assert {s["status"] for s in again["run"]["steps"]} == {"cached"}
    assert page.outside_requests == []


def test_the_api_reference_renders_without_the_internet(page, designer_server):
    sign_in(page, designer_server)
    page.goto("/api/docs/")
    page.wait_for_selector("text=/api/v1/drafts/", timeout=15000)
    assert page.outside_requests == []


def test_an_unknown_page_offers_the_way_back(page, designer_server):
    sign_in(page, designer_server)
    response = page.goto("/no-such-page/")  # not a route of the app: the server's own page
    assert response.status == 404
    back = page.get_by_role("link", name="Back to your pipelines")
    expect(back).to_have_count(1)
    back.click()
    page.wait_for_url(f"{designer_server.url}/")
    expect(page.get_by_role("heading", name="Pipelines", exact=True)).to_be_visible()
    page.goto("/drafts/987654321")  # a route of the app naming nothing: the app says so
    expect(page.get_by_role("heading", name="Pipeline not available")).to_be_visible()
    page.get_by_role("link", name="Back to the pipelines").click()
    page.wait_for_url(f"{designer_server.url}/")

"""Canvas benchmark: prints ONE JSON document measured in headless Chromium against a live server.

    .venv/bin/python bench/canvas.py [--sizes 300,1000] [--repeat 3] [--fan 200] [--seconds 2]

- `open_ms`: navigation to /drafts/<id> until the canvas holds all n nodes of the pipeline
  (`data-node-count`) and has painted the ones in view (the canvas draws only those), median of
  --repeat, for each size; `fit_all_ms`: then "Fit view" until all n nodes are drawn at once;
- `pan_fps_<n>_opening` / `pan_fps_<n>_fit_all` / `drag_fps`: frames per second
  (requestAnimationFrame ticks) while the mouse pans the largest graph's canvas at its opening zoom
  and zoomed out to show all n nodes, and while it drags one of its nodes, for --seconds each;
- `event_to_screen_ms`: while a forced fan-out of --fan Sleep steps runs, the delay from a
  `step.status` event leaving the server (its `ts`) to the run page's node showing that status in
  `data-status` (a MutationObserver's clock; server and browser share this machine's clock),
  p50 / p95 / max and how many status changes were matched.
Targets (issue 7): open 300 nodes <= 1 s and 1,000 <= 2 s; >= 30 fps panning 1,000 nodes;
event to screen <= 100 ms at p95 during a 200-node fan-out. See docs/benchmarks.md."""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]  # bench/engine.py shadows `engine`
sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from tests.live_server import LiveServer, launch_chromium, serve  # noqa: E402

COLUMNS = 25  # nodes per row of the generated layout
STEP_X, STEP_Y = 240, 140


def grid_chain(n: int) -> dict[str, Any]:
    """A sample dataset and n-1 Pass Through steps in a chain, laid out row by row."""
    ids = ["source"] + [f"p{i}" for i in range(1, n)]
    nodes = [{"id": nid, "module": "sample_dataset" if i == 0 else "passthrough", "version": "1",
              "params": {"name": "iris"} if i == 0 else {},
              "position": {"x": (i % COLUMNS) * STEP_X, "y": (i // COLUMNS) * STEP_Y}}
             for i, nid in enumerate(ids)]
    edges = [{"source": a, "source_port": "data", "target": b, "target_port": "data"} for a, b in zip(ids, ids[1:])]
    return {"schema_version": 1, "name": f"chain {n}", "nodes": nodes, "edges": edges}


def sleep_fan(n: int, seconds: float) -> dict[str, Any]:
    """One Sleep source feeding n Sleep steps: n step.status changes spread over the run."""
    nodes = [{"id": "source", "module": "sleep", "version": "1", "params": {"seconds": 0},
              "position": {"x": 0, "y": 0}}]
    nodes += [{"id": f"s{i}", "module": "sleep", "version": "1", "params": {"seconds": seconds},
               "position": {"x": (i % COLUMNS) * STEP_X, "y": STEP_Y * (1 + i // COLUMNS)}} for i in range(n)]
    edges = [{"source": "source", "source_port": "data", "target": f"s{i}", "target_port": "data"} for i in range(n)]
    return {"schema_version": 1, "name": f"fan {n}", "nodes": nodes, "edges": edges}


def call(server: LiveServer, token: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(server.url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


def sign_in(page, server: LiveServer) -> None:
    page.goto("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", server.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


def open_ms(page, draft_id: int, n: int) -> float:
    start = time.perf_counter()
    page.goto(f"/drafts/{draft_id}")
    page.wait_for_function("n => document.querySelector(`.gw-canvas[data-node-count='${n}']`)"
                           " && document.querySelector('.react-flow__node')", arg=n, timeout=60_000)
    page.evaluate(PAINTED)
    return (time.perf_counter() - start) * 1000


def fit_all_ms(page, n: int) -> float:
    start = time.perf_counter()
    page.get_by_role("button", name="Fit view").first.click()
    page.wait_for_function("n => document.querySelectorAll('.react-flow__node').length >= n", arg=n, timeout=60_000)
    page.evaluate(PAINTED)
    return (time.perf_counter() - start) * 1000


EMPTY_PANE_POINT = """() => { const pane = document.querySelector('.react-flow__pane').getBoundingClientRect();
  for (let y = pane.top + 20; y < pane.bottom - 20; y += 7)
    for (let x = pane.left + 20; x < pane.right - 200; x += 11) {
      const el = document.elementFromPoint(x, y);
      if (el && el.classList.contains('react-flow__pane')) return [x, y];
    }
  return null; }"""


FRAME_COUNTER = """() => { window.__frames = 0; window.__counting = true;
  const tick = () => { window.__frames++; if (window.__counting) requestAnimationFrame(tick); };
  requestAnimationFrame(tick); window.__t0 = performance.now(); }"""
FRAME_RESULT = "() => { window.__counting = false; return window.__frames / ((performance.now() - window.__t0) / 1000); }"


def pan_fps(page, draft_id: int, n: int, view: str, seconds: float) -> float | None:
    """Frames per second panning the draft at its opening zoom (the nodes in view drawn) or zoomed
    out to fit (all n drawn)."""
    page.evaluate("() => Object.keys(localStorage).filter(k => k.includes('viewport'))"
                  ".forEach(k => localStorage.removeItem(k))")
    page.goto(f"/drafts/{draft_id}")
    page.wait_for_selector(".react-flow__node")
    if view == "fit_all":
        fit_all_ms(page, n)
    page.wait_for_timeout(300)
    point = page.evaluate(EMPTY_PANE_POINT)
    return fps_while_moving(page, tuple(point), seconds) if point else None


def fps_while_moving(page, start: tuple[float, float], seconds: float) -> float:
    """Frames per second while the mouse, pressed at `start`, sweeps back and forth for `seconds`."""
    x, y = start
    page.mouse.move(x, y)
    page.mouse.down()
    page.evaluate(FRAME_COUNTER)
    deadline = time.perf_counter() + seconds
    step = 0
    while time.perf_counter() < deadline:
        dx = 150 if (step // 30) % 2 == 0 else -150
        page.mouse.move(x + dx * ((step % 30) / 30), y + 40 * ((step % 30) / 30), steps=1)
        step += 1
    fps = page.evaluate(FRAME_RESULT)
    page.mouse.up()
    return round(fps, 1)


# records, in the page, every step.status event the socket brings (with its server `ts`) and the
# moment each node's data-status attribute changes
RECORDER = """() => {
  window.__events = []; window.__screen = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args);
      this.addEventListener('message', m => { try {
        const frame = JSON.parse(m.data);
        for (const e of (frame.type === 'events' ? frame.events : [frame]))
          if (e.type === 'step.status') window.__events.push({node: e.node, status: e.status, ts: e.ts});
      } catch (err) {} }); }
  };
  new MutationObserver(records => { const now = performance.timeOrigin + performance.now();
    for (const r of records) { const el = r.target;
      if (el.dataset && el.dataset.nodeId) window.__screen.push({node: el.dataset.nodeId, status: el.dataset.status, at: now}); }
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-status']});
}"""


def event_to_screen(page, server: LiveServer, token: str, workspace: str, fan: int) -> dict[str, Any]:
    draft = call(server, token, "POST", "/api/v1/drafts/", {"workspace": workspace, "name": f"fan {fan}",
                                                            "document": sleep_fan(fan, 0.3)})
    page.add_init_script(f"({RECORDER})()")
    run = call(server, token, "POST", f"/api/v1/drafts/{draft['id']}/submit/", {"force": True})["run"]
    page.goto(f"/runs/{run['id']}")
    page.wait_for_function("() => ['succeeded','failed','cancelled'].includes("
                           "document.querySelector('[data-run-status]')?.dataset.runStatus)", timeout=300_000)
    page.wait_for_timeout(500)
    events, screen = page.evaluate("[window.__events, window.__screen]")
    shown: dict[tuple[str, str], float] = {}
    for s in screen:
        shown.setdefault((s["node"], s["status"]), s["at"])
    delays = [shown[(e["node"], e["status"])] - float(e["ts"]) for e in events
              if e.get("ts") is not None and (e["node"], e["status"]) in shown]
    delays.sort()
    if not delays:
        return {"matched": 0, "events": len(events)}
    return {"matched": len(delays), "events": len(events),
            "p50": round(statistics.median(delays), 1),
            "p95": round(delays[min(len(delays) - 1, int(0.95 * len(delays)))], 1),
            "max": round(delays[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="300,1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fan", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory(prefix="bench-canvas-") as var, serve(Path(var)) as server, \
            sync_playwright() as playwright:
        token = server.admin_token()
        workspace = call(server, token, "GET", "/api/v1/workspaces/")[0]["slug"]
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=server.url, viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        sign_in(page, server)
        result["chromium"] = browser.version
        opens, largest = {}, None
        for n in sizes:
            draft = call(server, token, "POST", "/api/v1/drafts/", {"workspace": workspace, "name": f"chain {n}",
                                                                    "document": grid_chain(n)})
            times = [open_ms(page, draft["id"], n) for _ in range(args.repeat)]
            opens[str(n)] = {"median_ms": round(statistics.median(times), 1), "all_ms": [round(t, 1) for t in times],
                             "fit_all_ms": round(fit_all_ms(page, n), 1)}
            largest = n
        result["open"] = opens
        for view in ("opening", "fit_all"):
            result[f"pan_fps_{largest}_{view}"] = pan_fps(page, draft["id"], largest, view, args.seconds)
        node = page.locator(".react-flow__node").nth(0).bounding_box()
        result[f"drag_fps_{largest}"] = fps_while_moving(page, (node["x"] + node["width"] / 2, node["y"] + 12),
                                                          args.seconds)
        page.close()
        page = context.new_page()
        result[f"event_to_screen_ms_fan_{args.fan}"] = event_to_screen(page, server, token, workspace, args.fan)
        browser.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

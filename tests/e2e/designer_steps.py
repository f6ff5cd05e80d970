"""What a person does in the app, as steps the browser tests share: upload a dataset, open a draft,
drop modules from the palette, wire ports by dragging, fill the properties panel, submit, watch a run.
Elements are found by role and accessible name (a port reads "input Dataset of Split Data")."""
from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

FINAL_STEP = ("succeeded", "cached", "failed", "skipped", "cancelled")


# -- data -------------------------------------------------------------------------------------------

def breast_cancer_csv(path: Path, *, missing: int = 25, seed: int = 3) -> Path:
    """sklearn's breast cancer set as a user would bring it: a text id column, a few measurements,
    a numeric 0/1 `diagnosis` label, and some empty cells."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.iloc[:, :6].copy()
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    rng = random.Random(seed)
    for _ in range(missing):
        frame.iat[rng.randrange(len(frame)), rng.randrange(frame.shape[1])] = float("nan")
    frame.insert(0, "sample_id", [f"BC-{i:04d}" for i in range(len(frame))])
    frame["diagnosis"] = data.target
    frame.to_csv(path, index=False)
    return path


def upload_on_datasets_page(page: Page, csv: Path, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Datasets").click()
    form = page.get_by_role("form", name="Upload a dataset")
    form.get_by_label("File (CSV or Parquet)").set_input_files(str(csv))
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_role("button", name="Upload").click()
    expect(form.get_by_role("status").filter(has_text="Uploaded")).to_contain_text(f"{name} v1", timeout=60_000)


def api(page: Page, method: str, url: str, body: object | None = None) -> dict:
    """A call to the API from the signed-in page (session cookie and CSRF header, as the app does)."""
    answer = page.evaluate(
        """async ([method, url, body]) => {
          const csrf = (document.cookie.split('; ').find(c => c.startsWith('csrftoken=')) || '=').split('=')[1];
          const headers = {'X-CSRFToken': csrf, 'Content-Type': 'application/json'};
          const r = await fetch(url, {method, body, headers});
          return {status: r.status, body: await r.text()};
        }""",
        [method, url, None if body is None else json.dumps(body)],
    )
    assert answer["status"] < 300, (method, url, answer)
    return json.loads(answer["body"]) if answer["body"] else {}


def create_draft(page: Page, name: str, nodes: list[dict], edges: list[dict] = ()) -> int:
    document = {"schema_version": 1, "name": name, "parameters": [], "nodes": nodes, "edges": list(edges)}
    return api(page, "POST", "/api/v1/drafts/", {"name": name, "document": document})["id"]


def edge(source: str, source_port: str, target: str, target_port: str) -> dict:
    return {"id": f"{source}.{source_port}-{target}.{target_port}", "source": source, "source_port": source_port,
            "target": target, "target_port": target_port}


# -- the designer ------------------------------------------------------------------------------------

def open_draft(page: Page, draft_id: int) -> None:
    page.goto(f"/drafts/{draft_id}")
    expect(page.get_by_role("toolbar", name="Designer")).to_be_visible()
    canvas_ready(page)


def canvas_ready(page: Page) -> None:
    """The draft is drawn and the canvas has made its first fit (two frames after it is mounted):
    what is dropped from now on stays where it is dropped."""
    expect(page.locator(".gw-canvas")).to_have_attribute("data-node-count", re.compile(r"\d+"))
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() =>"
                  " requestAnimationFrame(r))))")


def node(page: Page, title: str) -> Locator:
    """A node of the designer's canvas (xyflow's wrapper), by the title it shows."""
    name = page.locator(".gw-node-name", has_text=re.compile(f"^{re.escape(title)}$"))
    return page.locator(".react-flow__node").filter(has=name)


def drop_module(page: Page, label: str, x: float, y: float) -> Locator:
    """Drag a palette entry onto the canvas (HTML5 drag and drop) at (x, y) of the canvas."""
    before = node(page, label).count()
    page.get_by_role("navigation", name="Modules").get_by_role("button", name=f"Add {label}", exact=True).drag_to(
        page.locator(".gw-canvas"), target_position={"x": x, "y": y})
    expect(node(page, label)).to_have_count(before + 1)
    return node(page, label).nth(before)


def port(page: Page, side: str, name: str, title: str) -> Locator:
    return page.get_by_role("img", name=f"{side} {name} of {title}", exact=True)


def drag_wire(page: Page, source: Locator, target: Locator) -> tuple[float, float]:
    """Press on an output handle, move to an input handle, let go; returns where it was let go."""
    a, b = source.bounding_box(), target.bounding_box()
    ax, ay = a["x"] + a["width"] / 2, a["y"] + a["height"] / 2
    bx, by = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    page.mouse.move(ax, ay)
    page.mouse.down()
    page.mouse.move((ax + bx) / 2, (ay + by) / 2, steps=5)
    page.mouse.move(bx, by, steps=8)
    page.mouse.up()
    return bx, by


def edges(page: Page) -> Locator:
    return page.locator(".react-flow__edge")


def wire(page: Page, source_title: str, output: str, target_title: str, input_: str) -> None:
    before = edges(page).count()
    drag_wire(page, port(page, "output", output, source_title), port(page, "input", input_, target_title))
    expect(edges(page)).to_have_count(before + 1)


def select_node(page: Page, title: str) -> Locator:
    """Click a node's title: it is selected and the side panel shows its properties."""
    node(page, title).locator(".gw-node-name").click()
    panel = page.get_by_role("complementary", name="Node properties")
    expect(panel.get_by_role("heading", name=f"Properties of {title}")).to_be_visible()
    return panel


def wait_saved(page: Page) -> None:
    expect(page.get_by_role("toolbar", name="Designer")).to_contain_text("All changes saved", timeout=15_000)


def submit_from_designer(page: Page, *, expect_plan: str | None = None) -> int:
    """Submit… then Submit in the dialog once its plan is worked out; returns the run's id."""
    page.get_by_role("toolbar", name="Designer").get_by_role("button", name="Submit…").click()
    dialog = page.get_by_role("dialog", name="Submit pipeline")
    plan = dialog.get_by_role("region", name="Plan").get_by_role("status")
    expect(plan).to_contain_text(re.compile(r"\d+ to run, \d+ reused\."), timeout=20_000)
    if expect_plan is not None:
        expect(plan).to_have_text(expect_plan)
    dialog.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(re.compile(r"/runs/\d+$"), timeout=20_000)
    return int(page.url.rsplit("/", 1)[1])


# -- the run page ------------------------------------------------------------------------------------

def run_nodes(page: Page) -> Locator:
    return page.locator(".run-node[data-node-id]")


def statuses_on_page(page: Page) -> dict[str, str]:
    return page.eval_on_selector_all(".run-node[data-node-id]",
                                     "ns => Object.fromEntries(ns.map(n => [n.dataset.nodeId, n.dataset.status]))")


def wait_run_final(page: Page, run_id: int, timeout_s: float = 90) -> dict:
    """Wait until the run has ended on the server; its final state (GET /api/v1/runs/<id>/)."""
    deadline = time.monotonic() + timeout_s
    while True:
        run = api(page, "GET", f"/api/v1/runs/{run_id}/")
        if run["status"] in ("succeeded", "failed", "cancelled"):
            return run
        assert time.monotonic() < deadline, f"run {run_id} still {run['status']} after {timeout_s} s"
        time.sleep(0.3)


def expect_page_matches_server(page: Page, run: dict, timeout_ms: int = 15_000) -> None:
    """Every node on the page ends with the status the server has for its step."""
    for step in run["steps"]:
        expect(page.locator(f'.run-node[data-node-id="{step["node"]}"]')).to_have_attribute(
            "data-status", step["status"], timeout=timeout_ms)


def open_results(page: Page, title: str) -> Locator:
    name = page.locator(".run-node-title", has_text=re.compile(f"^{re.escape(title)}$"))
    page.locator(".run-node").filter(has=name).click()
    panel = page.get_by_role("complementary", name=f"Results of {title}")
    expect(panel).to_be_visible()
    return panel


def upload_by_api(page: Page, csv: Path, name: str) -> dict:
    """A small dataset registered in one request (POST /api/v1/datasets/), for tests about other pages."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post("/api/v1/datasets/", headers={"X-CSRFToken": csrf, "Referer": page.url},
                                 multipart={"name": name, "file": {"name": csv.name, "mimeType": "text/csv",
                                                                    "buffer": csv.read_bytes()}})
    assert response.status == 201, response.text()
    return response.json()


def sample_draft(page: Page, name: str) -> int:
    drafts = api(page, "GET", "/api/v1/drafts/?limit=1000")["results"]
    return next(d["id"] for d in drafts if d["name"] == name)


def run_to_the_end(page: Page, draft_id: int) -> dict:
    run = api(page, "POST", f"/api/v1/drafts/{draft_id}/submit/", {})["run"]
    return wait_run_final(page, run["id"])


_WORLDS: dict[str, dict] = {}


def a_small_world(page: Page, folder: Path) -> dict:
    """One of each thing the pages show, made once per server: an uploaded dataset, the breast cancer
    sample draft and a finished run of it. Ids by name: dataset, draft, run."""
    server = page.url.split("/", 3)[:3]
    key = "/".join(server)
    if key not in _WORLDS:
        dataset = upload_by_api(page, breast_cancer_csv(folder / "tumours.csv"), "tumour_measurements")
        draft = sample_draft(page, "Breast cancer classifier")
        run = run_to_the_end(page, draft)
        assert run["status"] == "succeeded", run
        _WORLDS[key] = {"dataset": dataset["id"], "draft": draft, "run": run["id"]}
    return _WORLDS[key]

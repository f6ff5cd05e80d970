"""Wiring on the canvas in a real browser: a connection the port types refuse says why next to the
pointer and adds no edge; and the keyboard paths of the mouse's work: add a module from the palette
with Enter, connect two nodes with the Connect dialog, move a node with the arrow keys."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.designer_steps import api, create_draft, edges, node, open_draft, port, wait_saved


def place(node_id: str, module: str, x: int, y: int, **params) -> dict:
    return {"id": node_id, "module": module, "version": "1", "params": params, "position": {"x": x, "y": y}}


def test_a_refused_connection_says_why_next_to_the_pointer_and_adds_no_edge(page, designer_server):
    sign_in(page, designer_server)
    draft = create_draft(page, "Refusals", [place("train", "train_model", 0, 0, label_column="target"),
                                            place("split", "split_data", 320, 160)])
    open_draft(page, draft)
    model = port(page, "output", "Trained model", "Train Model")
    frame_input = port(page, "input", "Dataset", "Split Data")
    a, b = model.bounding_box(), frame_input.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    x, y = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    page.mouse.move(x - 30, y - 30, steps=5)
    page.mouse.move(x, y, steps=5)
    hint = page.locator(".gw-canvas .gw-refusal")  # while the wire hovers the port that refuses it
    expect(hint).to_be_visible()
    reason = hint.inner_text()
    assert "Model" in reason and "DataFrame" in reason, reason
    near(hint.bounding_box(), x, y)
    page.mouse.up()

    said = page.get_by_role("alert").filter(has_text=reason)  # and where it was dropped, for a while
    expect(said).to_be_visible()
    near(said.bounding_box(), x, y)
    expect(edges(page)).to_have_count(0)
    assert api(page, "GET", f"/api/v1/drafts/{draft}/")["document"]["edges"] == []


def near(box: dict, x: float, y: float) -> None:
    assert abs(box["x"] - x) < 40 and abs(box["y"] - y) < 40, (box, x, y)


def test_the_keyboard_adds_connects_and_moves_nodes(page, designer_server):
    sign_in(page, designer_server)
    draft = create_draft(page, "By keyboard", [place("data", "sample_dataset", 0, 0, name="iris")])
    open_draft(page, draft)

    # add: the palette entry focused, Enter (with Sample Dataset selected, the new node goes below it)
    node(page, "Sample Dataset").focus()
    page.keyboard.press("Enter")
    expect(node(page, "Sample Dataset")).to_have_class(re.compile(r"\bselected\b"))
    page.get_by_role("navigation", name="Modules").get_by_role("searchbox", name="Search modules").fill("pass")
    entry = page.get_by_role("button", name="Add Pass Through", exact=True)
    entry.focus()
    page.keyboard.press("Enter")
    expect(node(page, "Pass Through")).to_have_count(1)
    expect(page.locator(".gw-canvas")).to_have_attribute("data-node-count", "2")

    # connect: Sample Dataset selected, Connect… from the toolbar, choices by keyboard, Enter
    node(page, "Sample Dataset").focus()
    page.keyboard.press("Enter")
    connect = page.get_by_role("toolbar", name="Designer").get_by_role("button", name="Connect…")
    connect.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Connect Sample Dataset")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("To node")).to_have_value(re.compile("passthrough"))
    dialog.get_by_label("Input").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(edges(page)).to_have_count(1)

    # move: the node focused, Enter selects it, arrow keys move it
    moved = node(page, "Pass Through")
    before = moved.bounding_box()
    moved.focus()
    page.keyboard.press("Enter")
    expect(moved).to_have_class(re.compile(r"\bselected\b"))
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    after = moved.bounding_box()
    assert after["x"] > before["x"] + 10 and after["y"] > before["y"], (before, after)
    wait_saved(page)
    saved = api(page, "GET", f"/api/v1/drafts/{draft}/")["document"]
    passthrough = next(n["id"] for n in saved["nodes"] if n["module"] == "passthrough")
    assert [(e["source"], e["target"]) for e in saved["edges"]] == [("data", passthrough)]
    position = next(n["position"] for n in saved["nodes"] if n["module"] == "passthrough")
    page.reload()  # the move was kept
    expect(node(page, "Pass Through")).to_be_visible()
    assert api(page, "GET", f"/api/v1/drafts/{draft}/")["document"]["nodes"][1]["position"] == position

"""axe-core on every page of the app, as a user sees it (the designer with a node selected and its
properties open, a run with a node's results open): no serious or critical violation."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import serious_accessibility_violations, sign_in
from tests.e2e.designer_steps import a_small_world, node, open_draft, select_node


def test_no_page_has_a_serious_accessibility_violation(page, designer_server, tmp_path):
    sign_in(page, designer_server)
    world = a_small_world(page, tmp_path)
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        found[name] = serious_accessibility_violations(page)

    def visit(path: str, heading: str) -> None:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible(timeout=15_000)

    visit("/", "Pipelines")
    expect(page.get_by_role("list", name="Pipelines")).to_be_visible()
    check("home")

    open_draft(page, world["draft"])
    expect(node(page, "Split Data")).to_be_visible()
    select_node(page, "Split Data")
    check("designer, Split Data selected, properties open")
    page.get_by_role("toolbar", name="Designer").get_by_role("button", name="Submit…").click()
    dialog = page.get_by_role("dialog", name="Submit pipeline")
    expect(dialog.get_by_role("region", name="Plan").get_by_role("status")).to_contain_text("reused", timeout=20_000)
    check("designer, submit dialog with its plan")
    dialog.get_by_role("button", name="Cancel").click()

    visit("/runs", "Runs")
    expect(page.get_by_role("table", name="Runs").get_by_role("row").nth(1)).to_be_visible()
    check("runs list")

    page.goto(f"/runs/{world['run']}")
    evaluate = page.locator('.run-node[data-node-id="evaluate"]')
    expect(evaluate).to_have_attribute("data-status", "succeeded", timeout=15_000)
    evaluate.click()
    results = page.get_by_role("complementary", name=re.compile("^Results of "))
    results.get_by_role("tab", name="Metrics").click()
    expect(results.get_by_role("figure", name=re.compile("^ROC curve"))).to_be_visible()
    check("run page, Evaluate Model's metrics open")
    results.get_by_role("tab", name="Outputs").click()
    check("run page, Evaluate Model's outputs open")

    visit("/datasets", "Datasets")
    expect(page.get_by_role("table", name="Datasets")).to_be_visible()
    check("datasets list")
    page.goto(f"/datasets/{world['dataset']}")
    expect(page.get_by_role("heading", name="Columns")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("cell", name="BC-0000").first).to_be_visible(timeout=15_000)  # the preview's rows
    check("dataset detail")

    visit("/modules", "Modules")
    check("module catalogue")
    page.get_by_role("navigation", name="Modules").get_by_role("link", name="Split Data").click()
    expect(page.get_by_role("heading", name="Split Data")).to_be_visible()
    check("a module")

    problems = {name: v for name, v in found.items() if v}
    assert not problems, "\n".join(f"{name}:\n  " + "\n  ".join(v) for name, v in problems.items())
    assert len(found) == 10
    assert page.outside_requests == []

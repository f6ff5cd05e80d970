"""A new user's whole path in the browser: sign in, upload a CSV on the Datasets page, start a new
pipeline, build it on the empty canvas by dragging eight modules from the palette and wiring their
ports, set parameters in the properties panel (dataset picker, column pickers), submit (the dialog
shows the plan), watch every node succeed live, read Evaluate Model's ROC curve, submit again and
see every node reused. Screenshots of the designer, the run view and the results panel are kept."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.designer_steps import (api, breast_cancer_csv, canvas_ready, drop_module, node, open_results, select_node,
                                      statuses_on_page, submit_from_designer, upload_on_datasets_page, wait_run_final,
                                      wait_saved, wire)

# where each module is dropped on the canvas (pixels from its top-left corner): two columns
LAYOUT = [
    ("Import Data", 110, 60), ("Select Columns", 110, 200), ("Clean Missing Data", 110, 340), ("Split Data", 110, 480),
    ("Two-Class Logistic Regression", 420, 60), ("Train Model", 420, 250), ("Score Model", 420, 440),
    ("Evaluate Model", 420, 620),
]
WIRES = [
    ("Import Data", "Dataset", "Select Columns", "Dataset"),
    ("Select Columns", "Dataset", "Clean Missing Data", "Dataset"),
    ("Clean Missing Data", "Cleaned dataset", "Split Data", "Dataset"),
    ("Two-Class Logistic Regression", "Untrained model", "Train Model", "Untrained model"),
    ("Split Data", "First dataset", "Train Model", "Training dataset"),
    ("Train Model", "Trained model", "Score Model", "Trained model"),
    ("Split Data", "Second dataset", "Score Model", "Dataset"),
    ("Score Model", "Scored dataset", "Evaluate Model", "Scored dataset"),
]


def param(panel, label: str):
    """The control of a parameter, by its label (not its "Bind … to" switch)."""
    return panel.get_by_label(re.compile(f"^{re.escape(label)}"))


def pick_column(panel, label: str, column: str) -> None:
    """A single-column parameter's picker: a list of the input's columns once the server has
    inferred them for the draft as it now stands."""
    picker = panel.get_by_role("combobox", name=re.compile(f"^{re.escape(label)}"))
    expect(picker).to_be_visible(timeout=15_000)
    picker.select_option(column)


# every status a run node of the page shows, in order (the app changes pages without reloading)
RECORD_STATUSES = """
window.statusesShown = [];
new MutationObserver(records => {
  for (const r of records) {
    const nodes = r.type === 'attributes' ? [r.target]
      : [...r.addedNodes].flatMap(n => n.querySelectorAll ? [n, ...n.querySelectorAll('.run-node')] : []);
    for (const n of nodes) {
      if (n.classList && n.classList.contains('run-node')) window.statusesShown.push(n.dataset.status);
    }
  }
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-status']});
"""


def test_a_new_user_builds_runs_and_reruns_a_classifier(page, designer_server, tmp_path):
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.add_init_script(RECORD_STATUSES)
    sign_in(page, designer_server)
    upload_on_datasets_page(page, breast_cancer_csv(tmp_path / "breast_cancer.csv"), "tumours")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipelines").click()
    page.get_by_role("button", name="New pipeline").click()
    page.wait_for_url(re.compile(r"/drafts/\d+$"))
    canvas = page.locator(".gw-canvas")
    expect(canvas).to_have_attribute("data-node-count", "0")  # an empty canvas
    canvas_ready(page)

    for label, x, y in LAYOUT:
        drop_module(page, label, x, y)
    expect(canvas).to_have_attribute("data-node-count", str(len(LAYOUT)))
    for source, output, target, input_ in WIRES:
        wire(page, source, output, target, input_)

    panel = select_node(page, "Import Data")
    panel.get_by_label("Name", exact=True).select_option("tumours")
    expect(node(page, "Import Data")).to_contain_text("Dataset: tumours (newest)")
    panel = select_node(page, "Select Columns")
    columns = panel.get_by_role("list", name="Columns of Dataset")
    expect(columns.get_by_role("checkbox")).to_have_count(8)  # the uploaded file's columns, known at design time
    expect(columns).to_contain_text("sample_id")
    panel.get_by_role("button", name=re.compile("^Select all")).click()
    panel.get_by_role("button", name="Remove column sample_id").click()  # the text id is no feature
    expect(panel.get_by_role("list", name="Selected columns").get_by_role("listitem")).to_have_count(7)
    panel = select_node(page, "Clean Missing Data")
    param(panel, "Cleaning mode").select_option("median")
    panel = select_node(page, "Split Data")
    param(panel, "Fraction of rows in the first output").fill("0.75")
    param(panel, "Random seed").fill("42")
    param(panel, "Random seed").press("Enter")
    pick_column(panel, "Stratify by column", "diagnosis")
    panel = select_node(page, "Two-Class Logistic Regression")
    param(panel, "Inverse regularization strength").fill("0.5")
    param(panel, "Inverse regularization strength").press("Enter")
    panel = select_node(page, "Train Model")
    pick_column(panel, "Label column", "diagnosis")  # the picker lists the training columns
    panel = select_node(page, "Evaluate Model")
    pick_column(panel, "Label column", "diagnosis")
    toolbar = page.get_by_role("toolbar", name="Designer")
    expect(toolbar.get_by_role("button", name="Errors (0)")).to_be_visible(timeout=15_000)  # validated as edited
    wait_saved(page)
    screenshot(page, "designer")
    draft_id = int(page.url.rsplit("/", 1)[1])
    saved = {n["module"]: n["params"] for n in api(page, "GET", f"/api/v1/drafts/{draft_id}/")["document"]["nodes"]}
    assert saved["import_data"]["dataset"]["name"] == "tumours"
    assert "sample_id" not in saved["select_columns"]["columns"] and "diagnosis" in saved["select_columns"]["columns"]
    assert saved["clean_missing_data"]["mode"] == "median"
    assert (saved["split_data"]["fraction"], saved["split_data"]["seed"]) == (0.75, 42)
    assert saved["split_data"]["stratify_column"] == "diagnosis"
    assert saved["logistic_regression"]["C"] == 0.5
    assert saved["train_model"]["label_column"] == saved["evaluate_model"]["label_column"] == "diagnosis"

    run_id = submit_from_designer(page, expect_plan=f"{len(LAYOUT)} to run, 0 reused.")
    nodes = page.locator(".run-node[data-node-id]")
    expect(nodes).to_have_count(len(LAYOUT))
    for n in nodes.all():
        expect(n).to_have_attribute("data-status", "succeeded", timeout=90_000)
    shown = page.evaluate("window.statusesShown")
    assert {s for s in shown if s != "succeeded"}, shown  # followed while it ran, not only drawn at its end
    expect(page.locator("[data-run-status]")).to_have_attribute("data-run-status", "succeeded")
    run = wait_run_final(page, run_id)
    assert {s["status"] for s in run["steps"]} == {"succeeded"}
    screenshot(page, "run-view")

    results = open_results(page, "Evaluate Model")
    results.get_by_role("tab", name="Metrics").click()
    roc = results.get_by_role("figure", name=re.compile("^ROC curve"))
    expect(roc).to_be_visible()
    expect(roc.get_by_role("img", name=re.compile("^ROC curve"))).to_be_visible()
    expect(roc.locator("svg path.recharts-curve").first).to_be_visible()  # a drawn curve
    auc = float(re.search(r"AUC ([0-9.]+)", roc.locator("figcaption").inner_text()).group(1))
    assert 0.8 < auc <= 1  # a working classifier of this data, whatever the split
    expect(results.get_by_role("figure", name=re.compile("^Precision-recall curve"))).to_be_visible()
    screenshot(page, "results-roc")

    page.go_back()  # back to the designer: nothing changed, so everything is reused
    page.wait_for_url(re.compile(r"/drafts/\d+$"))
    expect(node(page, "Evaluate Model")).to_be_visible()
    second = submit_from_designer(page, expect_plan=f"0 to run, {len(LAYOUT)} reused.")
    assert second != run_id
    expect(nodes).to_have_count(len(LAYOUT))
    for n in nodes.all():
        expect(n).to_have_attribute("data-status", "cached", timeout=60_000)
    expect(page.locator("[data-run-status]")).to_have_attribute("data-run-status", "succeeded")
    assert set(statuses_on_page(page).values()) == {"cached"}
    reused = page.get_by_role("link", name=f"Evaluate Model reused the output of run {run_id}: open that run")
    expect(reused).to_be_visible()
    assert page.outside_requests == []

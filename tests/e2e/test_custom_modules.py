"""Custom modules in a real browser: a Python file registered on the Custom modules page is offered
by the designer's palette (its default version), a second version becomes the default, and a node
pinned to the first says a newer one is available; a file with a syntax error says where."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import serious_accessibility_violations, sign_in
from tests.e2e.designer_steps import api, create_draft, edge, open_draft

SOURCE = '''"""Multiplies the chosen columns by a factor."""
from modules_catalog.spec import module, Port, Param, PortType, ParamKind


@module("e2e_scale_columns", "{version}", "E2E Scale Columns", "Data Transformation",
        inputs=[Port("data", PortType.DATAFRAME, label="Dataset")],
        outputs=[Port("data", PortType.DATAFRAME, label="Scaled")],
        params=[Param("columns", ParamKind.COLUMNS, port="data", label="Columns"),
                Param("factor", ParamKind.FLOAT, default={factor}, label="Factor")])
def scale_columns(ctx, data, columns, factor):
    out = data.copy()
    out[columns] = out[columns] * factor
    return out
'''


def open_page(page, designer_server):
    sign_in(page, designer_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Custom modules").click()
    expect(page.get_by_role("heading", name="Custom modules", exact=True)).to_be_visible()
    return page.get_by_role("form", name="Register a module")


def register(form, path) -> None:
    form.get_by_label("Module file (.py or .zip)").set_input_files(str(path))
    form.get_by_role("button", name="Register").click()


def test_a_module_registered_on_its_page_is_offered_by_the_palette(page, designer_server, tmp_path):
    form = open_page(page, designer_server)
    v1 = tmp_path / "scale.py"
    v1.write_text(SOURCE.format(version="1", factor=2.0))
    register(form, v1)
    expect(form.get_by_role("status")).to_contain_text("Registered E2E Scale Columns v1 (default)", timeout=60_000)
    versions = page.get_by_role("region", name="E2E Scale Columns (e2e_scale_columns, Data Transformation)")
    expect(versions.get_by_role("row")).to_have_count(2)  # the header and v1

    v2 = tmp_path / "scale_v2.py"
    v2.write_text(SOURCE.format(version="2", factor=3.0))
    register(form, v2)
    expect(form.get_by_role("status")).to_contain_text("Registered E2E Scale Columns v2 (default)", timeout=60_000)
    expect(versions.get_by_role("row")).to_have_count(3)
    expect(versions.get_by_role("button", name="Make default: E2E Scale Columns v1")).to_be_visible()
    assert serious_accessibility_violations(page) == []

    # a draft with a node pinned to v1: the palette offers v2, the node says v2 is there
    draft = create_draft(page, "Custom module", [
        {"id": "data", "module": "sample_dataset", "version": "1", "params": {"name": "iris"},
         "position": {"x": 40, "y": 40}},
        {"id": "scale", "module": "e2e_scale_columns", "version": "1",
         "params": {"columns": ["sepal length (cm)"], "factor": 10.0}, "position": {"x": 40, "y": 220}},
    ], [edge("data", "data", "scale", "data")])
    open_draft(page, draft)
    palette = page.get_by_role("navigation", name="Modules")
    palette.get_by_role("searchbox", name="Search modules").fill("e2e scale")
    entry = palette.get_by_role("button", name="Add E2E Scale Columns custom v2")
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("custom v2")
    expect(page.get_by_test_id("version-badge")).to_have_text("v1 → v2 available")
    assert serious_accessibility_violations(page) == []
    validation = api(page, "GET", f"/api/v1/drafts/{draft}/validation/")
    assert validation["valid"] is True and validation["warnings"][0]["code"] == "newer_version"

    # disabled on the page: the draft is refused naming the node, and the node says so
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Custom modules").click()
    versions.get_by_role("combobox", name="Status of E2E Scale Columns v1").select_option("disabled")
    expect(versions.get_by_role("combobox", name="Status of E2E Scale Columns v1")).to_have_value("disabled")
    errors = api(page, "GET", f"/api/v1/drafts/{draft}/validation/")["errors"]
    assert [(e["code"], e["node"]) for e in errors] == [("disabled_module", "scale")]
    open_draft(page, draft)
    expect(page.get_by_test_id("version-badge")).to_have_text("disabled · v1 → v2 available")


def test_a_file_with_a_syntax_error_is_refused_naming_the_line(page, designer_server, tmp_path):
    form = open_page(page, designer_server)
    broken = tmp_path / "broken.py"
    broken.write_text("from modules_catalog.spec import module\n\ndef f(:\n    pass\n")
    register(form, broken)
    expect(form.get_by_role("alert")).to_contain_text("syntax error in broken.py, line 3", timeout=60_000)

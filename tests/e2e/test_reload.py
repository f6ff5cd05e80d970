"""A reload on any page of the app lands on the same page, showing the same thing (Django serves
the app on each of its routes; the app reads where it is from the address)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.designer_steps import a_small_world


def test_a_reload_lands_on_the_same_page(page, designer_server, tmp_path):
    sign_in(page, designer_server)
    world = a_small_world(page, tmp_path)
    heading = lambda name: page.get_by_role("heading", name=name, exact=True).first  # noqa: E731
    routes = {
        "/": lambda: heading("Pipelines"),
        f"/drafts/{world['draft']}": lambda: page.locator('.gw-canvas[data-node-count="9"] .react-flow__node').first,
        "/runs": lambda: page.get_by_role("table", name="Runs"),
        f"/runs?pipeline={world['draft']}&status=succeeded": lambda: page.get_by_role("table", name="Runs"),
        f"/runs/{world['run']}": lambda: page.locator('.run-node[data-node-id="evaluate"][data-status="succeeded"]'),
        "/datasets": lambda: page.get_by_role("table", name="Datasets"),
        f"/datasets/{world['dataset']}": lambda: heading("Columns"),
        "/modules": lambda: heading("Modules"),
        "/modules/split_data/1": lambda: heading("Split Data"),
    }
    for path, shown in routes.items():
        page.goto(path)
        expect(shown()).to_be_visible(timeout=15_000)
        title = page.title()
        page.reload()
        assert page.url == designer_server.url + path
        expect(shown()).to_be_visible(timeout=15_000)
        assert page.title() == title, path
    # the filters of the runs list came back from the address too
    page.goto(f"/runs?pipeline={world['draft']}&status=succeeded")
    page.reload()
    expect(page.get_by_label(re.compile("^Status")).first).to_have_value("succeeded")

"""A dataset upload on the app's Datasets page in a real browser: sent in small chunks with a progress
bar that moves, checked by the server against the SHA-256 the page computed (frontend/src/datasets,
whose hash vitest holds against the NIST vectors), listed; a file that is not a table says so."""
from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

CHUNK = 256 * 1024

# every value the progress bar shows while the upload runs (it exists only while busy)
WATCH_PROGRESS = """() => {
  window.progressSeen = [];
  const note = () => {
    const bar = document.querySelector('progress[aria-label="Upload progress"]');
    if (bar) window.progressSeen.push(bar.getAttribute('aria-valuetext'));
  };
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                     attributeFilter: ['value', 'aria-valuetext']});
}"""


def small_chunks(route):
    """The server takes chunks up to REQUEST_BODY_MAX_BYTES (16 MiB); the page sends what a new
    session's `chunk_max` allows, so a smaller one here makes a few-MB file go in many chunks."""
    response = route.fetch()
    session = response.json()
    if response.status == 201:
        session["chunk_max"] = CHUNK
    route.fulfill(response=response, body=json.dumps(session))


def open_datasets(page, designer_server):
    sign_in(page, designer_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Datasets").click()
    expect(page.get_by_role("heading", name="Datasets", exact=True)).to_be_visible()
    return page.get_by_role("form", name="Upload a dataset")


def test_a_dataset_uploads_in_chunks_with_a_progress_bar(page, designer_server, tmp_path):
    rows = 120_000
    csv = tmp_path / "measurements.csv"
    csv.write_text("id,station,value\n" + "".join(f"{i},st{i % 17},{i * 0.25}\n" for i in range(rows)))
    size = csv.stat().st_size
    assert size > 2_000_000
    form = open_datasets(page, designer_server)
    page.route("**/api/v1/uploads/",
               lambda route: small_chunks(route) if route.request.method == "POST" else route.continue_())
    puts = []
    page.on("request", lambda r: puts.append(r.url) if r.method == "PUT" and "/api/v1/uploads/" in r.url else None)
    page.evaluate(WATCH_PROGRESS)

    form.get_by_label("File (CSV or Parquet)").set_input_files(str(csv))
    expect(form.get_by_label("Name", exact=True)).to_have_value("measurements")  # named after the file
    form.get_by_role("button", name="Upload").click()
    done = form.get_by_role("status").filter(has_text="Uploaded")
    expect(done).to_contain_text("measurements v1", timeout=60_000)
    expect(done).to_contain_text(f"{rows:,} rows")

    assert len(puts) == -(-size // CHUNK)  # every chunk in its own request
    seen = page.evaluate("window.progressSeen")
    uploading = sorted({int(v.split(": ")[1].rstrip("%")) for v in seen if v and v.startswith("Uploading")})
    assert len(uploading) > 5, seen  # the bar moved step by step
    assert any(v.startswith("Checking the file") for v in seen if v)  # hashed first (the server checks it)
    datasets = page.evaluate("fetch('/api/v1/datasets/?name=measurements').then(r => r.json())")["results"]
    assert [(d["version"], d["rows"], d["size"] > 0) for d in datasets] == [(1, rows, True)]
    listed = page.get_by_role("table", name="Datasets").get_by_role("row").filter(
        has=page.get_by_role("link", name="measurements", exact=True))
    expect(listed).to_contain_text(f"{rows:,}")
    page.reload()  # and the page lists it from the server too
    expect(page.get_by_role("table", name="Datasets").get_by_role("link", name="measurements", exact=True)).to_be_visible()
    assert page.outside_requests == []


def test_a_file_that_is_not_a_table_shows_a_clear_error(page, designer_server, tmp_path):
    binary = tmp_path / "picture.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes([0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0]) * 50)
    form = open_datasets(page, designer_server)
    form.get_by_label("File (CSV or Parquet)").set_input_files(str(binary))
    form.get_by_role("button", name="Upload").click()
    problem = form.get_by_role("alert")
    expect(problem).to_contain_text("could not be read", timeout=30_000)  # the headline, then the server's words
    expect(problem).to_contain_text("could not be decoded as text")
    expect(form.get_by_label("Text encoding")).to_be_focused()  # where the fix goes
    expect(problem.get_by_role("button", name="Retry")).to_be_visible()

    form.get_by_label("Name", exact=True).fill("../bad name")
    form.get_by_role("button", name="Upload").click()
    expect(form.get_by_role("alert")).to_contain_text("a dataset name is", timeout=30_000)
    assert page.evaluate("fetch('/api/v1/datasets/?name=picture').then(r => r.json())")["count"] == 0

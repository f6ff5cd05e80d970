"""The designer page's dataset upload in a real browser: the file's SHA-256 computed slice by slice
in JavaScript, sent in small chunks with a progress bar, turned into a dataset; errors shown."""
from __future__ import annotations

import base64
import hashlib
import random

from tests.e2e.conftest import sign_in

HASH_IN_PIECES = """([data, pieces]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const hash = new Sha256();
  let at = 0;
  for (const n of pieces) { hash.update(bytes.subarray(at, at + n)); at += n; }
  hash.update(bytes.subarray(at));
  return hash.hex();
}"""

WATCH_PROGRESS = """() => {
  window.progressSeen = [];
  const bar = document.querySelector('#dataset-upload progress');
  new MutationObserver(() => window.progressSeen.push([bar.value, bar.max, !bar.hidden]))
    .observe(bar, {attributes: true});
}"""


def test_the_browser_sha256_equals_hashlib_however_the_bytes_are_sliced(page, designer_server):
    sign_in(page, designer_server)
    rng = random.Random(6)
    for size in (0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003):
        data = rng.randbytes(size)
        pieces = [rng.randrange(0, 150) for _ in range(rng.randrange(0, 40))]
        got = page.evaluate(HASH_IN_PIECES, [base64.b64encode(data).decode(), pieces])
        assert got == hashlib.sha256(data).hexdigest(), (size, pieces)
    million_a = page.evaluate("() => { const h = new Sha256(); const a = new Uint8Array(1000).fill(97);"
                              " for (let i = 0; i < 1000; i++) h.update(a); return h.hex(); }")
    assert million_a == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"  # FIPS 180-2 vector


def test_a_dataset_uploads_in_chunks_with_a_progress_bar(page, designer_server, tmp_path):
    rows = 120_000
    csv = tmp_path / "measurements.csv"
    csv.write_text("id,station,value\n" + "".join(f"{i},st{i % 17},{i * 0.25}\n" for i in range(rows)))
    size = csv.stat().st_size
    assert size > 2_000_000
    sign_in(page, designer_server)
    puts = []
    page.on("request", lambda r: puts.append(r.url) if r.method == "PUT" and "/api/v1/uploads/" in r.url else None)
    page.evaluate(WATCH_PROGRESS)
    page.eval_on_selector("#dataset-upload", "form => form.dataset.chunkSize = String(256 * 1024)")
    page.set_input_files("#upload-file", str(csv))
    page.fill("#upload-name", "measurements")
    page.click("#dataset-upload button[type=submit]")
    page.wait_for_selector("text=Uploaded measurements v1", timeout=60000)

    assert len(puts) == -(-size // (256 * 1024))  # every chunk in its own request
    seen = page.evaluate("window.progressSeen")
    uploading = sorted({value for value, total, visible in seen if total == size and visible})
    assert len(uploading) > 5 and uploading[-1] == size  # the bar moved step by step to the end
    assert page.is_visible("#dataset-upload progress")
    assert "measurements v1" in page.inner_text("#dataset-list") and f"{rows} rows" in page.inner_text("#dataset-list")
    datasets = page.evaluate("fetch('/api/v1/datasets/?name=measurements').then(r => r.json())")["results"]
    assert [(d["version"], d["rows"], d["size"] > 0) for d in datasets] == [(1, rows, True)]
    page.reload()  # and the page lists it from the server too
    assert "measurements v1" in page.inner_text("#dataset-list")
    assert page.outside_requests == []


def test_a_file_that_is_not_a_table_shows_a_clear_error(page, designer_server, tmp_path):
    binary = tmp_path / "picture.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes([0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0]) * 50)
    sign_in(page, designer_server)
    page.set_input_files("#upload-file", str(binary))
    page.fill("#upload-name", "picture")
    page.click("#dataset-upload button[type=submit]")
    error = page.wait_for_selector("#dataset-upload .errors:not([hidden])", timeout=30000)
    assert "could not be decoded as text" in error.inner_text()
    page.fill("#upload-name", "../bad name")
    page.click("#dataset-upload button[type=submit]")
    page.wait_for_selector("#dataset-upload .errors:has-text('a dataset name is')", timeout=30000)

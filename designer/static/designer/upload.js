/* The placeholder page's dataset upload: hashes the file (SHA-256, slice by slice), opens an upload
   session, sends the file in chunks with a progress bar, resumes after a failed chunk, completes.
   Expects sha256.js loaded first and a form#dataset-upload (data-chunk-size: optional, bytes). */
(function () {
  "use strict";
  const form = document.getElementById("dataset-upload");
  if (!form) return;
  const progress = form.querySelector("progress");
  const status = form.querySelector(".upload-status");
  const errors = form.querySelector(".errors");
  const READ = 4 * 1024 * 1024;  // bytes read at a time while hashing
  const RETRIES = 3;

  const csrf = () => (document.cookie.split("; ").find((c) => c.startsWith("csrftoken=")) || "=").split("=")[1];

  class UploadError extends Error {}

  async function api(method, url, body, headers = {}) {
    let response;
    try {
      response = await fetch(url, {method, body, credentials: "same-origin",
                                   headers: {"X-CSRFToken": csrf(), ...headers}});
    } catch (err) {
      throw new UploadError(`the server could not be reached (${err.message})`);
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (err) { /* not JSON: an HTML error page */ }
    if (!response.ok) {
      const messages = data && data.errors ? data.errors.map((e) => e.message) : [`HTTP ${response.status}`];
      const error = new UploadError(messages.join("; "));
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function show(label, done, total) {
    progress.max = total || 1;
    progress.value = done;
    status.textContent = `${label} ${total ? Math.floor((100 * done) / total) : 100}%`;
  }

  async function sha256Of(file) {
    const hash = new Sha256();
    for (let at = 0; at < file.size; at += READ) {
      hash.update(new Uint8Array(await file.slice(at, at + READ).arrayBuffer()));
      show("Checking the file…", Math.min(at + READ, file.size), file.size);
    }
    return hash.hex();
  }

  async function sendChunks(file, session, chunkSize) {
    let offset = session.received;
    let failures = 0;
    while (offset < file.size) {
      const end = Math.min(offset + chunkSize, file.size);
      try {
        const state = await api("PUT", `/api/v1/uploads/${session.id}/`, file.slice(offset, end),
                                {"Content-Type": "application/octet-stream",
                                 "Content-Range": `bytes ${offset}-${end - 1}/${file.size}`});
        offset = state.received;
        failures = 0;
      } catch (err) {
        if ((err.status && err.status < 500 && err.status !== 409) || ++failures > RETRIES) throw err;
        // resume from what the server has (the chunk may have arrived even if its answer did not)
        offset = (await api("GET", `/api/v1/uploads/${session.id}/`)).received;
      }
      show("Uploading…", offset, file.size);
    }
  }

  function listDataset(dataset) {
    const list = document.getElementById("dataset-list");
    if (!list) return;
    const empty = list.querySelector(".empty");
    if (empty) empty.remove();
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/api/v1/datasets/${dataset.id}/`;
    link.textContent = `${dataset.name} v${dataset.version}`;
    item.append(link, ` (${dataset.rows} rows, ${dataset.columns.length} columns)`);
    list.prepend(item);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.hidden = true;
    const file = form.elements.file.files[0];
    if (!file) {
      errors.textContent = "Choose a CSV or Parquet file first.";
      errors.hidden = false;
      return;
    }
    const button = form.querySelector("button");
    button.disabled = true;
    progress.hidden = false;
    try {
      const sha256 = await sha256Of(file);
      const session = await api("POST", "/api/v1/uploads/", JSON.stringify({
        workspace: form.elements.workspace.value, name: form.elements.name.value, filename: file.name,
        size: file.size, sha256, description: form.elements.description.value,
        encoding: form.elements.encoding.value,
      }), {"Content-Type": "application/json"});
      const chunkSize = Math.min(session.chunk_max, Number(form.dataset.chunkSize) || session.chunk_max);
      await sendChunks(file, session, chunkSize);
      status.textContent = "Reading the table…";
      const dataset = await api("POST", `/api/v1/uploads/${session.id}/complete/`, "{}",
                                {"Content-Type": "application/json"});
      show("Uploaded", file.size, file.size);
      status.textContent = `Uploaded ${dataset.name} v${dataset.version}: ${dataset.rows} rows.`;
      listDataset(dataset);
      form.reset();
    } catch (err) {
      errors.textContent = `The upload failed: ${err.message}`;
      errors.hidden = false;
      status.textContent = "";
    } finally {
      button.disabled = false;
    }
  });
})();

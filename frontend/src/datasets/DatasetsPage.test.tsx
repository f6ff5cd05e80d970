import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

const server = await vi.hoisted(() => import("../home/testServer").then((m) => m.installFetchMock()));

import { DatasetsPage } from "../pages/DatasetsPage";
import { json, page, renderAt } from "../home/testServer";

const dataset = (id: number, name: string, version: number, fields: Record<string, unknown> = {}) => ({
  id,
  workspace: "lab",
  name,
  version,
  description: "",
  digest: "d".repeat(64),
  size: 2048 * version,
  rows: 100 * version,
  source_format: "csv",
  original_filename: `${name}.csv`,
  created_by: "ada",
  created_at: "2026-01-02T10:00:00Z",
  ...fields,
});

const PREVIEW = {
  rows: 200,
  counted_rows: 200,
  columns: [
    { name: "age", dtype: "int", stats: { count: 200, missing: 0, mean: 40, min: 18, max: 90 }, top_values: null },
    {
      name: "city",
      dtype: "string",
      stats: { count: 190, missing: 10, unique: 2, top: "Oslo" },
      top_values: [
        { value: "Oslo", count: 150 },
        { value: "Lima", count: 40 },
      ],
    },
  ],
  preview: { columns: ["age", "city"], rows: [[31, "Oslo"], [45, null]] },
};

beforeEach(() => {
  server.reset();
  server.on("GET /api/v1/uploads/", () => page([]));
  server.on("GET /api/v1/datasets/", (_req, url) => {
    const all = [dataset(3, "customers", 2), dataset(1, "customers", 1), dataset(2, "orders", 1)];
    const name = url.searchParams.get("name");
    return page(all.filter((d) => !name || d.name === name));
  });
  server.on("GET /api/v1/datasets/3/", () => ({ ...dataset(3, "customers", 2), columns: [], preview: {} }));
  server.on("GET /api/v1/datasets/3/preview/", () => PREVIEW);
});

describe("DatasetsPage", () => {
  it("lists datasets by name with their versions, rows, size and date, linking to the newest", async () => {
    renderAt(<DatasetsPage />, { path: "/datasets", url: "/datasets" });
    const link = await screen.findByRole("link", { name: "customers" });
    expect(link).toHaveAttribute("href", "/datasets/3");
    const row = link.closest("tr")!;
    expect(within(row).getAllByRole("cell").map((c) => c.textContent)).toEqual(
      expect.arrayContaining(["2", "200", "4.0 KB"]),
    );
    expect(screen.getByRole("link", { name: "orders" })).toHaveAttribute("href", "/datasets/2");
    expect(screen.getByRole("heading", { name: "Upload a dataset" })).toBeInTheDocument();
  });

  it("shows a version with its other versions, column statistics and first rows", async () => {
    renderAt(<DatasetsPage />, { path: "/datasets/:datasetId", url: "/datasets/3" });
    expect(await screen.findByRole("heading", { name: "customers v2", level: 1 })).toBeInTheDocument();
    const versions = await screen.findByRole("list", { name: "Versions of customers" });
    expect(within(versions).getByRole("link", { name: "v1" })).toHaveAttribute("href", "/datasets/1");
    expect(within(versions).getByText("v2 (shown)")).toBeInTheDocument();
    const city = (await screen.findByRole("rowheader", { name: "city" })).closest("tr")!;
    expect(city).toHaveTextContent("10 (5.0%)");
    expect(city).toHaveTextContent("“Oslo” × 150");
    expect(screen.getByRole("heading", { name: "First 2 of 200 rows" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Download CSV" })).toHaveAttribute(
      "href",
      "/api/v1/datasets/3/download/?format=csv",
    );
    expect(screen.getByRole("heading", { name: "Upload a new version of customers" })).toBeInTheDocument();
  });

  it("says why a dataset cannot be shown", async () => {
    server.on("GET /api/v1/datasets/9/", () => json({ errors: [{ code: "not_found", message: "dataset 9 not found" }] }, 404));
    renderAt(<DatasetsPage />, { path: "/datasets/:datasetId", url: "/datasets/9" });
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load the dataset: dataset 9 not found");
  });

  it("says why the statistics cannot be shown while the rest of the page works", async () => {
    server.on("GET /api/v1/datasets/3/preview/", () =>
      json({ errors: [{ code: "not_found", message: "the data of dataset customers v2 is no longer stored" }] }, 404),
    );
    renderAt(<DatasetsPage />, { path: "/datasets/:datasetId", url: "/datasets/3" });
    expect(await screen.findByRole("alert")).toHaveTextContent("no longer stored");
    expect(screen.getByRole("heading", { name: "customers v2", level: 1 })).toBeInTheDocument();
  });

  it("invites an upload when the workspace has no datasets", async () => {
    server.on("GET /api/v1/datasets/", () => page([]));
    renderAt(<DatasetsPage />, { path: "/datasets", url: "/datasets" });
    expect(await screen.findByText("No datasets in this workspace yet.")).toBeInTheDocument();
  });
});

describe("DatasetsPage unfinished uploads", () => {
  const session = {
    id: "a".repeat(32),
    workspace: "lab",
    name: "big table",
    description: "nightly export",
    filename: "big.csv",
    encoding: "cp1252",
    size: 4096,
    sha256: "b".repeat(64),
    received: 1024,
    status: "open",
    dataset: null,
    chunk_max: 1024,
    created_at: "2026-01-02T10:00:00Z",
    updated_at: "2026-01-02T10:00:00Z",
    expires_at: "2026-01-03T10:00:00Z",
  };

  it("offers to resume an unfinished upload, filling in its name and settings", async () => {
    server.on("GET /api/v1/uploads/", () => page([session]));
    renderAt(<DatasetsPage />, { path: "/datasets", url: "/datasets" });
    await userEvent.click(await screen.findByRole("button", { name: "Resume the upload of big.csv" }));
    expect(screen.getByRole("textbox", { name: "Name" })).toHaveValue("big table");
    expect(screen.getByRole("textbox", { name: /Text encoding/ })).toHaveValue("cp1252");
    expect(screen.getByText(/To resume, choose/)).toHaveTextContent("big.csv again: 1.0 KB of 4.0 KB");
  });

  it("abandons an unfinished upload", async () => {
    let sessions = [session];
    server.on("GET /api/v1/uploads/", () => page(sessions));
    server.on(`DELETE /api/v1/uploads/${session.id}/`, () => {
      sessions = [];
      return new Response(null, { status: 204 });
    });
    renderAt(<DatasetsPage />, { path: "/datasets", url: "/datasets" });
    await userEvent.click(await screen.findByRole("button", { name: "Abandon the upload of big.csv" }));
    await waitFor(() => expect(screen.queryByRole("heading", { name: "Unfinished uploads" })).not.toBeInTheDocument());
  });
});

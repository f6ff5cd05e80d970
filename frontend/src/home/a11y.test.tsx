// axe-core over each page this folder family draws (jsdom: no colour contrast, the rest holds).
import { screen } from "@testing-library/react";
import axe from "axe-core";
import { beforeEach, describe, expect, it, vi } from "vitest";

const server = await vi.hoisted(() => import("./testServer").then((m) => m.installFetchMock()));

import { CataloguePage } from "../pages/CataloguePage";
import { DatasetsPage } from "../pages/DatasetsPage";
import { HomePage } from "../pages/HomePage";
import { NotFoundPage } from "../pages/NotFoundPage";
import { RunsPage } from "../pages/RunsPage";
import { page, renderAt } from "./testServer";

async function seriousViolations(container: HTMLElement) {
  const result = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`);
}

const port = (name: string, type: string) => ({ name, type, label: name, optional: false, help: "" });

beforeEach(() => {
  server.reset();
  server.on("GET /api/v1/drafts/", () =>
    page([{ id: 4, workspace: "lab", name: "Churn", description: "", revision: 1, created_by: "ada", created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" }]),
  );
  server.on("GET /api/v1/samples/", () => [{ key: "s", name: "Sample", description: "d", document: {} }]);
  server.on("GET /api/v1/runs/", () =>
    page([{ id: 1, workspace: "lab", version: 1, version_name: "Churn", status: "failed", created_by: "ada", created_at: "2026-01-01T00:00:00Z", experiment: "base", duration: 3 }]),
  );
  server.on("GET /api/v1/experiments/", () => ({ results: [{ name: "base", runs: 1 }] }));
  server.on("GET /api/v1/uploads/", () => page([]));
  server.on("GET /api/v1/datasets/", () =>
    page([{ id: 2, workspace: "lab", name: "customers", version: 1, digest: "d", size: 10, rows: 3, source_format: "csv", created_by: "ada", created_at: "2026-01-01T00:00:00Z" }]),
  );
  server.on("GET /api/v1/datasets/2/", () => ({ id: 2, workspace: "lab", name: "customers", version: 1, digest: "d", size: 10, rows: 3, source_format: "csv", created_by: "ada", created_at: "2026-01-01T00:00:00Z" }));
  server.on("GET /api/v1/datasets/2/preview/", () => ({
    rows: 3,
    counted_rows: 3,
    columns: [{ name: "city", dtype: "string", stats: { count: 3, missing: 0, unique: 2 }, top_values: [{ value: "Oslo", count: 2 }] }],
    preview: { columns: ["city"], rows: [["Oslo"], ["Oslo"], ["Lima"]] },
  }));
  server.on("GET /api/v1/modules/", () => [
    { key: "split", version: "1", label: "Split Data", category: "Data", description: "Split.", inputs: [port("data", "DataFrame")], outputs: [port("a", "DataFrame")], params: [{ name: "f", kind: "float", label: "Fraction", default: 0.5, required: true, help: "", min: 0, max: 1 }], user_code: false, disabled: false, infers_schema: true },
  ]);
});

describe("accessibility of the pages", () => {
  it.each([
    ["home", <HomePage />, "/", "/", "Churn"],
    ["runs", <RunsPage />, "/runs", "/runs", "#1"],
    ["datasets", <DatasetsPage />, "/datasets", "/datasets", "customers"],
    ["a dataset", <DatasetsPage />, "/datasets/:datasetId", "/datasets/2", "Lima"],
    ["modules", <CataloguePage />, "/modules/:key/:version", "/modules/split/1", "Fraction"],
    ["not found", <NotFoundPage />, "*", "/nowhere", "Page not found"],
  ])("%s has no serious or critical axe violation", async (_name, element, path, url, ready) => {
    const { container } = renderAt(element, { path, url });
    await screen.findAllByText(ready);
    expect(await seriousViolations(container)).toEqual([]);
  });
});

import { callsTo, json, serve } from "../testing/mockFetch";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { moduleWith, param, renderPanel } from "../testing/harness";

afterEach(cleanup);

function dataset(id: number, name: string, version: number, rows: number) {
  return {
    id, workspace: "lab", name, version, description: "", digest: `d${id}`, size: 100, rows,
    source_format: "csv", original_filename: `${name}.csv`, created_by: "ann", created_at: "2026-01-01T00:00:00Z",
  };
}

const datasets = [dataset(1, "iris", 1, 150), dataset(2, "iris", 2, 149), dataset(3, "adult", 1, 3000)];

function serveDatasets() {
  serve(
    ({ url }) =>
      url.pathname === "/api/v1/workspaces/"
        ? json([
            { id: 1, slug: "home", name: "Home", role: "owner", created_at: "2026-01-01T00:00:00Z" },
            { id: 7, slug: "lab", name: "Lab", role: "editor", created_at: "2026-01-01T00:00:00Z" },
          ])
        : undefined,
    ({ url }) =>
      url.pathname === "/api/v1/datasets/"
        ? json({ count: datasets.length, next: null, previous: null, results: datasets })
        : undefined,
  );
}

const module = moduleWith([param("dataset", "dataset", { label: "Dataset", required: true, help: "A registered dataset." })]);

describe("the dataset picker", () => {
  it("lists the workspace's datasets, asked for by its slug", async () => {
    serveDatasets();
    renderPanel(module, { workspaceId: 7 });
    const name = await screen.findByRole("option", { name: "adult" }, { timeout: 4000 });
    expect(within(name.parentElement!).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "— choose a dataset —", "adult", "iris",
    ]);
    const [call] = callsTo("GET", "/api/v1/datasets/");
    expect(call.url.searchParams.get("workspace")).toBe("lab");
  });

  it("picks a dataset (newest version) and then one of its versions", async () => {
    serveDatasets();
    const user = userEvent.setup();
    const { patches } = renderPanel(module, { workspaceId: 7 });
    await screen.findByRole("option", { name: "iris" }, { timeout: 4000 });
    await user.selectOptions(screen.getByLabelText("Name"), "iris");
    expect(patches).toEqual([{ params: { dataset: { name: "iris", version: null } } }]);
    const version = screen.getByLabelText("Version");
    expect(within(version).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "Newest (v2)", "v2, 149 rows, iris.csv", "v1, 150 rows, iris.csv",
    ]);
    await user.selectOptions(version, "1");
    expect(patches.at(-1)).toEqual({ params: { dataset: { name: "iris", version: 1 } } });
  });

  it("says when the chosen dataset or version is not registered", async () => {
    serveDatasets();
    renderPanel(module, {
      workspaceId: 7, workspaceSlug: "lab",
      node: { id: "n1", module: "test_module", params: { dataset: { name: "titanic", version: 3 } } },
    });
    expect(await screen.findByText(/There is no dataset named titanic in this workspace/, {}, { timeout: 4000 })).toBeInTheDocument();
  });

  it("says when the datasets cannot be loaded", async () => {
    serve(() => json({ errors: [{ code: "error", message: "boom" }] }, 500));
    renderPanel(module, { workspaceId: 7, workspaceSlug: "lab" });
    expect(await screen.findByText(/The datasets could not be loaded/, {}, { timeout: 4000 })).toBeInTheDocument();
  });

  it("says when the workspace is not among the user's", async () => {
    serveDatasets();
    renderPanel(module, { workspaceId: 99 });
    expect(await screen.findByText(/this workspace is not among yours/, {}, { timeout: 4000 })).toBeInTheDocument();
    expect(callsTo("GET", "/api/v1/datasets/")).toHaveLength(0);
  });
});
